/// Reductions: sums, dot products, sums of squares, column sums and the index of the maximum.
///
/// The reference versions add in index order. The fast versions keep eight running sums in
/// a `SIMD8<Double>` (lane ℓ adds elements ℓ, ℓ+8, ℓ+16, …), add the lanes in a fixed order
/// at the end, and split very long arrays into fixed chunks of 2¹⁶ elements whose partial
/// sums are added in chunk order. The order differs from the reference's, so results differ
/// by round-off — at most about (n/8 + 8)·ε·Σ|xᵢ| — but never between runs or thread counts.
public enum Reductions {
    static let chunkSize = 1 << 16

    // MARK: Sum

    /// Σ xᵢ, in index order.
    public static func sumReference(_ x: [Double]) -> Double {
        var sum = 0.0
        for value in x { sum += value }
        return sum
    }

    /// Σ xᵢ with eight SIMD lanes and fixed chunks.
    public static func sumFast(_ x: [Double]) -> Double {
        x.withUnsafeBufferPointer { p in
            chunked(count: p.count) { range in laneSum(p.baseAddress! + range.lowerBound, range.count) { $0 } }
        }
    }

    /// Σ xᵢ in numpy's order (`numpy.add.reduce` on a contiguous float64 array): 0 plus a
    /// pairwise sum that adds runs of up to 128 elements in eight interleaved accumulators
    /// and splits longer runs in halves rounded to multiples of 8. Used where a result must
    /// follow a numpy-based reference decision for decision (Guided IG's L1 distances).
    public static func sumInNumpyOrder(_ x: [Double]) -> Double {
        x.withUnsafeBufferPointer { 0 + pairwise($0.baseAddress!, $0.count) }
    }

    private static func pairwise(_ x: UnsafePointer<Double>, _ n: Int) -> Double {
        if n < 8 {
            var sum = 0.0
            for i in 0..<n { sum += x[i] }
            return sum
        }
        if n <= 128 {
            var r = (x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7])
            var i = 8
            while i < n - n % 8 {
                r.0 += x[i]; r.1 += x[i + 1]; r.2 += x[i + 2]; r.3 += x[i + 3]
                r.4 += x[i + 4]; r.5 += x[i + 5]; r.6 += x[i + 6]; r.7 += x[i + 7]
                i += 8
            }
            var sum = ((r.0 + r.1) + (r.2 + r.3)) + ((r.4 + r.5) + (r.6 + r.7))
            while i < n {
                sum += x[i]
                i += 1
            }
            return sum
        }
        var half = n / 2
        half -= half % 8
        return pairwise(x, half) + pairwise(x + half, n - half)
    }

    // MARK: Dot product and sum of squares

    /// Σ xᵢ yᵢ, in index order. - Precondition: equal lengths.
    public static func dotReference(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "dot product of lengths \(x.count) and \(y.count)")
        var sum = 0.0
        for i in x.indices { sum += x[i] * y[i] }
        return sum
    }

    /// Σ xᵢ yᵢ with eight SIMD lanes and fixed chunks.
    public static func dotFast(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "dot product of lengths \(x.count) and \(y.count)")
        return x.withUnsafeBufferPointer { xp in
            y.withUnsafeBufferPointer { yp in
                chunked(count: xp.count) { range in
                    laneDot(xp.baseAddress! + range.lowerBound, yp.baseAddress! + range.lowerBound, range.count)
                }
            }
        }
    }

    /// Σ xᵢ², in index order.
    public static func sumOfSquaresReference(_ x: [Double]) -> Double { dotReference(x, x) }

    /// Σ xᵢ² with eight SIMD lanes and fixed chunks.
    public static func sumOfSquaresFast(_ x: [Double]) -> Double {
        x.withUnsafeBufferPointer { p in
            chunked(count: p.count) { range in laneSum(p.baseAddress! + range.lowerBound, range.count) { $0 * $0 } }
        }
    }

    // MARK: Column sums

    /// For a row-major [rows, columns] matrix, the sum of each column (rows in order):
    /// the bias gradient of a dense layer, Σ_b dY[b, j].
    public static func columnSumsReference(_ x: UnsafePointer<Double>, rows: Int, columns: Int) -> [Double] {
        var sums = [Double](repeating: 0, count: columns)
        for j in 0..<columns {
            var sum = 0.0
            for i in 0..<rows { sum += x[i * columns + j] }
            sums[j] = sum
        }
        return sums
    }

    /// Column sums eight columns at a time. Each column is still summed in row order, so the
    /// result equals ``columnSumsReference(_:rows:columns:)`` bit for bit.
    public static func columnSumsFast(_ x: UnsafePointer<Double>, rows: Int, columns: Int) -> [Double] {
        var sums = [Double](repeating: 0, count: columns)
        sums.withUnsafeMutableBufferPointer { s in
            let out = s.baseAddress!
            var j = 0
            while j + 8 <= columns {
                var acc = SIMD8<Double>.zero
                for i in 0..<rows {
                    acc += UnsafeRawPointer(x + i * columns + j).loadUnaligned(as: SIMD8<Double>.self)
                }
                UnsafeMutableRawPointer(out + j).storeBytes(of: acc, as: SIMD8<Double>.self)
                j += 8
            }
            while j < columns {
                var sum = 0.0
                for i in 0..<rows { sum += x[i * columns + j] }
                out[j] = sum
                j += 1
            }
        }
        return sums
    }

    // MARK: Maximum

    /// The index of the largest element; the first one on ties. NaN is never the maximum.
    /// - Precondition: `x` is not empty.
    public static func indexOfMaximum(_ x: some Collection<Double>) -> Int {
        precondition(!x.isEmpty, "the maximum of an empty array is undefined")
        var best = -1
        var bestValue = 0.0
        for (i, value) in x.enumerated() where !value.isNaN && (best < 0 || value > bestValue) {
            best = i
            bestValue = value
        }
        return max(best, 0)
    }

    // MARK: Helpers

    /// Splits `0..<count` into chunks of `chunkSize`, reduces each (in parallel when there
    /// are several), and adds the partial results in chunk order.
    private static func chunked(count: Int, _ reduce: (Range<Int>) -> Double) -> Double {
        let chunks = Parallelism.chunkCount(count, chunkSize: chunkSize)
        if chunks <= 1 { return reduce(0..<count) }
        var partials = [Double](repeating: 0, count: chunks)
        partials.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            Parallelism.forEachRange(count: count, chunkSize: chunkSize, inParallel: true) { range in
                base[range.lowerBound / chunkSize] = reduce(range)
            }
        }
        return sumReference(partials)
    }

    @inline(__always)
    private static func laneSum(_ p: UnsafePointer<Double>, _ count: Int, _ f: (SIMD8<Double>) -> SIMD8<Double>) -> Double {
        var acc = SIMD8<Double>.zero
        var i = 0
        while i + 8 <= count {
            acc += f(UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Double>.self))
            i += 8
        }
        var tail = SIMD8<Double>.zero
        for lane in 0..<(count - i) { tail[lane] = p[i + lane] }
        acc += f(tail)
        return horizontalSum(acc)
    }

    @inline(__always)
    private static func laneDot(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ count: Int) -> Double {
        var acc = SIMD8<Double>.zero
        var i = 0
        while i + 8 <= count {
            acc += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Double>.self)
                * UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Double>.self)
            i += 8
        }
        var sum = horizontalSum(acc)
        while i < count {
            sum += x[i] * y[i]
            i += 1
        }
        return sum
    }

    /// ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)): a fixed pairwise order.
    @inline(__always)
    private static func horizontalSum(_ v: SIMD8<Double>) -> Double {
        let half = v.lowHalf + v.highHalf
        let quarter = half.lowHalf + half.highHalf
        return quarter[0] + quarter[1]
    }
}
