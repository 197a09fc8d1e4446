import ArrayFormats
import Attribution
import Foundation
import Models
import Tensors

/// One invocation of `attribute` (or `attribute verify`), checked as far as the command line
/// alone allows: every option known and applicable, every value in range, no output file
/// that is also an input. Files are read later (``Computation``).
struct Request {
    var registry: MethodRegistry
    var method: String
    /// The method's own options (and its base's), as given.
    var methodValues: [String: String]
    var modelDirectory: URL
    var inputFile: URL
    var outputFile: URL?
    var ledgerFile: URL?
    var pathPointsFile: URL?
    var anchorsFile: URL?
    var candidateFile: URL?
    var baselineFile: URL?
    /// Files of the method's array options (a reference set), by option name.
    var arrayFiles: [(name: String, file: URL)] = []
    var targetsFile: URL?
    /// Folders of the method's resource options (a diffusion directory), by option.
    var inputResources: [(String, URL)] = []
    var tolerance: Double
    var target: Int?
    var outputKind: OutputKind
    var outputKindGiven: Bool
    var threads: Int?
    var batchSize: Int?
    var verifying: Bool

    init(_ options: CommandLineOptions, verifying: Bool, registry: MethodRegistry) throws {
        self.registry = registry
        self.verifying = verifying
        let common = Set(AttributeCommand.commonOptions.map(\.name))
        let modelPath = try options.required("model")
        guard let method = options.values["method"] else {
            throw UsageError("missing required option '--method' (one of: \(registry.names.joined(separator: ", ")))")
        }
        self.method = method
        methodValues = options.values.filter { !common.contains($0.key) }
        for flag in options.flags where flag != "help" { methodValues[flag] = "true" }
        // Checks every method option against the registry now, so a misplaced option is a
        // usage error before any file is read.
        let arguments = try registry.arguments(for: method, values: methodValues)

        if URL(fileURLWithPath: modelPath).lastPathComponent == "model.json" {
            throw UsageError(
                "--model takes the model's folder, not its model.json: use --model \(URL(fileURLWithPath: modelPath).deletingLastPathComponent().path)")
        }
        modelDirectory = URL(fileURLWithPath: modelPath)
        inputFile = URL(fileURLWithPath: try options.required("input"))
        if verifying {
            candidateFile = URL(fileURLWithPath: try options.required("candidate"))
            outputFile = options.values["out"].map { URL(fileURLWithPath: $0) }
        } else {
            for name in ["candidate", "tolerance"] where options.values[name] != nil {
                throw UsageError("--\(name) belongs to `attribute verify`")
            }
            outputFile = URL(fileURLWithPath: try options.required("out"))
        }
        tolerance = try options.number("tolerance", in: 0...1e300, expected: "a number ≥ 0") ?? 1e-6
        ledgerFile = options.values["ledger"].map { URL(fileURLWithPath: $0) }
        if ledgerFile != nil && !registry.keepsLedger(arguments) {
            let base = arguments.baseRegistration.map { " with --base \($0.name)" } ?? ""
            throw UsageError("--ledger does not apply to --method \(method)\(base): only path methods (and aggregations of them) keep a ledger")
        }
        pathPointsFile = options.values["path-points"].map { URL(fileURLWithPath: $0) }
        anchorsFile = options.values["anchors"].map { URL(fileURLWithPath: $0) }
        if anchorsFile != nil && !arguments.registration.capabilities.contains(.reportsAnchors) {
            let methods = registry.methods.filter { $0.capabilities.contains(.reportsAnchors) }.map { "--method \($0.name)" }
            throw UsageError("--anchors applies to \(methods.joined(separator: ", ")) only: other methods have no anchors to report")
        }
        if let baseline = methodValues["baseline"], baseline.hasSuffix(".npy") { baselineFile = URL(fileURLWithPath: baseline) }
        // The files and folders the method's options (and its base's) name: read later, never written.
        for option in arguments.registration.options + (arguments.baseRegistration?.options ?? []) {
            guard let value = methodValues[option.name] else { continue }
            switch option.kind {
            case .array: arrayFiles.append((option.name, URL(fileURLWithPath: value)))
            case .resource: inputResources.append(("--\(option.name)", URL(fileURLWithPath: value)))
            default: break
            }
        }
        if options.values["target"] != nil && options.values["targets"] != nil {
            throw UsageError("give --target K (one class for every input) or --targets T.npy (one per input), not both")
        }
        target = try options.integer("target", in: 0...Int.max)
        targetsFile = options.values["targets"].map { URL(fileURLWithPath: $0) }
        let kind = try options.choice("output", from: OutputKind.allCases.map(\.rawValue), default: OutputKind.probability.rawValue)!
        outputKind = OutputKind(rawValue: kind)!
        outputKindGiven = options.values["output"] != nil
        threads = try options.integer("threads", in: 1...4096)
        batchSize = try options.integer("batch", in: 1...1_000_000)
        try checkNoOutputIsAnInput()
    }

    /// No file is both written and read, and no two outputs share a file: writing one would
    /// destroy an input or the other output.
    private func checkNoOutputIsAnInput() throws(UsageError) {
        let inputs: [(String, URL?)] = [
            ("--input", inputFile), ("--baseline", baselineFile), ("--candidate", candidateFile), ("--targets", targetsFile),
            ("--model", modelDirectory.appendingPathComponent("model.json")),
        ] + arrayFiles.map { ("--\($0.name)", $0.file) } + inputResources.map { ($0.0, $0.1.appendingPathComponent("diffusion.json")) }
        let outputs: [(String, URL?)] = [("--out", outputFile), ("--ledger", ledgerFile), ("--path-points", pathPointsFile), ("--anchors", anchorsFile)]
        for (index, (outputName, output)) in outputs.enumerated() {
            guard let output else { continue }
            let written = Self.resolved(output)
            for (inputName, input) in inputs {
                if let input, Self.resolved(input) == written {
                    throw UsageError("\(outputName) \(output.path) is the same file as \(inputName); writing it would destroy that input — choose another file")
                }
            }
            for (otherName, other) in outputs[(index + 1)...] {
                if let other, Self.resolved(other) == written {
                    throw UsageError("\(outputName) and \(otherName) name the same file \(output.path); give each its own file")
                }
            }
        }
    }

    /// The file's path with its directory's symbolic links and `..` resolved (the file itself
    /// may not exist yet).
    static func resolved(_ url: URL) -> String {
        let standard = url.standardizedFileURL
        let directory = standard.deletingLastPathComponent().resolvingSymlinksInPath()
        let file = directory.appendingPathComponent(standard.lastPathComponent)
        return FileManager.default.fileExists(atPath: file.path) ? file.resolvingSymlinksInPath().path : file.path
    }

    /// The run options the engine needs.
    var runOptions: RunOptions {
        RunOptions(batchSize: batchSize, recordsLedger: ledgerFile != nil, recordsPathPoints: pathPointsFile != nil)
    }
}
