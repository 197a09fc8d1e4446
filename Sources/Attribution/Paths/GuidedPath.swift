import Foundation
import Models
import Tensors

/// The adaptive path of Guided Integrated Gradients (Kapishnikov et al., "Guided Integrated
/// Gradients: an Adaptive Path Method for Removing Noise", CVPR 2021), exactly as PAIR
/// saliency's `guided_ig_impl` walks it.
///
/// The walk starts at the baseline x′ and ends at the input x. At step s of S it takes the
/// gradient g at the current point (kept for the whole step) and must bring the L1 distance
/// to the input down to L·(1 − (s+1)/S), L = ‖x − x′‖₁, moving only features whose |g| is
/// small, while no feature strays more than `maxDistance` (as a fraction of the way) from
/// the straight line:
///
///     α = (s+1)/S,  α_min = max(α − maxDistance, 0),  α_max = min(α + maxDistance, 1)
///     x_min, x_max = the straight-line points at α_min, α_max
///     repeat:
///       features whose own α = (p − x′)/(x − x′) is below α_min jump to x_min   (catch-up)
///       if ‖p − x‖₁ is within 10⁻⁹ of the target (math.isclose, rel and abs): done
///       |g| = ∞ where p = x_max already; threshold = the `fraction` quantile of |g| by
///       numpy's "lower" method (sorted index ⌊fraction·(n − 1)⌋, infinities included)
///       S = {|g| ≤ threshold, finite};  γ = (‖p − x‖₁ − target) / Σ_S |p − x_max|
///       γ > 1: S moves all the way to x_max, and repeat;  else S moves the fraction γ; done
///     every move adds (p − p_old) ⊙ g to the step's Riemann term
///
/// (A feature with x = x′ counts as α = α_max.) max_dist = 0 is IG on the straight line
/// with left-endpoint gradients; max_dist = 1 is unbounded Guided IG.
///
/// Steps are the S outer steps: step s runs from p_s to p_{s+1}, parameters s/S to
/// (s+1)/S, with the gradient at p_s. The walk's last point reaches the input to within
/// PAIR's 10⁻⁹ in L1; the path's end is taken to be the input itself, so F at the last
/// segment's end is F(x) and IDGI's sums are complete exactly. If ‖x − x′‖₁ = 0 the walk
/// has no steps and the attribution is zero, as in PAIR.
///
/// One deviation, for safety only: PAIR's inner loop has no bound. Each pass either ends the
/// step or moves at least one more feature to x_max, so n + 2 passes always suffice unless
/// round-off stalls the loop; here a step that has not reached its target after
/// `maximumPassesPerStep` passes (default n + 2) is an error, rather than a walk that stops
/// short while its last segment still claims to end at the input.
public struct GuidedPath: Path {
    /// x′, flattened.
    public let baseline: [Double]
    /// x, flattened.
    public let input: [Double]
    /// The shape of one point.
    public let pointShape: [Int]
    /// S ≥ 1
    public let stepCount: Int
    /// The fraction of features (0, 1] considered for moving at each pass.
    public let fraction: Double
    /// How far, as a fraction of the straight line, a feature may lead or lag, [0, 1].
    public let maxDistance: Double
    /// The most passes one step may take before the walk is declared stalled (n + 2 by default).
    public let maximumPassesPerStep: Int

    /// PAIR's closeness tolerance (`EPSILON`): math.isclose(rel_tol=1e-9, abs_tol=1e-9).
    public static let tolerance = 1e-9

    /// The guided path from `baseline` to `input`.
    /// - Parameter maximumPassesPerStep: the stall guard; nil for n + 2 (always enough in
    ///   exact arithmetic).
    /// - Throws: ``AttributionError`` for mismatched shapes or parameters out of range.
    public init(
        from baseline: Tensor, to input: Tensor, steps: Int = 200, fraction: Double = 0.25, maxDistance: Double = 0.02,
        maximumPassesPerStep: Int? = nil
    ) throws(AttributionError) {
        guard baseline.shape == input.shape else {
            throw AttributionError("the baseline has shape \(baseline.shape) but the input has \(input.shape); they must match")
        }
        try Validate.atLeast(steps, 1, "steps")
        guard fraction.isFinite, fraction > 0, fraction <= 1 else {
            throw AttributionError("fraction must lie in (0, 1], got \(fraction)")
        }
        try Validate.within(maxDistance, 0...1, "max distance")
        if let maximumPassesPerStep { try Validate.atLeast(maximumPassesPerStep, 1, "maximum passes per step") }
        self.baseline = baseline.scalars
        self.input = input.scalars
        self.pointShape = input.shape
        self.stepCount = steps
        self.fraction = fraction
        self.maxDistance = maxDistance
        self.maximumPassesPerStep = maximumPassesPerStep ?? (input.count + 2)
    }

    /// A walk along the guided path.
    public func makeWalker(needs: StepNeeds) -> Walker { Walker(path: self, needs: needs) }

    /// The guided walk, one outer step per request (each step needs the previous gradient):
    /// the first request also asks for F at the baseline and the input.
    public struct Walker: PathWalker {
        let path: GuidedPath
        let needs: StepNeeds
        let difference: [Double]
        /// ‖x − x′‖₁
        let total: Double
        /// The walk's current point.
        var x: [Double]
        /// The next outer step.
        var step = 0
        /// Step s − 1, handed over once F at its end is known (at the next gradient, or F(x)).
        var pending: PathStep? = nil
        var ends: (start: Double, end: Double)? = nil
        var requestedEnds = false

        init(path: GuidedPath, needs: StepNeeds) {
            self.path = path
            self.needs = needs
            difference = zip(path.input, path.baseline).map { $0 - $1 }
            total = GuidedPath.l1(path.input, path.baseline)
            x = path.baseline
        }

        /// The gradient at the current point (and, first, the two ends' values).
        public mutating func nextRequest(limit: Int) -> EvaluationRequest? {
            let endPoints = requestedEnds ? [] : [path.baseline, path.input]
            requestedEnds = true
            // A walk of length 0 has no steps (PAIR returns zeros): only the ends are evaluated.
            if total == 0 || step == path.stepCount {
                return endPoints.isEmpty ? nil : EvaluationRequest(valuePoints: endPoints)
            }
            return EvaluationRequest(gradientPoints: [x], valuePoints: endPoints)
        }

        /// Takes the gradient at the current point, finishes the previous step, and walks this one.
        public mutating func receive(_ evaluations: Evaluations) throws(AttributionError) -> [PathStep] {
            if ends == nil {
                ends = (evaluations.values[0], evaluations.values[1])
            }
            guard let gradient = evaluations.gradients.first else { return [] }
            var completed: [PathStep] = []
            if var previous = pending {
                previous.endValue = needs.contains(.segmentValues) ? evaluations.gradientValues[0] : nil
                completed.append(previous)
            }
            let term = try walk(step: step, gradient: gradient)
            pending = PathStep(
                index: step, point: step, startParameter: Double(step) / Double(path.stepCount),
                endParameter: Double(step + 1) / Double(path.stepCount), gradient: gradient,
                riemannTerm: needs.contains(.riemannTerms) ? term : nil,
                startValue: needs.contains(.segmentValues) ? evaluations.gradientValues[0] : nil)
            step += 1
            if step == path.stepCount, var last = pending {
                last.endValue = needs.contains(.segmentValues) ? ends!.end : nil
                completed.append(last)
                pending = nil
            }
            return completed
        }

        /// Moves `x` through outer step s with the gradient g, as described on ``GuidedPath``,
        /// and returns the step's Riemann term Σ_passes (x − x_old) ⊙ g, summed pass by pass as
        /// PAIR sums it.
        mutating func walk(step: Int, gradient: [Double]) throws(AttributionError) -> [Double] {
            let n = x.count
            var term = [Double](repeating: 0, count: n)
            let (baseline, stepCount) = (path.baseline, path.stepCount)
            let alpha = (Double(step) + 1) / Double(stepCount)
            let alphaMin = max(alpha - path.maxDistance, 0)
            let alphaMax = min(alpha + path.maxDistance, 1)
            let xMin = path.straightLine(alphaMin, difference)
            let xMax = path.straightLine(alphaMax, difference)
            let target = total * (1 - (Double(step) + 1) / Double(stepCount))
            for _ in 0..<path.maximumPassesPerStep {
                let old = x
                for i in 0..<n {
                    // This feature's own progress along the line; NaN (x = x′) counts as α_max.
                    let own = difference[i] != 0 ? (x[i] - baseline[i]) / difference[i] : alphaMax
                    if own < alphaMin { x[i] = xMin[i] }
                }
                let current = GuidedPath.l1(x, path.input)
                if GuidedPath.isClose(target, current) {
                    for i in 0..<n { term[i] += (x[i] - old[i]) * gradient[i] }
                    return term
                }
                var magnitude = gradient.map(abs)
                for i in 0..<n where x[i] == xMax[i] { magnitude[i] = .infinity }
                let threshold = GuidedPath.lowerQuantile(magnitude, path.fraction)
                let selected = (0..<n).filter { magnitude[$0] <= threshold && magnitude[$0] != .infinity }
                var reducibleTerms = [Double](repeating: 0, count: n)
                for i in selected { reducibleTerms[i] = abs(x[i] - xMax[i]) }
                let reducible = Reductions.sumInNumpyOrder(reducibleTerms)
                let gamma = reducible > 0 ? (current - target) / reducible : .infinity
                if gamma > 1 {
                    for i in selected { x[i] = xMax[i] }
                } else {
                    for i in selected { x[i] = x[i] + (xMax[i] - x[i]) * gamma }
                }
                for i in 0..<n { term[i] += (x[i] - old[i]) * gradient[i] }
                if gamma <= 1 { return term }
            }
            throw AttributionError(
                "Guided IG's step \(step + 1) of \(stepCount) did not reach its target L1 distance \(target) after "
                    + "\(path.maximumPassesPerStep) passes (round-off stalled the walk); the attribution would not be complete. "
                    + "Use another number of steps or a larger max distance")
        }

        /// F at the baseline and the input, and the displacement x − x′.
        public var summary: PathSummary {
            PathSummary(startValue: ends?.start ?? .nan, endValue: ends?.end ?? .nan, displacement: difference)
        }
    }

    /// x′ + α (x − x′), as PAIR's `translate_alpha_to_x`.
    func straightLine(_ alpha: Double, _ difference: [Double]) -> [Double] {
        (0..<baseline.count).map { baseline[$0] + difference[$0] * alpha }
    }

    /// Σ|a − b| in numpy's summation order, so that every γ and every closeness test
    /// comes out as in PAIR's numpy code.
    static func l1(_ a: [Double], _ b: [Double]) -> Double {
        Reductions.sumInNumpyOrder(zip(a, b).map { abs($0 - $1) })
    }

    /// Python's math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9).
    static func isClose(_ a: Double, _ b: Double) -> Bool {
        abs(a - b) <= max(GuidedPath.tolerance * max(abs(a), abs(b)), GuidedPath.tolerance)
    }

    /// numpy.quantile(values, q, method="lower"): the element at sorted index ⌊q (n − 1)⌋.
    static func lowerQuantile(_ values: [Double], _ q: Double) -> Double {
        let sorted = values.sorted()
        return sorted[Int((q * Double(sorted.count - 1)).rounded(.down))]
    }
}
