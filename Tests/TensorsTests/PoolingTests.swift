import Testing
import Tensors
import _TestSupport

@Suite("2-D pooling: fast equals reference", .tags(.kernels))
struct PoolingTests {
    static func randomGeometry<G: RandomNumberGenerator>(using generator: inout G) -> Pooling2D.Geometry {
        while true {
            let g = Pooling2D.Geometry(
                batch: 1 + generator.nextIndex(below: 5), channels: TestSizes.draw(limit: 7, using: &generator),
                height: TestSizes.draw(limit: 17, using: &generator), width: TestSizes.draw(limit: 17, using: &generator),
                size: 1 + generator.nextIndex(below: 4), stride: 1 + generator.nextIndex(below: 3))
            if g.isValid { return g }
        }
    }

    @Test("Max and average pooling, forward and backward, on 50 random geometries (overlapping windows and ties included)")
    func fastEqualsReference() {
        var generator = Seeds.generator(300)
        var differences = ["max forward", "max backward", "average forward", "average backward"].map { WorstDifference("pooling \($0)") }
        for shape in 0..<shapesPerKernel {
            let g = Self.randomGeometry(using: &generator)
            let inCount = g.planes * g.height * g.width
            let outCount = g.planes * g.outHeight * g.outWidth
            // Every other case draws from {-1, 0, 1} so windows hold ties.
            let x = shape % 2 == 0
                ? randomValues(inCount, using: &generator)
                : (0..<inCount).map { _ in Double(generator.nextIndex(below: 3) - 1) }
            let dy = randomValues(outCount, using: &generator)

            let pairs: [([Double], [Double])] = [
                (withBuffers([x], outputCount: outCount) { p, y in Pooling2D.maxForwardFast(g, input: p[0], output: y) },
                 withBuffers([x], outputCount: outCount) { p, y in Pooling2D.maxForwardReference(g, input: p[0], output: y) }),
                (withBuffers([x, dy], outputCount: inCount) { p, dx in Pooling2D.maxBackwardFast(g, input: p[0], outputGradient: p[1], inputGradient: dx) },
                 withBuffers([x, dy], outputCount: inCount) { p, dx in Pooling2D.maxBackwardReference(g, input: p[0], outputGradient: p[1], inputGradient: dx) }),
                (withBuffers([x], outputCount: outCount) { p, y in Pooling2D.averageForwardFast(g, input: p[0], output: y) },
                 withBuffers([x], outputCount: outCount) { p, y in Pooling2D.averageForwardReference(g, input: p[0], output: y) }),
                (withBuffers([dy], outputCount: inCount) { p, dx in Pooling2D.averageBackwardFast(g, outputGradient: p[0], inputGradient: dx) },
                 withBuffers([dy], outputCount: inCount) { p, dx in Pooling2D.averageBackwardReference(g, outputGradient: p[0], inputGradient: dx) }),
            ]
            for (index, (fast, reference)) in pairs.enumerated() {
                expectClose(fast, reference, kernelTolerance, "\(differences[index].name) \(g)")
                differences[index].record(fast, reference)
            }
        }
        differences.forEach { $0.report() }
    }

    @Test("Ties go to the first maximum in row-major window order, as PyTorch")
    func tieBreaking() {
        // One 2×2 window of equal values: all gradient to the top-left element.
        let g = Pooling2D.Geometry(batch: 1, channels: 1, height: 2, width: 2, size: 2, stride: 2)
        for backward in [Pooling2D.maxBackwardReference, Pooling2D.maxBackwardFast] {
            let dx = withBuffers([[3, 3, 3, 3], [1]], outputCount: 4) { p, dx in
                backward(g, p[0], p[1], dx)
            }
            #expect(dx == [1, 0, 0, 0])
        }
    }

    @Test("Max pooling backward conserves the gradient's sum; average pooling spreads it evenly")
    func conservation() {
        // Each output's gradient lands somewhere in its window, so Σ dx = Σ dy for both kinds.
        var generator = Seeds.generator(301)
        let g = Pooling2D.Geometry(batch: 2, channels: 3, height: 9, width: 7, size: 3, stride: 2)
        let x = randomValues(g.planes * g.height * g.width, using: &generator)
        let dy = randomValues(g.planes * g.outHeight * g.outWidth, using: &generator)
        let maxDx = withBuffers([x, dy], outputCount: x.count) { p, dx in
            Pooling2D.maxBackwardFast(g, input: p[0], outputGradient: p[1], inputGradient: dx)
        }
        let avgDx = withBuffers([dy], outputCount: x.count) { p, dx in
            Pooling2D.averageBackwardFast(g, outputGradient: p[0], inputGradient: dx)
        }
        let total = dy.reduce(0, +)
        expectClose(maxDx.reduce(0, +), total, Tolerance(relative: 1e-13, absolute: 1e-13), "max pooling gradient sum")
        expectClose(avgDx.reduce(0, +), total, Tolerance(relative: 1e-13, absolute: 1e-13), "average pooling gradient sum")
    }
}
