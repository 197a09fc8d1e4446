/// One claim of a seed paper, in a form the data can rule on: "method beats base on metric"
/// — the paired difference (method − base) over the same images lies on the better side of 0.
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

    /// A claim from its parts.
    public init(seed: String, statement: String, method: QualityMethod.ID, base: QualityMethod.ID, metric: QualityMetric.ID) {
        self.seed = seed
        self.statement = statement
        self.method = method
        self.base = base
        self.metric = metric
    }

    /// The seeds' claims, one row per (method, base, metric).
    public static let all: [Claim] = {
        var claims: [Claim] = []
        // IDGI (001): +IDGI raises insertion (probability and ratio), SIC and AIC (both
        // information levels) and localization F1 / ROC-AUC, and lowers MAE, for every base.
        let idgiMetrics = ["insertion", "insertion-ratio", "sic-compressed", "sic-ms-ssim", "aic-compressed", "aic-ms-ssim",
                           "localization-f1", "localization-auc", "localization-mae"]
        for base in QualityMethod.pathBases {
            for metric in idgiMetrics {
                claims.append(Claim(seed: "001", statement: "IDGI improves \(base) on \(metric)", method: "\(base)+idgi", base: .init(base), metric: .init(metric)))
            }
        }
        // IDGI (001): vanilla gradient scores lowest on insertion.
        for other in ["ig", "blur-ig", "guided-ig"] {
            claims.append(Claim(seed: "001", statement: "vanilla gradient scores lowest on insertion (below \(other))", method: .init(other), base: "gradient", metric: "insertion"))
        }
        // DDPath (000): DDPath-X beats X on overall, on the pointing game and on keeping the
        // target's probability rising along its path; DDPath beats adding plain noise on
        // AIC, insertion and deletion.
        for base in QualityMethod.pathBases {
            for metric in ["overall", "pointing-game", "path-decrease"] {
                claims.append(Claim(seed: "000", statement: "DDPath-\(base) beats \(base) on \(metric)", method: "ddpath-\(base)", base: .init(base), metric: .init(metric)))
            }
            for noisy in ["noisy-\(base)", "smoothgrad"] {
                for metric in ["aic-compressed", "insertion", "deletion"] {
                    claims.append(Claim(
                        seed: "000", statement: "DDPath-\(base) beats adding plain noise (\(noisy)) on \(metric)", method: "ddpath-\(base)", base: .init(noisy),
                        metric: .init(metric)))
                }
            }
        }
        // LPI (002): LPI beats EG, IG, AGI and input-gradient on DiffID; cluster density beats
        // random density, which still beats EG.
        for base in ["expected-gradients", "ig", "agi", "input-x-gradient"] {
            claims.append(Claim(seed: "002", statement: "LPI beats \(base) on DiffID", method: "lpi", base: .init(base), metric: "diffid"))
        }
        // LPI (002): LPI stays best as the budget of interpolation points grows (20…140),
        // at equal gradient evaluations.
        for budget in QualityMethod.budgets {
            for base in ["expected-gradients", "ig", "lpi-random"] {
                claims.append(Claim(
                    seed: "002", statement: "LPI beats \(base) on DiffID at \(budget) gradients", method: "lpi·\(budget)", base: "\(base)·\(budget)",
                    metric: "diffid"))
            }
        }
        // LPI (002): on ROAR and DiffROAR LPI is best.
        for base in ["expected-gradients", "ig", "agi", "input-x-gradient"] {
            claims.append(Claim(seed: "002", statement: "LPI beats \(base) on ROAR", method: "lpi", base: .init(base), metric: "roar"))
            claims.append(Claim(seed: "002", statement: "LPI beats \(base) on DiffROAR", method: "lpi", base: .init(base), metric: "diffroar"))
        }
        // LPI (002): cluster density beats random density, which still beats EG — on DiffID,
        // and on ROAR and DiffROAR where they were retrained.
        for (metric, label) in [("diffid", "DiffID"), ("roar", "ROAR"), ("diffroar", "DiffROAR")] {
            claims.append(Claim(seed: "002", statement: "cluster density beats random density on \(label)", method: "lpi", base: "lpi-random", metric: .init(metric)))
            claims.append(Claim(
                seed: "002", statement: "random density still beats EG on \(label)", method: "lpi-random", base: "expected-gradients", metric: .init(metric)))
        }
        return claims
    }()
}
