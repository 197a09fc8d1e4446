import Testing
import Tensors
import _TestSupport

@Suite("Matrix products: fast equals reference", .tags(.kernels))
struct MatrixProductTests {
    @Test("On 50 random shapes per form, with and without accumulation", arguments: MatrixProduct.Form.allCases)
    func fastEqualsReference(form: MatrixProduct.Form) {
        var generator = Seeds.generator(100, case: MatrixProduct.Form.allCases.firstIndex(of: form)!)
        var worst = WorstDifference("matrix product \(form)")
        for shape in 0..<shapesPerKernel {
            let (m, n, k) = (TestSizes.draw(using: &generator), TestSizes.draw(using: &generator), TestSizes.draw(using: &generator))
            let a = randomValues(m * k, using: &generator)
            let b = randomValues(k * n, using: &generator)
            let accumulate = shape % 2 == 1
            let start = accumulate ? randomValues(m * n, using: &generator) : nil
            let reference = withBuffers([a, b], outputCount: m * n, initial: start) { p, c in
                MatrixProduct.reference(form, m: m, n: n, k: k, a: p[0], b: p[1], c: c, accumulate: accumulate)
            }
            let fast = withBuffers([a, b], outputCount: m * n, initial: start) { p, c in
                MatrixProduct.fast(form, m: m, n: n, k: k, a: p[0], b: p[1], c: c, accumulate: accumulate)
            }
            expectClose(fast, reference, kernelTolerance, "\(form) m=\(m) n=\(n) k=\(k)")
            // Same sequence of roundings per element (documented): the results are identical.
            #expect(fast == reference, "\(form) m=\(m) n=\(n) k=\(k) not bit-identical")
            worst.record(fast, reference)
        }
        worst.report()
    }

    @Test("Both register shapes (4 × 16 for 8-wide units, 4 × 8 for 4-wide) and B's depth panels give the reference's bits")
    func registerShapesAndPanels() {
        var generator = Seeds.generator(102)
        // Panel depth max(16, 2¹⁸ / (8n)): n = 300 → 109 (k = 230: three panels); n = 2,100 →
        // 16 (k = 40: three panels, the last of 8); n = 17 → one panel.
        for (m, n, k) in [(11, 300, 230), (9, 2100, 40), (13, 17, 5), (6, 40, 3)] {
            let a = randomValues(m * k, using: &generator)
            let b = randomValues(k * n, using: &generator)
            let start = randomValues(m * n, using: &generator)
            for form in MatrixProduct.Form.allCases {
                for accumulate in [false, true] {
                    let reference = withBuffers([a, b], outputCount: m * n, initial: accumulate ? start : nil) { p, c in
                        MatrixProduct.reference(form, m: m, n: n, k: k, a: p[0], b: p[1], c: c, accumulate: accumulate)
                    }
                    for width in [4, 8] {
                        let fast = VectorUnit.$registerWidthOverride.withValue(width) {
                            withBuffers([a, b], outputCount: m * n, initial: accumulate ? start : nil) { p, c in
                                MatrixProduct.fast(form, m: m, n: n, k: k, a: p[0], b: p[1], c: c, accumulate: accumulate)
                            }
                        }
                        #expect(fast == reference, "\(form) \(m)×\(n)×\(k) width \(width) accumulate \(accumulate)")
                    }
                }
            }
        }
        #expect([4, 8].contains(VectorUnit.detected.doublesPerRegister))
    }

    @Test("The reference computes Σ_p A[i,p] B[p,j] (a hand-worked 2×3·3×2 case)")
    func handWorked() {
        // A = [[1, 2, 3], [4, 5, 6]], B = [[7, 8], [9, 10], [11, 12]]: AB = [[58, 64], [139, 154]].
        let a: [Double] = [1, 2, 3, 4, 5, 6]
        let b: [Double] = [7, 8, 9, 10, 11, 12]
        let c = withBuffers([a, b], outputCount: 4) { p, c in
            MatrixProduct.reference(.plain, m: 2, n: 2, k: 3, a: p[0], b: p[1], c: c, accumulate: false)
        }
        #expect(c == [58, 64, 139, 154])
        // Aᵀ·B with A stored as [k, m] = [3, 2] (the transpose of [[1,2,3],[4,5,6]]) is the same product.
        let aT: [Double] = [1, 4, 2, 5, 3, 6]
        let viaTransposeA = withBuffers([aT, b], outputCount: 4) { p, c in
            MatrixProduct.reference(.transposedA, m: 2, n: 2, k: 3, a: p[0], b: p[1], c: c, accumulate: false)
        }
        #expect(viaTransposeA == c)
        // A·Bᵀ with B stored as [n, k] = [2, 3].
        let bT: [Double] = [7, 9, 11, 8, 10, 12]
        let viaTransposeB = withBuffers([a, bT], outputCount: 4) { p, c in
            MatrixProduct.reference(.transposedB, m: 2, n: 2, k: 3, a: p[0], b: p[1], c: c, accumulate: false)
        }
        #expect(viaTransposeB == c)
    }

    @Test("Products on both sides of the threading threshold (2²³ multiply-adds): threads are used only above it, and 1, 2 and 4 threads give the same bits",
          .tags(.determinism))
    func threadCountInvariance() {
        var generator = Seeds.generator(101)
        // 255·128·256 is just below 2²³, 256·128·256 is exactly it.
        for (m, n, k, threaded) in [(255, 128, 256, false), (256, 128, 256, true), (101, 67, 43, false)] {
            #expect((m * n * k >= MatrixProduct.parallelThreshold) == threaded)
            let available = Parallelism.processorCount > 1
            #expect(Parallelism.$threadLimit.withValue(2) { MatrixProduct.usesThreads(m: m, n: n, k: k) } == (threaded && available), "\(m)×\(n)×\(k)")
            #expect(!Parallelism.$threadLimit.withValue(1) { MatrixProduct.usesThreads(m: m, n: n, k: k) })
            let a = randomValues(m * k, using: &generator)
            let b = randomValues(k * n, using: &generator)
            for form in MatrixProduct.Form.allCases {
                let results = [1, 2, 4].map { threads in
                    Parallelism.$threadLimit.withValue(threads) {
                        withBuffers([a, b], outputCount: m * n) { p, c in
                            MatrixProduct.fast(form, m: m, n: n, k: k, a: p[0], b: p[1], c: c, accumulate: false)
                        }
                    }
                }
                #expect(results[0] == results[1] && results[1] == results[2], "\(form) \(m)×\(n)×\(k)")
            }
        }
    }

    @Test("The coarse kernels' threshold: isWorthParallelizing is false just below 2¹⁸ multiply-adds and on one thread, true from 2¹⁸ on")
    func coarseThreshold() {
        Parallelism.$threadLimit.withValue(2) {
            #expect(Parallelism.threadCount == min(2, Parallelism.processorCount))
            let available = Parallelism.threadCount > 1
            #expect(!Parallelism.isWorthParallelizing(multiplyAdds: Parallelism.parallelThreshold - 1))
            #expect(Parallelism.isWorthParallelizing(multiplyAdds: Parallelism.parallelThreshold) == available)
        }
        #expect(!Parallelism.$threadLimit.withValue(1) { Parallelism.isWorthParallelizing(multiplyAdds: 1 << 30) })
    }

    @Test("Degenerate sizes: k = 0 gives zeros (or leaves C when accumulating)")
    func emptyInnerDimension() {
        let fresh = withBuffers([[], []], outputCount: 6, initial: [1, 2, 3, 4, 5, 6]) { p, c in
            MatrixProduct.fast(.plain, m: 2, n: 3, k: 0, a: p[0], b: p[1], c: c, accumulate: false)
        }
        #expect(fresh == [0, 0, 0, 0, 0, 0])
        let kept = withBuffers([[], []], outputCount: 6, initial: [1, 2, 3, 4, 5, 6]) { p, c in
            MatrixProduct.fast(.plain, m: 2, n: 3, k: 0, a: p[0], b: p[1], c: c, accumulate: true)
        }
        #expect(kept == [1, 2, 3, 4, 5, 6])
    }
}
