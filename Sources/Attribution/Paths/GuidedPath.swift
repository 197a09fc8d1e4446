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
/// One deviation, for safety only: PAIR's inner loop has no bound; here a step stops after
/// n + 2 passes (each pass either finishes or moves at least one more feature to x_max,
/// so n + 2 passes always suffice unless round-off stalls the loop).
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

    /// PAIR's closeness tolerance (`EPSILON`).
    static let tolerance = 1e-9

    /// The guided path from `baseline` to `input`.
    /// - Throws: ``AttributionError`` for mismatched shapes or parameters out of range.
    public init(from baseline: Tensor, to input: Tensor, steps: Int = 200, fraction: Double = 0.25, maxDistance: Double = 0.02) throws(AttributionError) {
        guard baseline.shape == input.shape else {
            throw AttributionError("the baseline has shape \(baseline.shape) but the input has \(input.shape); they must match")
        }
        try Validate.atLeast(steps, 1, "steps")
        guard fraction.isFinite, fraction > 0, fraction <= 1 else {
            throw AttributionError("fraction must lie in (0, 1], got \(fraction)")
        }
        try Validate.within(maxDistance, 0...1, "max distance")
        self.baseline = baseline.scalars
        self.input = input.scalars
        self.pointShape = input.shape
        self.stepCount = steps
        self.fraction = fraction
        self.maxDistance = maxDistance
    }

    /// Walks the guided path one outer step at a time (each step needs the previous gradient), as described above.
    public func traverse(
        _ function: some DifferentiableFunction, needsSegmentValues: Bool, batchSize: Int,
        visit: (PathStep) -> Void
    ) throws(AttributionError) -> PathSummary {
        let n = input.count
        let difference = zip(input, baseline).map { $0 - $1 }
        let total = l1(input, baseline)
        func single(_ p: [Double]) -> Tensor { Tensor(shape: [1] + pointShape, scalars: p) }
        let ends = try function.evaluateValues(Tensor(shape: [2] + pointShape, scalars: baseline + input))
        var summary = PathSummary(
            startValue: ends[0], endValue: ends[1], displacement: difference, gradientEvaluations: 0, valueEvaluations: 2)
        if total == 0 { return summary }

        var x = baseline
        // Step s is handed over once F at its end is known: at the next gradient, or F(x).
        var pending: PathStep? = nil
        for step in 0..<stepCount {
            let evaluated = try function.evaluate(single(x))
            summary.gradientEvaluations += 1
            let gradient = evaluated.gradients.scalars
            if var previous = pending {
                previous.endValue = needsSegmentValues ? evaluated.values[0] : nil
                visit(previous)
            }

            let alpha = (Double(step) + 1) / Double(stepCount)
            let alphaMin = max(alpha - maxDistance, 0)
            let alphaMax = min(alpha + maxDistance, 1)
            let xMin = straightLine(alphaMin, difference)
            let xMax = straightLine(alphaMax, difference)
            let target = total * (1 - (Double(step) + 1) / Double(stepCount))

            var term = [Double](repeating: 0, count: n)
            var passes = 0
            var gamma = Double.infinity
            while gamma > 1, passes < n + 2 {
                passes += 1
                let old = x
                for i in 0..<n {
                    // This feature's own progress along the line; NaN (x = x′) counts as α_max.
                    let own = difference[i] != 0 ? (x[i] - baseline[i]) / difference[i] : alphaMax
                    if own < alphaMin { x[i] = xMin[i] }
                }
                let current = l1(x, input)
                if isClose(target, current) {
                    for i in 0..<n { term[i] += (x[i] - old[i]) * gradient[i] }
                    break
                }
                var magnitude = gradient.map(abs)
                for i in 0..<n where x[i] == xMax[i] { magnitude[i] = .infinity }
                let threshold = lowerQuantile(magnitude, fraction)
                let selected = (0..<n).filter { magnitude[$0] <= threshold && magnitude[$0] != .infinity }
                var reducibleTerms = [Double](repeating: 0, count: n)
                for i in selected { reducibleTerms[i] = abs(x[i] - xMax[i]) }
                let reducible = Reductions.sumInNumpyOrder(reducibleTerms)
                gamma = reducible > 0 ? (current - target) / reducible : .infinity
                if gamma > 1 {
                    for i in selected { x[i] = xMax[i] }
                } else {
                    for i in selected { x[i] = x[i] + (xMax[i] - x[i]) * gamma }
                }
                for i in 0..<n { term[i] += (x[i] - old[i]) * gradient[i] }
            }
            pending = PathStep(
                index: step, startParameter: Double(step) / Double(stepCount), endParameter: alpha,
                gradient: gradient, riemannTerm: term, startValue: needsSegmentValues ? evaluated.values[0] : nil, endValue: nil)
        }
        if var last = pending {
            last.endValue = needsSegmentValues ? summary.endValue : nil
            visit(last)
        }
        return summary
    }

    /// x′ + α (x − x′), as PAIR's `translate_alpha_to_x`.
    private func straightLine(_ alpha: Double, _ difference: [Double]) -> [Double] {
        (0..<baseline.count).map { baseline[$0] + difference[$0] * alpha }
    }

    /// Σ|a − b| in numpy's summation order, so that every γ and every closeness test
    /// comes out as in PAIR's numpy code.
    private func l1(_ a: [Double], _ b: [Double]) -> Double {
        Reductions.sumInNumpyOrder(zip(a, b).map { abs($0 - $1) })
    }

    /// Python's math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9).
    private func isClose(_ a: Double, _ b: Double) -> Bool {
        abs(a - b) <= max(GuidedPath.tolerance * max(abs(a), abs(b)), GuidedPath.tolerance)
    }

    /// numpy.quantile(values, q, method="lower"): the element at sorted index ⌊q (n − 1)⌋.
    private func lowerQuantile(_ values: [Double], _ q: Double) -> Double {
        let sorted = values.sorted()
        return sorted[Int((q * Double(sorted.count - 1)).rounded(.down))]
    }
}
