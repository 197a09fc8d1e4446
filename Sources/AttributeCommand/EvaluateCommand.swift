import ArrayFormats
import Attribution
import Evaluation
import Foundation
import Models
import Tensors

/// `attribute evaluate`: the Evaluation module's metrics on the command line.
///
///     attribute evaluate --metric M --model DIR --input X.npy --attribution A.npy [--target K | --targets T.npy] [options]
///
/// The input may be one image or a batch `[N] + inputShape` (attributions and masks then have
/// the same leading N); stdout is one JSON object per input, one per line: `metric`, `target`,
/// `score`, `curve` (`x`, `y`) where the metric has one, the metric's own fields, and
/// `parameters`. A case a metric cannot score is a `skipped` field with the reason and a null
/// score, not an error. Exit statuses as for `attribute`.
enum EvaluateCommand {
    /// What each metric reads besides the input.
    struct Metric {
        let name: String
        let summary: String
        /// Its options beyond the common ones.
        let options: Set<String>
        let needsModel: Bool
        let needsAttribution: Bool
        let needsMethod: Bool
    }

    static let metrics: [Metric] = [
        Metric(name: "insertion", summary: "RISE insertion: AUC of F as the top pixels are revealed on the substrate",
               options: ["steps", "substrate", "substrate-sigma", "normalize", "rank", "output"], needsModel: true, needsAttribution: true, needsMethod: false),
        Metric(name: "deletion", summary: "RISE deletion: AUC of F as the top pixels are removed to the substrate",
               options: ["steps", "substrate", "substrate-sigma", "normalize", "rank", "output"], needsModel: true, needsAttribution: true, needsMethod: false),
        Metric(name: "insertion-deletion", summary: "both, and overall = insertion − deletion (DDPath)",
               options: ["steps", "substrate", "substrate-sigma", "normalize", "rank", "output"], needsModel: true, needsAttribution: true, needsMethod: false),
        Metric(name: "sic", summary: "softmax information curve (PAIR's PIC semantics, blurred base)",
               options: ["thresholds", "information", "substrate-sigma", "min-prediction", "data-range", "rank"], needsModel: true, needsAttribution: true, needsMethod: false),
        Metric(name: "aic", summary: "accuracy information curve",
               options: ["thresholds", "information", "substrate-sigma", "min-prediction", "data-range", "rank"], needsModel: true, needsAttribution: true, needsMethod: false),
        Metric(name: "ms-ssim", summary: "MS-SSIM of --input against --reference (pytorch_msssim's computation)",
               options: ["reference", "data-range"], needsModel: false, needsAttribution: false, needsMethod: false),
        Metric(name: "diffid", summary: "LPI's DiffID: insertion − deletion of the least/most salient pixels, ratios 0.1…0.9",
               options: ["output"], needsModel: true, needsAttribution: true, needsMethod: false),
        Metric(name: "pointing-game", summary: "whether the saliency peak lies within --tolerance of the --mask",
               options: ["mask", "tolerance", "rank"], needsModel: false, needsAttribution: true, needsMethod: false),
        Metric(name: "localization", summary: "ROC-AUC, best F1 and MAE of the scaled |A| against the --mask",
               options: ["mask"], needsModel: false, needsAttribution: true, needsMethod: false),
        Metric(name: "infidelity", summary: "Yeh et al.'s infidelity (Captum): mean (I·A − ΔF)² under Gaussian perturbations",
               options: ["noise-stddev", "samples", "seed", "perturbations", "normalize", "output", "data-range"], needsModel: true, needsAttribution: true, needsMethod: false),
        Metric(name: "max-sensitivity", summary: "max ‖A − A(x + δ)‖ / ‖A‖ over uniform perturbations (Captum's sensitivity_max); takes --method",
               options: ["radius", "samples", "seed", "perturbations", "output"], needsModel: true, needsAttribution: false, needsMethod: true),
        Metric(name: "randomization", summary: "Spearman ρ of |A| as layers are re-initialized from the last (Adebayo et al.); takes --method",
               options: ["seed", "output"], needsModel: true, needsAttribution: false, needsMethod: true),
        Metric(name: "information", summary: "e(x): the byte length of this library's PNG of the input (--png-out writes it)",
               options: ["png-out", "data-range"], needsModel: false, needsAttribution: false, needsMethod: false),
    ]

    /// Every option `evaluate` itself knows.
    static let ownOptions: [(name: String, placeholder: String, help: String)] = [
        ("metric", "M", "one of the metrics below"),
        ("model", "DIR", "the model directory (metrics that run the model)"),
        ("input", "X.npy", "one input, or a batch [N] + inputShape"),
        ("attribution", "A.npy", "the attributions to evaluate, the input file's shape"),
        ("target", "K", "the class for every input (default: each input's predicted class)"),
        ("targets", "T.npy", "one class per input"),
        ("output", "KIND", "logit | probability | log-probability: F (default probability; diffid: logit)"),
        ("rank", "WORD", "signed | absolute: pixel saliency Σ_c A or Σ_c |A| (default signed)"),
        ("data-range", "LO,HI", "the inputs' value range (default 0,1)"),
        ("steps", "N", "insertion/deletion: the curve's steps n (default 20)"),
        ("substrate", "WORD", "insertion/deletion: zeros | mean | blur (default zeros)"),
        ("substrate-sigma", "S", "the blur σ of the substrate (blur) or of SIC/AIC's base (default 5)"),
        ("normalize", "", "insertion/deletion: divide by F(x); infidelity: scale A by β (a flag)"),
        ("thresholds", "T1,T2,…", "sic/aic: fractions of pixels revealed (default PAIR's 0.005 … 0.75)"),
        ("information", "WORD", "sic/aic: compressed | ms-ssim (default compressed)"),
        ("min-prediction", "P", "sic/aic: skip inputs with p(x) below this (default 0.5)"),
        ("reference", "Y.npy", "ms-ssim: the image compared with --input"),
        ("mask", "M.npy", "pointing-game/localization: [H, W] (or [N, H, W]) of 0 and 1"),
        ("tolerance", "T", "pointing-game: the distance in pixels that still counts (default 0)"),
        ("noise-stddev", "S", "infidelity: σ of the perturbations (default 0.003·(HI − LO))"),
        ("samples", "N", "infidelity/max-sensitivity: the number of perturbations S (default 10)"),
        ("seed", "N", "the perturbations' (randomization: the re-drawn weights') seed (default 0)"),
        ("perturbations", "P.npy", "infidelity/max-sensitivity: [S] + inputShape given perturbations instead"),
        ("radius", "R", "max-sensitivity: the perturbations' L∞ radius (default 0.02)"),
        ("method", "M", "max-sensitivity/randomization: the attribution method, with its own options"),
        ("png-out", "F.png", "information: write the PNG whose length is e(x)"),
        ("threads", "N", "at most N threads"),
    ]

    static func help(_ registry: MethodRegistry) -> String {
        let options = ownOptions.map { option in
            let flag = "--\(option.name)" + (option.placeholder.isEmpty ? "" : " \(option.placeholder)")
            return "  \(flag.padding(toLength: 24, withPad: " ", startingAt: 0)) \(option.help)"
        }
        let metricLines = metrics.map { "  \($0.name.padding(toLength: 20, withPad: " ", startingAt: 0)) \($0.summary)" }
        return """
            USAGE: attribute evaluate --metric M --model DIR --input X.npy --attribution A.npy [--target K | --targets T.npy] [options]

            Scores attributions with the papers' metrics; prints one JSON object per input, one per line.

            METRICS (--metric):
            \(metricLines.joined(separator: "\n"))

            OPTIONS:
            \(options.joined(separator: "\n"))
              -h, --help               show this help

            With --method, the method's own options follow it (see attribute --help); --samples and --seed
            are the metric's.
            """
    }

    /// Runs `evaluate` on `words` (after the word `evaluate`).
    static func run(_ words: [String], registry: MethodRegistry) throws -> [[JSONValue.Member]] {
        let known = Set(ownOptions.map(\.name)).union(registry.optionNames)
        let options = try CommandLineOptions(words, valued: known.subtracting(["normalize"]), flags: registry.flagNames.union(["help", "normalize"]))
        if let word = options.positionals.first { throw UsageError("unexpected argument '\(word)'") }
        let metricName = try options.required("metric")
        guard let metric = metrics.first(where: { $0.name == metricName }) else {
            throw UsageError("'--metric \(metricName)' is not one of: \(metrics.map(\.name).joined(separator: ", "))")
        }
        let general: Set<String> = ["metric", "model", "input", "attribution", "target", "targets", "threads", "method"]
        let allowed = general.union(metric.options)
        var methodValues: [String: String] = [:]
        for name in options.values.keys.sorted() where !allowed.contains(name) {
            if metric.needsMethod && registry.optionNames.contains(name) {
                methodValues[name] = options.values[name]
            } else {
                throw UsageError("--\(name) does not apply to --metric \(metric.name)")
            }
        }
        for flag in options.flags.sorted() where registry.flagNames.contains(flag) {
            guard metric.needsMethod else { throw UsageError("--\(flag) does not apply to --metric \(metric.name)") }
            methodValues[flag] = "true"
        }
        if options.flags.contains("normalize") && !metric.options.contains("normalize") {
            throw UsageError("--normalize does not apply to --metric \(metric.name)")
        }
        if !metric.needsMethod && options.values["method"] != nil { throw UsageError("--method does not apply to --metric \(metric.name)") }
        if !metric.needsAttribution && options.values["attribution"] != nil {
            throw UsageError("--attribution does not apply to --metric \(metric.name)\(metric.needsMethod ? " (it computes the attributions with --method)" : "")")
        }
        let threads = try options.integer("threads", in: 1...4096)
        return try Parallelism.$threadLimit.withValue(threads) {
            try Evaluation(options: options, metric: metric, registry: registry, methodValues: methodValues).reports()
        }
    }

    /// One validated `evaluate` run.
    struct Evaluation {
        let options: CommandLineOptions
        let metric: Metric
        let registry: MethodRegistry
        let methodValues: [String: String]

        func reports() throws -> [[JSONValue.Member]] {
            let input = try NPY.read(contentsOf: URL(fileURLWithPath: try options.required("input")))
            let range = try dataRange()
            if metric.name == "information" { return [try information(input, range: range)] }
            if metric.name == "ms-ssim" { return try msSSIM(input, range: range) }

            let network: Sequential? = metric.needsModel ? try ModelDirectory.load(URL(fileURLWithPath: try options.required("model"))) : nil
            // Without a model, the input's rank says what a point is: [C, H, W] or [D] alone, [N] + either in a batch.
            let shape = network?.inputShape ?? (input.rank == 4 || input.rank == 2 ? Array(input.shape.dropFirst()) : input.shape)
            let (inputs, isBatch) = try Self.points(input, shape: shape, role: "input")
            let attributions = metric.needsAttribution ? try Self.points(try attributionFile(), shape: shape, role: "attribution", count: inputs.count, batch: isBatch).0 : []
            var targets: [Int] = Array(repeating: 0, count: inputs.count)
            if let network {
                let predicted = try network.predictions(for: Tensor.stacking(inputs))
                if options.values["target"] != nil && options.values["targets"] != nil {
                    throw UsageError("give --target K or --targets T.npy, not both")
                }
                targets = try Computation.chooseTargets(
                    target: try options.integer("target", in: 0...Int.max), file: options.values["targets"].map { URL(fileURLWithPath: $0) },
                    count: inputs.count, predicted: predicted, classes: network.classCount)
            }
            var reports: [[JSONValue.Member]] = []
            for b in inputs.indices {
                var members: [JSONValue.Member] = [.init("input", .number(Double(b))), .init("metric", .string(metric.name))]
                if network != nil { members.append(.init("target", .number(Double(targets[b])))) }
                members += try score(inputs[b], attribution: attributions.isEmpty ? nil : attributions[b], network: network, target: targets[b], index: b, count: inputs.count)
                members.append(.init("parameters", .object(parameters())))
                reports.append(members)
            }
            return reports
        }

        // MARK: The metrics

        func score(_ x: Tensor, attribution: Tensor?, network: Sequential?, target: Int, index: Int, count: Int) throws -> [JSONValue.Member] {
            if let attribution, attribution.scalars.allSatisfy({ $0 == 0 }), metric.name != "infidelity" {
                return [.init("score", .null), .init("skipped", .string("the attribution is zero everywhere: it ranks no pixel"))]
            }
            switch metric.name {
            case "insertion", "deletion", "insertion-deletion":
                let result = try InsertionDeletion(
                    steps: try options.integer("steps", in: 1...100_000) ?? 20, substrate: try substrate(),
                    normalize: options.flags.contains("normalize"), ranking: try ranking()
                ).evaluate(input: x, attribution: attribution!, output: try output(network!, target, defaultKind: .probability))
                func curve(_ c: InsertionDeletion.Curve) -> JSONValue { .object([.init("x", numbers(c.x)), .init("y", numbers(c.y))]) }
                switch metric.name {
                case "insertion": return [.init("score", .number(result.insertion.auc)), .init("curve", curve(result.insertion))]
                case "deletion": return [.init("score", .number(result.deletion.auc)), .init("curve", curve(result.deletion))]
                default:
                    return [
                        .init("score", .number(result.overall)), .init("insertion", .number(result.insertion.auc)),
                        .init("deletion", .number(result.deletion.auc)), .init("overall", .number(result.overall)),
                        .init("insertionCurve", curve(result.insertion)), .init("deletionCurve", curve(result.deletion)),
                    ]
                }
            case "sic", "aic":
                let result = try PerformanceInformationCurve(
                    metric.name == "sic" ? .sic : .aic, information: try choice("information", PerformanceInformationCurve.Information.allCases.map(\.rawValue), "compressed").flatMap(PerformanceInformationCurve.Information.init) ?? .compressed,
                    thresholds: try thresholds(), blurSigma: try options.number("substrate-sigma", in: 0...1e6, expected: "a number ≥ 0") ?? 5,
                    minimumPrediction: try options.number("min-prediction", in: 0...1) ?? 0.5, dataRange: try dataRange(), ranking: try ranking()
                ).evaluate(input: x, attribution: attribution!, network: network!, target: target)
                return [
                    .init("score", result.score.map { .number($0) } ?? .null), .init("thresholds", numbers(result.thresholds)),
                    .init("information", numbers(result.information)), .init("predictions", numbers(result.predictions)),
                    .init("curve", .object([.init("x", numbers(result.curveX)), .init("y", numbers(result.curveY))])),
                    .init("skipped", result.skipped.map { .string($0) } ?? .null),
                ]
            case "diffid":
                let result = try DiffID().evaluate(input: x, attribution: attribution!, output: try output(network!, target, defaultKind: .logit))
                return [
                    .init("score", .number(result.score)), .init("ratios", numbers(result.ratios)), .init("insertion", numbers(result.insertion)),
                    .init("deletion", numbers(result.deletion)), .init("difference", numbers(result.difference)),
                ]
            case "pointing-game":
                let result = try PointingGame(tolerance: try options.number("tolerance", in: 0...1e9, expected: "a number ≥ 0") ?? 0, ranking: try ranking())
                    .evaluate(attribution: attribution!, mask: try mask(index, count: count))
                return [
                    .init("score", .number(result.score)), .init("hit", .bool(result.hit)),
                    .init("argmax", .array([.number(Double(result.argmax.row)), .number(Double(result.argmax.column))])),
                ]
            case "localization":
                let result = try Localization().evaluate(attribution: attribution!, mask: try mask(index, count: count))
                return [
                    .init("score", result.rocAUC.map { .number($0) } ?? .null), .init("rocAuc", result.rocAUC.map { .number($0) } ?? .null),
                    .init("bestF1", result.bestF1.map { .number($0) } ?? .null), .init("mae", result.mae.map { .number($0) } ?? .null),
                    .init("skipped", result.skipped.map { .string($0) } ?? .null),
                ]
            case "infidelity":
                let span = try dataRange().upperBound - (try dataRange().lowerBound)
                let perturbations: Infidelity.Perturbations = try givenPerturbations(shape: x.shape).map { .given($0) }
                    ?? .gaussian(
                        samples: try options.integer("samples", in: 1...1_000_000) ?? 10,
                        standardDeviation: try options.number("noise-stddev", in: 0...1e9, expected: "a number ≥ 0") ?? 0.003 * span,
                        seed: try options.unsigned("seed") ?? 0)
                let result = try Infidelity(perturbations: perturbations, normalize: options.flags.contains("normalize"))
                    .evaluate(input: x, attribution: attribution!, output: try output(network!, target, defaultKind: .probability))
                return [
                    .init("score", .number(result.score)), .init("beta", .number(result.beta)),
                    .init("attributionChanges", numbers(result.attributionChanges)), .init("functionChanges", numbers(result.functionChanges)),
                ]
            case "max-sensitivity":
                let perturbations: MaxSensitivity.Perturbations = try givenPerturbations(shape: x.shape).map { .given($0) }
                    ?? .uniform(
                        samples: try options.integer("samples", in: 1...1_000_000) ?? 10,
                        radius: try options.number("radius", in: 0...1e9, expected: "a number ≥ 0") ?? 0.02, seed: try options.unsigned("seed") ?? 0)
                let result = try MaxSensitivity(method: try method(), perturbations: perturbations)
                    .evaluate(input: x, function: try output(network!, target, defaultKind: .probability))
                return [.init("score", .number(result.score)), .init("sensitivities", numbers(result.sensitivities))]
            case "randomization":
                let stages = try Randomization(method: try method(), seed: try options.unsigned("seed") ?? 0)
                    .evaluate(input: x, network: network!, target: target, kind: try outputKind(default: .probability))
                return [
                    .init("score", stages.last.map { .number($0.spearman) } ?? .null),
                    .init("stages", .array(stages.map { stage in
                        .object([.init("layer", .number(Double(stage.layer))), .init("kind", .string(stage.kind)), .init("spearman", .number(stage.spearman))])
                    })),
                ]
            default:
                preconditionFailure("metric \(metric.name) has no runner")
            }
        }

        func information(_ input: Tensor, range: ClosedRange<Double>) throws -> [JSONValue.Member] {
            let png = try InformationLevel.png(input, range: range)
            if let file = options.values["png-out"] {
                try StagedFile.commitAll([try StagedFile(png, for: URL(fileURLWithPath: file))])
            }
            return [
                .init("input", .number(0)), .init("metric", .string("information")), .init("score", .number(Double(png.count))),
                .init("bytes", .number(Double(png.count))), .init("parameters", .object(parameters())),
            ]
        }

        func msSSIM(_ input: Tensor, range: ClosedRange<Double>) throws -> [[JSONValue.Member]] {
            let reference = try NPY.read(contentsOf: URL(fileURLWithPath: try options.required("reference")))
            guard reference.shape == input.shape else {
                throw ModelError("--reference has shape \(reference.shape) but --input has \(input.shape); they must match")
            }
            let batch = input.rank == 4
            let pairs = batch ? (0..<input.batchCount).map { (input.point($0), reference.point($0)) } : [(input, reference)]
            let ssim = MultiScaleSSIM(dataRange: range.upperBound - range.lowerBound)
            return try pairs.enumerated().map { b, pair in
                [
                    .init("input", .number(Double(b))), .init("metric", .string("ms-ssim")), .init("score", .number(try ssim.value(pair.0, pair.1))),
                    .init("parameters", .object(parameters())),
                ]
            }
        }

        // MARK: Options

        func parameters() -> [JSONValue.Member] {
            var members: [JSONValue.Member] = []
            for name in options.values.keys.sorted() where !["metric", "model", "input", "attribution", "targets", "target", "png-out", "threads"].contains(name) {
                let text = options.values[name]!
                members.append(.init(Computation.camelCase(name), Double(text).map { .number($0) } ?? .string(text)))
            }
            if options.flags.contains("normalize") { members.append(.init("normalize", .bool(true))) }
            return members
        }

        func attributionFile() throws -> Tensor { try NPY.read(contentsOf: URL(fileURLWithPath: try options.required("attribution"))) }

        func dataRange() throws -> ClosedRange<Double> {
            guard let text = options.values["data-range"] else { return 0...1 }
            let parts = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 2, let low = parts[0], let high = parts[1], low.isFinite, high.isFinite, low < high else {
                throw UsageError("'--data-range \(text)' must be two numbers LO,HI with LO < HI, e.g. --data-range 0,1")
            }
            return low...high
        }

        func thresholds() throws -> [Double] {
            guard let text = options.values["thresholds"] else { return PerformanceInformationCurve.defaultThresholds }
            let values = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard !text.isEmpty, values.allSatisfy({ $0 != nil }) else {
                throw UsageError("'--thresholds \(text)' must be fractions separated by commas, e.g. --thresholds 0.01,0.1,0.5")
            }
            return values.map { $0! }
        }

        func choice(_ name: String, _ words: [String], _ fallback: String) throws -> String? {
            try options.choice(name, from: words, default: fallback)
        }

        func ranking() throws -> PixelGrid.Ranking {
            PixelGrid.Ranking(rawValue: try options.choice("rank", from: PixelGrid.Ranking.allCases.map(\.rawValue), default: "signed")!)!
        }

        func substrate() throws -> InsertionDeletion.Substrate {
            switch try options.choice("substrate", from: ["zeros", "mean", "blur"], default: "zeros")! {
            case "mean": return .mean
            case "blur": return .blur(sigma: try options.number("substrate-sigma", in: 0...1e6, expected: "a number ≥ 0") ?? 5)
            default:
                if options.values["substrate-sigma"] != nil { throw UsageError("--substrate-sigma applies to --substrate blur only") }
                return .zeros
            }
        }

        func outputKind(default fallback: OutputKind) throws -> OutputKind {
            OutputKind(rawValue: try options.choice("output", from: OutputKind.allCases.map(\.rawValue), default: fallback.rawValue)!)!
        }

        func output(_ network: Sequential, _ target: Int, defaultKind: OutputKind) throws -> ClassifierOutput {
            try ClassifierOutput(network: network, target: target, kind: try outputKind(default: defaultKind))
        }

        func method() throws -> any AttributionMethod {
            let name = try options.required("method")
            var tensors: [String: Tensor] = [:]
            if let baseline = methodValues["baseline"], baseline.hasSuffix(".npy") {
                tensors["baseline"] = try NPY.read(contentsOf: URL(fileURLWithPath: baseline))
            }
            let resources = try registry.loadResources(try registry.arguments(for: name, values: methodValues, tensors: tensors))
            return try registry.build(name, values: methodValues, tensors: tensors, resources: resources)
        }

        func mask(_ index: Int, count: Int) throws -> Tensor {
            let mask = try NPY.read(contentsOf: URL(fileURLWithPath: try options.required("mask")))
            if mask.rank == 3 {
                guard mask.shape[0] == count else {
                    throw ModelError("--mask holds \(mask.shape[0]) masks for \(count) inputs; give one [H, W] mask, or one per input")
                }
                return mask.point(index)
            }
            return mask
        }

        func givenPerturbations(shape: [Int]) throws -> [Tensor]? {
            guard let file = options.values["perturbations"] else { return nil }
            if options.values["samples"] != nil || options.values["seed"] != nil {
                throw UsageError("--perturbations gives the perturbations; leave out --samples and --seed")
            }
            let tensor = try NPY.read(contentsOf: URL(fileURLWithPath: file))
            guard tensor.rank == shape.count + 1, Array(tensor.shape.dropFirst()) == shape else {
                throw ModelError("\(file): the perturbations have shape \(tensor.shape); they must be [S] + \(shape)")
            }
            return (0..<tensor.batchCount).map { tensor.point($0) }
        }

        /// `tensor` as a list of points of `shape` (one point, or a batch).
        static func points(_ tensor: Tensor, shape: [Int], role: String, count: Int? = nil, batch: Bool? = nil) throws -> ([Tensor], Bool) {
            if tensor.shape == shape, count == nil || count == 1, batch != true { return ([tensor], false) }
            if tensor.rank == shape.count + 1, Array(tensor.shape.dropFirst()) == shape, count == nil || tensor.shape[0] == count {
                return ((0..<tensor.batchCount).map { tensor.point($0) }, true)
            }
            let expected = count.map { "\($0 == 1 && batch != true ? "\(shape)" : "[\($0)] + \(shape)")" } ?? "\(shape) or [N] + \(shape)"
            throw ModelError("the \(role) has shape \(tensor.shape); \(expected) is expected")
        }
    }

    static func numbers(_ values: [Double]) -> JSONValue { .array(values.map { $0.isFinite ? .number($0) : .null }) }
}

private func numbers(_ values: [Double]) -> JSONValue { EvaluateCommand.numbers(values) }
