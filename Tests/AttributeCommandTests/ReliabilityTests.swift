import ArrayFormats
import AttributeCommand
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

/// Numerical edge cases through the command line: every run ends in a finite attribution
/// and exit 0, or in exit 3 with a message — never NaN, never a crash.
@Suite("attribute: numerical edge cases", .tags(.commandLine, .badInput))
struct NumericalEdgeCaseTests {
    /// A small model saved to `directory`: dense layers on inputs of `inputShape`.
    static func model(_ directory: URL, inputShape: [Int], seed: UInt64) throws -> URL {
        var generator = Seeds.generator(seed)
        let features = Tensor.elementCount(of: inputShape)
        let network = try Sequential(inputShape: inputShape, layers: [
            Flatten(), Dense(inputs: features, outputs: 6, using: &generator), ActivationLayer(.softplus), Dense(inputs: 6, outputs: 3, using: &generator),
        ])
        let url = directory.appendingPathComponent("model")
        try ModelDirectory.save(network, to: url)
        return url
    }

    static let pathMethods: [[String]] = [
        ["--method", "ig"], ["--method", "ig", "--integrator", "idgi"], ["--method", "guided-ig", "--steps", "20"],
        ["--method", "guided-ig", "--steps", "20", "--integrator", "idgi"], ["--method", "smoothgrad", "--base", "ig", "--steps", "10", "--samples", "3"],
    ]

    static func run(_ arguments: [String]) throws -> (status: Int32, json: JSONValue, attribution: Tensor?, error: String) {
        let outcome = AttributeCommand.run(arguments)
        let json = outcome.status == 0 ? try JSONValue.parse(outcome.standardOutput) : .null
        let out = arguments[arguments.firstIndex(of: "--out")! + 1]
        let attribution = outcome.status == 0 ? try NPY.read(contentsOf: URL(fileURLWithPath: out)) : nil
        return (outcome.status, json, attribution, outcome.standardError)
    }

    @Test("Input equal to the baseline (both zero): all zeros, completeness delta 0", arguments: pathMethods)
    func baselineEqualsInput(method: [String]) throws {
        let scratch = try FixturePaths.temporaryDirectory("edge")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let model = try Self.model(scratch, inputShape: [1, 3, 3], seed: 1800)
        try NPY.write(Tensor(zeros: [1, 3, 3]), to: scratch.appendingPathComponent("x.npy"))
        let result = try Self.run(["--model", model.path, "--input", scratch.appendingPathComponent("x.npy").path, "--out", scratch.appendingPathComponent("a.npy").path] + method)
        #expect(result.status == 0, "\(result.error)")
        if method.contains("smoothgrad") {
            // The noise moves the input off the baseline; the map is finite, not zero.
            #expect(result.attribution?.firstNonFiniteIndex == nil)
        } else {
            #expect(result.attribution?.scalars.allSatisfy { $0 == 0 } == true)
            #expect(result.json["completenessDelta"]?.doubleValue == 0)
        }
    }

    @Test("σ_max = 0: the blur path stands still, the attribution is zero, nothing is NaN")
    func zeroSigma() throws {
        let scratch = try FixturePaths.temporaryDirectory("edge")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let model = FixturePaths.url("models/digits-cnn")
        for integrator in ["riemann", "idgi"] {
            let result = try Self.run(["--model", model.path, "--input", model.appendingPathComponent("example-input.npy").path,
                                       "--out", scratch.appendingPathComponent("a.npy").path, "--method", "blur-ig", "--max-sigma", "0", "--steps", "5", "--integrator", integrator])
            #expect(result.status == 0, "\(result.error)")
            #expect(result.attribution?.scalars.allSatisfy { $0 == 0 } == true)
            #expect(result.json["completenessDelta"]?.doubleValue == 0)
        }
    }

    @Test("A 1×1 image and a single feature: every method runs", arguments: [[1, 1, 1], [1]])
    func tinyInputs(inputShape: [Int]) throws {
        let scratch = try FixturePaths.temporaryDirectory("edge")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let model = try Self.model(scratch, inputShape: inputShape, seed: 1801)
        try NPY.write(Tensor(shape: inputShape, repeating: 0.7), to: scratch.appendingPathComponent("x.npy"))
        var methods = Self.pathMethods + [["--method", "gradient"], ["--method", "input-x-gradient"], ["--method", "guided-backprop"], ["--method", "smoothgrad"]]
        if inputShape.count == 3 { methods += [["--method", "blur-ig", "--steps", "10"], ["--method", "blur-ig", "--steps", "10", "--integrator", "idgi"]] }
        for method in methods {
            let result = try Self.run(["--model", model.path, "--input", scratch.appendingPathComponent("x.npy").path, "--out", scratch.appendingPathComponent("a.npy").path] + method)
            #expect(result.status == 0, "\(method): \(result.error)")
            #expect(result.attribution?.shape == inputShape && result.attribution?.firstNonFiniteIndex == nil, "\(method)")
        }
    }

    @Test("Large inputs stay finite (stable softmax); inputs that overflow the network exit 3 saying so")
    func largeInputs() throws {
        let scratch = try FixturePaths.temporaryDirectory("edge")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let model = FixturePaths.url("models/digits-cnn")
        let image = try NPY.read(contentsOf: model.appendingPathComponent("example-input.npy"))
        // digits-cnn's logits reach ~1e303 at 1e300: still finite, and the softmax stays stable.
        // At 1e307 one logit overflows to −∞ while p stays finite — a crash in the JSON writer
        // until this test; at 1e308 +∞ logits make the softmax 0/0.
        for (scale, expectedStatus) in [(1e6, Int32(0)), (1e300, Int32(0)), (1e307, Int32(3)), (1e308, Int32(3))] {
            try NPY.write(scale * image, to: scratch.appendingPathComponent("big.npy"))
            for kind in ["probability", "log-probability", "logit"] {
                try? FileManager.default.removeItem(at: scratch.appendingPathComponent("a.npy"))
                let result = try Self.run(["--model", model.path, "--input", scratch.appendingPathComponent("big.npy").path, "--out", scratch.appendingPathComponent("a.npy").path,
                                           "--method", "ig", "--steps", "16", "--output", kind])
                #expect(result.status == expectedStatus, "scale \(scale), \(kind): \(result.error)")
                if expectedStatus == 0 {
                    #expect(result.attribution?.firstNonFiniteIndex == nil)
                } else {
                    #expect(result.error.contains("overflow"), "\(result.error)")
                    #expect(!FileManager.default.fileExists(atPath: scratch.appendingPathComponent("a.npy").path))
                }
            }
        }
    }

    @Test("A saturated probability is reported with a pointer to log-probability and logit")
    func saturatedSoftmax() throws {
        let scratch = try FixturePaths.temporaryDirectory("edge")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let model = FixturePaths.url("models/digits-cnn")
        let image = try NPY.read(contentsOf: model.appendingPathComponent("example-input.npy"))
        try NPY.write(20 * image, to: scratch.appendingPathComponent("bright.npy"))
        let saturated = try Self.run(["--model", model.path, "--input", scratch.appendingPathComponent("bright.npy").path, "--out", scratch.appendingPathComponent("a.npy").path, "--method", "gradient"])
        #expect(saturated.status == 0)
        #expect(saturated.json["value"]?.doubleValue == 1)
        let warning = try #require(saturated.json["warnings"]?.arrayValue?.first?.stringValue)
        #expect(warning.contains("saturated") && warning.contains("--output log-probability"))
        let logProbability = try Self.run(["--model", model.path, "--input", scratch.appendingPathComponent("bright.npy").path, "--out", scratch.appendingPathComponent("a.npy").path,
                                           "--method", "gradient", "--output", "log-probability"])
        #expect(logProbability.json["warnings"]?.arrayValue?.isEmpty == true)
        // The log-probability's gradient is not all zero where the probability's is.
        #expect(logProbability.attribution?.scalars.contains { $0 != 0 } == true)
    }
}

@Suite("attribute: same inputs, same bits", .tags(.commandLine, .determinism))
struct DeterminismTests {
    static let methods: [[String]] = [
        ["--method", "gradient"], ["--method", "input-x-gradient"], ["--method", "guided-backprop"],
        ["--method", "ig", "--steps", "40"], ["--method", "ig", "--integrator", "idgi", "--steps", "40"],
        ["--method", "blur-ig", "--steps", "20"], ["--method", "blur-ig", "--steps", "20", "--integrator", "idgi"],
        ["--method", "guided-ig", "--steps", "20"], ["--method", "guided-ig", "--steps", "20", "--integrator", "idgi"],
        ["--method", "smoothgrad", "--samples", "4", "--seed", "5"], ["--method", "smoothgrad", "--base", "blur-ig", "--steps", "8", "--samples", "3", "--seed", "6"],
    ]

    @Test("Every method gives byte-identical files twice over and for 1 and 2 threads", arguments: methods)
    func sameBits(method: [String]) throws {
        let scratch = try FixturePaths.temporaryDirectory("determinism")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let model = FixturePaths.url("models/shapes-cnn")
        // An odd batch size for the batched paths, so chunks end mid-path.
        let batch = ["ig", "blur-ig"].contains(method[1]) ? ["--batch", "7"] : []
        var files: [Data] = []
        for (run, threads) in [(0, "1"), (1, "2"), (2, "2")] {
            let out = scratch.appendingPathComponent("a\(run).npy")
            let outcome = AttributeCommand.run(["--model", model.path, "--input", model.appendingPathComponent("example-input.npy").path,
                                                "--out", out.path, "--threads", threads] + batch + method)
            #expect(outcome.status == 0, "\(method): \(outcome.standardError)")
            files.append(try Data(contentsOf: out))
        }
        #expect(files[0] == files[1] && files[1] == files[2], "\(method)")
    }
}
