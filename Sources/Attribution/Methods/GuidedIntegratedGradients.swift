import Models
import Tensors

/// Guided Integrated Gradients (Kapishnikov et al., "Guided Integrated Gradients: an
/// Adaptive Path Method for Removing Noise", CVPR 2021), as PAIR saliency's `GuidedIG`: the
/// Riemann sum along ``GuidedPath``, which moves the features with the smallest |∂F/∂x_i|
/// first while staying within `maxDistance` of the straight line.
///
/// With ``ImportantDirection`` it is IDGI-GIG: one segment per outer step, the gradient at
/// the step's start, ΔF over the step; complete exactly. The Riemann version is complete up
/// to discretisation. Sensitivity (b) holds (a feature with zero gradient is moved but
/// multiplied by 0). `maxDistance` 0 reproduces IG on the straight line with the `left`
/// rule; 1 is unbounded Guided IG. A step that round-off stalls is an error (``GuidedPath``).
/// Parameters: steps ≥ 1 (default 200), fraction ∈ (0, 1] (0.25), maxDistance ∈ [0, 1] (0.02).
/// Cost: `steps` gradient evaluations, one per round (each depends on the last; a batch of
/// inputs shares each round's model call) (+2 forward passes for F at the ends).
public struct GuidedIntegratedGradients: BaselineAttributionMethod, ConfigurableMethod {
    /// x′; nil means all zeros.
    public var baseline: Tensor?
    /// S
    public var steps: Int
    /// The fraction of features considered per pass.
    public var fraction: Double
    /// How far a feature may stray from the straight line, as a fraction of it.
    public var maxDistance: Double
    /// Riemann sum or IDGI.
    public var integrator: any Integrator

    /// Guided IG with PAIR's defaults.
    public init(
        baseline: Tensor? = nil, steps: Int = 200, fraction: Double = 0.25, maxDistance: Double = 0.02,
        integrator: any Integrator = RiemannSum()
    ) {
        self.baseline = baseline
        self.steps = steps
        self.fraction = fraction
        self.maxDistance = maxDistance
        self.integrator = integrator
    }

    /// "guided-ig"
    public var name: String { "guided-ig" }

    /// The guided path from x′ to x, integrated.
    public func plan(for input: Tensor) throws(AttributionError) -> AttributionPlan {
        try validate()
        let start = try baselinePoint(for: input)
        let path = try GuidedPath(from: start, to: input, steps: steps, fraction: fraction, maxDistance: maxDistance)
        return .integrating(path, with: integrator, shape: input.shape)
    }

    /// PAIR's defaults: 200 steps, fraction 0.25, max distance 0.02, a zero baseline.
    public static var defaults: GuidedIntegratedGradients { GuidedIntegratedGradients() }

    /// `steps`, `integrator`, `fraction`, `max-dist`, `baseline`.
    public static let parameters: [Parameter<GuidedIntegratedGradients>] = [
        .integer("steps", \.steps, in: 1...10_000_000, help: "gradient evaluations along the path"),
        .integrator(\.integrator),
        .number("fraction", \.fraction, in: 0...1, excludingLowerBound: true, help: "the fraction of features considered for moving at each pass"),
        .number("max-dist", \.maxDistance, in: 0...1, help: "how far a feature may lead or lag the straight line, as a fraction of it"),
        .baseline(\.baseline),
    ]

    /// The method `guided-ig`.
    public static let registration = MethodRegistration(
        GuidedIntegratedGradients.self, summary: "Guided IG: an adaptive path that moves low-gradient features first (Kapishnikov et al. 2021)",
        capabilities: [.walksPath, .takesBaseline], quickConfigurations: [["steps": "16"], ["steps": "16", "integrator": "idgi"]])
}
