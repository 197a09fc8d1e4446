import Models
import Tensors

/// The gradient work that attributes one input, and how its results combine: the unit the
/// engine runs (``AttributionEngine``).
///
/// A plan is a sequence of parts — each a ``Walk`` (a path integrated with an integrator,
/// ``integrating(_:with:shape:)``; the gradient at one point, ``gradient(at:rule:)``) or a
/// nested plan — and a ``PlanFold`` that turns their results, in order, into the attribution.
/// Parts are made on demand, as the engine has room for their points, and each result is
/// folded as soon as the results before it are in and then released: a plan of a million
/// walks (Expected Gradients' draws, SmoothGrad's copies) holds about one batch of walks and
/// one running sum, whatever its length. Aggregations nest plans: SmoothGrad's plan is its base
/// method's plans for the noisy copies, folded into a mean.
public struct AttributionPlan {
    /// One part of a plan.
    public enum Part {
        /// A walk: a conversation with the model.
        case walk(any Walk)
        /// A nested plan, whose folded result is this plan's part.
        case plan(AttributionPlan)
    }

    /// The number of parts.
    public let count: Int
    /// Makes part k (called once per part, in order).
    let makePart: (Int) throws(AttributionError) -> Part
    /// Makes the fold that combines the parts' results.
    let makeFold: () -> any PlanFold

    /// A plan of `count` parts made by `part`, combined by the fold `fold` makes.
    public init(count: Int, part: @escaping (Int) throws(AttributionError) -> Part, fold: @escaping () -> any PlanFold) {
        self.count = count
        makePart = part
        makeFold = fold
    }

    /// A plan of fixed walks whose results are combined all at once by `combine` (the walks'
    /// results are kept until the last is in: for plans of a few walks).
    public init(walks: [any Walk], combine: @escaping ([AttributionResult]) throws(AttributionError) -> AttributionResult) {
        self.init(count: walks.count, part: { .walk(walks[$0]) }, fold: { CollectingFold(combine) })
    }

    /// `path` integrated with `integrator`: one walk, whose result is reshaped to `shape`.
    public static func integrating(_ path: some Path, with integrator: some Integrator, shape: [Int]) -> AttributionPlan {
        .single(PathIntegration(path, with: integrator, featureCount: Tensor.elementCount(of: shape)), shape: shape)
    }

    /// One walk whose flat result is reshaped to `shape`.
    public static func single(_ walk: some Walk, shape: [Int]) -> AttributionPlan {
        AttributionPlan(walks: [walk]) { results in
            var result = results[0]
            result.attribution = result.attribution.reshaped(shape)
            return result
        }
    }

    /// ∇F at `point` (or, with ``BackwardRule/guidedBackprop``, guided backprop's signal): one walk.
    public static func gradient(at point: Tensor, rule: BackwardRule = .gradient) -> AttributionPlan {
        .single(PointGradient(point: point.scalars, rule: rule), shape: point.shape)
    }

    /// Several plans run as one, each plan's result combined by `combine` when all are in.
    public static func combining(
        _ plans: [AttributionPlan], _ combine: @escaping ([AttributionResult]) throws(AttributionError) -> AttributionResult
    ) -> AttributionPlan {
        AttributionPlan(count: plans.count, part: { .plan(plans[$0]) }, fold: { CollectingFold(combine) })
    }

    /// This plan with `transform` applied to its result (input × gradient scales the gradient).
    public func mapResult(_ transform: @escaping (AttributionResult) throws(AttributionError) -> AttributionResult) -> AttributionPlan {
        let makeFold = self.makeFold
        return AttributionPlan(count: count, part: makePart, fold: { MappedFold(inner: makeFold(), transform: transform) })
    }
}

/// How a plan's part results become its result: each result in part order, then the whole.
public protocol PlanFold {
    /// Takes the next part's result (parts arrive strictly in order).
    mutating func add(_ result: AttributionResult) throws(AttributionError)
    /// The plan's result once every part is in.
    mutating func finish() throws(AttributionError) -> AttributionResult
}

/// Keeps every result and combines them at the end.
struct CollectingFold: PlanFold {
    let combine: ([AttributionResult]) throws(AttributionError) -> AttributionResult
    var results: [AttributionResult] = []
    init(_ combine: @escaping ([AttributionResult]) throws(AttributionError) -> AttributionResult) { self.combine = combine }
    mutating func add(_ result: AttributionResult) throws(AttributionError) { results.append(result) }
    mutating func finish() throws(AttributionError) -> AttributionResult { try combine(results) }
}

/// Another fold's result, transformed.
struct MappedFold: PlanFold {
    var inner: any PlanFold
    let transform: (AttributionResult) throws(AttributionError) -> AttributionResult
    mutating func add(_ result: AttributionResult) throws(AttributionError) { try inner.add(result) }
    mutating func finish() throws(AttributionError) -> AttributionResult { try transform(try inner.finish()) }
}

/// What a walk learns from the engine when it begins: what to record, and which class it
/// explains (when F is one class's output of a classifier).
public struct WalkContext: Sendable, Equatable {
    /// What the run keeps.
    public var options: RunOptions
    /// The explained class, when F is a classifier's output.
    public var explainedClass: Int?
    /// The explained output's kind, when F is a classifier's output.
    public var output: OutputKind?

    /// A context.
    public init(options: RunOptions, explainedClass: Int? = nil, output: OutputKind? = nil) {
        self.options = options
        self.explainedClass = explainedClass
        self.output = output
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
