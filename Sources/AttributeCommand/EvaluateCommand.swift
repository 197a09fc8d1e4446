import ArgumentParsing
import ArrayFormats
import Attribution
import Catalogue
import Evaluation
import Foundation
import Models
import Tensors

/// `attribute evaluate`: the catalogue's metrics on the command line.
///
///     attribute evaluate --metric M --model DIR --input X.npy --attribution A.npy [--target K | --targets T.npy] [options]
///
/// The input may be one image or a batch `[N] + inputShape` (attributions and masks then have
/// the same leading N); stdout is one JSON object per input, one per line: `input`, `metric`,
/// `target` (metrics that run the model), `score`, the metric's own fields (`curve` with `x`
/// and `y` where it has one), `skipped` with the reason wherever the score is null, and
/// `parameters` (every parameter's effective value). What a metric reads, its parameters and
/// their defaults come from its registration; a metric that re-runs a method builds it with
/// the same builder as `attribute`, given the model and the method's files. Exit statuses as
/// for `attribute`.
enum EvaluateCommand {
    /// The command's own options (a metric's parameters come from its registration).
    static let options: [OptionSpec] = [
        .value("metric", "M", "one of the metrics below"),
        .value("model", "DIR", "the model directory (metrics that run the model)"),
        .value("input", "X.npy", "one input, or a batch [N] + inputShape"),
        .value("attribution", "A.npy", "the attributions to evaluate, the input file's shape (metrics that score a map)"),
        .value("target", "K", "the class for every input (default: each input's predicted class)"),
        .value("targets", "T.npy", "one class per input"),
        .value("mask", "M.npy", "the object mask: [H, W], or [N, H, W] one per input, of 0 and 1"),
        .value("reference", "Y.npy", "the image compared with --input (ms-ssim)"),
        .value("method", "M", "the method a metric re-runs, with its own parameters (--method.NAME where the metric has NAME too)"),
        .value("threads", "N", "at most N threads"),
    ]

    static func help(_ methods: MethodRegistry, _ metrics: MetricRegistry) -> String {
        """
        USAGE: attribute evaluate --metric M --input X.npy [--model DIR] [--attribution A.npy] [--target K | --targets T.npy] [options]

        Scores attributions with the papers' metrics; prints one JSON object per input, one per line.

        OPTIONS:
        \(OptionSpec.help(options, width: 24))
          -h, --help               show this help

        METRICS (--metric), WHAT EACH READS, AND THEIR PARAMETERS:
        \(CommandLineNames.help(metrics))

        A metric that re-runs a method (--method) takes the method's parameters as --NAME, or as
        --method.NAME where the metric has a parameter NAME too (--method.samples 20); see attribute --help.
        """
    }

    /// Runs `evaluate` on `words` (after the word `evaluate`).
    static func run(_ words: [String], methods: MethodRegistry, metrics: MetricRegistry) throws -> AttributeCommand.Run {
        let own = Dictionary(uniqueKeysWithValues: options.map { ($0.name, $0.shape) })
        let arguments = try Arguments(words, command: "attribute evaluate") { name in
            if let shape = own[name] { return shape }
            let bare = name.hasPrefix("method.") ? String(name.dropFirst("method.".count)) : name
            if CommandLineNames.isFlag(bare, methods: methods, metrics: metrics) { return .flag }
            let isMetricParameter = metrics.metrics.contains { $0.parameter(bare) != nil }
            return isMetricParameter || CommandLineNames.isParameter(bare, methods: methods) ? .value : nil
        }
        if arguments.wantsHelp { return AttributeCommand.Run(standardOutput: help(methods, metrics) + "\n") }
        let name = try arguments.required("metric")
        guard let metric = metrics.registration(named: name) else {
            throw UsageError("'--metric \(name)' is not one of: \(metrics.names.joined(separator: ", "))")
        }
        let plan = try EvaluationPlan(arguments, metric: metric, methods: methods, metrics: metrics)
        let threads = try arguments.integer("threads", in: 1...4096)
        return try Parallelism.$threadLimit.withValue(threads) { try plan.run() }
    }
}

/// One `evaluate` run, every argument checked before any file is read: which values are the
/// metric's and which the method's, which options apply, and that no output is an input.
struct EvaluationPlan {
    let arguments: Arguments
    let metric: MetricRegistration
    let methods: MethodRegistry
    let metrics: MetricRegistry
    /// The metric's parameters as text.
    let metricText: [String: String]
    /// The method's specification (file parameters as paths), for a metric that re-runs one.
    let method: MethodSpecification?

    init(_ arguments: Arguments, metric: MetricRegistration, methods: MethodRegistry, metrics: MetricRegistry) throws {
        self.arguments = arguments
        self.metric = metric
        self.methods = methods
        self.metrics = metrics
        let own = Set(EvaluateCommand.options.map(\.name))
        var metricText: [String: String] = [:]
        var methodText: [String: String] = [:]
        var given = arguments.values
        for flag in arguments.flags where flag != "help" { given[flag] = "true" }
        for key in given.keys.sorted() where !own.contains(key) {
            if key.hasPrefix("method.") {
                guard metric.needs.contains(.method) else { throw UsageError("--\(key) does not apply to --metric \(metric.name): it re-runs no method") }
                methodText[String(key.dropFirst("method.".count))] = given[key]
            } else if metric.parameter(key) != nil {
                metricText[key] = given[key]
            } else if metric.needs.contains(.method) && CommandLineNames.isParameter(key, methods: methods) {
                methodText[key] = given[key]
            } else {
                throw UsageError("--\(key) does not apply to --metric \(metric.name)")
            }
        }
        self.metricText = metricText
        let needs = metric.needs
        for (option, need, why) in [
            ("model", MetricNeeds.model, "it does not run the model"), ("attribution", .attribution, "it scores no map"),
            ("mask", .mask, "it reads no mask"), ("reference", .reference, "it compares no second image"), ("method", .method, "it re-runs no method"),
        ] where !needs.contains(need) && arguments.values[option] != nil {
            let extra = option == "attribution" && needs.contains(.method) ? " (it computes the attributions with --method)" : " (\(why))"
            throw UsageError("--\(option) does not apply to --metric \(metric.name)\(extra)")
        }
        if !needs.contains(.model) {
            for option in ["target", "targets"] where arguments.values[option] != nil {
                throw UsageError("--\(option) does not apply to --metric \(metric.name): it explains no class")
            }
        }
        if arguments.values["target"] != nil && arguments.values["targets"] != nil { throw UsageError("give --target K or --targets T.npy, not both") }
        _ = try arguments.integer("target", in: 0...Int.max)
        _ = try arguments.required("input")
        if needs.contains(.model) { _ = try arguments.required("model") }
        if needs.contains(.attribution) { _ = try arguments.required("attribution") }
        if needs.contains(.mask) { _ = try arguments.required("mask") }
        if needs.contains(.reference) { _ = try arguments.required("reference") }
        method = needs.contains(.method) ? try methods.specification(try arguments.required("method", "the method the metric re-runs"), text: methodText) : nil
        if let method { try methods.checkValues(method) }
        // The metric's own values parse now too (a file's path stays a path until read).
        _ = try metrics.scorer(metric.name, text: metricText.filter { key, _ in !(metric.parameter(key)?.kind.isFile ?? false) })
        try checkOutputs()
    }

    /// No output (a metric's file, `--png-out`) is one of the run's inputs, another output, or a non-regular file.
    func checkOutputs() throws(UsageError) {
        var inputs: [OutputSafety.Named] = []
        for option in ["input", "attribution", "targets", "mask", "reference"] {
            if let path = arguments.values[option] { inputs.append(("--\(option)", path)) }
        }
        var outputs: [OutputSafety.Named] = []
        for (key, text) in metricText {
            guard let kind = metric.parameter(key)?.kind else { continue }
            if case .outputFile = kind { outputs.append(("--\(key)", text)) } else if kind.isFile { inputs.append(("--\(key)", text)) }
        }
        var directories: [OutputSafety.Named] = arguments.values["model"].map { [("--model", $0)] } ?? []
        if let method {
            for (parameter, path) in ParameterFiles.inputs(of: method, registry: methods) {
                var isDirectory: ObjCBool = false
                let flag = "--" + (metric.parameter(parameter) != nil ? "method." : "") + parameter
                if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                    directories.append((flag, path))
                } else {
                    inputs.append((flag, path))
                }
            }
        }
        try OutputSafety.check(outputs: outputs, inputs: inputs, directories: directories)
    }

    /// Reads everything, scores every input, stages the metric's files.
    func run() throws -> AttributeCommand.Run {
        let input = try NPY.read(contentsOf: URL(fileURLWithPath: try arguments.required("input")))
        let network = metric.needs.contains(.model) ? try ModelDirectory.load(URL(fileURLWithPath: try arguments.required("model"))) : nil
        // Without a model, the input's rank says what a point is: [C, H, W] or [D] alone, [N] + either in a batch.
        let shape = network?.inputShape ?? (input.rank == 4 || input.rank == 2 ? Array(input.shape.dropFirst()) : input.shape)
        let (inputs, isBatch) = try Self.points(input, shape: shape, role: "input")
        let attributions = metric.needs.contains(.attribution)
            ? try Self.points(try file("attribution"), shape: shape, role: "attribution", count: inputs.count, batch: isBatch).0 : []
        let references = metric.needs.contains(.reference)
            ? try Self.points(try file("reference"), shape: shape, role: "reference", count: inputs.count, batch: isBatch).0 : []
        let masks = metric.needs.contains(.mask) ? try self.masks(count: inputs.count) : []
        var targets = [Int](repeating: 0, count: inputs.count)
        if let network {
            let predicted = try network.predictions(for: Tensor.stacking(inputs))
            targets = try Computation.chooseTargets(
                target: try arguments.integer("target", in: 0...Int.max), file: try arguments.text("targets").map { URL(fileURLWithPath: $0) },
                count: inputs.count, predicted: predicted, classes: network.classCount)
        }
        var files: [String: ParameterValue] = [:]
        for (key, text) in metricText where metric.parameter(key)?.kind.isFile == true {
            files[key] = try ParameterFiles.load(.path(text), kind: metric.parameter(key)!.kind, parameter: key, inputShape: shape)
        }
        let scorer = try metrics.scorer(metric.name, text: metricText, files: files)
        let loaded = try self.method.map { try ParameterFiles.loaded($0, registry: methods, inputShape: shape) }
        let method = try loaded.map { try methods.build($0, network: network) }
        var methodParameters: [JSONValue.Member] = []
        if let loaded, let method {
            methodParameters = [.init("method", .string(loaded.name))]
                + methods.effectiveValues(of: loaded, built: method).map { .init("method." + Computation.camelCase($0.name), $0.value?.json ?? .null) }
        }
        if inputs.count > 1, metric.parameters.contains(where: { if case .outputFile = $0.kind { return metricText[$0.name] != nil } else { return false } }) {
            throw UsageError("--metric \(metric.name) writes one file per run: give one input, not a batch of \(inputs.count)")
        }

        var lines = ""
        var staged: [StagedFile] = []
        do {
            for b in inputs.indices {
                let context = MetricContext(
                    input: inputs[b], attribution: attributions.isEmpty ? nil : attributions[b], network: network, target: targets[b],
                    mask: masks.isEmpty ? nil : masks[b], reference: references.isEmpty ? nil : references[b], method: method)
                let result = try scorer.score(context)
                for (path, bytes) in result.files { staged.append(try StagedFile(bytes, for: URL(fileURLWithPath: path))) }
                lines += JSONValue.object(report(b, result, target: network == nil ? nil : targets[b], scorer: scorer, method: methodParameters)).description + "\n"
            }
        } catch {
            staged.forEach { $0.discard() }
            throw error
        }
        return AttributeCommand.Run(standardOutput: lines, files: staged)
    }

    /// One input's report.
    func report(_ index: Int, _ result: MetricScore, target: Int?, scorer: MetricScorer, method: [JSONValue.Member]) -> [JSONValue.Member] {
        var members: [JSONValue.Member] = [.init("input", .number(Double(index))), .init("metric", .string(metric.name))]
        if let target { members.append(.init("target", .number(Double(target)))) }
        members.append(.init("score", result.score.map { .number($0) } ?? .null))
        members += result.members.filter { $0.key != "skipped" }
        if result.members.contains(where: { $0.key == "skipped" }) || result.skipped != nil {
            members.append(.init("skipped", result.skipped.map { .string($0) } ?? .null))
        }
        let parameters = scorer.effectiveValues.map { JSONValue.Member(Computation.camelCase($0.name), $0.value?.json ?? .null) }
        members.append(.init("parameters", .object(parameters + method)))
        return members
    }

    func file(_ option: String) throws -> Tensor { try NPY.read(contentsOf: URL(fileURLWithPath: try arguments.required(option))) }

    /// One mask per input: the same [H, W] for all, or [N, H, W].
    func masks(count: Int) throws -> [Tensor] {
        let mask = try file("mask")
        if mask.rank == 3 {
            guard mask.shape[0] == count else {
                throw ModelError("--mask holds \(mask.shape[0]) masks for \(count) inputs; give one [H, W] mask, or one per input")
            }
            return (0..<count).map { mask.point($0) }
        }
        return Array(repeating: mask, count: count)
    }

    /// `tensor` as a list of points of `shape` (one point, or a batch).
    static func points(_ tensor: Tensor, shape: [Int], role: String, count: Int? = nil, batch: Bool? = nil) throws -> ([Tensor], Bool) {
        if tensor.shape == shape, count == nil || count == 1, batch != true { return ([tensor], false) }
        if tensor.rank == shape.count + 1, Array(tensor.shape.dropFirst()) == shape, count == nil || tensor.shape[0] == count {
            guard tensor.shape[0] > 0 else { throw ModelError("the \(role) holds no points (shape \(tensor.shape)); give at least one") }
            return ((0..<tensor.batchCount).map { tensor.point($0) }, true)
        }
        let expected = count.map { "\($0 == 1 && batch != true ? "\(shape)" : "[\($0)] + \(shape)")" } ?? "\(shape) or [N] + \(shape)"
        throw ModelError("the \(role) has shape \(tensor.shape); \(expected) is expected")
    }
}
