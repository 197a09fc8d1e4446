import Models
import Tensors

/// Where the gradients are taken: a discretised path from a start point (the baseline side)
/// to an end point (the input), walked as a sequence of steps.
///
/// Step j is a segment [p_j, p_{j+1}] of the path together with the gradient g_j the base
/// method pairs with it and the base method's own Riemann term r_j (g_j ⊙ Δp_j, or
/// g_j ⊙ γ′ Δt, or a quadrature weight times g_j ⊙ (x − x′)). An ``Integrator`` turns the
/// steps into an attribution; the path knows nothing of how.
///
/// A path evaluates the function itself — in batches of at most `batchSize` points, so
/// memory does not grow with the number of steps — and hands the steps over one at a time,
/// in order. When asked (`needsSegmentValues`), it also supplies F at both ends of every
/// segment, reusing values it already has.
public protocol Path: Sendable {
    /// Walks the path for `function`, calling `visit` with every step in order.
    /// - Returns: F at the path's two ends, its displacement, and what the walk cost.
    func traverse(
        _ function: some DifferentiableFunction, needsSegmentValues: Bool, batchSize: Int,
        visit: (PathStep) -> Void
    ) throws(AttributionError) -> PathSummary
}

/// One step of a path, as a path hands it to an integrator.
public struct PathStep: Sendable {
    /// The step's position, 0-based.
    public var index: Int
    /// The path parameter at the segment's start (α for the straight line, σ for the blur
    /// path, the fraction of steps for Guided IG).
    public var startParameter: Double
    /// The path parameter at the segment's end.
    public var endParameter: Double
    /// g_j, the gradient the base method pairs with this segment (flattened).
    public var gradient: [Double]
    /// r_j, the base method's Riemann term for this segment (flattened).
    public var riemannTerm: [Double]
    /// F(p_j), when segment values were asked for.
    public var startValue: Double?
    /// F(p_{j+1}), when segment values were asked for.
    public var endValue: Double?
}

/// What a walk along a path established besides its steps.
public struct PathSummary: Sendable {
    /// F at the path's start (the baseline, the fully blurred image, …).
    public var startValue: Double
    /// F at the path's end (the input).
    public var endValue: Double
    /// End point minus start point, flattened (used by IDGI when no step has a gradient).
    public var displacement: [Double]
    /// Gradient evaluations (forward and backward passes) the walk made.
    public var gradientEvaluations: Int
    /// Value-only evaluations (forward passes) the walk made.
    public var valueEvaluations: Int
}

/// A path fixed before any gradient is taken (the straight line with a quadrature rule, the
/// blur path), so its gradient points can be evaluated in batches. Conformers describe
/// their steps; the walk itself is shared (``traverse(_:needsSegmentValues:batchSize:visit:)``).
public protocol StaticPath: Path {
    /// The shape of one point.
    var pointShape: [Int] { get }
    /// The number of steps (gradient evaluations).
    var stepCount: Int { get }
    /// The path parameter at the start and at the end of the whole path.
    var parameterRange: (start: Double, end: Double) { get }
    /// Step k's segment, as path parameters.
    func segment(_ k: Int) -> (start: Double, end: Double)
    /// The path parameter where step k's gradient is taken.
    func gradientParameter(_ k: Int) -> Double
    /// The point at a path parameter (flattened).
    func point(at parameter: Double) -> [Double]
    /// Step k's Riemann term from its gradient.
    func riemannTerm(_ k: Int, gradient: [Double]) -> [Double]
}

extension StaticPath {
    /// The shared walk: gradient points in batches of `batchSize`; when segment values are
    /// needed, F at each segment end, taken from the batch's own values where an end
    /// coincides with a gradient point and from value-only batches otherwise.
    public func traverse(
        _ function: some DifferentiableFunction, needsSegmentValues: Bool, batchSize: Int,
        visit: (PathStep) -> Void
    ) throws(AttributionError) -> PathSummary {
        let size = Tensor.elementCount(of: pointShape)
        var gradientEvaluations = 0
        var valueEvaluations = 0
        func batch(_ parameters: [Double]) -> Tensor {
            var scalars: [Double] = []
            scalars.reserveCapacity(parameters.count * size)
            for t in parameters { scalars.append(contentsOf: point(at: t)) }
            return Tensor(shape: [parameters.count] + pointShape, scalars: scalars)
        }

        for start in stride(from: 0, to: stepCount, by: batchSize) {
            let steps = Array(start ..< min(start + batchSize, stepCount))
            let nodes = steps.map(gradientParameter)
            let evaluated = try function.evaluate(batch(nodes))
            gradientEvaluations += steps.count

            var known: [Double: Double] = [:]
            if needsSegmentValues {
                for (offset, t) in nodes.enumerated() { known[t] = evaluated.values[offset] }
                var missing: [Double] = []
                for k in steps {
                    let (a, b) = segment(k)
                    for t in [a, b] where known[t] == nil && !missing.contains(t) { missing.append(t) }
                }
                for chunk in stride(from: 0, to: missing.count, by: batchSize) {
                    let parameters = Array(missing[chunk ..< min(chunk + batchSize, missing.count)])
                    let values = try function.evaluateValues(batch(parameters))
                    valueEvaluations += parameters.count
                    for (t, value) in zip(parameters, values) { known[t] = value }
                }
            }
            for (offset, k) in steps.enumerated() {
                let gradient = Array(evaluated.gradients.scalars[offset * size ..< (offset + 1) * size])
                let (a, b) = segment(k)
                visit(PathStep(
                    index: k, startParameter: a, endParameter: b, gradient: gradient,
                    riemannTerm: riemannTerm(k, gradient: gradient),
                    startValue: needsSegmentValues ? known[a] : nil, endValue: needsSegmentValues ? known[b] : nil))
            }
        }

        let (first, last) = parameterRange
        let ends = try function.evaluateValues(batch([first, last]))
        valueEvaluations += 2
        let displacement = zip(point(at: last), point(at: first)).map { $0 - $1 }
        return PathSummary(
            startValue: ends[0], endValue: ends[1], displacement: displacement,
            gradientEvaluations: gradientEvaluations, valueEvaluations: valueEvaluations)
    }
}
