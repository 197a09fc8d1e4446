import ArrayFormats
import Attribution
import Tensors

/// Weakly supervised localization (the IDGI paper's Table 4, after its refs. [9, 46, 21]): how
/// well the map, used as a per-pixel detector, separates the object mask from the rest.
///
/// s = Σ_c |A| min-max scaled to [0, 1] (a constant map scales to 0). With the mask's inside
/// pixels I and outside pixels O:
///
///     ROC-AUC = P(s_i > s_o) + ½ P(s_i = s_o),  i ∈ I, o ∈ O   (exact, by ranks)
///     best F1 = max over thresholds τ ∈ {distinct values of s} of F1(s ≥ τ against the mask)
///     MAE     = mean |s − mask|
///
/// It rewards maps that are high on the object and low elsewhere. A mask with no inside or no
/// outside pixel cannot be scored: the result is a skip with its reason.
public struct Localization: Sendable {
    /// The metric.
    public init() {}

    /// The three scores, or why the image was skipped.
    public struct Result: Sendable, Equatable {
        /// ROC-AUC (the metric's score).
        public var rocAUC: Double?
        /// The best F1 over thresholds.
        public var bestF1: Double?
        /// The threshold that gives it.
        public var bestThreshold: Double?
        /// mean |s − mask|
        public var mae: Double?
        /// Why no score was computed.
        public var skipped: String?
    }

    /// s = Σ_c |A| scaled to [0, 1].
    public static func scaledSaliency(_ attribution: Tensor, grid: PixelGrid) -> [Double] {
        let s = grid.saliency(attribution, ranking: .absolute)
        let (low, high) = (s.min()!, s.max()!)
        return high > low ? s.map { ($0 - low) / (high - low) } : s.map { _ in 0 }
    }

    /// The scores of `attribution` against `mask` ([H, W] of 0 and 1).
    public func evaluate(attribution: Tensor, mask: Tensor) throws(EvaluationError) -> Result {
        let grid = try PixelGrid(shape: attribution.shape)
        let inside = try PointingGame.maskPixels(mask, grid: grid)
        let positives = inside.filter { $0 }.count
        guard positives > 0, positives < inside.count else {
            return Result(skipped: positives == 0 ? "the mask has no inside pixel" : "the mask has no outside pixel")
        }
        let s = Self.scaledSaliency(attribution, grid: grid)
        return Result(
            rocAUC: Self.rocAUC(s, inside), bestF1: Self.bestF1(s, inside).f1, bestThreshold: Self.bestF1(s, inside).threshold,
            mae: zip(s, inside).reduce(0.0) { $0 + abs($1.0 - ($1.1 ? 1 : 0)) } / Double(s.count))
    }

    /// P(s_i > s_o) + ½ P(s_i = s_o) over inside/outside pairs, by the rank-sum (Mann–Whitney)
    /// identity with mid-ranks for ties: (R_I − |I|(|I| + 1)/2) / (|I| |O|).
    public static func rocAUC(_ s: [Double], _ inside: [Bool]) -> Double {
        let ranks = RankStatistics.midRanks(s)
        let positives = Double(inside.filter { $0 }.count)
        let negatives = Double(inside.count) - positives
        let rankSum = zip(ranks, inside).filter { $0.1 }.reduce(0.0) { $0 + $1.0 }
        return (rankSum - positives * (positives + 1) / 2) / (positives * negatives)
    }

    /// The best F1 of "s ≥ τ" against the mask over the distinct values τ of s, and its τ (the
    /// highest τ among equal F1).
    public static func bestF1(_ s: [Double], _ inside: [Bool]) -> (f1: Double, threshold: Double) {
        let positives = inside.filter { $0 }.count
        var best = (f1: 0.0, threshold: s.max()!)
        for threshold in Set(s).sorted(by: >) {
            var truePositives = 0
            var predicted = 0
            for (value, isInside) in zip(s, inside) where value >= threshold {
                predicted += 1
                if isInside { truePositives += 1 }
            }
            let f1 = 2 * Double(truePositives) / Double(predicted + positives)
            if f1 > best.f1 { best = (f1, threshold) }
        }
        return best
    }
}

extension Localization {
    /// Localization has no parameters.
    public struct Settings: Configurable {
        /// The defaults.
        public static var defaults: Settings { Settings() }
        /// None.
        public static var parameters: [Parameter<Settings>] { [] }
    }

    /// `localization`: ROC-AUC (the score), best F1 and MAE.
    public static let registration = MetricRegistration(
        name: "localization", summary: "ROC-AUC, best F1 and MAE of the scaled absolute map against the --mask", settings: Settings.self,
        needs: [.attribution, .mask], direction: .higherIsBetter,
        components: [MetricComponent("bestF1", .higherIsBetter), MetricComponent("mae", .lowerIsBetter)]
    ) { _, context in
        guard let mask = context.mask else { throw EvaluationError("localization needs the input's object mask") }
        let result = try Localization().evaluate(attribution: try context.requireAttribution(), mask: mask)
        func optional(_ x: Double?) -> JSONValue { x.map { .number($0) } ?? .null }
        var components: [String: Double] = [:]
        if let f1 = result.bestF1, let mae = result.mae {
            components = ["bestF1": f1, "mae": mae]
        }
        return MetricScore(
            score: result.rocAUC, skipped: result.skipped,
            members: [
                .init("rocAuc", optional(result.rocAUC)), .init("bestF1", optional(result.bestF1)), .init("mae", optional(result.mae)),
                .init("skipped", result.skipped.map { .string($0) } ?? .null),
            ],
            components: components)
    }
}
