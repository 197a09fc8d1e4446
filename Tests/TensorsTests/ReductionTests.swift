import ArrayFormats
import Testing
import Tensors
import _TestSupport

@Suite("Reductions: fast equals reference", .tags(.kernels))
struct ReductionTests {
    @Test("Sum, dot and sum of squares on 50 random lengths, judged against Σ|terms|")
    func sumsAgree() {
        var generator = Seeds.generator(500)
        var worst = 0.0
        for shape in 0..<shapesPerKernel {
            // A few lengths above 2^16 exercise the chunked, threaded path.
            let count = shape % 10 == 9 ? (1 << 16) * 2 + TestSizes.draw(using: &generator) : TestSizes.draw(using: &generator) * TestSizes.draw(using: &generator)
            let x = randomValues(count, using: &generator)
            let y = randomValues(count, using: &generator)
            // A reordered sum differs by at most ~(n/8 + 8)ε Σ|terms| (see Reductions); 1e-12 of
            // Σ|terms| covers every length used here with room to spare.
            let absoluteSum = x.reduce(0) { $0 + abs($1) }
            let absoluteDot = zip(x, y).reduce(0) { $0 + abs($1.0 * $1.1) }
            let cases: [(Double, Double, Double)] = [
                (Reductions.sumFast(x), Reductions.sumReference(x), absoluteSum),
                (Reductions.dotFast(x, y), Reductions.dotReference(x, y), absoluteDot),
                (Reductions.sumOfSquaresFast(x), Reductions.sumOfSquaresReference(x), Reductions.sumOfSquaresReference(x)),
            ]
            for (fast, reference, scale) in cases {
                #expect(abs(fast - reference) <= 1e-12 * scale, "length \(count): \(fast) vs \(reference)")
                worst = max(worst, scale == 0 ? 0 : abs(fast - reference) / scale)
            }
        }
        print("reductions: worst |fast − reference| / Σ|terms| = \(worst)")
    }

    @Test("sumInNumpyOrder equals numpy.sum bit for bit, for every length 1…160 and lengths around numpy's blocks up to 10,007")
    func numpyOrder() throws {
        let values = try NPY.read(contentsOf: FixturePaths.url("numerics/numpy-sum-values.npy")).scalars
        let sums = try NPY.read(contentsOf: FixturePaths.url("numerics/numpy-sums.npy"))
        #expect(sums.shape == [172, 2])
        var start = 0
        var differsFromSequential = 0
        for k in 0..<sums.shape[0] {
            let (count, numpySum) = (Int(sums[k, 0]), sums[k, 1])
            let array = Array(values[start ..< start + count])
            start += count
            #expect(Reductions.sumInNumpyOrder(array) == numpySum, "length \(count)")
            if array.reduce(0, +) != numpySum { differsFromSequential += 1 }
        }
        #expect(start == values.count)
        // The fixture has power: a left-to-right sum misses numpy's bits for most lengths above 8.
        print("numpy order: a sequential sum differs from numpy.sum on \(differsFromSequential) of \(sums.shape[0]) arrays")
        #expect(differsFromSequential > 100)
    }

    @Test("Column sums are bit-identical to the reference on 50 random shapes")
    func columnSums() {
        var generator = Seeds.generator(501)
        for _ in 0..<shapesPerKernel {
            let (rows, columns) = (TestSizes.draw(using: &generator), TestSizes.draw(using: &generator))
            let x = randomValues(rows * columns, using: &generator)
            let (fast, reference) = x.withUnsafeBufferPointer { p in
                (Reductions.columnSumsFast(p.baseAddress!, rows: rows, columns: columns),
                 Reductions.columnSumsReference(p.baseAddress!, rows: rows, columns: columns))
            }
            #expect(fast == reference)
        }
    }

    @Test("Fast sums do not depend on the thread count", .tags(.determinism))
    func threadInvariance() {
        var generator = Seeds.generator(502)
        let x = randomValues(300_001, using: &generator)
        let sums = [1, 2, 3].map { threads in Parallelism.$threadLimit.withValue(threads) { Reductions.sumFast(x) } }
        #expect(sums[0] == sums[1] && sums[1] == sums[2])
    }

    @Test("The index of the maximum takes the first of ties and never NaN")
    func indexOfMaximum() {
        #expect(Reductions.indexOfMaximum([1, 3, 3, 2]) == 1)
        #expect(Reductions.indexOfMaximum([-.infinity]) == 0)
        #expect(Reductions.indexOfMaximum([.nan, 1, 0]) == 1)
        #expect(Reductions.indexOfMaximum([-5, -2, -9]) == 1)
    }
}
