import Models
import Tensors

/// SmoothGrad (Smilkov et al., "SmoothGrad: removing noise by adding noise", 2017) over any
/// method: run the method on noisy copies of the input and aggregate (``Aggregation``).
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
/// Cost: n times the base method's; the n copies' points share model calls.
public struct SmoothGrad: ConfigurableMethod, AggregatesBase {
    /// How σ is given.
    public enum Noise: Sendable, Equatable {
        /// σ itself.
        case absolute(Double)
        /// σ = fraction · (max x − min x).
        case fractionOfRange(Double)
    }

    /// How the n attributions are combined.
    public enum Smoothing: String, Sendable, CaseIterable {
        /// The mean.
        case mean
        /// The mean of squares.
        case squared
        /// The variance (mean of squares minus square of the mean).
        case varGrad = "vargrad"

        /// The statistic it is.
        public var statistic: Aggregation.Statistic {
            switch self {
            case .mean: return .mean
            case .squared: return .meanOfSquares
            case .varGrad: return .variance
            }
        }
    }

    /// The method run on each noisy copy.
    public var base: any AttributionMethod
    /// n ≥ 1
    public var samples: Int
    /// σ
    public var noise: Noise
    /// mean, squared or VarGrad.
    public var smoothing: Smoothing
    /// The noise's seed.
    public var seed: UInt64

    /// SmoothGrad over `base`, with PAIR's defaults (25 samples, σ = 0.15 of the range).
    public init(
        base: any AttributionMethod = VanillaGradient(), samples: Int = 25, noise: Noise = .fractionOfRange(0.15),
        smoothing: Smoothing = .mean, seed: UInt64 = 0
    ) {
        self.base = base
        self.samples = samples
        self.noise = noise
        self.smoothing = smoothing
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

    /// The noisy copies x + ε_s, s = 0…n−1, each from its own derived generator.
    public func noisyCopies(of input: Tensor) throws(AttributionError) -> [Tensor] {
        try Validate.atLeast(samples, 1, "samples")
        let sigma = try standardDeviation(for: input)
        let source = Xoshiro256StarStar(seed: seed)
        return (0..<samples).map { Self.noisyCopy($0, of: input, sigma: sigma, source: source) }
    }

    /// Copy s: x + σ ε_s, ε_s from the generator `source` derives for s.
    static func noisyCopy(_ s: Int, of input: Tensor, sigma: Double, source: Xoshiro256StarStar) -> Tensor {
        var draw = source.derived(s)
        return input.map { $0 + sigma * draw.nextNormal() }
    }

    /// The base method's plans on the noisy copies, combined by the chosen statistic.
    /// Each copy and its plan are made when the engine has room for them, so memory is flat
    /// in the number of copies.
    public func plan(for input: Tensor) throws(AttributionError) -> AttributionPlan {
        try validate()
        let sigma = try standardDeviation(for: input)
        let (source, base) = (Xoshiro256StarStar(seed: seed), self.base)
        return Aggregation(smoothing.statistic).plan(count: samples, part: { s throws(AttributionError) in
            let copy = Self.noisyCopy(s, of: input, sigma: sigma, source: source)
            try Validate.finite(copy, name: "noisy copy of the input")
            return try base.plan(for: copy)
        }, shape: input.shape)
    }

    /// PAIR's defaults over the vanilla gradient: 25 copies, σ = 0.15 of the range, the mean.
    public static var defaults: SmoothGrad { SmoothGrad() }

    /// `base` (any method that is not an aggregation, with its own parameters scoped as
    /// `base.NAME`), `samples`, `noise`, `smoothing`, `seed`.
    public static let parameters: [Parameter<SmoothGrad>] = [
        Parameter(
            "base", .method, help: "the method run on each noisy copy; its own parameters as base.NAME (or NAME where only it has NAME)",
            read: { .word($0.base.name) }
        ) { smoothGrad, value throws(AttributionError) in
            guard case .attributionMethod(let method) = value else { throw Parameter<SmoothGrad>.mismatch("base", .method, value) }
            smoothGrad.base = method
        },
        .integer("samples", \.samples, in: 1...1_000_000, help: "the number of noisy copies n"),
        Parameter(
            "noise", .number(0...1e6, excludingLowerBound: false), help: "σ as a fraction of the input's range, max x − min x",
            read: { smoothGrad in
                switch smoothGrad.noise {
                case .fractionOfRange(let fraction): return .number(fraction)
                case .absolute: return nil
                }
            }
        ) { smoothGrad, value throws(AttributionError) in
            guard case .number(let fraction) = value else { throw Parameter<SmoothGrad>.mismatch("noise", .number(0...1e6, excludingLowerBound: false), value) }
            smoothGrad.noise = .fractionOfRange(fraction)
        },
        .choice("smoothing", \.smoothing, help: "how the n maps combine"),
        .seed("seed", \.seed, help: "the noise's seed"),
    ]

    /// The built base.
    public func base(named name: String) -> (any AttributionMethod)? { name == "base" ? base : nil }

    /// The method `smoothgrad`.
    public static let registration = MethodRegistration(
        SmoothGrad.self, summary: "SmoothGrad: any other method (--base) on noisy copies of x, aggregated (Smilkov et al. 2017)",
        capabilities: [.aggregatesBase, .randomized],
        quickConfigurations: [
            ["samples": "4", "seed": "3"],
            ["base": "ig", "integrator": "idgi", "steps": "8", "samples": "3", "seed": "4"],
        ])
}
