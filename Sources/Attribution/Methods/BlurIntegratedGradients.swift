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
        let path = try BlurPath(input: input, maxSigma: maxSigma, steps: steps, gradientStep: gradientStep, derivative: derivative)
        return .integrating(path, with: integrator, shape: input.shape)
    }

    /// `--method blur-ig`.
    public static let registration = MethodRegistration(
        name: "blur-ig", summary: "BlurIG: from blur(x, σ_max) to x through Gaussian blurs (Xu et al. 2020); images [C, H, W] only",
        options: [
            .steps(default: 100),
            .integrator,
            MethodOption("max-sigma", .number(0...1e6, excludingLowerBound: false), default: "50", help: "the largest blur σ_max, in pixels"),
            MethodOption(
                "grad-step", .number(0...1e6, excludingLowerBound: true), default: "0.01",
                help: "h, the finite-difference step in σ of the path derivative"),
            MethodOption(
                "derivative", .choice(BlurPath.Derivative.allCases.map(\.rawValue)), default: BlurPath.Derivative.finiteDifference.rawValue,
                help: "the path derivative ∂blur/∂σ: PAIR's forward difference, or exact"),
        ],
        capabilities: [.walksPath, .needsImageInput],
        quickConfigurations: [["steps": "12", "max-sigma": "4"], ["steps": "12", "max-sigma": "4", "integrator": "idgi"]]
    ) { arguments throws(MethodArgumentError) in
        BlurIntegratedGradients(
            maxSigma: arguments.number("max-sigma"), steps: arguments.integer("steps"), gradientStep: arguments.number("grad-step"),
            derivative: BlurPath.Derivative(rawValue: arguments.choice("derivative"))!, integrator: arguments.integrator())
    }
}
