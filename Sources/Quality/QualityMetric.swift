import Evaluation
import Models
import Tensors

/// The metrics `bench quality` scores every map with, each with the direction it rewards and
/// how its per-image numbers combine over images.
///
/// Settings (the library's metric types document each definition and its source):
/// - insertion / deletion / overall: 20 steps (5% of the pixels each, IDGI's setting), the
///   target's probability, signed ranking; on a zero substrate (black: IDGI, DDPath), as a
///   ratio to F(x) (IDGI's "probability ratio"), and on a blurred substrate (σ = 5 px, RISE's
///   insertion substrate);
/// - SIC and AIC: PAIR's thresholds, the compressed size or MS-SSIM as information; combined
///   as PAIR does — the median curve (SIC) or the mean curve (AIC) over images, then its area;
/// - DiffID (LPI's metric), infidelity (Captum's defaults: 10 Gaussian perturbations of
///   σ = 0.003), and on shapes, whose images come with object masks, the pointing game and
///   localization's ROC-AUC, best F1 and MAE;
/// - path-decrease (``PathMonotonicity``): how much of the path's movement of the target's
///   probability goes down, for the methods that walk a path;
/// - ROAR and DiffROAR (``RemoveAndRetrain``), where the run retrains;
/// - randomization: the cascading randomization check's last stage, the Spearman ρ of |A|
///   with the map of the model whose every layer was re-drawn (lower: the map depends more on
///   what the model learned), and max-sensitivity (Captum's defaults: the largest relative
///   change of the map over 10 uniform perturbations of radius 0.02), on the first images of
///   each model.
public struct QualityMetric: Sendable, Equatable {
    /// The name in the tables and the JSON.
    public let name: String
    /// Which way is better.
    public let direction: Direction
    /// How the per-image numbers become one number.
    public let aggregation: Aggregation
    /// Needs an object mask (shapes only).
    public let needsMask: Bool

    /// How per-image numbers combine.
    public enum Aggregation: String, Sendable, Equatable {
        /// The mean of the per-image scores.
        case mean
        /// The area of the median curve over images (PAIR's SIC).
        case medianCurve = "median curve"
        /// The area of the mean curve over images (PAIR's AIC) — equal to the mean of the
        /// per-image areas of the curves sampled on the common grid, which is how it is computed.
        case meanCurve = "mean curve"
    }

    init(_ name: String, _ direction: Direction, _ aggregation: Aggregation = .mean, needsMask: Bool = false) {
        self.name = name
        self.direction = direction
        self.aggregation = aggregation
        self.needsMask = needsMask
    }

    /// Every metric, in table order.
    public static let all: [QualityMetric] = [
        QualityMetric("insertion", .higherIsBetter), QualityMetric("deletion", .lowerIsBetter), QualityMetric("overall", .higherIsBetter),
        QualityMetric("insertion-ratio", .higherIsBetter), QualityMetric("deletion-ratio", .lowerIsBetter),
        QualityMetric("insertion-blur", .higherIsBetter), QualityMetric("deletion-blur", .lowerIsBetter),
        QualityMetric("overall-blur", .higherIsBetter),
        QualityMetric("sic-compressed", .higherIsBetter, .medianCurve), QualityMetric("aic-compressed", .higherIsBetter, .meanCurve),
        QualityMetric("sic-ms-ssim", .higherIsBetter, .medianCurve), QualityMetric("aic-ms-ssim", .higherIsBetter, .meanCurve),
        QualityMetric("diffid", .higherIsBetter), QualityMetric("infidelity", .lowerIsBetter),
        QualityMetric("path-decrease", .lowerIsBetter),
        QualityMetric("roar", .lowerIsBetter), QualityMetric("diffroar", .higherIsBetter),
        QualityMetric("randomization", .lowerIsBetter), QualityMetric("max-sensitivity", .lowerIsBetter),
        QualityMetric("pointing-game", .higherIsBetter, needsMask: true),
        QualityMetric("localization-auc", .higherIsBetter, needsMask: true),
        QualityMetric("localization-f1", .higherIsBetter, needsMask: true),
        QualityMetric("localization-mae", .lowerIsBetter, needsMask: true),
    ]

    /// The evaluation's own choices for insertion, deletion and overall, which the papers fix
    /// silently: the substrate (zeros, the per-channel mean, the blur) and signed or absolute
    /// ranking. "insertion" is (zeros, signed); a variant's name adds "-mean" or "-blur" and
    /// "-abs" ("deletion-mean-abs"). ``QualitySummary`` rules on every claim judged on
    /// insertion, deletion or overall under each variant as well.
    public static let choiceVariants: [QualityMetric] = ["insertion", "deletion", "overall"].flatMap { base -> [QualityMetric] in
        let direction: Direction = base == "deletion" ? .lowerIsBetter : .higherIsBetter
        // "-blur" itself is a standard metric ("insertion-blur", in ``all``).
        return evaluationChoices.filter { $0.suffix != "-blur" }.map { QualityMetric(base + $0.suffix, direction) }
    }

    /// The evaluation's other choices for insertion, deletion and overall, each as the name
    /// suffix of its metric, the substrate and ranking it uses, and what it is called in the report.
    static let evaluationChoices: [(suffix: String, substrate: InsertionDeletion.Substrate, ranking: PixelGrid.Ranking, choice: String)] = [
        ("-mean", .mean, .signed, "mean substrate"), ("-blur", .blur(sigma: 5), .signed, "blur substrate"),
        ("-abs", .zeros, .absolute, "absolute ranking"), ("-mean-abs", .mean, .absolute, "mean, absolute"),
        ("-blur-abs", .blur(sigma: 5), .absolute, "blur, absolute"),
    ]

    /// The variants of `metric` under the evaluation's choices, in a fixed order, with the
    /// choice each one makes ("mean substrate", …); empty for other metrics.
    public static func variants(of metric: String) -> [(metric: String, choice: String)] {
        guard ["insertion", "deletion", "overall"].contains(metric) else { return [] }
        return evaluationChoices.map { (metric + $0.suffix, $0.choice) }
    }

    /// `--quick`'s metrics: the cheap ones every claim family needs.
    public static let quick: [QualityMetric] = all.filter {
        ["insertion", "deletion", "overall", "insertion-ratio", "aic-compressed", "sic-compressed", "diffid", "pointing-game", "localization-f1", "path-decrease", "roar", "diffroar", "randomization"].contains($0.name)
    }

    /// The metric by name (the choice variants included).
    public static func named(_ name: String) -> QualityMetric? { (all + choiceVariants).first { $0.name == name } }
}

/// One image's scores under every requested metric, and its performance-information curves
/// for the aggregated metrics.
public struct ImageScores: Sendable {
    /// Metric name → score; a metric the image could not be scored on is absent. For SIC and
    /// AIC, the area of the image's curve sampled on ``PerformanceGrid/x``.
    public var values: [String: Double] = [:]
    /// Metric name → the curve's points: for SIC and AIC the sorted information levels and
    /// predictions, (0, 0) and (1, 1) included; for insertion and deletion (zeros, signed) the
    /// fractions k/n and the probabilities.
    public var curves: [String: (x: [Double], y: [Double])] = [:]
    /// Metric name → why the image was skipped.
    public var skipped: [String: String] = [:]
}

/// PAIR's grid for combining performance-information curves: ê = k·0.001, k = 0…999, and 1 —
/// `Evaluation`'s, so a cell equals ``PerformanceInformationCurve/aggregate(_:kind:points:)``.
public enum PerformanceGrid {
    /// The grid's 1,001 information levels.
    public static let x: [Double] = PerformanceInformationCurve.grid()

    /// The area under y sampled on ``x`` (trapezoids).
    public static func area(_ y: [Double]) -> Double { PerformanceInformationCurve.area(x: x, y: y) }

    /// A curve's y on ``x`` (linear between its points, as np.interp).
    public static func sample(_ curve: (x: [Double], y: [Double])) -> [Double] {
        x.map { PerformanceInformationCurve.interpolate(curve.x, curve.y, at: $0) }
    }
}

/// Scores one map of one image under the requested metrics.
struct MetricScorer: Sendable {
    let metrics: [QualityMetric]
    let network: Sequential

    func scores(input: Tensor, attribution: Tensor, target: Int, mask: Tensor?) throws -> ImageScores {
        var scores = ImageScores()
        let names = Set(metrics.map(\.name))
        let output = try ClassifierOutput(network: network, target: target, kind: .probability)
        // The standard insertion and deletion (zeros, signed; its curves kept for the figures)
        // and every other substrate and ranking.
        for (suffix, substrate, ranking) in [("", InsertionDeletion.Substrate.zeros, PixelGrid.Ranking.signed)]
            + QualityMetric.evaluationChoices.map({ ($0.suffix, $0.substrate, $0.ranking) })
        where !names.isDisjoint(with: ["insertion", "deletion", "overall"].map { $0 + suffix }) {
            let result = try InsertionDeletion(substrate: substrate, ranking: ranking).evaluate(input: input, attribution: attribution, output: output)
            if suffix.isEmpty {
                scores.curves["insertion"] = (result.insertion.x, result.insertion.y)
                scores.curves["deletion"] = (result.deletion.x, result.deletion.y)
            }
            scores.values["insertion" + suffix] = result.insertion.auc
            scores.values["deletion" + suffix] = result.deletion.auc
            scores.values["overall" + suffix] = result.overall
        }
        if !names.isDisjoint(with: ["insertion-ratio", "deletion-ratio"]) {
            let result = try InsertionDeletion(normalize: true).evaluate(input: input, attribution: attribution, output: output)
            scores.values["insertion-ratio"] = result.insertion.auc
            scores.values["deletion-ratio"] = result.deletion.auc
        }
        for (kind, information) in [(PerformanceInformationCurve.Kind.sic, PerformanceInformationCurve.Information.compressed),
                                    (.aic, .compressed), (.sic, .msSSIM), (.aic, .msSSIM)] {
            let name = "\(kind.rawValue)-\(information.rawValue)"
            guard names.contains(name) else { continue }
            let result = try PerformanceInformationCurve(kind, information: information)
                .evaluate(input: input, attribution: attribution, network: network, target: target)
            if result.score != nil {
                scores.curves[name] = (result.curveX, result.curveY)
                scores.values[name] = PerformanceGrid.area(PerformanceGrid.sample((result.curveX, result.curveY)))
            } else {
                scores.skipped[name] = result.skipped ?? "skipped"
            }
        }
        if names.contains("diffid") {
            let logit = try ClassifierOutput(network: network, target: target, kind: .logit)
            scores.values["diffid"] = try DiffID().evaluate(input: input, attribution: attribution, output: logit).score
        }
        if names.contains("infidelity") {
            scores.values["infidelity"] = try Infidelity().evaluate(input: input, attribution: attribution, output: output).score
        }
        if let mask {
            if names.contains("pointing-game") {
                scores.values["pointing-game"] = try PointingGame().evaluate(attribution: attribution, mask: mask).hit ? 1 : 0
            }
            if !names.isDisjoint(with: ["localization-auc", "localization-f1", "localization-mae"]) {
                let result = try Localization().evaluate(attribution: attribution, mask: mask)
                if let auc = result.rocAUC, let f1 = result.bestF1, let mae = result.mae {
                    scores.values["localization-auc"] = auc
                    scores.values["localization-f1"] = f1
                    scores.values["localization-mae"] = mae
                } else {
                    for name in ["localization-auc", "localization-f1", "localization-mae"] { scores.skipped[name] = result.skipped ?? "skipped" }
                }
            }
        }
        for (name, value) in scores.values where !value.isFinite {
            scores.values[name] = nil
            scores.skipped[name] = "not finite"
        }
        return scores
    }
}
