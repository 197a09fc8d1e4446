/// How Integrated Gradients turns N gradient evaluations on the straight line into an
/// integral: nodes α_k ∈ [0, 1] where the gradient is taken and weights w_k, so that
///
///     IG(x) ≈ (x − x′) ⊙ Σ_k w_k ∇F(x′ + α_k (x − x′))
///
/// | rule | α_k | w_k | error as N grows |
/// |---|---|---|---|
/// | `left` | k/N, k = 0…N−1 | 1/N | O(1/N) (Captum `riemann_left`) |
/// | `right` | k/N, k = 1…N | 1/N | O(1/N) (Captum `riemann_right`) |
/// | `middle` | (k + ½)/N | 1/N | O(1/N²) (Captum `riemann_middle`) |
/// | `trapezoid` | k/(N−1), k = 0…N−1 | 1/(N−1), halved at both ends | O(1/N²) |
/// | `gaussLegendre` | (1 + t_k)/2, t_k the Legendre roots | w_k/2 | exact for polynomial gradients of degree ≤ 2N−1; exponential for analytic ones (Captum's default) |
/// | `uniform` | k/(N−1), k = 0…N−1 | 1/N | O(1/N), exact for linear F — what PAIR saliency's IG does |
/// | `captumTrapezoid` | k/(N−1) | 1/N, halved at both ends (Σ w = (N−1)/N) | biased: Σ A → (N−1)/N · (F(x) − F(x′)) even for linear F — what Captum's `riemann_trapezoid` does |
///
/// The peer rules are reproduced as defined; Captum additionally rounds its nodes
/// (`torch.linspace` in float32) and weights (`.float()`) to single precision, a relative
/// change of about 6·10⁻⁸ that this library does not copy.
///
/// Each node also owns a *cell* [c_k, c_{k+1}] of the parameter interval, of length w_k and
/// containing α_k — left, right and middle: [k/N, (k+1)/N]; trapezoid: the dual cells
/// [(k − ½)/(N−1), (k + ½)/(N−1)] clipped to [0, 1]; uniform: [k/N, (k+1)/N]; Gauss–Legendre:
/// the partial sums of the weights (which separate the nodes). These cells tile [0, 1], so
/// the per-step ledger can compare each node's attribution with F's change over its cell,
/// and IDGI can use any of these rules. Captum's trapezoid is the exception that shows its
/// bias: cells of length w_k laid end to end stop at (N−1)/N, and its later nodes fall
/// outside their cells; IDGI refuses it.
///
/// Two rules choose their nodes from the integrand instead of from N (``isFixed`` is false;
/// Integrated Gradients computes them, `steps` does not apply):
///
/// | rule | nodes | error |
/// |---|---|---|
/// | `exact` | the midpoints of the pieces on which a piecewise-linear network is affine (``LinePartition``); on a softmax head, one vector–Jacobian product per piece with the piece's integrated ∂F/∂z | none for the logit (rounding only); the 1-D Gauss–Kronrod tolerance on the piece's logit-space integral for probabilities |
/// | `adaptive` | Gauss–Kronrod G₇–K₁₅ on intervals bisected where the estimated error is largest (on a piecewise-linear network, starting from its pieces) | the reported estimate, driven below the tolerance |
public enum QuadratureRule: String, Sendable, CaseIterable {
    /// Left Riemann sum.
    case left
    /// Right Riemann sum.
    case right
    /// Midpoint rule.
    case middle
    /// The textbook trapezoid rule.
    case trapezoid
    /// Gauss–Legendre quadrature.
    case gaussLegendre = "gauss-legendre"
    /// PAIR saliency's IG: N equally spaced nodes including both ends, each weighted 1/N.
    case uniform
    /// Captum's `riemann_trapezoid`: trapezoid nodes with weights summing to (N−1)/N.
    case captumTrapezoid = "captum-trapezoid"
    /// Exact integration on the pieces where a piecewise-linear network is affine.
    case exact
    /// Adaptive Gauss–Kronrod quadrature to a tolerance.
    case adaptive

    /// The rules whose N nodes are fixed before any gradient is taken.
    public static let fixedRules: [QuadratureRule] = allCases.filter(\.isFixed)

    /// True for the rules of N fixed nodes; false for `exact` and `adaptive`, whose nodes
    /// follow the integrand.
    public var isFixed: Bool { self != .exact && self != .adaptive }

    /// The smallest N the rule is defined for.
    public var minimumNodeCount: Int {
        switch self {
        case .left, .right, .middle, .gaussLegendre, .exact, .adaptive: return 1
        case .trapezoid, .uniform, .captumTrapezoid: return 2
        }
    }

    /// True when the cells tile all of [0, 1], so the rule is consistent (Σ w = 1).
    public var coversInterval: Bool { self != .captumTrapezoid }

    /// The nodes α_k, weights w_k and cells [c_k, c_{k+1}] of the N-node rule on [0, 1].
    /// - Precondition: `count ≥ minimumNodeCount` and the rule ``isFixed``.
    public func discretization(_ count: Int) -> Discretization {
        precondition(count >= minimumNodeCount, "\(rawValue) needs at least \(minimumNodeCount) nodes")
        precondition(isFixed, "\(rawValue) chooses its nodes from the integrand; it has no N-node discretization")
        let n = Double(count)
        let indices = 0..<count
        switch self {
        case .left:
            return Discretization(nodes: indices.map { Double($0) / n }, weights: Array(repeating: 1 / n, count: count), cellBoundaries: uniformCells(count))
        case .right:
            return Discretization(nodes: indices.map { Double($0 + 1) / n }, weights: Array(repeating: 1 / n, count: count), cellBoundaries: uniformCells(count))
        case .middle:
            return Discretization(nodes: indices.map { (Double($0) + 0.5) / n }, weights: Array(repeating: 1 / n, count: count), cellBoundaries: uniformCells(count))
        case .trapezoid:
            var weights = Array(repeating: 1 / (n - 1), count: count)
            weights[0] /= 2
            weights[count - 1] /= 2
            let boundaries = [0.0] + (0..<(count - 1)).map { (Double($0) + 0.5) / (n - 1) } + [1.0]
            return Discretization(nodes: indices.map { Double($0) / (n - 1) }, weights: weights, cellBoundaries: boundaries)
        case .gaussLegendre:
            let (t, w) = GaussLegendre.nodesAndWeights(count)
            var boundaries = [0.0]
            var partial = 0.0
            for k in 0..<(count - 1) {
                partial += w[k] / 2
                boundaries.append(partial)
            }
            boundaries.append(1)
            return Discretization(nodes: t.map { (1 + $0) / 2 }, weights: w.map { $0 / 2 }, cellBoundaries: boundaries)
        case .uniform:
            return Discretization(nodes: indices.map { Double($0) / (n - 1) }, weights: Array(repeating: 1 / n, count: count), cellBoundaries: uniformCells(count))
        case .captumTrapezoid:
            var weights = Array(repeating: 1 / n, count: count)
            weights[0] /= 2
            weights[count - 1] /= 2
            var boundaries = [0.0]
            var partial = 0.0
            for w in weights {
                partial += w
                boundaries.append(partial)
            }
            return Discretization(nodes: indices.map { Double($0) / (n - 1) }, weights: weights, cellBoundaries: boundaries)
        case .exact, .adaptive:
            preconditionFailure("unreachable: checked above")
        }
    }

    private func uniformCells(_ count: Int) -> [Double] {
        (0...count).map { Double($0) / Double(count) }
    }

    /// A rule's nodes, weights and cells for one N.
    public struct Discretization: Sendable, Equatable {
        /// α_k, where the gradient is taken.
        public var nodes: [Double]
        /// w_k
        public var weights: [Double]
        /// c_0 = 0 ≤ c_1 ≤ … ≤ c_N: node k owns [c_k, c_{k+1}].
        public var cellBoundaries: [Double]

        /// Nodes, weights and cells of a rule of one's own (Expected Gradients' random α: one
        /// node of weight 1 owning [0, 1]).
        public init(nodes: [Double], weights: [Double], cellBoundaries: [Double]) {
            self.nodes = nodes
            self.weights = weights
            self.cellBoundaries = cellBoundaries
        }
    }
}
