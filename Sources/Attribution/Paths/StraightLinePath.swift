import Tensors

/// The straight line γ(α) = x′ + α (x − x′), α ∈ [0, 1], from the baseline x′ to the input
/// x, discretised by a ``QuadratureRule``: Integrated Gradients' path (Sundararajan, Taly &
/// Yan, "Axiomatic Attribution for Deep Networks", ICML 2017).
///
/// Step k takes the gradient at the node α_k and its Riemann term is w_k g_k ⊙ (x − x′);
/// its segment is the node's cell [c_k, c_{k+1}]. With the `left` rule the segments are
/// [k/N, (k+1)/N] with the gradient at each start — exactly the pairing the official IDGI
/// code uses on IG.
public struct StraightLinePath: StaticPath {
    /// x′, flattened.
    public let baseline: [Double]
    /// x, flattened.
    public let input: [Double]
    /// The shape of one point.
    public let pointShape: [Int]
    /// The quadrature rule, if the nodes come from one.
    public let rule: QuadratureRule?
    /// The rule's nodes, weights and cells for this N.
    public let discretization: QuadratureRule.Discretization
    private let difference: [Double]

    /// The straight line from `baseline` to `input` with `steps` nodes of `rule`.
    /// - Throws: ``AttributionError`` if the shapes differ or `steps` is below the rule's minimum.
    public init(from baseline: Tensor, to input: Tensor, rule: QuadratureRule, steps: Int) throws(AttributionError) {
        guard baseline.shape == input.shape else {
            throw AttributionError("the baseline has shape \(baseline.shape) but the input has \(input.shape); they must match")
        }
        guard rule.isFixed else {
            throw AttributionError("the \(rule.rawValue) rule chooses its own nodes; Integrated Gradients computes them, not a fixed straight-line path")
        }
        try Validate.atLeast(steps, rule.minimumNodeCount, "steps for the \(rule.rawValue) rule")
        self.baseline = baseline.scalars
        self.input = input.scalars
        self.pointShape = input.shape
        self.rule = rule
        self.discretization = rule.discretization(steps)
        self.difference = zip(input.scalars, baseline.scalars).map { $0 - $1 }
    }

    /// The straight line from `baseline` to `input` with nodes, weights and cells given
    /// (random α's, as Expected Gradients and LPI draw them).
    /// - Throws: ``AttributionError`` if the shapes differ or the discretization is inconsistent.
    public init(from baseline: Tensor, to input: Tensor, discretization: QuadratureRule.Discretization) throws(AttributionError) {
        guard baseline.shape == input.shape else {
            throw AttributionError("the baseline has shape \(baseline.shape) but the input has \(input.shape); they must match")
        }
        guard !discretization.nodes.isEmpty, discretization.weights.count == discretization.nodes.count,
            discretization.cellBoundaries.count == discretization.nodes.count + 1
        else {
            throw AttributionError("a discretization needs N ≥ 1 nodes, N weights and N + 1 cell boundaries")
        }
        self.baseline = baseline.scalars
        self.input = input.scalars
        self.pointShape = input.shape
        self.rule = nil
        self.discretization = discretization
        self.difference = zip(input.scalars, baseline.scalars).map { $0 - $1 }
    }

    /// N, one step per node.
    public var stepCount: Int { discretization.nodes.count }
    /// α from 0 (the baseline) to 1 (the input).
    public var parameterRange: (start: Double, end: Double) { (0, 1) }
    /// The node's cell [c_k, c_{k+1}].
    public func segment(_ k: Int) -> (start: Double, end: Double) {
        (discretization.cellBoundaries[k], discretization.cellBoundaries[k + 1])
    }
    /// α_k
    public func gradientParameter(_ k: Int) -> Double { discretization.nodes[k] }

    /// x′ + α (x − x′), computed as Captum and PAIR compute it.
    public func point(at alpha: Double) -> [Double] {
        var p = baseline
        for i in p.indices { p[i] = baseline[i] + alpha * difference[i] }
        return p
    }

    /// (w_k g_k) ⊙ (x − x′)
    public func riemannTerm(_ k: Int, gradient: [Double]) -> [Double] {
        let w = discretization.weights[k]
        var term = gradient
        for i in term.indices { term[i] = gradient[i] * w * difference[i] }
        return term
    }
}
