import ArrayFormats
import Attribution
import Models
import Tensors

/// Infidelity (Yeh et al., "On the (In)fidelity and Sensitivity of Explanations", NeurIPS
/// 2019; Captum's `infidelity`): how badly the attribution predicts the change of F under
/// random perturbations of the input.
///
/// For perturbations I_1 … I_S of the input's shape (Gaussian, I_k,i ~ N(0, σ²), seeded — or
/// given):
///
///     Δf_k = F(x) − F(x − I_k),   a_k = Σ_i I_k,i A_i
///     infidelity = (1/S) Σ_k (a_k − Δf_k)²
///     normalized: A is first scaled by β = Σ_k a_k Δf_k / Σ_k a_k²  (β = Σ_k a_k Δf_k when the
///     denominator is 0, as Captum's safe_div does), which removes the map's overall scale.
///
/// Low is good: the attribution, read as a linear model of F, explains F's changes. Exact
/// for IG of a linear F with I's direction. Cost: S + 1 forward passes, in one batch.
public struct Infidelity: Sendable {
    /// The perturbations' source.
    public enum Perturbations: Sendable, Equatable {
        /// S Gaussian perturbations of standard deviation σ, each from the generator derived
        /// from (seed, k).
        case gaussian(samples: Int, standardDeviation: Double, seed: UInt64)
        /// These, each of the input's shape.
        case given([Tensor])
    }

    /// Where the perturbations come from.
    public var perturbations: Perturbations
    /// Scale A by β first.
    public var normalize: Bool

    /// The metric (default: Captum's 10 samples with σ = 0.003, seed 0, unnormalized).
    public init(perturbations: Perturbations = .gaussian(samples: 10, standardDeviation: 0.003, seed: 0), normalize: Bool = false) {
        self.perturbations = perturbations
        self.normalize = normalize
    }

    /// The score and what went into it.
    public struct Result: Sendable, Equatable {
        /// The infidelity.
        public var score: Double
        /// a_k = I_k · A
        public var attributionChanges: [Double]
        /// Δf_k = F(x) − F(x − I_k)
        public var functionChanges: [Double]
        /// β (1 when not normalized).
        public var beta: Double
    }

    /// The perturbations for an input of `shape`.
    public func perturbationTensors(shape: [Int]) throws(EvaluationError) -> [Tensor] {
        switch perturbations {
        case .given(let tensors):
            return try PerturbationDraws.given(tensors, shape: shape)
        case .gaussian(let samples, let sigma, let seed):
            guard sigma.isFinite, sigma >= 0 else { throw EvaluationError("the noise's standard deviation must be ≥ 0, got \(sigma)") }
            return try PerturbationDraws.seeded(samples: samples, seed: seed, shape: shape) { sigma * $0.nextNormal() }
        }
    }

    /// The infidelity of `attribution` for `output` at `input`.
    public func evaluate(input: Tensor, attribution: Tensor, output: some DifferentiableFunction) throws -> Result {
        try PixelGrid.check(attribution, matches: input.shape, name: "attribution")
        let perturbations = try perturbationTensors(shape: input.shape)
        let values = try output.values(at: Tensor.stacking([input] + perturbations.map { input - $0 }))
        let functionChanges = values.dropFirst().map { values[0] - $0 }
        let attributionChanges = perturbations.map { Swift.zip($0.scalars, attribution.scalars).reduce(0) { $0 + $1.0 * $1.1 } }
        var beta = 1.0
        if normalize {
            let numerator = Swift.zip(attributionChanges, functionChanges).reduce(0) { $0 + $1.0 * $1.1 }
            let denominator = attributionChanges.reduce(0) { $0 + $1 * $1 }
            beta = numerator / (denominator != 0 ? denominator : 1)
        }
        let score = Swift.zip(attributionChanges, functionChanges).reduce(0) { total, pair in
            let error = beta * pair.0 - pair.1
            return total + error * error
        } / Double(perturbations.count)
        return Result(score: score, attributionChanges: attributionChanges, functionChanges: functionChanges, beta: beta)
    }
}

extension Infidelity {
    /// Infidelity's parameters (Captum's defaults: 10 Gaussian perturbations, σ = 0.003 of the data's range).
    public struct Settings: Configurable {
        /// S, the number of drawn perturbations.
        public var samples = 10
        /// σ of the perturbations; nil for 0.003·(HI − LO).
        public var noiseStandardDeviation: Double? = nil
        /// The draws' seed.
        public var seed: UInt64 = 0
        /// Perturbations given instead of drawn.
        public var perturbations: [Tensor]? = nil
        /// Scale A by the optimal β.
        public var normalize = Infidelity().normalize
        /// The explained F.
        public var output = OutputKind.probability
        /// [LO, HI]
        public var dataRange: ClosedRange<Double> = 0...1

        /// The defaults.
        public static var defaults: Settings { Settings() }

        /// σ: given, or 0.003·(HI − LO).
        public var standardDeviation: Double { noiseStandardDeviation ?? 0.003 * (dataRange.upperBound - dataRange.lowerBound) }

        /// `noise-stddev`, `samples`, `seed` (both without `perturbations`), `perturbations`, `normalize`, `output`, `data-range`.
        public static let parameters: [Parameter<Settings>] = [
            Parameter(
                "noise-stddev", .number(0...1e9, excludingLowerBound: false), help: "σ of the Gaussian perturbations",
                dependentDefault: ("0.003·(HI − LO) of data-range", { .number(0.003 * ($0.dataRange.upperBound - $0.dataRange.lowerBound)) }),
                read: { .number($0.standardDeviation) }
            ) { settings, value throws(AttributionError) in
                guard case .number(let sigma) = value else { throw AttributionError(parameter: "noise-stddev", "`noise-stddev` must be a number, got \(value.text)") }
                settings.noiseStandardDeviation = sigma
            }.only("without `perturbations`") { $0.perturbations == nil },
        ] + Parameter.perturbationDraws(samples: \.samples, seed: \.seed, given: \.perturbations) + [
            .flag("normalize", \.normalize, help: "scale A by β, the least-squares fit of I·A to ΔF"),
            .choice("output", \.output, help: "the explained F"),
            .range("data-range", \.dataRange, help: "the inputs' value range (sets σ's default)"),
        ]

        /// The metric these settings describe.
        public var metric: Infidelity {
            Infidelity(
                perturbations: perturbations.map { .given($0) } ?? .gaussian(samples: samples, standardDeviation: standardDeviation, seed: seed),
                normalize: normalize)
        }
    }

    /// `infidelity`.
    public static let registration = MetricRegistration(
        name: "infidelity", summary: "Yeh et al.'s infidelity (Captum): mean (I·A − ΔF)² under Gaussian perturbations", settings: Settings.self,
        needs: [.model, .attribution], direction: .lowerIsBetter
    ) { settings, context in
        let output = try ClassifierOutput(network: try context.requireNetwork(), target: context.target, kind: settings.output)
        let result = try settings.metric.evaluate(input: context.input, attribution: try context.requireAttribution(), output: output)
        let numbers = MetricScore.numbers
        return MetricScore(
            score: result.score,
            members: [
                .init("beta", result.beta.isFinite ? .number(result.beta) : .null), .init("attributionChanges", numbers(result.attributionChanges)),
                .init("functionChanges", numbers(result.functionChanges)),
            ])
    }
}
