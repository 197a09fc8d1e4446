/// One claim of a seed paper, declared before the run in a form the data can rule on: "method
/// beats base on metric" — the paired difference (method − base) over the same images lies on
/// the better side of 0.
///
/// The protocol: each paper's headline claims are **primary** — judged on the paper's headline
/// metric, with the ranking and explained output declared here, Holm-adjusted over the paper's
/// primary claims on each model. Every other row is **exploratory** (reported unadjusted), or
/// a **control** that isolates one ingredient of a primary claim.
public struct Claim: Sendable, Equatable {
    /// "001" (IDGI), "000" (DDPath), "002" (LPI).
    public let seed: String
    /// The paper's words, shortened.
    public let statement: String
    /// The method claimed better, and what it is compared with: typed identifiers of
    /// ``QualityMethod``s, which a test resolves for every claim.
    public let method: QualityMethod.ID, base: QualityMethod.ID
    /// The metric it is judged on (a ``QualityMetric``'s identifier).
    public let metric: QualityMetric.ID
    /// True for a paper's headline claim.
    public let primary: Bool
    /// The effect the paper reports (method − base on its own data, in the metric's units),
    /// nil where the seed gives none.
    public let paperEffect: Double?
    /// Where the paper's effect comes from, or why there is none.
    public let effectNote: String?
    /// The statistic judged: the mean of the per-image differences, or their median where the
    /// scores are heavy-tailed.
    public let statistic: Statistic
    /// The control this row is ("matched-baseline", "black-start", "baseline-only", "random-floor",
    /// "moved-features", "experiment": DDPath-IG with one ingredient changed); nil for a paper's own claim.
    public let control: String?

    /// What a claim's interval is an interval of.
    public enum Statistic: String, Sendable {
        /// The mean of the paired per-image differences (the metric's own aggregate).
        case mean
        /// The median of the paired per-image differences.
        case median
    }

    /// A claim from its parts.
    public init(
        seed: String, statement: String, method: QualityMethod.ID, base: QualityMethod.ID, metric: QualityMetric.ID, primary: Bool = false,
        paperEffect: Double? = nil, effectNote: String? = nil, statistic: Statistic = .mean, control: String? = nil
    ) {
        self.seed = seed
        self.statement = statement
        self.method = method
        self.base = base
        self.metric = metric
        self.primary = primary
        self.paperEffect = paperEffect
        self.effectNote = effectNote
        self.statistic = statistic
        self.control = control
    }

    /// Whether the run gives both of this claim's methods to `model` (a background-swapped model
    /// runs IDGI's comparisons only; a checkpoint experiment runs on digits-cnn only).
    public func applies(to model: String) -> Bool {
        [method, base].allSatisfy { QualityMethod.named($0)?.runs(on: model) ?? false }
    }

    /// How each paper's primary claims are ranked and explained, and why (the report prints it).
    public static let declarations: [(seed: String, text: String)] = [
        ("001", "insertion into a black image (IDGI's Table 1), pixels ranked by |A| summed over channels: IDGI's maps are non-negative and IG's signed, and the paper does not say how it ranks, so both are ranked by magnitude; the target's probability."),
        ("000", "overall = insertion − deletion (DDPath's Table 1) and insertion against added noise (its Table 4), pixels ranked by |A|: the paper publishes no code or ranking, and magnitude is how IG-family maps are shown; the target's probability."),
        ("002", "DiffID (LPI's headline metric, |A| as its official code), on the logit as the official code explains it, at the paper's budget: LPI with 20 references × 1 point against EG with 20 draws (20 gradients each). Judged on the median paired difference: DiffID is a ratio to the target's logit and its per-image scores are heavy-tailed, so a few images would decide the mean."),
    ]

    /// IDGI's Table 1 (insertion, probability): method − base, the median over its 11 ImageNet models.
    static let idgiEffects = ["ig": 0.128, "guided-ig": 0.056, "blur-ig": 0.112]

    /// A metric as an exploratory row's statement names it: insertion, deletion and overall
    /// say "(signed ranking)", since the primary rows of the same name rank by |A|.
    static func named(_ metric: String) -> String {
        ["insertion", "deletion", "overall"].contains(metric) ? "\(metric) (signed ranking)" : metric
    }

    /// The seeds' claims: primary rows first within each paper, then exploratory rows and controls.
    public static let all: [Claim] = {
        var claims: [Claim] = []
        // IDGI (001). Primary: +IDGI raises insertion for every base.
        let idgiNote = "IDGI's Table 1, the median over its 11 ImageNet models"
        for base in QualityMethod.pathBases {
            claims.append(Claim(
                seed: "001", statement: "IDGI improves \(base) on insertion", method: "\(base)+idgi", base: .init(base), metric: "insertion-abs", primary: true,
                paperEffect: idgiEffects[base], effectNote: idgiNote))
        }
        // Primary: vanilla gradient scores lowest, against all six IG variants.
        let variants = QualityMethod.pathBases.flatMap { [$0, "\($0)+idgi"] }
        for other in variants {
            claims.append(Claim(
                seed: "001", statement: "vanilla gradient scores lowest (below \(other)) on insertion", method: .init(other), base: "gradient",
                metric: "insertion-abs", primary: true, effectNote: "Table 1 gives it per ImageNet model; not carried over"))
        }
        // Exploratory: the paper's other metrics.
        for base in QualityMethod.pathBases {
            for metric in ["insertion", "insertion-ratio", "sic-compressed", "sic-ms-ssim", "aic-compressed", "aic-ms-ssim", "localization-f1", "localization-auc", "localization-mae"] {
                claims.append(Claim(seed: "001", statement: "IDGI improves \(base) on \(named(metric))", method: "\(base)+idgi", base: .init(base), metric: .init(metric)))
            }
        }
        for other in variants {
            for metric in ["insertion-ratio", "sic-compressed", "aic-compressed"] {
                claims.append(Claim(seed: "001", statement: "vanilla gradient scores lowest (below \(other)) on \(metric)", method: .init(other), base: "gradient", metric: .init(metric)))
            }
        }
        // Control: IDGI without its credit on unmoved features, against IG, on localization.
        for base in ["ig", "guided-ig"] {
            for metric in ["localization-f1", "localization-auc", "localization-mae", "pointing-game", "insertion-abs"] {
                claims.append(Claim(
                    seed: "001", statement: "IDGI on moved features only improves \(base) on \(metric)", method: "\(base)+idgi·moved", base: .init(base),
                    metric: .init(metric), control: "moved-features"))
            }
        }
        // DDPath (000). Primary: DDPath-X beats X on overall; DDPath-X beats X with plain noise on insertion.
        let ddpathNote = "the seed is a summary page; Table 1's and Table 4's numbers are not in it"
        for base in QualityMethod.pathBases {
            claims.append(Claim(
                seed: "000", statement: "DDPath-\(base) beats \(base) on overall", method: "ddpath-\(base)", base: .init(base), metric: "overall-abs", primary: true,
                effectNote: ddpathNote))
        }
        for base in QualityMethod.pathBases {
            claims.append(Claim(
                seed: "000", statement: "DDPath-\(base) beats adding plain noise (noisy-\(base)) on insertion", method: "ddpath-\(base)", base: "noisy-\(base)",
                metric: "insertion-abs", primary: true, effectNote: ddpathNote))
        }
        // Exploratory: the other tables' metrics and the path's monotonicity; deletion against noise.
        for base in QualityMethod.pathBases {
            for metric in ["overall", "pointing-game", "path-decrease"] {
                claims.append(Claim(seed: "000", statement: "DDPath-\(base) beats \(base) on \(named(metric))", method: "ddpath-\(base)", base: .init(base), metric: .init(metric)))
            }
            for noisy in ["noisy-\(base)", "smoothgrad"] {
                for metric in ["aic-compressed", "insertion", "deletion"] {
                    claims.append(Claim(
                        seed: "000", statement: "DDPath-\(base) beats adding plain noise (\(noisy)) on \(named(metric))", method: "ddpath-\(base)", base: .init(noisy),
                        metric: .init(metric)))
                }
            }
        }
        // Controls: the path's effect at an equal start, and the baseline's effect alone.
        for base in ["ig", "guided-ig"] {
            claims.append(Claim(
                seed: "000", statement: "DDPath-\(base) beats \(base) from the same noise start on overall", method: "ddpath-\(base)", base: "\(base)@noise",
                metric: "overall-abs", control: "matched-baseline"))
            claims.append(Claim(
                seed: "000", statement: "DDPath-\(base) from black beats \(base) from black on overall", method: "ddpath-\(base)@black", base: .init(base),
                metric: "overall-abs", control: "black-start"))
            claims.append(Claim(
                seed: "000", statement: "\(base) from DDPath's noise start beats \(base) from black on overall", method: "\(base)@noise", base: .init(base),
                metric: "overall-abs", control: "baseline-only"))
        }
        // Experiments: DDPath-IG with one ingredient changed (the denoiser, the guidance scale, the
        // anchor times, clipping, the denoiser's training), against IG from the same noise start
        // (does the changed path beat the straight line?), against IG from black (the primary's
        // comparison) and against DDPath-IG (does the change help?).
        for experiment in QualityMethod.ddpathExperiments {
            let name = experiment.name
            claims.append(Claim(
                seed: "000", statement: "\(name) beats ig from the same noise start on overall", method: .init(name), base: "ig@noise", metric: "overall-abs",
                control: "experiment"))
            claims.append(Claim(seed: "000", statement: "\(name) beats ig on overall", method: .init(name), base: "ig", metric: "overall-abs", control: "experiment"))
            claims.append(Claim(
                seed: "000", statement: "\(name) beats ddpath-ig on overall", method: .init(name), base: "ddpath-ig", metric: "overall-abs", control: "experiment"))
        }
        // LPI (002). Primary: LPI beats EG, IG, AGI and input × gradient on DiffID at the paper's budget.
        let lpiNote = "the paper reports DiffID as bar charts without numbers in the seed"
        for base in ["expected-gradients", "ig", "agi", "input-x-gradient"] {
            claims.append(Claim(
                seed: "002", statement: "LPI beats \(base) on DiffID", method: "lpi·paper", base: "\(base)·paper", metric: "diffid", primary: true,
                effectNote: lpiNote, statistic: .median))
        }
        // Exploratory: the mean; the supplement's ROAR and DiffROAR; ROAD (no retraining, no leak).
        for base in ["expected-gradients", "ig", "agi", "input-x-gradient"] {
            claims.append(Claim(seed: "002", statement: "LPI beats \(base) on DiffID (mean)", method: "lpi·paper", base: "\(base)·paper", metric: "diffid"))
            for (metric, label) in [("roar", "ROAR"), ("diffroar", "DiffROAR"), ("road", "ROAD")] {
                claims.append(Claim(seed: "002", statement: "LPI beats \(base) on \(label)", method: "lpi·paper", base: "\(base)·paper", metric: .init(metric)))
            }
        }
        // Exploratory: LPI at the budget the run used before (20 references × 5 points, probability).
        for base in ["expected-gradients", "ig", "agi", "input-x-gradient"] {
            claims.append(Claim(seed: "002", statement: "LPI (×5 points) beats \(base) on DiffID", method: "lpi", base: .init(base), metric: "diffid", statistic: .median))
        }
        // Exploratory: equal budgets 20…140 (the supplement's Figure 3a).
        for budget in QualityMethod.budgets {
            for base in ["expected-gradients", "ig", "lpi-random"] {
                claims.append(Claim(
                    seed: "002", statement: "LPI beats \(base) on DiffID at \(budget) gradients", method: "lpi·\(budget)", base: "\(base)·\(budget)",
                    metric: "diffid", statistic: .median))
            }
        }
        // Exploratory: cluster density beats random density, which still beats EG (Figure 3b).
        for (metric, label) in [("diffid", "DiffID"), ("roar", "ROAR"), ("diffroar", "DiffROAR"), ("road", "ROAD")] {
            let statistic: Statistic = metric == "diffid" ? .median : .mean
            claims.append(Claim(
                seed: "002", statement: "cluster density beats random density on \(label)", method: "lpi·paper", base: "lpi-random·paper", metric: .init(metric),
                statistic: statistic))
            claims.append(Claim(
                seed: "002", statement: "random density still beats EG on \(label)", method: "lpi-random·paper", base: "expected-gradients·paper",
                metric: .init(metric), statistic: statistic))
        }
        // Controls: ROAR against random removal, the floor. Removing a method's top pixels should
        // leave the retrained model less accurate than removing random ones; more accurate means
        // the removal pattern itself tells the retrained model the class (the mask leaks).
        for method in ["expected-gradients", "ig", "agi", "input-x-gradient", "lpi", "lpi-random"] {
            claims.append(Claim(
                seed: "002", statement: "\(method)·paper removes more than random on ROAR", method: "\(method)·paper", base: "random", metric: "roar",
                control: "random-floor"))
        }
        return claims
    }()
}
