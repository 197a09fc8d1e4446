import ArrayFormats
import Attribution
import Catalogue
import AttributeCommand
import Diffusion
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

/// What stands between a user and a wrong or destroyed file: outputs that would overwrite an
/// input, multi-file commits that are all or nothing, messages that say what to do, and a
/// verify verdict that names the likely causes.
@Suite("attribute: guardrails and messages", .tags(.commandLine, .badInput))
struct GuardrailTests {
    static let digits = FixturePaths.url("models/digits-cnn")
    static var example: String { digits.appendingPathComponent("example-input.npy").path }

    @Test("--out (or --ledger, --path-points) naming --input, --baseline or --candidate, even by another path, is a usage error; nothing is written")
    func outputIsAnInput() throws {
        let scratch = try FixturePaths.temporaryDirectory("same-file")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let input = scratch.appendingPathComponent("x.npy")
        let original = NPY.encode(try NPY.read(contentsOf: URL(fileURLWithPath: Self.example)))
        try AtomicFile.write(original, to: input)
        try FileManager.default.createDirectory(at: scratch.appendingPathComponent("sub"), withIntermediateDirectories: true)
        let roundabout = scratch.appendingPathComponent("sub/../x.npy").path
        let cases: [[String]] = [
            ["--method", "gradient", "--input", input.path, "--out", roundabout],
            ["--method", "ig", "--input", Self.example, "--baseline", input.path, "--out", input.path],
            ["--method", "ig", "--input", input.path, "--out", scratch.appendingPathComponent("a.npy").path, "--ledger", input.path],
            ["--method", "ig", "--input", input.path, "--out", scratch.appendingPathComponent("a.npy").path, "--path-points", scratch.appendingPathComponent("a.npy").path],
        ]
        for arguments in cases {
            let outcome = AttributeCommand.run(["--model", Self.digits.path] + arguments)
            #expect(outcome.status == 2, "\(arguments): \(outcome.standardError)")
            #expect(outcome.standardError.contains("same file"), "\(outcome.standardError)")
        }
        let verify = AttributeCommand.run(["verify", "--model", Self.digits.path, "--method", "gradient", "--input", Self.example, "--candidate", input.path, "--out", input.path])
        #expect(verify.status == 2 && verify.standardError.contains("--out \(input.path) is the same file as --candidate"), "\(verify.standardError)")
        #expect(try Array(Data(contentsOf: input)) == original)
        #expect(!FileManager.default.fileExists(atPath: scratch.appendingPathComponent("a.npy").path))
    }

    @Test("A multi-file run that fails at its last file leaves every existing output as it was (the ledger path is a directory)")
    func allOrNothing() throws {
        let scratch = try FixturePaths.temporaryDirectory("all-or-nothing")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("a.npy")
        let points = scratch.appendingPathComponent("p.npy")
        let before = Array("previous attribution".utf8)
        try AtomicFile.write(before, to: out)
        try AtomicFile.write(Array("previous points".utf8), to: points)
        let ledgerDirectory = scratch.appendingPathComponent("ledger.json")
        try FileManager.default.createDirectory(at: ledgerDirectory, withIntermediateDirectories: true)
        // A directory is refused before any work (exit 2); a missing directory fails at the write (exit 3).
        for (ledger, status) in [(ledgerDirectory.path, Int32(2)), (scratch.appendingPathComponent("missing/ledger.json").path, 3)] {
            let outcome = AttributeCommand.run([
                "--model", Self.digits.path, "--input", Self.example, "--method", "ig", "--steps", "8",
                "--out", out.path, "--path-points", points.path, "--ledger", ledger,
            ])
            #expect(outcome.status == status, "\(outcome.standardError)")
            #expect(try Array(Data(contentsOf: out)) == before, "--out was replaced")
            #expect(try String(contentsOf: points, encoding: .utf8) == "previous points", "--path-points was replaced")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).sorted() == ["a.npy", "ledger.json", "p.npy"])
    }

    @Test("verify beyond tolerance: exit 1 and one line on stderr naming the likely causes — output kind, target, discretisation")
    func verifyVerdict() throws {
        let scratch = try FixturePaths.temporaryDirectory("verdict")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let candidate = scratch.appendingPathComponent("c.npy")
        // A logit-space IG checked against the default (probability) reference.
        let logit = AttributeCommand.run(["--model", Self.digits.path, "--input", Self.example, "--method", "ig", "--output", "logit", "--out", candidate.path])
        #expect(logit.status == 0)
        let outcome = AttributeCommand.run(["verify", "--model", Self.digits.path, "--input", Self.example, "--method", "ig", "--candidate", candidate.path])
        #expect(outcome.status == 1)
        #expect(outcome.standardError.filter { $0 == "\n" }.count == 1, "\(outcome.standardError)")
        for phrase in ["differs from the reference", "likely causes", "--output logit", "--target", "rule gauss-legendre", "steps 200"] {
            #expect(outcome.standardError.contains(phrase), "\(phrase): \(outcome.standardError)")
        }
        #expect(try JSONValue.parse(outcome.standardOutput)["pass"] == .bool(false))
        // Within tolerance: exit 0 and nothing on stderr.
        let same = AttributeCommand.run(["verify", "--model", Self.digits.path, "--input", Self.example, "--method", "ig", "--output", "logit", "--candidate", candidate.path])
        #expect(same.status == 0 && same.standardError.isEmpty)
    }

    @Test("Messages say what to do: the model's folder, the baseline words, the base's options, channels-last inputs")
    func messages() throws {
        let scratch = try FixturePaths.temporaryDirectory("messages")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("a.npy").path
        func run(_ arguments: [String]) -> AttributeCommand.Outcome { AttributeCommand.run(arguments + ["--out", out]) }
        let file = run(["--model", Self.digits.appendingPathComponent("model.json").path, "--input", Self.example, "--method", "gradient"])
        #expect(file.status == 2 && file.standardError.contains("--model takes the model's folder, not its model.json: use --model \(Self.digits.path)"), "\(file.standardError)")
        let word = run(["--model", Self.digits.path, "--input", Self.example, "--method", "ig", "--baseline", "black"])
        #expect(word.status == 2 && word.standardError.contains("--baseline must be one of: zeros, FILE.npy (a file's name ends in .npy), got black"), "\(word.standardError)")
        let base = run(["--model", Self.digits.path, "--input", Self.example, "--method", "smoothgrad", "--rule", "left"])
        #expect(base.status == 2 && base.standardError.contains("--rule does not apply to smoothgrad or its base gradient"), "\(base.standardError)")
        let baseIG = run(["--model", Self.digits.path, "--input", Self.example, "--method", "smoothgrad", "--base", "ig", "--max-sigma", "3"])
        #expect(baseIG.status == 2 && baseIG.standardError.contains("--max-sigma does not apply to smoothgrad or its base ig"), "\(baseIG.standardError)")
        let ledger = run(["--model", Self.digits.path, "--input", Self.example, "--method", "gradient", "--ledger", scratch.appendingPathComponent("l.json").path])
        #expect(ledger.status == 2 && ledger.standardError.contains("--ledger does not apply to --method gradient"), "\(ledger.standardError)")

        // shapes-cnn takes [3, 16, 16]: a [16, 16, 3] image, or a [2, 16, 16, 3] batch, gets the transpose to use.
        let shapes = FixturePaths.url("models/shapes-cnn")
        let network = try ModelDirectory.load(shapes)
        #expect(network.inputShape.count == 3)
        let (c, h, w) = (network.inputShape[0], network.inputShape[1], network.inputShape[2])
        try NPY.write(Tensor(zeros: [h, w, c]), to: scratch.appendingPathComponent("hwc.npy"))
        try NPY.write(Tensor(zeros: [2, h, w, c]), to: scratch.appendingPathComponent("nhwc.npy"))
        let hwc = run(["--model", shapes.path, "--input", scratch.appendingPathComponent("hwc.npy").path, "--method", "gradient"])
        #expect(hwc.status == 3 && hwc.standardError.contains("numpy.transpose(x, (2, 0, 1))"), "\(hwc.standardError)")
        let nhwc = run(["--model", shapes.path, "--input", scratch.appendingPathComponent("nhwc.npy").path, "--method", "gradient"])
        #expect(nhwc.status == 3 && nhwc.standardError.contains("numpy.transpose(x, (0, 3, 1, 2))"), "\(nhwc.standardError)")
    }

    @Test("The library's own errors do not mention command-line flags")
    func libraryErrorsSpeakLibrary() throws {
        let f = LinearFunction(weights: [1, 2])
        let x = Tensor(shape: [2], scalars: [1, 1])
        var messages: [String] = []
        let attempts: [() throws -> Void] = [
            { _ = try IntegratedGradients(steps: 4, rule: .captumTrapezoid, integrator: ImportantDirection()).attribute(x, of: f) },
            { _ = try IntegratedGradients(steps: 0).attribute(x, of: f) },
            { _ = try GuidedIntegratedGradients(steps: 4, fraction: 2).attribute(x, of: f) },
            { _ = try BlurIntegratedGradients().attribute(x, of: f) },
            { _ = try GuidedBackprop().attribute(x, of: f) },
            { _ = try IntegratedGradients(baseline: Tensor(zeros: [3])).attribute(x, of: f) },
        ]
        for attempt in attempts {
            do { try attempt() } catch { messages.append(String(describing: error)) }
        }
        #expect(messages.count == attempts.count)
        for message in messages { #expect(!message.contains("--"), "\(message)") }
    }
}

/// The defaults the README's contract states, replayed against the goldens: each golden
/// invocation, with the options that equal their documented defaults left out, must give the
/// same golden. A changed default (IG's rule, BlurIG's σ_max, Guided IG's max distance,
/// SmoothGrad's noise) fails here.
@Suite("attribute: documented defaults reproduce the goldens", .tags(.golden, .commandLine))
struct DefaultsTests {
    /// Golden case name → the options to drop, each equal to its documented default.
    static let omissions: [(String, [String])] = [
        ("cnn-pools ig-gauss-legendre", ["--rule"]),
        ("relu-cnn-rgb ig-gauss-legendre", ["--rule"]),
        ("cnn-pools ig-idgi", []),  // IDGI's rule is left by default: this case never names it
        ("cnn-pools blur-ig", ["--max-sigma", "--steps"]),
        ("cnn-pools guided-ig", ["--max-dist"]),
        ("cnn-pools smoothgrad-mean", ["--noise", "--smoothing"]),
        ("cnn-pools gradient", ["--output"]),
    ]

    @Test("Golden invocations without their default-valued options give the same goldens", arguments: omissions.map(\.0))
    func defaults(name: String) throws {
        let scratch = try FixturePaths.temporaryDirectory("defaults")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let cases = try GoldenCaseTests.cases()
        let testCase = try #require(cases.first { $0.name == name })
        let dropped = Self.omissions.first { $0.0 == name }!.1
        var arguments: [String] = []
        var index = 0
        while index < testCase.arguments.count {
            if dropped.contains(testCase.arguments[index]) {
                index += 2
                continue
            }
            arguments.append(testCase.arguments[index])
            index += 1
        }
        #expect(arguments.count == testCase.arguments.count - 2 * dropped.count)
        let out = scratch.appendingPathComponent("a.npy")
        let outcome = AttributeCommand.run(arguments + ["--out", out.path])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let error = normwiseRelativeError(try NPY.read(contentsOf: out).scalars, try NPY.read(contentsOf: FixturePaths.url(testCase.golden)).scalars)
        #expect(error <= testCase.tolerance, "\(name) without \(dropped): \(error)")
    }
}

/// The catalogue is the one list of methods and of metrics: help, the README's tables and a
/// method or metric added by a test all follow it.
@Suite("attribute: the method and metric registries drive help, errors and the README", .tags(.commandLine))
struct RegistryCommandLineTests {
    @Test("A method added in a test (one file, one registry line) appears in --help, runs, and refuses foreign parameters")
    func toyMethodOnTheCommandLine() throws {
        let scratch = try FixturePaths.temporaryDirectory("toy")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let help = AttributeCommand.run(["--help"], methods: TestRegistry.methods)
        #expect(help.standardOutput.contains("quadratic-schedule-ig"))
        #expect(help.standardOutput.contains(QuadraticScheduleIG.registration.summary))
        #expect(!AttributeCommand.run(["--help"]).standardOutput.contains("quadratic-schedule-ig"))
        let digits = FixturePaths.url("models/digits-cnn")
        let common = ["--model", digits.path, "--input", digits.appendingPathComponent("example-input.npy").path, "--out", scratch.appendingPathComponent("a.npy").path]
        let run = AttributeCommand.run(common + ["--method", "quadratic-schedule-ig", "--steps", "8", "--integrator", "idgi"], methods: TestRegistry.methods)
        #expect(run.status == 0, "\(run.standardError)")
        let json = try JSONValue.parse(run.standardOutput)
        #expect(abs(try #require(json["completenessDelta"]?.doubleValue)) < 1e-12)
        #expect(json["parameters"]?.keys == ["steps", "integrator", "baseline"])
        let foreign = AttributeCommand.run(common + ["--method", "quadratic-schedule-ig", "--rule", "left"], methods: TestRegistry.methods)
        #expect(foreign.status == 2 && foreign.standardError.contains("--rule does not apply to quadratic-schedule-ig"), "\(foreign.standardError)")
        let unknown = AttributeCommand.run(common + ["--method", "quadratic-schedule-ig"])
        #expect(unknown.status == 2 && unknown.standardError.contains("is not a method"), "\(unknown.standardError)")
    }

    @Test("A metric added in a test (one file, one registry line) appears in evaluate --help, scores maps, and refuses foreign parameters")
    func toyMetricOnTheCommandLine() throws {
        let scratch = try FixturePaths.temporaryDirectory("toy-metric")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let help = AttributeCommand.run(["evaluate", "--help"], metrics: TestRegistry.metrics)
        #expect(help.standardOutput.contains("completeness-gap") && help.standardOutput.contains(CompletenessGap.registration.summary))
        #expect(help.standardOutput.contains("--fill X"))
        #expect(!AttributeCommand.run(["evaluate", "--help"]).standardOutput.contains("completeness-gap"))
        let digits = FixturePaths.url("models/digits-cnn")
        let input = digits.appendingPathComponent("example-input.npy").path
        // IDGI-IG from zeros is complete exactly, the gradient is not: the toy metric tells them apart.
        var gaps: [String: Double] = [:]
        for (label, method) in [("idgi", ["--method", "ig", "--integrator", "idgi", "--steps", "16"]), ("gradient", ["--method", "gradient"])] {
            let map = scratch.appendingPathComponent("\(label).npy").path
            let made = AttributeCommand.run(["--model", digits.path, "--input", input, "--out", map] + method)
            #expect(made.status == 0, "\(made.standardError)")
            let scored = AttributeCommand.run(
                ["evaluate", "--metric", "completeness-gap", "--model", digits.path, "--input", input, "--attribution", map], metrics: TestRegistry.metrics)
            #expect(scored.status == 0, "\(scored.standardError)")
            gaps[label] = try #require(try JSONValue.parse(scored.standardOutput)["score"]?.doubleValue)
        }
        #expect(try #require(gaps["idgi"]) < 1e-12 && (try #require(gaps["gradient"])) > 1e-3, "\(gaps)")
        let foreign = AttributeCommand.run(
            ["evaluate", "--metric", "completeness-gap", "--model", digits.path, "--input", input, "--attribution", input, "--steps", "3"],
            metrics: TestRegistry.metrics)
        #expect(foreign.status == 2 && foreign.standardError.contains("--steps does not apply to --metric completeness-gap"), "\(foreign.standardError)")
    }

    @Test("--help lists every registered method with its summary and every parameter with its default")
    func helpFollowsTheRegistry() {
        let help = AttributeCommand.run(["--help"]).standardOutput
        for method in Catalogue.methods.methods {
            #expect(help.contains(method.name) && help.contains(method.summary), "\(method.name)")
            for parameter in method.parameters {
                let usage = parameter.kind == .flag ? "--\(parameter.name)" : "--\(parameter.name) \(parameter.kind.placeholder)"
                #expect(help.contains(usage) && help.contains("default \(CommandLineNames.translate(parameter.defaultDescription)))"), "\(method.name) --\(parameter.name)")
            }
        }
        let evaluate = AttributeCommand.run(["evaluate", "--help"]).standardOutput
        for metric in Catalogue.metrics.metrics {
            #expect(evaluate.contains(metric.name) && evaluate.contains(metric.summary), "\(metric.name)")
            for parameter in metric.parameters { #expect(evaluate.contains("--\(parameter.name)"), "\(metric.name) --\(parameter.name)") }
        }
    }

    @Test("The README's method and metric tables list exactly the registered methods and metrics, with their summaries")
    func readmeTables() throws {
        let readme = try String(contentsOf: FixturePaths.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let lines = readme.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func table(_ heading: String) throws -> [(String, String)] {
            let header = try #require(lines.firstIndex { $0.hasPrefix(heading) }, "README lacks the table \(heading)")
            var rows: [(String, String)] = []
            for line in lines[(header + 2)...] {
                guard line.hasPrefix("|") else { break }
                let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
                rows.append((cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`")), cells[1]))
            }
            return rows
        }
        let methods = try table("| `--method` |")
        #expect(methods.map(\.0) == Catalogue.methods.names)
        for (name, summary) in methods { #expect(summary == Catalogue.methods.registration(named: name)?.summary, "\(name)") }
        let metrics = try table("| `--metric` |")
        #expect(metrics.map(\.0) == Catalogue.metrics.names)
        for (name, summary) in metrics { #expect(summary == Catalogue.metrics.registration(named: name)?.summary, "\(name)") }
    }
}
