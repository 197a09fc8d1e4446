import Catalogue
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
    /// A metric's name in the tables and the JSON, typed.
    public typealias ID = Identifier<QualityMetric>

    /// The name in the tables and the JSON.
    public let name: String
    /// Which way is better.
    public let direction: Direction
    /// How the per-image numbers become one number.
    public let aggregation: MetricAggregation
    /// Needs an object mask (shapes only).
    public let needsMask: Bool
    /// Where its per-image number comes from.
    public let source: Source

    /// Where a quality metric's number comes from.
    public enum Source: Sendable, Equatable {
        /// A catalogue metric (``Catalogue/metrics``) with these parameter values: its score, or
        /// one of its components (insertion-deletion's `insertion`).
        case catalogue(metric: String, values: [String: String], component: String?)
        /// Computed by the run itself: path monotonicity from the ledger, ROAR and DiffROAR by
        /// retraining, and the metrics that re-run the method on the first images.
        case run
    }

    /// The identifier.
    public var id: ID { ID(rawValue: name) }

    /// Aggregations as they were called before the catalogue held them.
    public typealias Aggregation = MetricAggregation

    /// A quality metric computed from catalogue metric `metric` with `values`: its direction,
    /// aggregation and needs come from the catalogue's registration (or its `component`'s).
    init(_ name: String, catalogue metric: String, values: [String: String] = [:], component: String? = nil) {
        let registration = Catalogue.metrics.registration(named: metric)!
        self.name = name
        direction = component.map { component in registration.components.first { $0.name == component }!.direction } ?? registration.direction!
        aggregation = registration.aggregation
        needsMask = registration.needs.contains(.mask)
        source = .catalogue(metric: metric, values: values, component: component)
    }

    /// A metric the run computes itself.
    init(_ name: String, run direction: Direction) {
        self.name = name
        self.direction = direction
        aggregation = .mean
        needsMask = false
        source = .run
    }

    /// Insertion, deletion and overall (insertion-deletion's components and score) on a
    /// substrate and ranking, named with `suffix`.
    static func insertionDeletion(suffix: String, values: [String: String]) -> [QualityMetric] {
        [
            QualityMetric("insertion" + suffix, catalogue: "insertion-deletion", values: values, component: "insertion"),
            QualityMetric("deletion" + suffix, catalogue: "insertion-deletion", values: values, component: "deletion"),
            QualityMetric("overall" + suffix, catalogue: "insertion-deletion", values: values),
        ]
    }

    /// Every metric, in table order.
    public static let all: [QualityMetric] = {
        let standard = insertionDeletion(suffix: "", values: [:])
        let ratio = insertionDeletion(suffix: "-ratio", values: ["normalize": "true"]).prefix(2)
        let blur = insertionDeletion(suffix: "-blur", values: ["substrate": "blur"])
        var metrics = standard + ratio + blur
        for (kind, information) in [("sic", "compressed"), ("aic", "compressed"), ("sic", "ms-ssim"), ("aic", "ms-ssim")] {
            metrics.append(QualityMetric("\(kind)-\(information)", catalogue: kind, values: ["information": information]))
        }
        metrics += [
            QualityMetric("diffid", catalogue: "diffid"),
            QualityMetric("road", catalogue: "road"), QualityMetric("road-morf", catalogue: "road", component: "morf"),
            QualityMetric("road-lerf", catalogue: "road", component: "lerf"),
            QualityMetric("infidelity", catalogue: "infidelity"),
            QualityMetric("path-decrease", run: .lowerIsBetter),
            QualityMetric("roar", run: .lowerIsBetter), QualityMetric("diffroar", run: .higherIsBetter),
            QualityMetric("randomization", run: .lowerIsBetter), QualityMetric("max-sensitivity", run: .lowerIsBetter),
            QualityMetric("pointing-game", catalogue: "pointing-game"),
            QualityMetric("localization-auc", catalogue: "localization"),
            QualityMetric("localization-f1", catalogue: "localization", component: "bestF1"),
            QualityMetric("localization-mae", catalogue: "localization", component: "mae"),
        ]
        return metrics
    }()

    /// The evaluation's own choices for insertion, deletion and overall, which the papers fix
    /// silently: the substrate (zeros, the per-channel mean, the blur) and signed or absolute
    /// ranking. "insertion" is (zeros, signed); a variant's name adds "-mean" or "-blur" and
    /// "-abs" ("deletion-mean-abs"). ``QualitySummary`` rules on every claim judged on
    /// insertion, deletion or overall under each variant as well.
    public static let choiceVariants: [QualityMetric] = {
        // "-blur" itself is a standard metric ("insertion-blur", in ``all``).
        let variants = evaluationChoices.filter { $0.suffix != "-blur" }.map { insertionDeletion(suffix: $0.suffix, values: $0.values) }
        return ["insertion", "deletion", "overall"].flatMap { base in variants.map { $0.first { $0.name.hasPrefix(base) }! } }
    }()

    /// The insertion-deletion parameters whose per-image curves a run keeps, and the suffix of
    /// the curves' names: the zero substrate ranked signed ("insertion") and by |A|
    /// ("insertion-abs", the primary claims' ranking).
    static let curveSuffixes: [(values: [String: String], suffix: String)] = [([:], ""), (["rank": "absolute"], "-abs")]

    /// The evaluation's other choices for insertion, deletion and overall, each as the name
    /// suffix of its metric, the catalogue parameters it sets, and what it is called in the report.
    static let evaluationChoices: [(suffix: String, values: [String: String], choice: String)] = [
        ("-mean", ["substrate": "mean"], "mean substrate"), ("-blur", ["substrate": "blur"], "blur substrate"),
        ("-abs", ["rank": "absolute"], "absolute ranking"), ("-mean-abs", ["substrate": "mean", "rank": "absolute"], "mean, absolute"),
        ("-blur-abs", ["substrate": "blur", "rank": "absolute"], "blur, absolute"),
    ]

    /// The variants of `metric` under the evaluation's choices, in a fixed order, with the
    /// choice each one makes ("mean substrate", …); empty for other metrics.
    public static func variants(of metric: String) -> [(metric: String, choice: String)] {
        guard ["insertion", "deletion", "overall"].contains(metric) else { return [] }
        return evaluationChoices.map { (metric + $0.suffix, $0.choice) }
    }

    /// `--quick`'s metrics: the cheap ones every claim family needs.
    public static let quick: [QualityMetric] = all.filter {
        ["insertion", "deletion", "overall", "insertion-ratio", "aic-compressed", "sic-compressed", "diffid", "road", "pointing-game", "localization-f1", "path-decrease", "roar", "diffroar", "randomization"].contains($0.name)
    }

    /// The metric by name (the choice variants included).
    public static func named(_ name: String) -> QualityMetric? { (all + choiceVariants).first { $0.name == name } }

    /// The metric by identifier.
    public static func named(_ id: ID) -> QualityMetric? { named(id.rawValue) }
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

/// Scores one map of one image under the requested metrics, each catalogue metric (with its
/// parameter values) computed once for all the quality metrics that read it.
struct MetricScorer: Sendable {
    let metrics: [QualityMetric]
    let network: Sequential
    /// The catalogue scorers, one per (metric, values), with the quality metrics each feeds.
    let groups: [(scorer: Evaluation.MetricScorer, metrics: [QualityMetric])]

    init(metrics: [QualityMetric], network: Sequential) throws {
        self.metrics = metrics
        self.network = network
        var groups: [(key: String, scorer: Evaluation.MetricScorer, metrics: [QualityMetric])] = []
        for metric in metrics {
            guard case .catalogue(let name, let values, _) = metric.source else { continue }
            let key = name + "|" + values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            if let index = groups.firstIndex(where: { $0.key == key }) {
                groups[index].metrics.append(metric)
            } else {
                groups.append((key, try Catalogue.metrics.scorer(name, text: values), [metric]))
            }
        }
        self.groups = groups.map { ($0.scorer, $0.metrics) }
    }

    func scores(input: Tensor, attribution: Tensor, target: Int, mask: Tensor?) throws -> ImageScores {
        var scores = ImageScores()
        for (scorer, qualityMetrics) in groups {
            if scorer.needs.contains(.mask) && mask == nil { continue }
            // The run's own rules apply (a zero map is scored, not skipped; non-finite numbers are skipped below).
            let result = try scorer.score(MetricContext(input: input, attribution: attribution, network: network, target: target, mask: mask), screening: false)
            for metric in qualityMetrics {
                guard case .catalogue(_, _, let component) = metric.source else { continue }
                if metric.aggregation != .mean {
                    // SIC and AIC: the area of the image's curve sampled on PAIR's grid.
                    if let curve = result.curves["curve"], result.score != nil {
                        scores.curves[metric.name] = curve
                        scores.values[metric.name] = PerformanceGrid.area(PerformanceGrid.sample(curve))
                    } else {
                        scores.skipped[metric.name] = result.skipped ?? "skipped"
                    }
                } else if let value = component.map({ result.score == nil ? nil : result.components[$0] }) ?? result.score {
                    scores.values[metric.name] = value
                } else {
                    scores.skipped[metric.name] = result.skipped ?? "skipped"
                }
            }
            // The insertion and deletion curves on the zero substrate for the figures, once per
            // group: signed ranking (the standard) and absolute ranking (the primary claims').
            if case .catalogue(_, let values, _) = qualityMetrics[0].source, let suffix = QualityMetric.curveSuffixes.first(where: { $0.values == values })?.suffix,
                let insertion = result.curves["insertion"], let deletion = result.curves["deletion"]
            {
                scores.curves["insertion" + suffix] = insertion
                scores.curves["deletion" + suffix] = deletion
            }
        }
        for (name, value) in scores.values where !value.isFinite {
            scores.values[name] = nil
            scores.skipped[name] = "not finite"
        }
        return scores
    }
}
