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
/// Two rules need no N. `exact` (on a network of dense, conv2d, ReLU, leaky ReLU, max-pool,
/// avg-pool and flatten layers) integrates on the pieces where the network is affine
/// (``LinePartition``, ``ExactLineIntegration``): exact for the logit, to `tolerance` for a
/// probability; with IDGI it is IDGI's continuous limit, what its Riemann sums converge to as
/// N → ∞. `adaptive` (any network) is adaptive Gauss–Kronrod to `tolerance`
/// (``AdaptiveLineIntegration``). Both report their pieces and error estimate.
///
/// Axioms. Exactly: sensitivity (b), implementation invariance, linearity (the Riemann sum
/// is linear in F), symmetry preservation (for a symmetric F with x_i = x_j, x′_i = x′_j).
/// Up to the rule's discretisation error: completeness, Σ IG = F(x) − F(x′) (IDGI: exactly);
/// sensitivity (a). IDGI gives up linearity.
/// Parameters: `steps` ≥ the rule's minimum (1 or 2); any baseline of the input's shape.
/// Cost: `steps` gradient evaluations (+2 forward passes for F at the ends; IDGI and the
/// ledger need F at every cell boundary: with the `left` rule the boundaries are the nodes,
/// so only one forward pass per batch is added).
public struct IntegratedGradients: BaselineAttributionMethod, ConfigurableMethod {
    /// x′; nil means all zeros.
    public var baseline: Tensor?
    /// N, the number of gradient evaluations.
    public var steps: Int
    /// The quadrature rule.
    public var rule: QuadratureRule
    /// Riemann sum or IDGI.
    public var integrator: any Integrator
    /// The relative tolerance of the `exact` rule's per-piece integrals on a softmax head and
    /// of the `adaptive` rule.
    public var tolerance: Double = 1e-12
    /// The network the `exact` rule partitions (and on whose pieces `adaptive` starts);
    /// the registry's builder attaches the explained network.
    public var network: Sequential?

    /// Integrated Gradients. The rule defaults by what the integrator reads: Gauss–Legendre
    /// for one that uses the rule's weights (the Riemann sum; Captum's default, the most
    /// accurate), `left` for one that uses only segments (IDGI; the official pairing).
    public init(baseline: Tensor? = nil, steps: Int = 200, rule: QuadratureRule? = nil, integrator: any Integrator = RiemannSum()) {
        self.baseline = baseline
        self.steps = steps
        self.rule = rule ?? Self.defaultRule(for: integrator)
        self.integrator = integrator
    }

    /// Gauss–Legendre when the integrator reads Riemann terms, `left` otherwise.
    public static func defaultRule(for integrator: any Integrator) -> QuadratureRule {
        integrator.needs.contains(.riemannTerms) ? .gaussLegendre : .left
    }

    /// "ig"
    public var name: String { "ig" }

    /// The straight line from x′ to x with the rule's nodes, integrated; or the exact pieces
    /// or adaptive intervals of the line.
    public func plan(for input: Tensor) throws(AttributionError) -> AttributionPlan {
        try validate()
        let start = try baselinePoint(for: input)
        switch rule {
        case .exact:
            return try ExactLines(required: network, tolerance: tolerance).plan(from: start, to: input, integrator: integrator)
        case .adaptive:
            var breakpoints: [Double] = [0, 1]
            if let network, (try? LinePartition.checkPiecewiseLinear(network)) != nil {
                breakpoints = try ExactLines(network: network, tolerance: tolerance).partition(from: start, to: input).breakpoints
            }
            func adaptive(_ integrator: some Integrator) -> AttributionPlan {
                .single(
                    AdaptiveLineIntegration(from: start.scalars, to: input.scalars, breakpoints: breakpoints, integrator: integrator, tolerance: tolerance),
                    shape: input.shape)
            }
            return adaptive(integrator)
        default:
            let path = try StraightLinePath(from: start, to: input, rule: rule, steps: steps)
            return .integrating(path, with: integrator, shape: input.shape)
        }
    }

    /// Keeps the explained network for the `exact` and `adaptive` rules.
    public mutating func attach(network: Sequential) throws(AttributionError) { self.network = network }

    /// IG's defaults: 200 steps, the Riemann sum, Gauss–Legendre, a zero baseline.
    public static var defaults: IntegratedGradients { IntegratedGradients() }

    /// `steps`, `integrator`, `rule` (its default follows the integrator), `baseline`.
    public static let parameters: [Parameter<IntegratedGradients>] = [
        .integer("steps", \.steps, in: 1...10_000_000, help: "gradient evaluations along the path")
            .only("with a rule of N nodes (exact and adaptive choose their own)") { $0.rule.isFixed },
        .integrator(\.integrator),
        .choice(
            "rule", \.rule,
            help: "the quadrature rule: nodes and weights on [0, 1] (uniform is PAIR's IG, captum-trapezoid Captum's riemann_trapezoid; exact integrates on a piecewise-linear network's pieces, adaptive is Gauss–Kronrod to a tolerance)",
            dependentDefault: ("gauss-legendre; left with integrator idgi", { defaultRule(for: $0.integrator) })),
        .number("tolerance", \.tolerance, in: 0...1, excludingLowerBound: true, help: "relative tolerance of the exact rule on a probability and of the adaptive rule")
            .only("with `rule` exact or adaptive") { !$0.rule.isFixed },
        .baseline(\.baseline),
    ]

    /// IDGI needs cells that tile [0, 1]; a rule needs its minimum number of nodes; `exact`
    /// needs a piecewise-linear network.
    public func validateCombination() throws(AttributionError) {
        if rule == .exact { try ExactLines.check(network) }
        if integrator.needs.contains(.segmentValues) && !rule.coversInterval {
            throw AttributionError(
                parameter: "rule",
                "`rule` \(rule.rawValue) cannot be used with `integrator` \(integrator.name): its cells stop short of the input; use left, the official IDGI pairing")
        }
        if steps < rule.minimumNodeCount {
            throw AttributionError(parameter: "steps", "`rule` \(rule.rawValue) needs `steps` ≥ \(rule.minimumNodeCount), got \(steps)")
        }
    }

    /// The method `ig`.
    public static let registration = MethodRegistration(
        IntegratedGradients.self,
        summary: "Integrated Gradients on the straight line from x′ (Sundararajan et al. 2017); with --integrator idgi, IDGI-IG; --rule exact: exact on a ReLU network's linear pieces",
        capabilities: [.walksPath, .takesBaseline], quickConfigurations: [["steps": "16"], ["steps": "16", "integrator": "idgi"]])
}
