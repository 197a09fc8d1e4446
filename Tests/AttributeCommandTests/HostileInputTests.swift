import ArrayFormats
import Attribution
import AttributeCommand
import Catalogue
import Diffusion
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

/// Inputs a hostile user tries, each with its contract answer: exit 0 with finite output, or
/// exit 2 (usage) / 3 (data) with one line on stderr and nothing on stdout — never a signal,
/// never an input changed, never a file written by a failed run.
@Suite("attribute: hostile inputs get their contract answer", .tags(.commandLine, .badInput))
struct HostileInputTests {
    static let digits = FixturePaths.url("models/digits-cnn")
    static let mlp = FixturePaths.url("models/digits-mlp")
    static let moons = FixturePaths.url("models/moons-mlp")
    static let diffusion = FixturePaths.url("diffusion/digits")
    static let example = digits.appendingPathComponent("example-input.npy").path

    /// A failed run's contract: the status, one line on stderr containing `phrase`, no stdout.
    static func expectFailure(_ outcome: AttributeCommand.Outcome, _ status: Int32, _ phrase: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(outcome.status == status, "\(outcome.standardError)", sourceLocation: sourceLocation)
        #expect(outcome.standardOutput.isEmpty, sourceLocation: sourceLocation)
        #expect(outcome.standardError.filter { $0 == "\n" }.count == 1, "\(outcome.standardError)", sourceLocation: sourceLocation)
        #expect(outcome.standardError.contains(phrase), "\(outcome.standardError)", sourceLocation: sourceLocation)
    }

    /// A version-1 `.npy` file with this header and these data bytes.
    static func npy(descr: String, shape: [Int], data: [UInt8]) -> [UInt8] {
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(shape.map(String.init).joined(separator: ", ")),), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        let length = header.utf8.count
        return [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8) + data
    }

    /// Every regular file under `directory` with its bytes.
    static func snapshot(_ directory: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for case let path as String in FileManager.default.enumerator(atPath: directory.path)! {
            let url = directory.appendingPathComponent(path)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue { files[path] = try Data(contentsOf: url) }
        }
        return files
    }

    @Test("The perturbation metrics' numbers out of range are usage errors naming the range, not a crash")
    func perturbationOptions() throws {
        let scratch = try FixturePaths.temporaryDirectory("hostile-perturbations")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let map = scratch.appendingPathComponent("a.npy").path
        #expect(AttributeCommand.run(["--model", Self.digits.path, "--input", Self.example, "--method", "gradient", "--out", map]).status == 0)
        let infidelity = ["evaluate", "--metric", "infidelity", "--model", Self.digits.path, "--input", Self.example, "--attribution", map]
        let sensitivity = ["evaluate", "--metric", "max-sensitivity", "--model", Self.digits.path, "--input", Self.example, "--method", "gradient"]
        let cases: [([String], String)] = [
            (infidelity + ["--samples", "0"], "--samples must be an integer in 1…1000000, got 0"),
            (infidelity + ["--samples", "-3"], "--samples must be an integer in 1…1000000, got -3"),
            (infidelity + ["--seed", "-1"], "--seed must be a whole number in 0…18446744073709551615"),
            (infidelity + ["--noise-stddev", "nan"], "--noise-stddev must be a number in [0, 1000000000], got nan"),
            (infidelity + ["--noise-stddev", "-1"], "--noise-stddev must be a number in [0, 1000000000], got -1"),
            (sensitivity + ["--radius", "-1"], "--radius must be a number in [0, 1000000000], got -1"),
            (sensitivity + ["--radius", "nan"], "--radius must be a number in [0, 1000000000], got nan"),
            (sensitivity + ["--samples", "0"], "--samples must be an integer in 1…1000000, got 0"),
            (sensitivity + ["--seed", "x"], "--seed must be a whole number in 0…18446744073709551615, got x"),
        ]
        for (arguments, phrase) in cases { Self.expectFailure(AttributeCommand.run(arguments), 2, phrase) }
    }

    @Test("IG with Gauss–Legendre past 35,412 steps is complete (the rule's walk no longer overflows)")
    func gaussLegendreSteps() throws {
        let scratch = try FixturePaths.temporaryDirectory("hostile-steps")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outcome = AttributeCommand.run([
            "--model", Self.moons.path, "--input", Self.moons.appendingPathComponent("example-input.npy").path, "--method", "ig", "--steps", "35413",
            "--out", scratch.appendingPathComponent("a.npy").path,
        ])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let json = try JSONValue.parse(outcome.standardOutput)
        // Gauss–Legendre on a smooth 2-D MLP: the rule's error is far below round-off at 35,413
        // nodes; what is left is the sum of 35,413 terms (≈ 35,413 ε relative to F).
        #expect(abs(try #require(json["completenessDelta"]?.doubleValue)) <= 1e-9)
        // Out of range is refused before the model or the input is read (neither exists here).
        let steps = AttributeCommand.run(["--model", "/nowhere", "--input", "/nowhere.npy", "--method", "ig", "--steps", "10000001", "--out", "x.npy"])
        Self.expectFailure(steps, 2, "--steps must be an integer in 1…10000000, got 10000001")
    }

    @Test("No output may replace a file the run reads: a model's weight, the input, a diffusion model's files")
    func outputsThatReplaceInputs() throws {
        let scratch = try FixturePaths.temporaryDirectory("hostile-outputs")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let model = scratch.appendingPathComponent("model")
        let diffusion = scratch.appendingPathComponent("diffusion")
        try FileManager.default.copyItem(at: Self.digits, to: model)
        try FileManager.default.copyItem(at: Self.diffusion, to: diffusion)
        let before = (try Self.snapshot(model), try Self.snapshot(diffusion))
        let input = model.appendingPathComponent("example-input.npy").path
        let weight = try #require(try FileManager.default.contentsOfDirectory(atPath: model.path).first { $0.hasSuffix(".weight.npy") })
        let diffusionWeight = try #require(
            try FileManager.default.contentsOfDirectory(atPath: diffusion.appendingPathComponent("denoiser").path).first { $0.hasSuffix(".npy") })
        let cases: [([String], String)] = [
            (["--model", model.path, "--input", input, "--method", "gradient", "--out", model.appendingPathComponent(weight).path], "inside --model"),
            (["evaluate", "--metric", "information", "--input", input, "--png-out", input], "--png-out \(input) is the same file as --input"),
            (["denoise", "--diffusion", diffusion.path, "--input", input, "--time", "5", "--out", diffusion.appendingPathComponent("diffusion.json").path], "inside --diffusion"),
            (["denoise", "--diffusion", diffusion.path, "--input", input, "--time", "5", "--out", diffusion.appendingPathComponent("denoiser/model.json").path], "inside --diffusion"),
            (["denoise", "--diffusion", diffusion.path, "--input", input, "--time", "5", "--out", diffusion.appendingPathComponent("denoiser/\(diffusionWeight)").path], "inside --diffusion"),
            (["--model", model.path, "--input", input, "--method", "ddpath", "--diffusion", diffusion.path, "--steps", "4",
              "--out", diffusion.appendingPathComponent("denoiser/\(diffusionWeight)").path], "inside --diffusion"),
        ]
        for (arguments, phrase) in cases { Self.expectFailure(AttributeCommand.run(arguments), 2, phrase) }
        #expect(try Self.snapshot(model) == before.0 && Self.snapshot(diffusion) == before.1, "an input changed")
    }

    @Test("An output path that exists and is not a regular file (a FIFO standing in for a device) is refused and left as it was")
    func outputThatIsNotARegularFile() throws {
        let scratch = try FixturePaths.temporaryDirectory("hostile-fifo")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let fifo = scratch.appendingPathComponent("device")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        for arguments in [
            ["--model", Self.digits.path, "--input", Self.example, "--method", "gradient", "--out", fifo.path],
            ["--model", Self.digits.path, "--input", Self.example, "--method", "ig", "--steps", "4", "--out", scratch.appendingPathComponent("a.npy").path, "--ledger", fifo.path],
            ["evaluate", "--metric", "information", "--input", Self.example, "--png-out", fifo.path],
        ] {
            Self.expectFailure(AttributeCommand.run(arguments), 2, "exists and is not a regular file")
        }
        var status = stat()
        #expect(stat(fifo.path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFIFO, "the FIFO was replaced")
        #expect(!FileManager.default.fileExists(atPath: scratch.appendingPathComponent("a.npy").path))
    }

    @Test("Standard output that cannot be written (a full device, a closed pipe) fails the run with status 3 and commits no file")
    func unwritableStandardOutput() throws {
        try #require(FileManager.default.isExecutableFile(atPath: AttributeExecutableTests.executable.path), "build the attribute executable first")
        let scratch = try FixturePaths.temporaryDirectory("hostile-stdout")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("a.npy")
        let arguments = ["--model", Self.digits.path, "--input", Self.example, "--method", "gradient", "--out", out.path]
        // A writer that always fails stands in for a full disk, in process.
        struct Full: Error {}
        let failed = AttributeCommand.execute(arguments) { _ in throw Full() }
        #expect(failed.status == 3 && failed.standardError.contains("cannot write standard output"), "\(failed.standardError)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
        // The process with its stdout on a closed pipe: no SIGPIPE, status 3, no file.
        let process = Process()
        process.executableURL = AttributeExecutableTests.executable
        process.arguments = arguments
        let pipe = Pipe()
        let errors = Pipe()
        process.standardOutput = pipe
        process.standardError = errors
        try pipe.fileHandleForReading.close()
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 3, "status \(process.terminationStatus): \(message)")
        #expect(message.contains("cannot write standard output"), "\(message)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
        if FileManager.default.isWritableFile(atPath: "/dev/full") {
            let full = Process()
            full.executableURL = AttributeExecutableTests.executable
            full.arguments = arguments
            full.standardOutput = FileHandle(forWritingAtPath: "/dev/full")
            full.standardError = Pipe()
            try full.run()
            full.waitUntilExit()
            #expect(full.terminationReason == .exit && full.terminationStatus == 3)
            #expect(!FileManager.default.fileExists(atPath: out.path))
        }
    }

    @Test("Every method runs under every metric that re-runs one, built by the one builder with the model and its files")
    func everyMethodThroughEveryRerunningMetric() throws {
        let scratch = try FixturePaths.temporaryDirectory("hostile-rerun")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let references = scratch.appendingPathComponent("R.npy")
        try NPY.write(try FixturePaths.digitsImages(.train, count: 30), to: references)
        var methods: [[String]] = Catalogue.methods.methods.compactMap { registration -> [String]? in
            var arguments = ["--method", registration.name]
            for (name, value) in registration.quickConfigurations[0] { arguments += ["--method.\(name)", value] }
            let given = (try? Catalogue.methods.specification(registration.name, text: registration.quickConfigurations[0]))?.values ?? [:]
            // Only the files that apply to the quick configuration (DDPath's references go with its exact denoiser only).
            for parameter in registration.parameters where registration.applies(parameter.name, given: given) {
                switch parameter.kind {
                case .array(.stack): arguments += ["--method.\(parameter.name)", references.path]
                case .resource: arguments += ["--method.\(parameter.name)", Self.diffusion.path]
                default: break
                }
            }
            return arguments
        }
        methods.append(["--method", "smoothgrad", "--base", "agi", "--method.samples", "2", "--max-iterations", "2"])
        methods.append(["--method", "smoothgrad", "--base", "expected-gradients", "--method.samples", "2", "--base.samples", "3", "--references", references.path])
        for method in methods {
            for metric in [["--metric", "max-sensitivity", "--samples", "2"], ["--metric", "randomization"]] {
                let outcome = AttributeCommand.run(["evaluate"] + metric + ["--model", Self.digits.path, "--input", Self.example] + method)
                #expect(outcome.status == 0, "\(metric[1]) \(method): \(outcome.standardError)")
                guard outcome.status == 0 else { continue }
                let json = try JSONValue.parse(outcome.standardOutput)
                let score = json["score"]?.doubleValue
                #expect(score?.isFinite == true || json["skipped"]?.stringValue != nil, "\(metric[1]) \(method): \(outcome.standardOutput)")
            }
        }
    }

    @Test("SmoothGrad over Expected Gradients from the command line equals the library's composition, bit for bit")
    func smoothGradOverExpectedGradients() throws {
        let scratch = try FixturePaths.temporaryDirectory("hostile-composition")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let referenceSet = try FixturePaths.digitsImages(.train, count: 30)
        let references = scratch.appendingPathComponent("R.npy")
        try NPY.write(referenceSet, to: references)
        let out = scratch.appendingPathComponent("a.npy")
        let outcome = AttributeCommand.run([
            "--model", Self.mlp.path, "--input", Self.mlp.appendingPathComponent("example-input.npy").path, "--method", "smoothgrad",
            "--base", "expected-gradients", "--base.samples", "20", "--references", references.path, "--samples", "4", "--out", out.path,
        ])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let network = try ModelDirectory.load(Self.mlp)
        let x = try NPY.read(contentsOf: Self.mlp.appendingPathComponent("example-input.npy"))
        let target = try network.predictions(for: x.reshaped([1] + x.shape))[0]
        let byHand = SmoothGrad(base: ExpectedGradients(references: (0..<30).map { referenceSet.point($0) }, samples: 20), samples: 4)
        let expected = try byHand.attribute(x, of: try ClassifierOutput(network: network, target: target, kind: .probability))
        #expect(try NPY.read(contentsOf: out).scalars == expected.attribution.scalars)
        let parameters = try #require(try JSONValue.parse(outcome.standardOutput)["parameters"])
        #expect(parameters["samples"]?.doubleValue == 4 && parameters["base.samples"]?.doubleValue == 20, "\(parameters)")
    }

    @Test("A score that cannot be computed is null with the reason: an overflowing map, a constant input's randomization")
    func nullScoresCarryTheirReason() throws {
        let scratch = try FixturePaths.temporaryDirectory("hostile-null")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let huge = scratch.appendingPathComponent("huge.npy")
        try NPY.write(Tensor(shape: [1, 8, 8], scalars: Array(repeating: 1e308, count: 64)), to: huge)
        let infidelity = AttributeCommand.run(["evaluate", "--metric", "infidelity", "--model", Self.digits.path, "--input", Self.example, "--attribution", huge.path])
        #expect(infidelity.status == 0, "\(infidelity.standardError)")
        let first = try JSONValue.parse(infidelity.standardOutput)
        #expect(first["score"] == .null && first["skipped"]?.stringValue?.contains("not finite") == true, "\(infidelity.standardOutput)")
        let zeros = scratch.appendingPathComponent("zeros.npy")
        try NPY.write(Tensor(zeros: [1, 8, 8]), to: zeros)
        let randomization = AttributeCommand.run([
            "evaluate", "--metric", "randomization", "--model", Self.digits.path, "--input", zeros.path, "--method", "input-x-gradient",
        ])
        #expect(randomization.status == 0, "\(randomization.standardError)")
        let second = try JSONValue.parse(randomization.standardOutput)
        #expect(second["score"] == .null && second["skipped"]?.stringValue?.contains("Spearman's ρ is undefined") == true, "\(randomization.standardOutput)")
    }

    @Test("Values the library would refuse late, or accept silently, are refused up front with the range")
    func refusedUpFront() throws {
        let scratch = try FixturePaths.temporaryDirectory("hostile-values")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("a.npy").path
        let empty = scratch.appendingPathComponent("empty.npy")
        try NPY.write(Tensor(shape: [0, 1, 8, 8], scalars: []), to: empty)
        let map = scratch.appendingPathComponent("map.npy").path
        #expect(AttributeCommand.run(["--model", Self.digits.path, "--input", Self.example, "--method", "gradient", "--out", map]).status == 0)
        let common = ["--model", Self.digits.path, "--input", Self.example, "--out", out]
        let cases: [([String], Int32, String)] = [
            (["denoise", "--diffusion", Self.diffusion.path, "--input", Self.example, "--time", "5", "--target", "2", "--guidance-scale", "-1", "--out", out], 2,
             "'--guidance-scale -1' must be a number in [0, 1000000]"),
            (["denoise", "--diffusion", Self.diffusion.path, "--input", empty.path, "--time", "5", "--out", out], 3, "holds no images"),
            (common + ["--method", "agi", "--classes", "11"], 2, "--classes 11 exceeds the 9 false classes of a 10-class model"),
            (["evaluate", "--metric", "insertion", "--model", Self.digits.path, "--input", Self.example, "--attribution", map, "--normalize", "--output", "log-probability"],
             2, "--normalize applies only with --output probability"),
            (common + ["--method", "blur-ig", "--grad-step", "1e-200"], 2, "--grad-step must be a number in [1e-09, 1000000], got 1e-200"),
            (common + ["--method", "blur-ig", "--grad-step", "1e-8", "--max-sigma", "1000"], 2, "--grad-step 1e-08 is too small for --max-sigma 1000"),
            (common + ["--method", "smoothgrad", "--samples", "2000000"], 2, "--samples must be an integer in 1…1000000, got 2000000"),
        ]
        for (arguments, status, phrase) in cases { Self.expectFailure(AttributeCommand.run(arguments), status, phrase) }
        #expect(!FileManager.default.fileExists(atPath: out))
        // A σ_max so small its square underflows is the identity blur, not a NaN blamed on the model.
        let tiny = AttributeCommand.run(common + ["--method", "blur-ig", "--max-sigma", "1e-320", "--steps", "4"])
        #expect(tiny.status == 0, "\(tiny.standardError)")
        #expect(try NPY.read(contentsOf: URL(fileURLWithPath: out)).firstNonFiniteIndex == nil)
    }

    @Test("A corrupt file's control bytes are escaped in the one-line message; integer targets of any dtype are read")
    func messagesAndTargets() throws {
        let scratch = try FixturePaths.temporaryDirectory("hostile-bytes")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let corrupt = scratch.appendingPathComponent("corrupt.npy")
        try Data(Self.npy(descr: "\u{1B}[31m\u{07}", shape: [1], data: Array(repeating: 0, count: 8))).write(to: corrupt)
        let outcome = AttributeCommand.run(["--model", Self.digits.path, "--input", corrupt.path, "--method", "gradient", "--out", scratch.appendingPathComponent("a.npy").path])
        #expect(outcome.status == 3)
        #expect(!outcome.standardError.dropLast().unicodeScalars.contains { $0.properties.generalCategory == .control }, "\(outcome.standardError.debugDescription)")
        #expect(outcome.standardError.contains("\\u{1b}[31m\\u{7}"), "\(outcome.standardError.debugDescription)")
        // Targets saved as int64, numpy's default for integers: read exactly.
        let batch = scratch.appendingPathComponent("batch.npy")
        try NPY.write(try FixturePaths.digitsImages(.test, count: 5), to: batch)
        let small = scratch.appendingPathComponent("t.npy")
        var data: [UInt8] = []
        for value: Int64 in [0, 3, 7, 2, 9] { withUnsafeBytes(of: value.littleEndian) { data += $0 } }
        try Data(Self.npy(descr: "<i8", shape: [5], data: data)).write(to: small)
        let run = AttributeCommand.run([
            "--model", Self.digits.path, "--input", batch.path, "--method", "gradient", "--targets", small.path, "--out", scratch.appendingPathComponent("b.npy").path,
        ])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardOutput.split(separator: "\n").compactMap { try? JSONValue.parse(String($0))["target"]?.intValue } == [0, 3, 7, 2, 9])
    }
}
