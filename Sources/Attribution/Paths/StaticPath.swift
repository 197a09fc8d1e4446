import Tensors

/// A path fixed before any gradient is taken (the straight line with a quadrature rule, the
/// blur path), so its gradient points can be evaluated in batches. Conformers describe their
/// steps; the walk itself is shared (``StaticPathWalker``).
public protocol StaticPath: Path where Walker == StaticPathWalker<Self> {
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
    /// The shared walker.
    public func makeWalker(needs: StepNeeds) -> StaticPathWalker<Self> { StaticPathWalker(path: self, needs: needs) }
}

/// The walk every ``StaticPath`` shares: gradient points in chunks of at most the engine's
/// limit, in step order; when segment values are needed, F at each segment end, taken from
/// the gradient values where an end is a gradient point (a step whose end is the next
/// chunk's first node waits for that chunk), and from value-only evaluations otherwise — so
/// each segment end is evaluated once, however the steps are chunked; and last, F at the
/// path's two ends.
public struct StaticPathWalker<P: StaticPath>: PathWalker {
    let path: P
    let needs: StepNeeds
    /// The next step whose gradient has not been requested.
    private var nextStep = 0
    /// The steps of the outstanding request and the segment ends asked for as values.
    private var outstanding: (steps: Range<Int>, valueParameters: [Double])? = nil
    private var endsRequested = false
    private var ends: (start: Double, end: Double)? = nil
    /// F at parameters the next chunk may need (the last handed-over step's end).
    private var carried: [Double: Double] = [:]
    /// Steps waiting for F at the next chunk's first node, in order.
    private var waiting: [PathStep] = []

    init(path: P, needs: StepNeeds) {
        self.path = path
        self.needs = needs
    }

    /// The next chunk of gradient points (with the segment ends they do not cover), then the ends.
    public mutating func nextRequest(limit: Int) -> EvaluationRequest? {
        if nextStep < path.stepCount {
            let steps = nextStep ..< min(nextStep + max(1, limit), path.stepCount)
            nextStep = steps.upperBound
            let nodes = steps.map(path.gradientParameter)
            var valueParameters: [Double] = []
            if needs.contains(.segmentValues) {
                var known = Set(nodes).union(carried.keys)
                if steps.upperBound < path.stepCount { known.insert(path.gradientParameter(steps.upperBound)) }
                for k in steps {
                    let (a, b) = path.segment(k)
                    for t in [a, b] where !known.contains(t) {
                        known.insert(t)
                        valueParameters.append(t)
                    }
                }
            }
            outstanding = (steps, valueParameters)
            return EvaluationRequest(gradientPoints: nodes.map(path.point(at:)), valuePoints: valueParameters.map(path.point(at:)))
        }
        guard !endsRequested else { return nil }
        endsRequested = true
        outstanding = nil
        let (first, last) = path.parameterRange
        return EvaluationRequest(valuePoints: [path.point(at: first), path.point(at: last)])
    }

    /// Steps for a chunk of gradients (and the steps that waited for it); or, for the last
    /// request, F at the ends.
    public mutating func receive(_ evaluations: Evaluations) throws(AttributionError) -> [PathStep] {
        guard let (steps, valueParameters) = outstanding else {
            ends = (evaluations.values[0], evaluations.values[1])
            return []
        }
        outstanding = nil
        guard needs.contains(.segmentValues) else {
            return steps.enumerated().map { offset, k in makeStep(k, gradient: evaluations.gradients[offset], known: [:]) }
        }
        var known = carried
        for (offset, k) in steps.enumerated() { known[path.gradientParameter(k)] = evaluations.gradientValues[offset] }
        for (t, value) in zip(valueParameters, evaluations.values) { known[t] = value }

        var completed: [PathStep] = []
        for var step in waiting {
            step.startValue = step.startValue ?? known[step.startParameter]
            step.endValue = step.endValue ?? known[step.endParameter]
            completed.append(step)
        }
        waiting = []
        for (offset, k) in steps.enumerated() {
            let step = makeStep(k, gradient: evaluations.gradients[offset], known: known)
            if step.startValue == nil || step.endValue == nil || !waiting.isEmpty {
                waiting.append(step)  // its missing end is the next chunk's first node
            } else {
                completed.append(step)
            }
        }
        let lastEnd = path.segment(steps.upperBound - 1).end
        carried = known[lastEnd].map { [lastEnd: $0] } ?? [:]
        return completed
    }

    /// Step k with its Riemann term (if needed) and whatever segment values are known.
    private func makeStep(_ k: Int, gradient: [Double], known: [Double: Double]) -> PathStep {
        let (a, b) = path.segment(k)
        return PathStep(
            index: k, point: k, startParameter: a, endParameter: b, gradient: gradient,
            riemannTerm: needs.contains(.riemannTerms) ? path.riemannTerm(k, gradient: gradient) : nil,
            startValue: known[a], endValue: known[b])
    }

    /// F at the two ends (from the last request) and end point − start point.
    public var summary: PathSummary {
        let (first, last) = path.parameterRange
        let displacement = zip(path.point(at: last), path.point(at: first)).map { $0 - $1 }
        return PathSummary(startValue: ends?.start ?? .nan, endValue: ends?.end ?? .nan, displacement: displacement)
    }
}
