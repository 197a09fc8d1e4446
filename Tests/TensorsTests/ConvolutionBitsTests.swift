import Testing
import Tensors
import _TestSupport

/// The fast paths that have a scalar reference with the same sequence of roundings, compared
/// bit for bit: the direct stride-1 forward pass (sums over (c, u, v) in the reference's
/// order, padding adding exact zeros), with blocks of 8 or 4 output channels; pointwise convolutions (1×1, stride 1, no padding) run as one matrix product
/// per image, whose sums over channels go in the reference's order; and the weight gradient of
/// any convolution, which sums each 8-image chunk in the reference's order (images, then
/// pixels) and then the chunks in order — so it equals the reference run chunk by chunk and
/// added up, in either orientation of its product (dW, or dWᵀ when K > O).
@Suite("Convolution fast paths: the reference's bits", .tags(.kernels))
struct ConvolutionBitsTests {
    /// Channels and sizes from the odd and prime test sizes; batch up to 19 (two or three chunks).
    static func randomPointwise<G: RandomNumberGenerator>(using generator: inout G) -> Convolution2D.Geometry {
        Convolution2D.Geometry(
            batch: 1 + generator.nextIndex(below: 19),
            inChannels: TestSizes.draw(limit: 37, using: &generator),
            height: TestSizes.draw(limit: 13, using: &generator),
            width: TestSizes.draw(limit: 17, using: &generator),
            outChannels: TestSizes.draw(limit: 37, using: &generator),
            kernelHeight: 1, kernelWidth: 1)
    }

    @Test("Pointwise forward and input gradient equal the reference bit for bit on 50 random geometries, on 8- and 4-wide register blocks")
    func pointwiseEqualsReference() {
        var generator = Seeds.generator(210)
        for _ in 0..<shapesPerKernel {
            let g = Self.randomPointwise(using: &generator)
            #expect(g.isPointwise)
            let x = randomValues(g.batch * g.inputSize, using: &generator)
            let w = randomValues(g.outChannels * g.patchSize, using: &generator)
            let bias = randomValues(g.outChannels, using: &generator)
            let dy = randomValues(g.batch * g.outputSize, using: &generator)
            let yReference = withBuffers([x, w, bias], outputCount: g.batch * g.outputSize) { p, y in
                Convolution2D.forwardReference(g, input: p[0], weight: p[1], bias: p[2], output: y)
            }
            let dxReference = withBuffers([w, dy], outputCount: g.batch * g.inputSize) { p, dx in
                Convolution2D.inputGradientReference(g, weight: p[0], outputGradient: p[1], inputGradient: dx)
            }
            for width in [4, 8] {
                VectorUnit.$registerWidthOverride.withValue(width) {
                    let y = withBuffers([x, w, bias], outputCount: g.batch * g.outputSize) { p, y in
                        Convolution2D.forwardFast(g, input: p[0], weight: p[1], bias: p[2], output: y)
                    }
                    let dx = withBuffers([w, dy], outputCount: g.batch * g.inputSize) { p, dx in
                        Convolution2D.inputGradientFast(g, weight: p[0], outputGradient: p[1], inputGradient: dx)
                    }
                    #expect(y == yReference, "forward \(g) width \(width)")
                    #expect(dx == dxReference, "input gradient \(g) width \(width)")
                }
            }
        }
    }

    @Test("A pointwise batch large enough to split over threads gives the same bits on 1 and 2 threads (forward, input and weight gradients)", .tags(.determinism))
    func pointwiseThreadInvariance() {
        var generator = Seeds.generator(213)
        let g = Convolution2D.Geometry(batch: 20, inChannels: 32, height: 16, width: 16, outChannels: 64, kernelHeight: 1, kernelWidth: 1)
        #expect(g.isPointwise && (Parallelism.isWorthParallelizing(multiplyAdds: g.batch * g.outputSize * g.patchSize) || Parallelism.processorCount == 1))
        let x = randomValues(g.batch * g.inputSize, using: &generator)
        let w = randomValues(g.outChannels * g.patchSize, using: &generator)
        let dy = randomValues(g.batch * g.outputSize, using: &generator)
        let runs = [1, 2].map { threads in
            Parallelism.$threadLimit.withValue(threads) {
                [withBuffers([x, w], outputCount: g.batch * g.outputSize) { p, y in
                     Convolution2D.forwardFast(g, input: p[0], weight: p[1], bias: nil, output: y)
                 },
                 withBuffers([w, dy], outputCount: g.batch * g.inputSize) { p, dx in
                     Convolution2D.inputGradientFast(g, weight: p[0], outputGradient: p[1], inputGradient: dx)
                 },
                 withBuffers([x, dy], outputCount: g.outChannels * g.patchSize) { p, dw in
                     Convolution2D.parameterGradientsFast(g, input: p[0], outputGradient: p[1], weightGradient: dw, biasGradient: nil)
                 }]
            }
        }
        #expect(runs[0] == runs[1])
    }

    @Test("The direct stride-1 forward pass equals the reference bit for bit on 50 random geometries, in blocks of 8 and of 4 channels; its input gradient is the same in both blocks")
    func directEqualsReference() {
        var generator = Seeds.generator(212)
        var drawn = 0
        while drawn < shapesPerKernel {
            var g = ConvolutionTests.randomGeometry(using: &generator)
            g.stride = 1
            g.outChannels = TestSizes.draw(limit: 19, using: &generator)
            guard g.isValid, !g.isPointwise else { continue }
            drawn += 1
            let x = randomValues(g.batch * g.inputSize, using: &generator)
            let w = randomValues(g.outChannels * g.patchSize, using: &generator)
            let bias = randomValues(g.outChannels, using: &generator)
            let dy = randomValues(g.batch * g.outputSize, using: &generator)
            let yReference = withBuffers([x, w, bias], outputCount: g.batch * g.outputSize) { p, y in
                Convolution2D.forwardReference(g, input: p[0], weight: p[1], bias: p[2], output: y)
            }
            let gradients = [8, 4].map { width in
                VectorUnit.$registerWidthOverride.withValue(width) {
                    let y = withBuffers([x, w, bias], outputCount: g.batch * g.outputSize) { p, y in
                        Convolution2D.forwardFast(g, input: p[0], weight: p[1], bias: p[2], output: y)
                    }
                    #expect(y == yReference, "forward \(g) width \(width)")
                    return withBuffers([w, dy], outputCount: g.batch * g.inputSize) { p, dx in
                        Convolution2D.inputGradientFast(g, weight: p[0], outputGradient: p[1], inputGradient: dx)
                    }
                }
            }
            #expect(gradients[0] == gradients[1], "input gradient \(g): 8- and 4-channel blocks differ")
        }
    }

    @Test("Weight and bias gradients equal the reference summed chunk by chunk, bit for bit, on 50 random geometries of each kind (K > O and K ≤ O both drawn)")
    func weightGradientEqualsChunkedReference() {
        var generator = Seeds.generator(211)
        var orientations = Set<Bool>()
        for shape in 0..<(2 * shapesPerKernel) {
            let g = shape % 2 == 0 ? Self.randomPointwise(using: &generator) : ConvolutionTests.randomGeometry(using: &generator)
            orientations.insert(g.patchSize > g.outChannels)
            let x = randomValues(g.batch * g.inputSize, using: &generator)
            let dy = randomValues(g.batch * g.outputSize, using: &generator)
            let weightCount = g.outChannels * g.patchSize
            let fast = withBuffers([x, dy], outputCount: weightCount + g.outChannels) { p, out in
                Convolution2D.parameterGradientsFast(g, input: p[0], outputGradient: p[1], weightGradient: out, biasGradient: out + weightCount)
            }
            // The reference on images 8c ..< 8c + 8 alone, then the chunks added in order to zeros.
            var chunked = [Double](repeating: 0, count: weightCount + g.outChannels)
            for start in stride(from: 0, to: g.batch, by: 8) {
                var part = g
                part.batch = min(8, g.batch - start)
                let partial = withBuffers([Array(x[(start * g.inputSize)...]), Array(dy[(start * g.outputSize)...])], outputCount: weightCount + g.outChannels) { p, out in
                    Convolution2D.parameterGradientsReference(part, input: p[0], outputGradient: p[1], weightGradient: out, biasGradient: out + weightCount)
                }
                for i in chunked.indices { chunked[i] += partial[i] }
            }
            #expect(fast == chunked, "parameter gradients \(g)")
        }
        #expect(orientations == [true, false], "both orientations of the weight-gradient product were drawn")
    }
}
