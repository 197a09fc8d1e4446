import Models
import Tensors

/// Integrated Gradients by adaptive Gauss–Kronrod quadrature on the straight line, for any
/// network: the honest rule where no exact partition exists (smooth activations).
///
/// The line γ(α) = x′ + α Δ, Δ = x − x′, starts cut at the given breakpoints (the pieces of a
/// piecewise-linear network, where the integrand jumps; [0, 1] otherwise). On each interval
/// the 15-node Kronrod rule estimates the integral of the vector integrand
///
///     Riemann sum   ∇F(γ(α)) ⊙ Δ
///     IDGI          g ⊙ g (g · Δ)/‖g‖²,  g = ∇F(γ(α))   (IDGI's continuous limit; 0 where g = 0)
///
/// and the embedded 7-node Gauss rule gives the error estimate ‖K₁₅ − G₇‖₁ (``GaussKronrod``).
/// While the total estimate exceeds `tolerance` · ‖A‖₁, every interval whose estimate is above
/// its share by length (`tolerance` · ‖A‖₁ · its length) is bisected, all of a round's new
/// intervals evaluated in shared model calls; at most ``maximumIntervals`` intervals are used,
/// and the estimate reported says what was reached. The result is the intervals' K₁₅
/// values summed in α order.
///
/// The ledger has one step per final interval (its mean gradient, F at its ends, its sum);
/// the path points are every node evaluated, in evaluation order, discarded parents included.
/// Cost: 15 gradients per interval ever evaluated, and forward passes at the final intervals'
/// ends when the ledger is kept.
public struct AdaptiveLineIntegration<I: Integrator>: Walk {
    /// The line x′ → x.
    public let line: LineSegment
    /// The breakpoints the first intervals run between (0 … 1).
    public let breakpoints: [Double]
    /// The Riemann sum or IDGI.
    public let integrator: I
    /// The relative tolerance on ‖A‖₁.
    public let tolerance: Double
    /// The most intervals the line is cut into.
    public static var maximumIntervals: Int { 4096 }

    private struct Interval {
        var start: Double
        var end: Double
        var value: [Double] = []
        var meanGradient: [Double] = []
        var error = 0.0
        var middlePoint = 0
        var gradients: [[Double]?] = Array(repeating: nil, count: 15)
        var evaluated = false
    }

    private var intervals: [Interval] = []
    /// (interval, node) pairs still to request.
    private var queue: [(Int, Int)] = []
    private var outstanding: [(Int, Int)] = []
    private var pointsRequested = 0
    private var recordsLedger = false
    /// What the walk asks for next, and what its last request was.
    private enum Stage {
        /// Gradients at interval nodes, until the tolerance is met.
        case refining
        /// (Ledger) F at the final intervals' ends: asked, then awaited.
        case intervalEnds, awaitingIntervalEnds
        /// F at the line's two ends: asked, then awaited.
        case lineEnds, awaitingLineEnds
        case done
    }
    private var stage = Stage.refining
    private var intervalEndValues: [Double] = []
    private var ends: (Double, Double)? = nil

    /// The line from `baseline` to `input` (flattened), first cut at `breakpoints`.
    public init(from baseline: [Double], to input: [Double], breakpoints: [Double], integrator: I, tolerance: Double) {
        line = LineSegment(from: baseline, to: input)
        self.breakpoints = breakpoints
        self.integrator = integrator
        self.tolerance = tolerance
    }

    /// Plain gradients.
    public var rule: BackwardRule { .gradient }

    /// Queues the first intervals.
    public mutating func begin(_ context: WalkContext) {
        recordsLedger = context.options.recordsLedger
        intervals = (0..<(breakpoints.count - 1)).map { Interval(start: breakpoints[$0], end: breakpoints[$0 + 1]) }
        queue = intervals.indices.flatMap { i in (0..<15).map { (i, $0) } }
    }

    /// α of node j of interval i.
    private func node(_ i: Int, _ j: Int) -> Double {
        intervals[i].start + GaussKronrod.nodes[j] * (intervals[i].end - intervals[i].start)
    }

    /// Nodes of unevaluated intervals, then (ledger) F at the final intervals' ends, then F at
    /// the line's ends.
    public mutating func nextRequest(limit: Int) -> EvaluationRequest? {
        switch stage {
        case .refining:
            if queue.isEmpty { refine() }
            if !queue.isEmpty {
                outstanding = Array(queue.prefix(max(1, limit)))
                queue.removeFirst(outstanding.count)
                return EvaluationRequest(gradientPoints: outstanding.map { line.point(at: node($0.0, $0.1)) })
            }
            stage = recordsLedger ? .intervalEnds : .lineEnds
            return nextRequest(limit: limit)
        case .intervalEnds:
            stage = .awaitingIntervalEnds
            return EvaluationRequest(valuePoints: ([intervals[0].start] + intervals.map(\.end)).map(line.point(at:)))
        case .lineEnds:
            stage = .awaitingLineEnds
            return EvaluationRequest(valuePoints: [line.start, line.end])
        case .awaitingIntervalEnds, .awaitingLineEnds, .done:
            return nil
        }
    }

    /// Stores the nodes' gradients and estimates every interval whose nodes are all in.
    public mutating func receive(_ evaluations: Evaluations) throws(AttributionError) {
        switch stage {
        case .refining:
            for ((i, j), gradient) in zip(outstanding, evaluations.gradients) {
                intervals[i].gradients[j] = gradient
                if j == 7 { intervals[i].middlePoint = pointsRequested }
                pointsRequested += 1
                if intervals[i].gradients.allSatisfy({ $0 != nil }) { estimate(i) }
            }
            outstanding = []
        case .awaitingIntervalEnds:
            intervalEndValues = evaluations.values
            stage = .lineEnds
        case .awaitingLineEnds:
            ends = (evaluations.values[0], evaluations.values[1])
            stage = .done
        case .intervalEnds, .lineEnds, .done:
            break
        }
    }

    /// K₁₅, the error estimate and the mean gradient of interval i from its nodes' gradients.
    private mutating func estimate(_ i: Int) {
        let gradients = intervals[i].gradients.map { $0! }
        let important = integrator.needs.contains(.segmentValues)
        let integrand = gradients.map { g -> [Double] in
            guard important else { return g.indices.map { g[$0] * line.difference[$0] } }
            let normSquared = Reductions.sumInNumpyOrder(g.map { $0 * $0 })
            guard normSquared > 0 else { return [Double](repeating: 0, count: g.count) }
            let rate = zip(g, line.difference).reduce(0) { $0 + $1.0 * $1.1 }
            return g.map { $0 * $0 * rate / normSquared }
        }
        let length = intervals[i].end - intervals[i].start
        let (value, error) = GaussKronrod.estimate(integrand, length: length)
        intervals[i].value = value
        intervals[i].error = error.reduce(0, +)
        intervals[i].meanGradient = GaussKronrod.estimate(gradients, length: 1).value
        intervals[i].gradients = []
        intervals[i].evaluated = true
    }

    /// Σ of the intervals' values and error estimates.
    private var totals: (value: [Double], error: Double) {
        var sum = [Double](repeating: 0, count: line.end.count)
        var error = 0.0
        for interval in intervals {
            for k in sum.indices { sum[k] += interval.value[k] }
            error += interval.error
        }
        return (sum, error)
    }

    /// Bisects the intervals whose error is above their share, if the total is above tolerance.
    private mutating func refine() {
        let (value, error) = totals
        let target = tolerance * value.reduce(0) { $0 + abs($1) }
        guard error > target, intervals.count < Self.maximumIntervals else { return }
        var split: [Interval] = []
        var worst = 0
        for k in intervals.indices where intervals[k].error > intervals[worst].error { worst = k }
        for (k, interval) in intervals.enumerated() {
            let middle = (interval.start + interval.end) / 2
            let above = interval.error > target * (interval.end - interval.start) || k == worst
            guard above, middle > interval.start, middle < interval.end, split.count + intervals.count - k < Self.maximumIntervals else {
                split.append(interval)
                continue
            }
            split.append(Interval(start: interval.start, end: middle))
            split.append(Interval(start: middle, end: interval.end))
        }
        intervals = split
        queue = intervals.indices.filter { !intervals[$0].evaluated }.flatMap { i in (0..<15).map { (i, $0) } }
    }

    /// The intervals summed in α order, with the ledger's steps.
    public mutating func finish() throws(AttributionError) -> AttributionResult {
        var integration = StepIntegration(RiemannSum(), featureCount: line.end.count, recordsLedger: recordsLedger)
        for (k, interval) in intervals.enumerated() {
            integration.add(PathStep(
                index: k, point: interval.middlePoint, startParameter: interval.start, endParameter: interval.end, gradient: interval.meanGradient,
                riemannTerm: interval.value, startValue: recordsLedger ? intervalEndValues[k] : nil, endValue: recordsLedger ? intervalEndValues[k + 1] : nil))
        }
        let (startValue, endValue) = ends ?? (.nan, .nan)
        var result = try integration.result(
            PathSummary(startValue: startValue, endValue: endValue, displacement: line.difference), featureCount: line.end.count)
        result.adaptiveIntervals = intervals.count
        result.integrationErrorEstimate = totals.error
        return result
    }
}
