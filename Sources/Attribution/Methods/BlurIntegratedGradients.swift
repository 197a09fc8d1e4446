import Models
import Tensors

/// Blur Integrated Gradients (Xu, Venugopalan & Sundararajan, "Attribution in Scale and
/// Space", CVPR 2020), as PAIR saliency's `BlurIG`: the path integral along ``BlurPath``,
/// from the maximally blurred image to the input,
///
///     BlurIG(x) = ∫_{σ_max}^{0} ∇F(blur(x, σ)) ⊙ ∂blur(x, σ)/∂σ dσ
///               ≈ −Σ_{i<n} (σ_{i+1} − σ_i) · (d_i ⊙ ∇F(blur(x, σ_i)))
///
/// No baseline is chosen: the blurred image plays its part, so the completeness target is
/// F(x) − F(blur(x, σ_max)) — exact with ``ImportantDirection`` (IDGI-BlurIG: segment i
/// from σ_{i+1} to σ_i with the gradient at blur(x, σ_i)), up to discretisation otherwise.
/// Sensitivity (b) holds exactly. Inputs must be images [C, H, W]; channels are not mixed.
/// Parameters: σ_max ≥ 0 (default 50), steps ≥ 1 (100), gradient step h > 0 (0.01).
/// Cost: `steps` gradient evaluations and 2·`steps` blurs (+2 forward passes; IDGI and the
/// ledger: +1).
public struct BlurIntegratedGradients: AttributionMethod {
    /// σ_max
    public var maxSigma: Double
    /// n
    public var steps: Int
    /// h, the finite-difference step in σ.
    public var gradientStep: Double
    /// PAIR's finite difference or the exact path derivative.
    public var derivative: BlurPath.Derivative
    /// Riemann sum or IDGI.
    public var integrator: any Integrator
    /// The most points per model call; nil for ``PathIntegration/automaticBatchSize(pointSize:)``.
    public var batchSize: Int?
    /// Whether to keep the per-step ledger.
    public var recordsLedger: Bool

    /// BlurIG with PAIR's defaults.
    public init(
        maxSigma: Double = 50, steps: Int = 100, gradientStep: Double = 0.01, derivative: BlurPath.Derivative = .finiteDifference,
        integrator: any Integrator = RiemannSum(), batchSize: Int? = nil, recordsLedger: Bool = false
    ) {
        self.maxSigma = maxSigma
        self.steps = steps
        self.gradientStep = gradientStep
        self.derivative = derivative
        self.integrator = integrator
        self.batchSize = batchSize
        self.recordsLedger = recordsLedger
    }

    /// "blur-ig"
    public var name: String { "blur-ig" }

    /// BlurIG of F at `input`.
    public func attribute(_ input: Tensor, of function: some DifferentiableFunction) throws(AttributionError) -> AttributionResult {
        try Validate.input(input, for: function)
        let path = try BlurPath(input: input, maxSigma: maxSigma, steps: steps, gradientStep: gradientStep, derivative: derivative)
        return try PathIntegration.integrate(
            path, with: integrator, function: function, pointShape: input.shape, batchSize: batchSize, recordLedger: recordsLedger)
    }
}
