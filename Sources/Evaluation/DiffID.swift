import ArrayFormats
import Attribution
import Models
import Tensors

/// DiffID (Yang et al., "Re-calibrating Feature Attributions for Model Interpretation", LPI,
/// AAAI 2023 — the official `evaluator.py`): how much more the model keeps when the least
/// salient pixels are removed than when the most salient are.
///
/// Saliency s = Σ_c |A|, pixels ordered by descending s (ties by index). For r = k/10,
/// k = 1…9, with P pixels, k_r = ⌊(k·P + 5)/10⌋ (integer arithmetic):
///
///     deletion_r:  the top k_r pixels replaced by the per-channel mean of the pixels kept
///     insertion_r: the bottom k_r pixels replaced the same way
///     score_r = F(perturbed) / F(x)         (F the logit of y in the official code)
///     DiffID(r) = insertion_r − deletion_r,   DiffID = mean over the nine ratios
///
/// (The official code's "insertion" removes the least salient pixels — it inserts the most
/// salient into an image that loses the rest.) It rewards maps whose most salient pixels are
/// the ones the model needs. If every pixel is replaced (P = 1), the mean is x's own.
/// Cost: 19 forward passes, in one batch.
public struct DiffID: Sendable {
    /// The metric.
    public init() {}

    /// The nine ratios' scores and their mean.
    public struct Result: Sendable, Equatable {
        /// k/10, k = 1…9
        public var ratios: [Double]
        /// F(x with the bottom k_r pixels replaced) / F(x)
        public var insertion: [Double]
        /// F(x with the top k_r pixels replaced) / F(x)
        public var deletion: [Double]
        /// insertion − deletion per ratio
        public var difference: [Double] { zip(insertion, deletion).map { $0 - $1 } }
        /// The mean difference.
        public var score: Double { difference.reduce(0, +) / Double(difference.count) }
    }

    /// DiffID of `attribution` for `output` at `input`.
    /// - Throws: ``EvaluationError`` for mismatched shapes or F(x) = 0.
    public func evaluate(input: Tensor, attribution: Tensor, output: ClassifierOutput) throws -> Result {
        try PixelGrid.check(attribution, matches: input.shape, name: "attribution")
        let grid = try PixelGrid(shape: input.shape)
        let order = PixelGrid.order(grid.saliency(attribution, ranking: .absolute))
        let counts = (1...9).map { k in (k * grid.pixelCount + 5) / 10 }
        var images: [Tensor] = []
        for count in counts { images.append(replaced(input, grid: grid, pixels: Array(order.suffix(count)))) }
        for count in counts { images.append(replaced(input, grid: grid, pixels: Array(order.prefix(count)))) }
        var values = try output.values(at: Tensor.stacking(images + [input]))
        let reference = values.removeLast()
        guard reference != 0 else { throw EvaluationError("F(x) is 0, so DiffID's ratios F(perturbed)/F(x) are undefined; choose another output") }
        return Result(
            ratios: (1...9).map { Double($0) / 10 }, insertion: values[0..<9].map { $0 / reference },
            deletion: values[9..<18].map { $0 / reference })
    }

    /// x with `pixels` replaced by the per-channel mean of the other pixels (of all, if none is left).
    func replaced(_ x: Tensor, grid: PixelGrid, pixels: [Int]) -> Tensor {
        var removed = [Bool](repeating: false, count: grid.pixelCount)
        for p in pixels { removed[p] = true }
        let kept = (0..<grid.pixelCount).filter { !removed[$0] }
        let sources = kept.isEmpty ? Array(0..<grid.pixelCount) : kept
        var out = x
        for c in 0..<grid.channels {
            let mean = sources.reduce(0.0) { $0 + x.scalars[c * grid.pixelCount + $1] } / Double(sources.count)
            for p in pixels { out.scalars[c * grid.pixelCount + p] = mean }
        }
        return out
    }
}

extension DiffID {
    /// DiffID's parameter: the explained output (the official code's logit).
    public struct Settings: Configurable {
        /// The explained F.
        public var output = OutputKind.logit
        /// The defaults.
        public static var defaults: Settings { Settings() }
        /// `output`.
        public static let parameters: [Parameter<Settings>] = [.choice("output", \.output, help: "the explained F (the official code explains the logit)")]
    }

    /// `diffid`; its curve is the difference (insertion − deletion) against the ratio.
    public static let registration = MetricRegistration(
        name: "diffid", summary: "LPI's DiffID: insertion − deletion of the least/most salient pixels, ratios 0.1…0.9", settings: Settings.self,
        needs: [.model, .attribution], direction: .higherIsBetter
    ) { settings, context in
        let output = try ClassifierOutput(network: try context.requireNetwork(), target: context.target, kind: settings.output)
        let result = try DiffID().evaluate(input: context.input, attribution: try context.requireAttribution(), output: output)
        let numbers = MetricScore.numbers
        return MetricScore(
            score: result.score,
            members: [
                .init("ratios", numbers(result.ratios)), .init("insertion", numbers(result.insertion)), .init("deletion", numbers(result.deletion)),
                .init("difference", numbers(result.difference)), .init("curve", MetricScore.curveJSON(x: result.ratios, y: result.difference)),
            ],
            curves: ["curve": (result.ratios, result.difference)])
    }
}
