import ArrayFormats
import AttributeCommand
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

/// A scratch directory with an input file, for one CLI test.
struct Scratch {
    let directory: URL
    let model = FixturePaths.url("pytorch/cnn-pools")

    init() throws { directory = try FixturePaths.temporaryDirectory("cli") }
    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    func remove() { try? FileManager.default.removeItem(at: directory) }

    /// Writes row `row` of the fixture's golden inputs, with shape `[1] + inputShape` if `batched`.
    func writeInput(row: Int = 0, batched: Bool = false, name: String = "x.npy") throws -> String {
        let inputs = try NPY.read(contentsOf: model.appendingPathComponent("golden/inputs.npy"))
        let point = inputs.point(row)
        try NPY.write(batched ? point.reshaped([1] + point.shape) : point, to: directory.appendingPathComponent(name))
        return path(name)
    }
}

@Suite("attribute: results", .tags(.commandLine))
struct AttributeCommandTests {
    @Test("Gradient of a chosen target and output equals the PyTorch golden; the JSON says what was computed", arguments: OutputKind.allCases)
    func gradientMatchesGolden(kind: OutputKind) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let input = try scratch.writeInput(row: 2)
        let targets = try NPY.read(contentsOf: scratch.model.appendingPathComponent("golden/targets.npy")).scalars
        let target = Int(targets[2])
        let outcome = AttributeCommand.run([
            "--model", scratch.model.path, "--input", input, "--method", "gradient", "--target", String(target),
            "--output", kind.rawValue, "--out", scratch.path("a.npy"),
        ])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardError.isEmpty)
        let json = try JSONValue.parse(outcome.standardOutput)
        #expect(outcome.standardOutput.filter { $0 == "\n" }.count == 1)
        #expect(json["method"]?.stringValue == "gradient")
        #expect(json["target"]?.intValue == target)
        #expect(json["output"]?.stringValue == kind.rawValue)
        let golden = { (file: String) in try NPY.read(contentsOf: scratch.model.appendingPathComponent("golden/\(file)")) }
        expectClose(try #require(json["value"]?.doubleValue), try golden("values-\(kind.rawValue).npy").scalars[2], .float64Peer, "value")
        let logits = try #require(json["logits"]?.arrayValue).compactMap(\.doubleValue)
        expectClose(logits, try golden("logits.npy").point(2).scalars, .float64Peer, "logits")
        #expect(json["predictedClass"]?.intValue == Reductions.indexOfMaximum(logits))
        let attribution = try NPY.read(contentsOf: URL(fileURLWithPath: scratch.path("a.npy")))
        #expect(attribution.shape == [2, 10, 10])
        expectClose(attribution.scalars, try golden("gradients-\(kind.rawValue).npy").point(2).scalars, .float64Peer, "attribution")
    }

    @Test("Defaults: the predicted class and the probability; a [1]+inputShape input gives an output of that shape")
    func defaults() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let input = try scratch.writeInput(row: 1, batched: true)
        let outcome = AttributeCommand.run(["--model", scratch.model.path, "--input", input, "--method", "guided-backprop", "--out", scratch.path("a.npy")])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let json = try JSONValue.parse(outcome.standardOutput)
        #expect(json["output"]?.stringValue == "probability")
        #expect(json["target"]?.intValue == json["predictedClass"]?.intValue)
        #expect(try NPY.read(contentsOf: URL(fileURLWithPath: scratch.path("a.npy"))).shape == [1, 2, 10, 10])
        for key in ["method", "target", "output", "value", "predictedClass", "logits", "attributionSum", "gradientEvaluations", "seconds"] {
            #expect(json[key] != nil, "missing \(key)")
        }
    }

    @Test("--help lists every option and exits 0")
    func help() {
        let outcome = AttributeCommand.run(["--help"])
        #expect(outcome.status == 0)
        for option in ["--model", "--input", "--method", "--out", "--target", "--output", "--help"] {
            #expect(outcome.standardOutput.contains(option), "help lacks \(option)")
        }
        for method in AttributeCommand.methods { #expect(outcome.standardOutput.contains(method)) }
    }
}

/// A command line that must fail, the status it must fail with, and a phrase of its message.
struct FailingInvocation: Sendable, CustomStringConvertible {
    var description: String
    /// Builds the arguments from the scratch directory (which holds a valid input `x.npy`).
    var arguments: @Sendable (Scratch) throws -> [String]
    var status: Int32
    var phrase: String

    static func standard(_ scratch: Scratch, replacing: [String: String] = [:], dropping: Set<String> = []) -> [String] {
        var options: [(String, String)] = [
            ("--model", scratch.model.path), ("--input", scratch.path("x.npy")), ("--method", "gradient"), ("--out", scratch.path("a.npy")),
        ]
        options = options.filter { !dropping.contains($0.0) }.map { ($0.0, replacing[$0.0] ?? $0.1) }
        return options.flatMap { [$0.0, $0.1] }
    }

    static let all: [FailingInvocation] = [
        // Usage errors: exit 2.
        FailingInvocation(description: "no arguments", arguments: { _ in [] }, status: 2, phrase: "missing required option '--model'"),
        FailingInvocation(description: "missing --out", arguments: { standard($0, dropping: ["--out"]) }, status: 2, phrase: "'--out'"),
        FailingInvocation(description: "unknown method", arguments: { standard($0, replacing: ["--method": "saliency"]) }, status: 2, phrase: "--method saliency is not a method; one of:"),
        FailingInvocation(description: "unknown option", arguments: { standard($0) + ["--stpes", "10"] }, status: 2, phrase: "unknown option '--stpes'"),
        FailingInvocation(description: "unknown output kind", arguments: { standard($0) + ["--output", "softmax"] }, status: 2, phrase: "--output softmax"),
        FailingInvocation(description: "negative target", arguments: { standard($0) + ["--target", "-1"] }, status: 2, phrase: "must be an integer ≥ 0"),
        FailingInvocation(description: "non-numeric target", arguments: { standard($0) + ["--target", "cat"] }, status: 2, phrase: "must be an integer"),
        FailingInvocation(description: "option given twice", arguments: { standard($0) + ["--method", "gradient"] }, status: 2, phrase: "given twice"),
        FailingInvocation(description: "option without value", arguments: { standard($0) + ["--target"] }, status: 2, phrase: "needs a value"),
        FailingInvocation(description: "stray argument", arguments: { standard($0) + ["extra"] }, status: 2, phrase: "unexpected argument"),
        // Invalid data: exit 3.
        FailingInvocation(description: "target beyond the classes", arguments: { standard($0) + ["--target", "5"] }, status: 3, phrase: "out of range"),
        FailingInvocation(description: "no such model", arguments: { standard($0, replacing: ["--model": $0.path("nowhere")]) }, status: 3, phrase: "no such model directory"),
        FailingInvocation(description: "no such input", arguments: { standard($0, replacing: ["--input": $0.path("absent.npy")]) }, status: 3, phrase: "no such file"),
        FailingInvocation(
            description: "input of the wrong shape",
            arguments: { scratch in
                try NPY.write(Tensor(zeros: [2, 9, 10]), to: scratch.directory.appendingPathComponent("wrong.npy"))
                return standard(scratch, replacing: ["--input": scratch.path("wrong.npy")])
            }, status: 3, phrase: "the model's input shape is [2, 10, 10]"),
        FailingInvocation(
            description: "NaN in the input",
            arguments: { scratch in
                var x = Tensor(zeros: [2, 10, 10])
                x.scalars[17] = .nan
                try NPY.write(x, to: scratch.directory.appendingPathComponent("nan.npy"))
                return standard(scratch, replacing: ["--input": scratch.path("nan.npy")])
            }, status: 3, phrase: "element 17"),
        FailingInvocation(
            description: "garbled input file",
            arguments: { scratch in
                try AtomicFile.write(Array("\u{93}NUMPY garbage".utf8), to: scratch.directory.appendingPathComponent("bad.npy"))
                return standard(scratch, replacing: ["--input": scratch.path("bad.npy")])
            }, status: 3, phrase: "bad.npy"),
        FailingInvocation(
            description: "model with an unknown layer kind",
            arguments: { scratch in
                let model = scratch.directory.appendingPathComponent("model")
                try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
                try AtomicFile.write(#"{"format": "pathattribution.model", "version": 1, "inputShape": [2, 10, 10], "classes": 5, "layers": [{"kind": "attention"}]}"#, to: model.appendingPathComponent("model.json"))
                return standard(scratch, replacing: ["--model": model.path])
            }, status: 3, phrase: "unknown layer kind \"attention\""),
        FailingInvocation(
            description: "output directory missing",
            arguments: { standard($0, replacing: ["--out": $0.path("no/such/dir/a.npy")]) }, status: 3, phrase: "does not exist"),
    ]
}

@Suite("attribute: mistakes are reported, never half-done", .tags(.commandLine, .badInput))
struct AttributeCommandFailureTests {
    @Test("Each failing invocation exits with its status, one line on stderr, nothing on stdout, and no output file", arguments: FailingInvocation.all)
    func fails(invocation: FailingInvocation) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        _ = try scratch.writeInput()
        let outcome = AttributeCommand.run(try invocation.arguments(scratch))
        #expect(outcome.status == invocation.status)
        #expect(outcome.standardOutput.isEmpty)
        #expect(outcome.standardError.hasPrefix("attribute: "))
        #expect(outcome.standardError.filter { $0 == "\n" }.count == 1, "\(outcome.standardError)")
        #expect(outcome.standardError.contains(invocation.phrase), "\(outcome.standardError)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path("a.npy")))
        // Nothing half-written anywhere in the scratch directory.
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.directory.path).allSatisfy { !$0.contains("partial") })
    }

    @Test("A failed run leaves an existing output file untouched")
    func existingOutputKept() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        _ = try scratch.writeInput()
        let previous = Tensor(shape: [2], scalars: [7, 8])
        try NPY.write(previous, to: URL(fileURLWithPath: scratch.path("a.npy")))
        let outcome = AttributeCommand.run(FailingInvocation.standard(scratch) + ["--target", "99"])
        #expect(outcome.status == 3)
        #expect(try NPY.read(contentsOf: URL(fileURLWithPath: scratch.path("a.npy"))) == previous)
    }
}

@Suite("attribute: the real executable", .tags(.commandLine))
struct AttributeExecutableTests {
    /// The built `attribute` binary, beside the test bundle in the build directory.
    static var executable: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("attribute")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return FixturePaths.repositoryRoot.appendingPathComponent(".build/debug/attribute")
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    @Test("Exit statuses 0, 2 and 3 from the process itself")
    func exitStatuses() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable.path), "build the attribute executable first")
        let scratch = try Scratch()
        defer { scratch.remove() }
        let input = try scratch.writeInput()
        let success = try Self.run(["--model", scratch.model.path, "--input", input, "--method", "input-x-gradient", "--out", scratch.path("a.npy")])
        #expect(success.status == 0, "\(success.err)")
        #expect(try JSONValue.parse(success.out)["method"]?.stringValue == "input-x-gradient")
        let usage = try Self.run(["--method", "nope"])
        #expect(usage.status == 2)
        #expect(usage.out.isEmpty && usage.err.hasPrefix("attribute: "))
        let invalid = try Self.run(["--model", scratch.path("absent"), "--input", input, "--method", "gradient", "--out", scratch.path("b.npy")])
        #expect(invalid.status == 3)
        #expect(invalid.err.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: scratch.path("b.npy")))
    }
}
