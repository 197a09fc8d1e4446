import Models
import Tensors

/// The gradient work that attributes one input, and how its results combine: the unit the
/// engine runs (``AttributionEngine``).
///
/// A plan is a list of ``Walk``s — a path integrated with an integrator
/// (``integrating(_:with:shape:)``), the gradient at one point (``gradient(at:rule:)``) — and a
/// `combine` that turns their results, in order, into the attribution. Aggregations nest
/// plans (``combining(_:_:)``): SmoothGrad's plan is its base method's plans for the noisy
/// copies, combined by a mean; an aggregation over references is the base method's plans for
/// each reference, combined by weights.
public struct AttributionPlan {
    /// The walks, in order.
    public var walks: [any Walk]
    /// Turns the walks' results (in the order of ``walks``) into the attribution. The
    /// engine fills in evaluation counts and path points; `combine` shapes the attribution.
    public var combine: ([AttributionResult]) throws(AttributionError) -> AttributionResult

    /// A plan.
    public init(walks: [any Walk], combine: @escaping ([AttributionResult]) throws(AttributionError) -> AttributionResult) {
        self.walks = walks
        self.combine = combine
    }

    /// `path` integrated with `integrator`: one walk, whose result is reshaped to `shape`.
    public static func integrating(_ path: some Path, with integrator: some Integrator, shape: [Int]) -> AttributionPlan {
        AttributionPlan(walks: [PathIntegration(path, with: integrator, featureCount: Tensor.elementCount(of: shape))]) { results in
            var result = results[0]
            result.attribution = result.attribution.reshaped(shape)
            return result
        }
    }

    /// ∇F at `point` (or, with ``BackwardRule/guidedBackprop``, guided backprop's signal): one walk.
    public static func gradient(at point: Tensor, rule: BackwardRule = .gradient) -> AttributionPlan {
        AttributionPlan(walks: [PointGradient(point: point.scalars, rule: rule)]) { results in
            var result = results[0]
            result.attribution = result.attribution.reshaped(point.shape)
            return result
        }
    }

    /// Several plans run as one: their walks one after another, each plan's results combined
    /// by its own `combine`, and those results by `combine`.
    public static func combining(
        _ plans: [AttributionPlan], _ combine: @escaping ([AttributionResult]) throws(AttributionError) -> AttributionResult
    ) -> AttributionPlan {
        let counts = plans.map(\.walks.count)
        let inner = plans.map(\.combine)
        return AttributionPlan(walks: plans.flatMap(\.walks)) { results throws(AttributionError) in
            var parts: [AttributionResult] = []
            var start = 0
            for (count, combinePart) in zip(counts, inner) {
                parts.append(try combinePart(Array(results[start ..< start + count])))
                start += count
            }
            return try combine(parts)
        }
    }

    /// This plan with `transform` applied to its result (input × gradient scales the gradient).
    public func mapResult(_ transform: @escaping (AttributionResult) throws(AttributionError) -> AttributionResult) -> AttributionPlan {
        let combine = self.combine
        return AttributionPlan(walks: walks) { results throws(AttributionError) in try transform(try combine(results)) }
    }
}

/// What a walk learns from the engine when it begins: what to record, and which class it
/// explains (when F is one class's output of a classifier).
public struct WalkContext: Sendable, Equatable {
    /// What the run keeps.
    public var options: RunOptions
    /// The explained class, when F is a classifier's output.
    public var explainedClass: Int?

    /// A context.
    public init(options: RunOptions, explainedClass: Int? = nil) {
        self.options = options
        self.explainedClass = explainedClass
    }
}

/// One strand of a plan's gradient work, as a conversation with the model: the engine calls
/// ``begin(_:)``, then ``nextRequest(limit:)`` and ``receive(_:)`` until the request is nil,
/// then ``finish()``.
public protocol Walk {
    /// How gradients are back-propagated for this walk (guided backprop changes it).
    var rule: BackwardRule { get }
    /// Prepares the walk for a run (what to record, which class is explained).
    mutating func begin(_ context: WalkContext)
    /// The evaluations the walk needs next (at most `limit` ≥ 1 gradient points), or nil when done.
    mutating func nextRequest(limit: Int) -> EvaluationRequest?
    /// The answers to the last request, in its order.
    mutating func receive(_ evaluations: Evaluations) throws(AttributionError)
    /// The walk's result: a flat attribution of the point's feature count (the engine adds
    /// the evaluation counts and path points).
    mutating func finish() throws(AttributionError) -> AttributionResult
}

/// ∇F at one point: the walk of the gradient methods.
struct PointGradient: Walk {
    let point: [Double]
    let rule: BackwardRule
    private var requested = false
    private var gradient: [Double] = []

    init(point: [Double], rule: BackwardRule) {
        self.point = point
        self.rule = rule
    }

    mutating func begin(_ context: WalkContext) {}

    mutating func nextRequest(limit: Int) -> EvaluationRequest? {
        guard !requested else { return nil }
        requested = true
        return EvaluationRequest(gradientPoints: [point])
    }

    mutating func receive(_ evaluations: Evaluations) throws(AttributionError) { gradient = evaluations.gradients[0] }

    mutating func finish() throws(AttributionError) -> AttributionResult {
        AttributionResult(attribution: Tensor(shape: [gradient.count], scalars: gradient), gradientEvaluations: 1, valueEvaluations: 0)
    }
}
