import Tensors

/// An attribution and what it cost.
public struct AttributionResult: Sendable, Equatable {
    /// A(x), shaped like the input.
    public var attribution: Tensor
    /// The per-step record, when the method walks a path and was asked to keep one.
    public var ledger: Ledger?
    /// Gradient evaluations (forward + backward passes).
    public var gradientEvaluations: Int
    /// Value-only evaluations (forward passes).
    public var valueEvaluations: Int
    /// F at the path's start (baseline, blurred image), for path methods.
    public var startValue: Double?
    /// F at the path's end (the input), for path methods.
    public var endValue: Double?
    /// Every point a gradient was taken at, stacked in evaluation order (`[P] + inputShape`),
    /// when asked for; ledger steps name their point's index.
    public var pathPoints: Tensor?
    /// DDPath: the base path's anchor points before denoising (`[T + 1] + inputShape`), which
    /// ledger steps name by index.
    public var anchors: Tensor?
    /// Exact integration: the pieces of the line on which the network is affine (``LinePartition``).
    public var linearPieces: Int?
    /// Adaptive integration: the intervals the quadrature ended with.
    public var adaptiveIntervals: Int?
    /// Exact integration on a softmax head and adaptive quadrature: the estimated error of the
    /// integral (see the rule), in F's units.
    public var integrationErrorEstimate: Double?

    /// A result.
    public init(
        attribution: Tensor, ledger: Ledger? = nil, gradientEvaluations: Int, valueEvaluations: Int,
        startValue: Double? = nil, endValue: Double? = nil, pathPoints: Tensor? = nil
    ) {
        self.attribution = attribution
        self.ledger = ledger
        self.gradientEvaluations = gradientEvaluations
        self.valueEvaluations = valueEvaluations
        self.startValue = startValue
        self.endValue = endValue
        self.pathPoints = pathPoints
    }

    /// Σ A − (F(end) − F(start)), Captum's `compute_convergence_delta`, for path methods.
    public var completenessDelta: Double? {
        guard let startValue, let endValue else { return nil }
        return attribution.sum - (endValue - startValue)
    }
}
