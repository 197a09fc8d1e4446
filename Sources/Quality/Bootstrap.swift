import Tensors

/// The percentile bootstrap (Efron & Tibshirani 1993, ch. 13): an interval for a statistic of
/// n images, from the statistic recomputed on `resamples` samples of n images drawn with
/// replacement.
///
///     θ*_b = statistic(images i_1 … i_n),  i_j uniform on 0..<n,  b = 1 … B
///     interval = [q_{α/2}, q_{1−α/2}] of θ*_1 … θ*_B   (α = 0.05: the 95% interval)
///
/// Quantiles interpolate linearly between order statistics (numpy's default: position
/// q·(B − 1) in the sorted θ*). The draws come from one seeded generator in a fixed order,
/// so the same seed gives the same interval on every machine and thread count.
///
/// A **paired** comparison (a method against its base on the same images) bootstraps the
/// difference of the two statistics with the same resampled images for both — the per-image
/// pairing is what makes a small difference between two correlated methods detectable.
///
/// What holds: for a mean over a large sample the interval approaches x̄ ± 1.96·s/√n (the
/// tests check it against that closed form); it need not contain the full-sample statistic
/// for a skewed statistic such as a median, but for a mean it does unless B is tiny.
public struct Bootstrap: Sendable {
    /// B, the number of resamples.
    public let resamples: Int
    /// The generator's seed.
    public let seed: UInt64
    /// The interval's coverage, 1 − α.
    public let confidence: Double

    /// The run's defaults: 2,000 resamples, seed 0, 95%.
    public init(resamples: Int = 2000, seed: UInt64 = 0, confidence: Double = 0.95) {
        precondition(resamples >= 2 && confidence > 0 && confidence < 1, "bootstrap needs at least 2 resamples and a confidence in (0, 1)")
        self.resamples = resamples
        self.seed = seed
        self.confidence = confidence
    }

    /// A statistic with its interval.
    public struct Interval: Sendable, Equatable {
        /// The statistic on all n images.
        public var estimate: Double
        /// The interval's ends.
        public var lower: Double, upper: Double
        /// n, the images it was computed over.
        public var count: Int

        /// An interval from its parts (for intervals read back from a report).
        public init(estimate: Double, lower: Double, upper: Double, count: Int) {
            self.estimate = estimate
            self.lower = lower
            self.upper = upper
            self.count = count
        }

        /// True when the interval contains `value`.
        public func contains(_ value: Double) -> Bool { lower <= value && value <= upper }
    }

    /// The resampled index lists: `resamples` lists of n indices in 0..<n, the same for the
    /// same (seed, n) — so every statistic of the same images sees the same resamples.
    public func samples(count n: Int) -> [[Int]] {
        var generator = Xoshiro256StarStar(seed: seed)
        return (0..<resamples).map { _ in (0..<n).map { _ in generator.nextIndex(below: n) } }
    }

    /// The interval of `statistic` (a function of a list of image indices, with repeats)
    /// over n images; nil when n = 0.
    public func interval(count n: Int, samples: [[Int]]? = nil, _ statistic: ([Int]) -> Double) -> Interval? {
        guard n > 0 else { return nil }
        return interval(estimate: statistic(Array(0..<n)), sortedReplicates: replicates(count: n, samples: samples, statistic), count: n)
    }

    /// The statistic recomputed on every resample, sorted.
    public func replicates(count n: Int, samples: [[Int]]? = nil, _ statistic: ([Int]) -> Double) -> [Double] {
        let draws = samples ?? self.samples(count: n)
        precondition(draws.count == resamples && draws.allSatisfy { $0.count == n }, "resamples do not match \(n) images")
        // The replicates in chunks over threads; each is computed alone from its own draw, so
        // the sorted list — and the interval — do not depend on the thread count.
        var replicates = [Double](repeating: 0, count: draws.count)
        replicates.withUnsafeMutableBufferPointer { buffer in
            let output = UncheckedPointer(buffer)
            Parallelism.forEachRange(count: draws.count, chunkSize: 50, inParallel: draws.count * n >= 1 << 14) { range in
                for b in range { output.buffer[b] = statistic(draws[b]) }
            }
        }
        replicates.sort()
        return replicates
    }

    /// The percentile interval at this bootstrap's confidence from sorted replicates.
    public func interval(estimate: Double, sortedReplicates replicates: [Double], count n: Int) -> Interval {
        let alpha = 1 - confidence
        return Interval(
            estimate: estimate, lower: Bootstrap.quantile(sorted: replicates, alpha / 2), upper: Bootstrap.quantile(sorted: replicates, 1 - alpha / 2), count: n)
    }

    /// The two-sided bootstrap p-value of "the statistic is 0": twice the smaller share of
    /// replicates on either side of 0, each count + 1 over B + 1 so that it is never 0
    /// (Davison & Hinkley 1997, §4.4), at most 1. The percentile interval at confidence 1 − α
    /// excludes 0 about when p ≤ α.
    public static func pValue(sortedReplicates replicates: [Double]) -> Double {
        let below = replicates.filter { $0 <= 0 }.count, above = replicates.filter { $0 >= 0 }.count
        return min(1, 2 * Double(min(below, above) + 1) / Double(replicates.count + 1))
    }

    /// The mean of `values` with its interval; nil when empty.
    public func mean(_ values: [Double]) -> Interval? {
        interval(count: values.count) { indices in Bootstrap.mean(indices.map { values[$0] }) }
    }

    /// The mean of `method[i] − base[i]` with its interval (the same images for both);
    /// nil when empty.
    public func pairedDifference(_ method: [Double], _ base: [Double]) -> Interval? {
        precondition(method.count == base.count, "a paired difference needs the same images for both")
        let differences = zip(method, base).map { $0 - $1 }
        return mean(differences)
    }

    /// The median (the mean of the two middle values for an even count; 0 for an empty list).
    public static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// The arithmetic mean (0 for an empty list).
    public static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }

    /// The q-quantile of sorted values, linear between order statistics at position q·(B − 1).
    public static func quantile(sorted values: [Double], _ q: Double) -> Double {
        precondition(!values.isEmpty && (0...1).contains(q))
        let position = q * Double(values.count - 1)
        let below = Int(position.rounded(.down))
        let above = min(below + 1, values.count - 1)
        let fraction = position - Double(below)
        return values[below] + fraction * (values[above] - values[below])
    }
}
