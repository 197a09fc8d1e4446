import ArrayFormats
import Attribution
import Models
import Tensors

/// Max-sensitivity (Yeh et al., NeurIPS 2019; Captum's `sensitivity_max`): how much the
/// attribution changes when the input moves a little.
///
///     δ_k ~ U(−r, r) per feature (seeded, or given), k = 1…S
///     A_k = the same method, same options and seed, at x + δ_k, for the same target
///     max-sensitivity = max_k ‖A − A_k‖ / ‖A‖        (Frobenius norms; ‖A‖ = 0 counts as 1)
///
/// Low is good: a stable explanation. Cost: S + 1 runs of the method (their points share
/// model calls).
public struct MaxSensitivity: Sendable {
    /// The perturbations' source.
    public enum Perturbations: Sendable, Equatable {
        /// S uniform perturbations in ±radius per feature, each from the generator derived from (seed, k).
        case uniform(samples: Int, radius: Double, seed: UInt64)
        /// These, each of the input's shape.
        case given([Tensor])
    }

    /// The explained method.
    public var method: any AttributionMethod
    /// Where the perturbations come from.
    public var perturbations: Perturbations

    /// The metric (default: Captum's 10 samples in ±0.02, seed 0).
    public init(method: any AttributionMethod, perturbations: Perturbations = .uniform(samples: 10, radius: 0.02, seed: 0)) {
        self.method = method
        self.perturbations = perturbations
    }

    /// The score and the per-sample sensitivities.
    public struct Result: Sendable, Equatable {
        /// max_k of ``sensitivities``.
        public var score: Double
        /// ‖A − A_k‖ / ‖A‖ per sample.
        public var sensitivities: [Double]
    }

    /// The perturbations for an input of `shape`.
    public func perturbationTensors(shape: [Int]) throws(EvaluationError) -> [Tensor] {
        switch perturbations {
        case .given(let tensors):
            return try PerturbationDraws.given(tensors, shape: shape)
        case .uniform(let samples, let radius, let seed):
            guard radius.isFinite, radius >= 0 else { throw EvaluationError("the radius must be ≥ 0, got \(radius)") }
            return try PerturbationDraws.seeded(samples: samples, seed: seed, shape: shape) { $0.nextUniform(in: -radius, radius) }
        }
    }

    /// Max-sensitivity of the method for `functions` (one F per input, as the engine takes
    /// them) at `input`; the perturbed runs explain the same F.
    public func evaluate(input: Tensor, function: some DifferentiableFunction) throws -> Result {
        let perturbations = try perturbationTensors(shape: input.shape)
        let inputs = [input] + perturbations.map { input + $0 }
        let results = try method.attribute(inputs, of: ExplainedFunctions(function))
        let reference = results[0].attribution.scalars
        let norm = Self.norm(reference)
        let sensitivities = results.dropFirst().map { result in
            Self.norm(zip(reference, result.attribution.scalars).map { $0 - $1 }) / (norm != 0 ? norm : 1)
        }
        return Result(score: sensitivities.max()!, sensitivities: sensitivities)
    }

    static func norm(_ values: [Double]) -> Double { values.reduce(0) { $0 + $1 * $1 }.squareRoot() }
}

extension MaxSensitivity {
    /// Max-sensitivity's parameters (Captum's defaults: 10 uniform perturbations of radius 0.02).
    public struct Settings: Configurable {
        /// The perturbations' L∞ radius.
        public var radius = 0.02
        /// S, the number of perturbations drawn.
        public var samples = 10
        /// The draws' seed.
        public var seed: UInt64 = 0
        /// Perturbations given instead of drawn.
        public var perturbations: [Tensor]? = nil
        /// The explained F.
        public var output = OutputKind.probability

        /// The defaults.
        public static var defaults: Settings { Settings() }

        /// `radius`, `samples`, `seed` (without `perturbations`), `perturbations`, `output`.
        public static let parameters: [Parameter<Settings>] = [
            Parameter.number("radius", \.radius, in: 0...1e9, help: "the perturbations' L∞ radius").only("without `perturbations`") { $0.perturbations == nil },
        ] + Parameter.perturbationDraws(samples: \.samples, seed: \.seed, given: \.perturbations) + [.choice("output", \.output, help: "the explained F")]
    }

    /// `max-sensitivity`: re-runs the method at each perturbed input.
    public static let registration = MetricRegistration(
        name: "max-sensitivity", summary: "max ‖A − A(x + δ)‖ / ‖A‖ over uniform perturbations (Captum's sensitivity_max); takes --method",
        settings: Settings.self, needs: [.model, .method], direction: .lowerIsBetter
    ) { settings, context in
        guard let method = context.method else { throw EvaluationError("max-sensitivity re-runs a method: give the method") }
        let perturbations: Perturbations = settings.perturbations.map { .given($0) } ?? .uniform(samples: settings.samples, radius: settings.radius, seed: settings.seed)
        let output = try ClassifierOutput(network: try context.requireNetwork(), target: context.target, kind: settings.output)
        let result = try MaxSensitivity(method: method, perturbations: perturbations).evaluate(input: context.input, function: output)
        return MetricScore(score: result.score, members: [.init("sensitivities", MetricScore.numbers(result.sensitivities))])
    }
}
