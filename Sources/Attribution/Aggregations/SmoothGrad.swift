import Models
import Tensors

/// SmoothGrad (Smilkov et al., "SmoothGrad: removing noise by adding noise", 2017) over any
/// method: run the method on noisy copies of the input and aggregate.
///
///     a_s = M(x + ε_s),  ε_s ~ N(0, σ² I),  s = 1…n
///     mean:     (1/n) Σ a_s                    (PAIR `magnitude=False`, Captum "smoothgrad")
///     squared:  (1/n) Σ a_s ⊙ a_s              (PAIR's default, Captum "smoothgrad_sq")
///     VarGrad:  (1/n) Σ a_s ⊙ a_s − mean ⊙ mean (Adebayo et al. 2018; Captum "vargrad")
///
/// σ is absolute or a fraction of the input's range, σ = f · (max x − min x) (PAIR's
/// `stdev_spread`, default 0.15). Noise is added to the input only (a path method keeps its
/// own baseline). Unlike both peers, the noise is seeded: sample s draws from a generator
/// derived from (seed, s), so the same seed gives the same bits.
/// Axioms: whatever the base method has, averaged; the mean of complete attributions is
/// complete with respect to the mean of F(x + ε_s) − F(baseline), not F(x) − F(baseline).
/// Cost: n times the base method's.
public struct SmoothGrad: AttributionMethod {
    /// How σ is given.
    public enum Noise: Sendable, Equatable {
        /// σ itself.
        case absolute(Double)
        /// σ = fraction · (max x − min x).
        case fractionOfRange(Double)
    }

    /// How the n attributions are combined.
    public enum Aggregation: String, Sendable, CaseIterable {
        /// The mean.
        case mean
        /// The mean of squares.
        case squared
        /// The variance (mean of squares minus square of the mean).
        case varGrad = "vargrad"
    }

    /// The method run on each noisy copy.
    public var base: any AttributionMethod
    /// n ≥ 1
    public var samples: Int
    /// σ
    public var noise: Noise
    /// mean, squared or VarGrad.
    public var aggregation: Aggregation
    /// The noise's seed.
    public var seed: UInt64

    /// SmoothGrad over `base`, with PAIR's defaults (25 samples, σ = 0.15 of the range).
    public init(
        base: any AttributionMethod = VanillaGradient(), samples: Int = 25, noise: Noise = .fractionOfRange(0.15),
        aggregation: Aggregation = .mean, seed: UInt64 = 0
    ) {
        self.base = base
        self.samples = samples
        self.noise = noise
        self.aggregation = aggregation
        self.seed = seed
    }

    /// "smoothgrad"
    public var name: String { "smoothgrad" }

    /// σ for `input`.
    public func standardDeviation(for input: Tensor) throws(AttributionError) -> Double {
        switch noise {
        case .absolute(let sigma):
            try Validate.within(sigma, 0...Double.greatestFiniteMagnitude, "noise σ")
            return sigma
        case .fractionOfRange(let fraction):
            try Validate.within(fraction, 0...Double.greatestFiniteMagnitude, "noise fraction")
            let range = (input.scalars.max() ?? 0) - (input.scalars.min() ?? 0)
            return fraction * range
        }
    }

    /// The aggregated attribution of F at `input`.
    public func attribute(_ input: Tensor, of function: some DifferentiableFunction) throws(AttributionError) -> AttributionResult {
        try Validate.input(input, for: function)
        try Validate.atLeast(samples, 1, "samples")
        let sigma = try standardDeviation(for: input)
        let source = Xoshiro256StarStar(seed: seed)
        var sum = [Double](repeating: 0, count: input.count)
        var sumOfSquares = sum
        var gradientEvaluations = 0
        var valueEvaluations = 0
        for s in 0..<samples {
            var draw = source.derived(s)
            let noisy = input.map { $0 + sigma * draw.nextNormal() }
            let result = try base.attribute(noisy, of: function)
            gradientEvaluations += result.gradientEvaluations
            valueEvaluations += result.valueEvaluations
            for i in sum.indices {
                let a = result.attribution.scalars[i]
                sum[i] += a
                sumOfSquares[i] += a * a
            }
        }
        let n = Double(samples)
        let combined: [Double]
        switch aggregation {
        case .mean: combined = sum.map { $0 / n }
        case .squared: combined = sumOfSquares.map { $0 / n }
        case .varGrad: combined = sum.indices.map { sumOfSquares[$0] / n - (sum[$0] / n) * (sum[$0] / n) }
        }
        return AttributionResult(
            attribution: Tensor(shape: input.shape, scalars: combined),
            gradientEvaluations: gradientEvaluations, valueEvaluations: valueEvaluations)
    }
}
