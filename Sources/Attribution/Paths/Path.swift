import Tensors

/// Where the gradients are taken: a discretised path from a start point (the baseline side)
/// to an end point (the input), walked as a sequence of steps — the "path" axis of the design
/// (DESIGN.md, "The one idea").
///
/// Step j is a segment [p_j, p_{j+1}] of the path together with the gradient g_j the base
/// method pairs with it and the base method's own Riemann term r_j (g_j ⊙ Δp_j, or
/// g_j ⊙ γ′ Δt, or a quadrature weight times g_j ⊙ (x − x′)). An ``Integrator`` turns the
/// steps into an attribution; the path knows nothing of how.
///
/// A path does not call the model itself. It hands out a ``PathWalker``, which asks for F and
/// ∇F at a few points at a time (``EvaluationRequest``) and turns the answers into steps. The
/// engine that runs walkers (``AttributionEngine``) can then put the points of many walks —
/// the noisy copies of SmoothGrad, the references of an aggregation, the inputs of a batch —
/// into shared model calls, and memory never grows with the number of steps beyond one batch.
public protocol Path: Sendable {
    /// The walker for one walk along this path.
    associatedtype Walker: PathWalker
    /// Starts a walk that supplies, with every step, what `needs` asks for.
    func makeWalker(needs: StepNeeds) -> Walker
}

/// One walk along a path, as a conversation with the model: request, answers, steps.
///
/// The engine calls ``nextRequest(limit:)``, evaluates the requested points, passes the
/// answers to ``receive(_:)`` in the request's order, and repeats until ``nextRequest(limit:)``
/// returns nil. Steps come out in path order, each exactly once.
public protocol PathWalker {
    /// The evaluations the walk needs next — at most `limit` (≥ 1) gradient points, any number
    /// of value-only points — or nil when the walk is over.
    mutating func nextRequest(limit: Int) -> EvaluationRequest?
    /// The answers to the last request; returns the steps they complete, in path order.
    /// - Throws: ``AttributionError`` when the walk cannot go on (Guided IG's stalled step).
    mutating func receive(_ evaluations: Evaluations) throws(AttributionError) -> [PathStep]
    /// F at both ends and the displacement; complete once ``nextRequest(limit:)`` has returned nil.
    var summary: PathSummary { get }
}

/// What an integrator reads from each step, so that a path computes only that: a path whose
/// Riemann terms are costly (BlurIG's two blurs per level) skips them for IDGI, and one whose
/// segment ends are not gradient points skips their forward passes for the Riemann sum.
public struct StepNeeds: OptionSet, Sendable, Hashable {
    /// The raw bits.
    public let rawValue: Int
    /// Needs from bits.
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// F at both ends of every segment (IDGI; the ledger).
    public static let segmentValues = StepNeeds(rawValue: 1 << 0)
    /// The base method's Riemann term r_j (the Riemann sum).
    public static let riemannTerms = StepNeeds(rawValue: 1 << 1)
}

/// One step of a path, as a path hands it to an integrator.
public struct PathStep: Sendable {
    /// The step's position, 0-based.
    public var index: Int
    /// Which of the walk's gradient points (0-based, in request order) g_j was taken at.
    public var point: Int
    /// The path parameter at the segment's start (α for the straight line, σ for the blur
    /// path, the fraction of steps for Guided IG).
    public var startParameter: Double
    /// The path parameter at the segment's end.
    public var endParameter: Double
    /// g_j, the gradient the base method pairs with this segment (flattened).
    public var gradient: [Double]
    /// r_j, the base method's Riemann term for this segment (flattened), when asked for
    /// (``StepNeeds/riemannTerms``).
    public var riemannTerm: [Double]?
    /// F(p_j), when segment values were asked for.
    public var startValue: Double?
    /// F(p_{j+1}), when segment values were asked for.
    public var endValue: Double?

    /// A step.
    public init(
        index: Int, point: Int, startParameter: Double, endParameter: Double, gradient: [Double],
        riemannTerm: [Double]? = nil, startValue: Double? = nil, endValue: Double? = nil
    ) {
        self.index = index
        self.point = point
        self.startParameter = startParameter
        self.endParameter = endParameter
        self.gradient = gradient
        self.riemannTerm = riemannTerm
        self.startValue = startValue
        self.endValue = endValue
    }
}

/// What a walk along a path established besides its steps.
public struct PathSummary: Sendable, Equatable {
    /// F at the path's start (the baseline, the fully blurred image, …).
    public var startValue: Double
    /// F at the path's end (the input).
    public var endValue: Double
    /// End point minus start point, flattened (used by IDGI when no step has a gradient).
    public var displacement: [Double]

    /// A summary.
    public init(startValue: Double, endValue: Double, displacement: [Double]) {
        self.startValue = startValue
        self.endValue = endValue
        self.displacement = displacement
    }
}
