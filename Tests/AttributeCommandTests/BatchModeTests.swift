import ArrayFormats
import AttributeCommand
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

/// Batch mode and `--path-points`: many inputs in one run, each with its own target, equal to
/// the single runs bit for bit; and every gradient point written out.
@Suite("attribute: batches of inputs and path points", .tags(.commandLine, .determinism))
struct BatchModeTests {
    static let digits = FixturePaths.url("models/digits-cnn")

    static func jsonLines(_ text: String) throws -> [JSONValue] {
        try text.split(separator: "\n").map { try JSONValue.parse(String($0)) }
    }

    @Test("100 digits in one run equal 100 single runs bit for bit: attributions, reports, ledgers and path points", .tags(.slow))
    func hundredDigits() throws {
        let scratch = try FixturePaths.temporaryDirectory("batch")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let images = try FixturePaths.digitsImages(.test, count: 100)
        #expect(images.shape == [100, 1, 8, 8])
        let batchFile = scratch.appendingPathComponent("batch.npy")
        try NPY.write(images, to: batchFile)
        let method = ["--method", "ig", "--integrator", "idgi", "--steps", "16", "--model", Self.digits.path]
        let batch = AttributeCommand.run(method + [
            "--input", batchFile.path, "--out", scratch.appendingPathComponent("A.npy").path,
            "--ledger", scratch.appendingPathComponent("ledger.json").path, "--path-points", scratch.appendingPathComponent("P.npy").path,
        ])
        #expect(batch.status == 0, "\(batch.standardError)")
        let lines = try Self.jsonLines(batch.standardOutput)
        #expect(lines.count == 100)
        let attributions = try NPY.read(contentsOf: scratch.appendingPathComponent("A.npy"))
        #expect(attributions.shape == [100, 1, 8, 8])
        let points = try NPY.read(contentsOf: scratch.appendingPathComponent("P.npy"))
        #expect(points.shape == [1600, 1, 8, 8])
        let ledgers = try #require(try JSONValue.parse(String(contentsOf: scratch.appendingPathComponent("ledger.json"), encoding: .utf8))["inputs"]?.arrayValue)
        #expect(ledgers.count == 100)

        for b in 0..<100 {
            let single = scratch.appendingPathComponent("x.npy")
            try NPY.write(images.point(b), to: single)
            let outcome = AttributeCommand.run(method + [
                "--input", single.path, "--out", scratch.appendingPathComponent("a.npy").path,
                "--ledger", scratch.appendingPathComponent("l.json").path, "--path-points", scratch.appendingPathComponent("p.npy").path,
            ])
            #expect(outcome.status == 0)
            #expect(try NPY.read(contentsOf: scratch.appendingPathComponent("a.npy")) == attributions.point(b), "input \(b)")
            // The report is the same but for the input's index and the run's time.
            var report = try JSONValue.parse(outcome.standardOutput)
            var line = lines[b]
            #expect(line["input"]?.intValue == b)
            for key in ["input", "seconds"] {
                report = report.removing(key)
                line = line.removing(key)
            }
            #expect(report == line, "input \(b)")
            // Its points are rows 16b…16b+15 of the batch's stack, and its ledger names them so.
            let own = try NPY.read(contentsOf: scratch.appendingPathComponent("p.npy"))
            #expect(own.scalars == Array(points.scalars[b * 16 * 64 ..< (b + 1) * 16 * 64]), "input \(b) points")
            let ledger = try JSONValue.parse(String(contentsOf: scratch.appendingPathComponent("l.json"), encoding: .utf8))
            let batchSteps = try #require(ledgers[b]["steps"]?.arrayValue)
            let singleSteps = try #require(ledger["steps"]?.arrayValue)
            #expect(batchSteps.map { $0["point"]?.intValue } == singleSteps.map { ($0["point"]?.intValue).map { $0 + 16 * b } })
            #expect(batchSteps.map { $0.removing("point") } == singleSteps.map { $0.removing("point") }, "input \(b) ledger")
        }
    }

    @Test("--targets gives each input its own class, as --target does for one; Guided IG walks its inputs in lockstep")
    func targetsFile() throws {
        let scratch = try FixturePaths.temporaryDirectory("targets")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let images = try FixturePaths.digitsImages(.test, count: 6)
        try NPY.write(images, to: scratch.appendingPathComponent("batch.npy"))
        let targets = [7.0, 0, 3, 3, 9, 1]
        try NPY.write(Tensor(shape: [6], scalars: targets), to: scratch.appendingPathComponent("t.npy"))
        let method = ["--method", "guided-ig", "--steps", "10", "--model", Self.digits.path, "--output", "logit"]
        let batch = AttributeCommand.run(method + [
            "--input", scratch.appendingPathComponent("batch.npy").path, "--targets", scratch.appendingPathComponent("t.npy").path,
            "--out", scratch.appendingPathComponent("A.npy").path,
        ])
        #expect(batch.status == 0, "\(batch.standardError)")
        let lines = try Self.jsonLines(batch.standardOutput)
        #expect(lines.map { $0["target"]?.intValue } == targets.map { Int($0) })
        let attributions = try NPY.read(contentsOf: scratch.appendingPathComponent("A.npy"))
        for b in 0..<6 {
            try NPY.write(images.point(b), to: scratch.appendingPathComponent("x.npy"))
            let single = AttributeCommand.run(method + [
                "--input", scratch.appendingPathComponent("x.npy").path, "--target", String(Int(targets[b])),
                "--out", scratch.appendingPathComponent("a.npy").path,
            ])
            #expect(single.status == 0)
            #expect(try NPY.read(contentsOf: scratch.appendingPathComponent("a.npy")) == attributions.point(b), "input \(b)")
        }
        // A targets file of the wrong length, or with a fraction, is bad data.
        try NPY.write(Tensor(shape: [5], scalars: [1, 2, 3, 4, 5]), to: scratch.appendingPathComponent("short.npy"))
        let short = AttributeCommand.run(method + [
            "--input", scratch.appendingPathComponent("batch.npy").path, "--targets", scratch.appendingPathComponent("short.npy").path,
            "--out", scratch.appendingPathComponent("A2.npy").path,
        ])
        #expect(short.status == 3 && short.standardError.contains("give 6 numbers"), "\(short.standardError)")
        try NPY.write(Tensor(shape: [6], scalars: [1, 2, 3.5, 4, 5, 6]), to: scratch.appendingPathComponent("frac.npy"))
        let fraction = AttributeCommand.run(method + [
            "--input", scratch.appendingPathComponent("batch.npy").path, "--targets", scratch.appendingPathComponent("frac.npy").path,
            "--out", scratch.appendingPathComponent("A2.npy").path,
        ])
        #expect(fraction.status == 3 && fraction.standardError.contains("target 2 is 3.5"), "\(fraction.standardError)")
        #expect(!FileManager.default.fileExists(atPath: scratch.appendingPathComponent("A2.npy").path))
    }

    @Test("--path-points lets a reader recompute an attribution from the points alone: SmoothGrad's mean of the gradients there")
    func recomputeSmoothGrad() throws {
        let scratch = try FixturePaths.temporaryDirectory("points")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outcome = AttributeCommand.run([
            "--model", Self.digits.path, "--input", Self.digits.appendingPathComponent("example-input.npy").path,
            "--method", "smoothgrad", "--samples", "7", "--seed", "11", "--target", "2",
            "--out", scratch.appendingPathComponent("a.npy").path, "--path-points", scratch.appendingPathComponent("p.npy").path,
        ])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let json = try JSONValue.parse(outcome.standardOutput)
        // The seed is a number in the report.
        #expect(json["parameters"]?["seed"]?.doubleValue == 11)
        let points = try NPY.read(contentsOf: scratch.appendingPathComponent("p.npy"))
        #expect(points.shape == [7, 1, 8, 8])
        let output = try ClassifierOutput(network: try ModelDirectory.load(Self.digits), target: 2)
        var mean = [Double](repeating: 0, count: 64)
        for s in 0..<7 {
            let g = try output.gradient(at: points.point(s)).scalars
            for i in 0..<64 { mean[i] += g[i] }
        }
        mean = mean.map { $0 / 7 }
        #expect(try NPY.read(contentsOf: scratch.appendingPathComponent("a.npy")).scalars == mean)
    }
}

extension JSONValue {
    /// The object without member `key`.
    func removing(_ key: String) -> JSONValue {
        guard case .object(let members) = self else { return self }
        return .object(members.filter { $0.key != key })
    }
}
