import Models
import Tensors

/// Integrated Gradients (Sundararajan, Taly & Yan, "Axiomatic Attribution for Deep
/// Networks", ICML 2017): the path integral of the gradient along the straight line from a
/// baseline x′ to the input x,
///
///     IG_i(x) = (x_i − x′_i) ∫₀¹ ∂_i F(x′ + α (x − x′)) dα
///             ≈ (x_i − x′_i) Σ_k w_k ∂_i F(x′ + α_k (x − x′))     (a ``QuadratureRule``)
///
/// With ``ImportantDirection`` as the integrator it is IDGI-IG: the N segments between
/// α = k/N (the `left` rule's cells), gradients at each segment's start.
///
/// Axioms. Exactly: sensitivity (b), implementation invariance, linearity (the Riemann sum
/// is linear in F), symmetry preservation (for a symmetric F with x_i = x_j, x′_i = x′_j).
/// Up to the rule's discretisation error: completeness, Σ IG = F(x) − F(x′) (IDGI: exactly);
/// sensitivity (a). IDGI gives up linearity.
/// Parameters: `steps` ≥ the rule's minimum (1 or 2); any baseline of the input's shape.
/// Cost: `steps` gradient evaluations (+2 forward passes for F at the ends; IDGI and the
/// ledger need F at every cell boundary: with the `left` rule the boundaries are the nodes,
/// so only one forward pass per batch of `batchSize` is added).
public struct IntegratedGradients: AttributionMethod {
    /// x′; nil means all zeros.
    public var baseline: Tensor?
    /// N, the number of gradient evaluations.
    public var steps: Int
    /// The quadrature rule.
    public var rule: QuadratureRule
    /// Riemann sum or IDGI.
    public var integrator: any Integrator
    /// The most points per model call; nil for ``PathIntegration/automaticBatchSize(pointSize:)``.
    public var batchSize: Int?
    /// Whether to keep the per-step ledger.
    public var recordsLedger: Bool

    /// Integrated Gradients. The rule defaults to Gauss–Legendre for the Riemann sum
    /// (Captum's default; the most accurate) and to `left` for IDGI (the official pairing).
    public init(
        baseline: Tensor? = nil, steps: Int = 200, rule: QuadratureRule? = nil, integrator: any Integrator = RiemannSum(),
        batchSize: Int? = nil, recordsLedger: Bool = false
    ) {
        self.baseline = baseline
        self.steps = steps
        self.rule = rule ?? (integrator is ImportantDirection ? .left : .gaussLegendre)
        self.integrator = integrator
        self.batchSize = batchSize
        self.recordsLedger = recordsLedger
    }

    /// "ig"
    public var name: String { "ig" }

    /// IG of F at `input`.
    public func attribute(_ input: Tensor, of function: some DifferentiableFunction) throws(AttributionError) -> AttributionResult {
        try Validate.input(input, for: function)
        let start = baseline ?? Tensor(zeros: input.shape)
        try Validate.input(start, for: function, name: "baseline")
        if integrator.needsSegmentValues && !rule.coversInterval {
            throw AttributionError("IDGI needs segments that tile the path; the \(rule.rawValue) rule's cells stop short of the input — use left (the official pairing) or another rule")
        }
        let path = try StraightLinePath(from: start, to: input, rule: rule, steps: steps)
        return try PathIntegration.integrate(
            path, with: integrator, function: function, pointShape: input.shape, batchSize: batchSize, recordLedger: recordsLedger)
    }
}
