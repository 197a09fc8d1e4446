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

    @Test("Both register shapes (8 × 8 for 8-wide units, 4 × 8 for 4-wide), B in place or packed, and B's blocks give the reference's bits")
    func registerShapesAndPanels() {
        var generator = Seeds.generator(102)
        // Fewer than 32 rows read B in place, 32 or more pack it (A·Bᵀ always packs). Depth
        // blocks: k cut into equal blocks of at most 256; widths max(16, 2¹⁸ / (8·kc)) rounded
        // down to a multiple of 16. 33×220×300: two depth blocks of 150, two column blocks
        // (208 + 12, the last with a 4-column tail), four 8-row blocks (eight 4-row blocks on a
        // 4-wide unit) and one lone row, and
        // Aᵀ·B deeper than 128 copies A to row-major first. 40×5×7: packed, tail columns only.
        // 11×300×230: in place, one depth block, two column blocks (288 + 12).
        for (m, n, k) in [(33, 220, 300), (40, 5, 7), (11, 300, 230), (9, 2100, 40), (13, 17, 5), (6, 40, 3)] {
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

    @Test("Products on both sides of the threading threshold (2²⁰ multiply-adds): threads are used only above it, and 1, 2 and 4 threads give the same bits",
          .tags(.determinism))
    func threadCountInvariance() {
        var generator = Seeds.generator(101)
        // 255·64·64 is just below 2²⁰, 256·64·64 is exactly it; 40·260·260 packs B on threads
        // (k·n ≥ 2¹⁶), 260·40·260 copies Aᵀ·B's A on threads (m·k ≥ 2¹⁶).
        for (m, n, k, threaded) in [(255, 64, 64, false), (256, 64, 64, true), (40, 260, 260, true), (260, 40, 260, true), (101, 67, 43, false)] {
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
