import ArrayFormats
import Attribution
import Models
import Tensors

/// ROAD, RemOve And Debias (Rong, Leemann, Borisov, Kasneci & Kasneci, ICML 2022;
/// `tleemann/road_evaluation`): remove a fraction of the pixels by their rank in the map,
/// fill them by ``NoisyLinearImputation`` — so the hole's shape does not tell the model the
/// class — and read the *fixed* model's output; no retraining.
///
/// Saliency s = Σ_c |A| (ties by index); for each fraction f ∈ {0.1, …, 0.9} the
/// round(f·P) pixels are removed
///
///     MoRF_f = F(x with the most relevant pixels imputed)    (lower is better)
///     LeRF_f = F(x with the least relevant pixels imputed)   (higher is better)
///     ROAD   = mean_f (LeRF_f − MoRF_f)                      (higher is better)
///
/// F is the target's probability (the paper plots accuracy; a probability gives each image a
/// graded score). The noise of fraction f's MoRF and LeRF images comes from
/// `Xoshiro256StarStar(seed).derived(2i)` and `.derived(2i + 1)` (i the fraction's index),
/// so a score is the same on every machine. Cost: 18 forward passes in one batch and 18
/// sparse solves per channel.
public struct RemoveAndDebias: Sendable {
    /// The fractions of pixels removed.
    public var fractions: [Double]
    /// The imputation.
    public var imputation: NoisyLinearImputation
    /// The noise's seed.
    public var seed: UInt64

    /// ROAD at 0.1 … 0.9 with the official noise σ = 0.01.
    public init(fractions: [Double] = (1...9).map { Double($0) / 10 }, imputation: NoisyLinearImputation = NoisyLinearImputation(), seed: UInt64 = 0) {
        self.fractions = fractions
        self.imputation = imputation
        self.seed = seed
    }

    /// The two curves and their gap.
    public struct Result: Sendable, Equatable {
        /// The fractions removed.
        public var fractions: [Double]
        /// F with the most relevant pixels imputed, per fraction.
        public var mostRelevantFirst: [Double]
        /// F with the least relevant pixels imputed, per fraction.
        public var leastRelevantFirst: [Double]
        /// LeRF − MoRF per fraction (the metric's curve).
        public var gap: [Double] { zip(leastRelevantFirst, mostRelevantFirst).map { $0 - $1 } }
        /// mean(LeRF − MoRF)
        public var score: Double { mean(gap) }
        /// mean MoRF (lower is better).
        public var mostRelevantMean: Double { mean(mostRelevantFirst) }
        /// mean LeRF (higher is better).
        public var leastRelevantMean: Double { mean(leastRelevantFirst) }

        /// The mean over the fractions (0 with none).
        private func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(1, fractions.count)) }
    }

    /// The imputed images, MoRF then LeRF for each fraction in turn.
    public func perturbedImages(input: Tensor, attribution: Tensor) throws -> [Tensor] {
        try PixelGrid.check(attribution, matches: input.shape, name: "attribution")
        let grid = try PixelGrid(shape: input.shape)
        let order = PixelGrid.order(grid.saliency(attribution, ranking: .absolute))
        let source = Xoshiro256StarStar(seed: seed)
        var images: [Tensor] = []
        for (i, fraction) in fractions.enumerated() {
            let count = Int((fraction * Double(grid.pixelCount)).rounded())
            for (end, pixels) in [order.prefix(count), order.suffix(count)].enumerated() {
                var removed = [Bool](repeating: false, count: grid.pixelCount)
                for p in pixels { removed[p] = true }
                var generator = source.derived(2 * i + end)
                images.append(imputation.impute(input, grid: grid, removed: removed, using: &generator))
            }
        }
        return images
    }

    /// ROAD of `attribution` for `output` at `input`.
    /// - Throws: ``EvaluationError`` for mismatched shapes.
    public func evaluate(input: Tensor, attribution: Tensor, output: ClassifierOutput) throws -> Result {
        let images = try perturbedImages(input: input, attribution: attribution)
        let values = try output.values(at: Tensor.stacking(images))
        return Result(
            fractions: fractions, mostRelevantFirst: stride(from: 0, to: values.count, by: 2).map { values[$0] },
            leastRelevantFirst: stride(from: 1, to: values.count, by: 2).map { values[$0] })
    }
}

extension RemoveAndDebias {
    /// ROAD's parameters.
    public struct Settings: Configurable {
        /// The explained F.
        public var output = OutputKind.probability
        /// σ of the imputation noise.
        public var noise = 0.01
        /// The noise's seed.
        public var seed: UInt64 = 0
        /// The defaults.
        public static var defaults: Settings { Settings() }
        /// `output`, `noise`, `seed`.
        public static let parameters: [Parameter<Settings>] = [
            .choice("output", \.output, help: "the explained F (the target's probability by default)"),
            .number("noise", \.noise, in: 0...1, help: "the standard deviation of the noise added to each imputed value (the official 0.01)"),
            .seed("seed", \.seed, help: "the imputation noise's seed"),
        ]
    }

    /// `road`; its curve is LeRF − MoRF against the fraction removed.
    public static let registration = MetricRegistration(
        name: "road", summary: "ROAD: most- and least-relevant pixels removed by noisy linear imputation, no retraining (mean LeRF − MoRF)",
        settings: Settings.self, needs: [.model, .attribution], direction: .higherIsBetter,
        components: [MetricComponent("morf", .lowerIsBetter), MetricComponent("lerf", .higherIsBetter)]
    ) { settings, context in
        let output = try ClassifierOutput(network: try context.requireNetwork(), target: context.target, kind: settings.output)
        let road = RemoveAndDebias(imputation: NoisyLinearImputation(noise: settings.noise), seed: settings.seed)
        let result = try road.evaluate(input: context.input, attribution: try context.requireAttribution(), output: output)
        let numbers = MetricScore.numbers
        let gap = result.gap
        return MetricScore(
            score: result.score,
            members: [
                .init("fractions", numbers(result.fractions)), .init("morf", numbers(result.mostRelevantFirst)),
                .init("lerf", numbers(result.leastRelevantFirst)), .init("curve", MetricScore.curveJSON(x: result.fractions, y: gap)),
            ],
            curves: ["curve": (result.fractions, gap)], components: ["morf": result.mostRelevantMean, "lerf": result.leastRelevantMean])
    }
}
