import ArgumentParsing
import Attribution
import Catalogue
import Foundation
import Models

/// One invocation of `attribute` (or `attribute verify`), checked as far as the command line
/// alone allows: every option known and applicable, every method parameter parsed into the
/// method's specification, no output that is an input or not a regular file. Files are
/// read later (``Computation``).
struct Request {
    var methods: MethodRegistry
    /// The method and its parameters, file parameters still as paths.
    var specification: MethodSpecification
    var modelDirectory: URL
    var inputFile: URL
    var outputFile: URL?
    var ledgerFile: URL?
    var pathPointsFile: URL?
    var anchorsFile: URL?
    var candidateFile: URL?
    var targetsFile: URL?
    var tolerance: Double
    var target: Int?
    var outputKind: OutputKind
    var outputKindGiven: Bool
    var threads: Int?
    var batchSize: Int?
    var verifying: Bool
    /// verify --exact: also measure the candidate (and the reference) against exact IG.
    var comparesWithExact = false

    /// The command's own options (the method's come from the registry).
    static let options: [OptionSpec] = [
        .value("model", "DIR", "the model directory (the folder holding model.json and one .npy per weight), or an .onnx file"),
        .value("input", "X.npy", "one input of the model's inputShape, or a batch of shape [N] + inputShape"),
        .value("method", "METHOD", "one of the methods below"),
        .value("out", "A.npy", "where to write the attributions: float64, the input file's shape, written atomically"),
        .value("target", "K", "the class explained for every input (default: each input's predicted class)"),
        .value("targets", "T.npy", "one class per input: N integer-valued numbers, any numeric dtype (instead of --target)"),
        .value("output", "KIND", "logit | probability | log-probability (default: probability)"),
        .value("batch", "N", "points per model call (default: up to 200, ~8 MB of inputs); results do not depend on it"),
        .value("threads", "N", "at most N threads (default: all cores); results do not depend on it"),
        .value("ledger", "FILE.json", "path methods and aggregations of them: the per-step record"),
        .value("path-points", "P.npy", "every point a gradient was taken at, stacked in evaluation order ([P] + inputShape)"),
        .value("anchors", "N.npy", "ddpath: the base path's anchors before denoising, [T + 1] + inputShape per input, stacked"),
        .value("candidate", "C.npy", "verify: the attributions to check (the input file's shape)"),
        .flag("exact", "verify, ig: also the candidate's and the reference's distance from exact IG (a piecewise-linear network)"),
        .value("tolerance", "T", "verify: the largest accepted max|C − R| / max|R| per input (default 1e-6); outside verify, ig's --tolerance"),
    ]

    /// Parses `words` (after `verify`, if given).
    init(_ words: [String], verifying: Bool, methods: MethodRegistry) throws {
        self.methods = methods
        self.verifying = verifying
        // `--tolerance` is verify's; outside verify it is the method's (IG's exact and adaptive rules).
        let own = Dictionary(uniqueKeysWithValues: Self.options.filter { verifying || $0.name != "tolerance" || !CommandLineNames.isParameter("tolerance", methods: methods) }.map { ($0.name, $0.shape) })
        let arguments = try Arguments(words, command: "attribute") { name in
            if let shape = own[name] { return shape }
            if CommandLineNames.isFlag(name, methods: methods) { return .flag }
            return CommandLineNames.isParameter(name, methods: methods) ? .value : nil
        }
        if arguments.wantsHelp { throw HelpRequest() }
        let modelPath = try arguments.required("model")
        guard let method = arguments.values["method"] else {
            throw UsageError("missing required option '--method' (one of: \(methods.names.joined(separator: ", ")))")
        }
        var text = arguments.values.filter { own[$0.key] == nil }
        for flag in arguments.flags where flag != "help" && own[flag] == nil { text[flag] = "true" }
        // Every method parameter is parsed now, so a misplaced one is a usage error before any file is read.
        specification = try methods.specification(method, text: text)
        try methods.checkValues(specification)

        if URL(fileURLWithPath: modelPath).lastPathComponent == "model.json" {
            throw UsageError("--model takes the model's folder, not its model.json: use --model \(URL(fileURLWithPath: modelPath).deletingLastPathComponent().path)")
        }
        modelDirectory = URL(fileURLWithPath: modelPath)
        inputFile = URL(fileURLWithPath: try arguments.required("input"))
        if verifying {
            candidateFile = URL(fileURLWithPath: try arguments.required("candidate"))
            outputFile = try arguments.text("out").map { URL(fileURLWithPath: $0) }
        } else {
            for name in ["candidate", "tolerance"] where own[name] != nil && arguments.values[name] != nil {
                throw UsageError("--\(name) belongs to `attribute verify`")
            }
            if arguments.has("exact") { throw UsageError("--exact belongs to `attribute verify`") }
            outputFile = URL(fileURLWithPath: try arguments.required("out"))
        }
        comparesWithExact = arguments.has("exact")
        if comparesWithExact && method != "ig" {
            throw UsageError("--exact applies to --method ig: exact Integrated Gradients is the straight line's answer; other methods have no exact reference here")
        }
        tolerance = own["tolerance"] == nil ? 1e-6 : try arguments.number("tolerance", in: 0...1e300) ?? 1e-6
        ledgerFile = try arguments.text("ledger").map { URL(fileURLWithPath: $0) }
        if ledgerFile != nil && !methods.keepsLedger(specification) {
            throw UsageError("--ledger does not apply to --method \(method)\(Self.baseSuffix(specification, methods)): only path methods (and aggregations of them) keep a ledger")
        }
        pathPointsFile = try arguments.text("path-points").map { URL(fileURLWithPath: $0) }
        anchorsFile = try arguments.text("anchors").map { URL(fileURLWithPath: $0) }
        if anchorsFile != nil && !(methods.registration(named: method)?.capabilities.contains(.reportsAnchors) ?? false) {
            let names = methods.methods.filter { $0.capabilities.contains(.reportsAnchors) }.map { "--method \($0.name)" }
            throw UsageError("--anchors applies to \(names.joined(separator: ", ")) only: other methods have no anchors to report")
        }
        if arguments.values["target"] != nil && arguments.values["targets"] != nil {
            throw UsageError("give --target K (one class for every input) or --targets T.npy (one per input), not both")
        }
        target = try arguments.integer("target", in: 0...Int.max)
        targetsFile = try arguments.text("targets").map { URL(fileURLWithPath: $0) }
        outputKind = OutputKind(rawValue: try arguments.choice("output", from: OutputKind.allCases.map(\.rawValue)) ?? OutputKind.probability.rawValue)!
        outputKindGiven = arguments.values["output"] != nil
        threads = try arguments.integer("threads", in: 1...4096)
        batchSize = try arguments.integer("batch", in: 1...1_000_000)
        try checkOutputs()
    }

    /// " with --base NAME" for an aggregation.
    static func baseSuffix(_ specification: MethodSpecification, _ methods: MethodRegistry) -> String {
        let found = methods.registrations(of: specification)
        return found.count > 1 ? " with --base \(found[1].registration.name)" : ""
    }

    /// No output is an input (a file, or a file inside the model's or a resource's folder), a
    /// non-regular file, or another output.
    private func checkOutputs() throws(UsageError) {
        var inputs: [OutputSafety.Named] = [("--input", inputFile.path)]
        if let candidateFile { inputs.append(("--candidate", candidateFile.path)) }
        if let targetsFile { inputs.append(("--targets", targetsFile.path)) }
        var directories: [OutputSafety.Named] = []
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: modelDirectory.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            inputs.append(("--model", modelDirectory.path))  // an .onnx file
        } else {
            directories.append(("--model", modelDirectory.path))
        }
        for (parameter, path) in ParameterFiles.inputs(of: specification, registry: methods) {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                directories.append((CommandLineNames.flag(parameter), path))
            } else {
                inputs.append((CommandLineNames.flag(parameter), path))
            }
        }
        let outputs: [(String, URL?)] = [("--out", outputFile), ("--ledger", ledgerFile), ("--path-points", pathPointsFile), ("--anchors", anchorsFile)]
        try OutputSafety.check(outputs: outputs.compactMap { name, url in url.map { (name, $0.path) } }, inputs: inputs, directories: directories)
    }

    /// The run options the engine needs.
    var runOptions: RunOptions {
        RunOptions(batchSize: batchSize, recordsLedger: ledgerFile != nil, recordsPathPoints: pathPointsFile != nil, recordsAnchors: anchorsFile != nil)
    }
}

/// `--help` was asked for.
struct HelpRequest: Error {}
