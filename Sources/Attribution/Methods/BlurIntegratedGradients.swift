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
/// Cost: `steps` gradient evaluations and, for the Riemann sum, 2·`steps` blurs for the path
/// derivative (IDGI uses no path derivative and skips them) (+2 forward passes; IDGI and the
/// ledger: +1).
public struct BlurIntegratedGradients: ConfigurableMethod {
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

    /// BlurIG with PAIR's defaults.
    public init(
        maxSigma: Double = 50, steps: Int = 100, gradientStep: Double = 0.01, derivative: BlurPath.Derivative = .finiteDifference,
        integrator: any Integrator = RiemannSum()
    ) {
        self.maxSigma = maxSigma
        self.steps = steps
        self.gradientStep = gradientStep
        self.derivative = derivative
        self.integrator = integrator
    }

    /// "blur-ig"
    public var name: String { "blur-ig" }

    /// The blur path of the input, integrated.
    public func plan(for input: Tensor) throws(AttributionError) -> AttributionPlan {
        try validate()
        let path = try BlurPath(input: input, maxSigma: maxSigma, steps: steps, gradientStep: gradientStep, derivative: derivative)
        return .integrating(path, with: integrator, shape: input.shape)
    }

    /// PAIR's defaults: σ_max 50, 100 steps, h = 0.01, the finite difference, the Riemann sum.
    public static var defaults: BlurIntegratedGradients { BlurIntegratedGradients() }

    /// `steps`, `integrator`, `max-sigma`, `grad-step`, `derivative`.
    public static let parameters: [Parameter<BlurIntegratedGradients>] = [
        .integer("steps", \.steps, in: 1...10_000_000, help: "gradient evaluations along the path"),
        .integrator(\.integrator),
        .number("max-sigma", \.maxSigma, in: 0...1e6, help: "the largest blur σ_max, in pixels"),
        .number("grad-step", \.gradientStep, in: 1e-9...1e6, help: "h, the finite-difference step in σ of the path derivative"),
        .choice("derivative", \.derivative, help: "the path derivative ∂blur/∂σ: PAIR's forward difference, or exact"),
    ]

    /// h must move σ_max by more than its last digits: σ + h − σ keeps 8 digits when h ≥ 10⁻⁷ σ_max.
    public func validateCombination() throws(AttributionError) {
        if derivative == .finiteDifference && gradientStep < 1e-7 * maxSigma {
            throw AttributionError(
                parameter: "grad-step",
                "`grad-step` \(gradientStep) is too small for `max-sigma` \(maxSigma): σ + h would keep fewer than 8 of its digits; use h ≥ 1e-7 · σ_max")
        }
    }

    /// The method `blur-ig`.
    public static let registration = MethodRegistration(
        BlurIntegratedGradients.self, summary: "BlurIG: from blur(x, σ_max) to x through Gaussian blurs (Xu et al. 2020); images [C, H, W] only",
        capabilities: [.walksPath, .needsImageInput],
        quickConfigurations: [["steps": "12", "max-sigma": "4"], ["steps": "12", "max-sigma": "4", "integrator": "idgi"]])
}
