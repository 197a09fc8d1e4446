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
/// rule; 1 is unbounded Guided IG.
/// Parameters: steps ≥ 1 (default 200), fraction ∈ (0, 1] (0.25), maxDistance ∈ [0, 1] (0.02).
/// Cost: `steps` gradient evaluations, one at a time (each depends on the last) (+2 forward
/// passes for F at the ends).
public struct GuidedIntegratedGradients: AttributionMethod {
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
    /// Whether to keep the per-step ledger.
    public var recordsLedger: Bool

    /// Guided IG with PAIR's defaults.
    public init(
        baseline: Tensor? = nil, steps: Int = 200, fraction: Double = 0.25, maxDistance: Double = 0.02,
        integrator: any Integrator = RiemannSum(), recordsLedger: Bool = false
    ) {
        self.baseline = baseline
        self.steps = steps
        self.fraction = fraction
        self.maxDistance = maxDistance
        self.integrator = integrator
        self.recordsLedger = recordsLedger
    }

    /// "guided-ig"
    public var name: String { "guided-ig" }

    /// Guided IG of F at `input`.
    public func attribute(_ input: Tensor, of function: some DifferentiableFunction) throws(AttributionError) -> AttributionResult {
        try Validate.input(input, for: function)
        let start = baseline ?? Tensor(zeros: input.shape)
        try Validate.input(start, for: function, name: "baseline")
        let path = try GuidedPath(from: start, to: input, steps: steps, fraction: fraction, maxDistance: maxDistance)
        return try PathIntegration.integrate(
            path, with: integrator, function: function, pointShape: input.shape, batchSize: 1, recordLedger: recordsLedger)
    }
}
