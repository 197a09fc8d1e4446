import Testing
import Tensors
import _TestSupport

@Suite("2-D convolution: fast equals reference", .tags(.kernels))
struct ConvolutionTests {
    /// A random valid geometry: batch up to 11 (crossing the 8-image chunk), kernels 1–5
    /// (not always square), stride 1–3, padding 0–2.
    static func randomGeometry<G: RandomNumberGenerator>(using generator: inout G) -> Convolution2D.Geometry {
        while true {
            let g = Convolution2D.Geometry(
                batch: 1 + generator.nextIndex(below: 11),
                inChannels: TestSizes.draw(limit: 5, using: &generator),
                height: TestSizes.draw(limit: 13, using: &generator),
                width: TestSizes.draw(limit: 13, using: &generator),
                outChannels: TestSizes.draw(limit: 9, using: &generator),
                kernelHeight: 1 + generator.nextIndex(below: 5),
                kernelWidth: 1 + generator.nextIndex(below: 5),
                stride: 1 + generator.nextIndex(below: 3),
                padding: generator.nextIndex(below: 3))
            if g.isValid { return g }
        }
    }

    @Test("Forward, input gradient and parameter gradients on 50 random geometries")
    func fastEqualsReference() {
        var generator = Seeds.generator(200)
        var forward = WorstDifference("conv2d forward")
        var inputGradient = WorstDifference("conv2d input gradient")
        var weightGradient = WorstDifference("conv2d weight gradient")
        var biasGradient = WorstDifference("conv2d bias gradient")
        for _ in 0..<shapesPerKernel {
            let g = Self.randomGeometry(using: &generator)
            let x = randomValues(g.batch * g.inputSize, using: &generator)
            let w = randomValues(g.outChannels * g.patchSize, using: &generator)
            let bias = randomValues(g.outChannels, using: &generator)
            let dy = randomValues(g.batch * g.outputSize, using: &generator)

            let yReference = withBuffers([x, w, bias], outputCount: g.batch * g.outputSize) { p, y in
                Convolution2D.forwardReference(g, input: p[0], weight: p[1], bias: p[2], output: y)
            }
            let yFast = withBuffers([x, w, bias], outputCount: g.batch * g.outputSize) { p, y in
                Convolution2D.forwardFast(g, input: p[0], weight: p[1], bias: p[2], output: y)
            }
            expectClose(yFast, yReference, kernelTolerance, "forward \(g)")
            forward.record(yFast, yReference)

            let dxReference = withBuffers([w, dy], outputCount: g.batch * g.inputSize) { p, dx in
                Convolution2D.inputGradientReference(g, weight: p[0], outputGradient: p[1], inputGradient: dx)
            }
            let dxFast = withBuffers([w, dy], outputCount: g.batch * g.inputSize) { p, dx in
                Convolution2D.inputGradientFast(g, weight: p[0], outputGradient: p[1], inputGradient: dx)
            }
            expectClose(dxFast, dxReference, kernelTolerance, "input gradient \(g)")
            inputGradient.record(dxFast, dxReference)

            let parameterCount = g.outChannels * g.patchSize + g.outChannels
            let reference = withBuffers([x, dy], outputCount: parameterCount) { p, out in
                Convolution2D.parameterGradientsReference(
                    g, input: p[0], outputGradient: p[1], weightGradient: out, biasGradient: out + g.outChannels * g.patchSize)
            }
            let fast = withBuffers([x, dy], outputCount: parameterCount) { p, out in
                Convolution2D.parameterGradientsFast(
                    g, input: p[0], outputGradient: p[1], weightGradient: out, biasGradient: out + g.outChannels * g.patchSize)
            }
            let split = g.outChannels * g.patchSize
            expectClose(Array(fast[..<split]), Array(reference[..<split]), kernelTolerance, "weight gradient \(g)")
            expectClose(Array(fast[split...]), Array(reference[split...]), kernelTolerance, "bias gradient \(g)")
            weightGradient.record(Array(fast[..<split]), Array(reference[..<split]))
            biasGradient.record(Array(fast[split...]), Array(reference[split...]))
        }
        forward.report(); inputGradient.report(); weightGradient.report(); biasGradient.report()
    }

    @Test("A 1×1 kernel is a matrix product over channels; a delta kernel copies the image")
    func handWorked() {
        // Delta kernel (3×3, 1 at the centre), padding 1: the output is the input.
        let g = Convolution2D.Geometry(batch: 1, inChannels: 1, height: 4, width: 5, outChannels: 1, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1)
        let x = (0..<20).map { Double($0) }
        var delta = [Double](repeating: 0, count: 9)
        delta[4] = 1
        let y = withBuffers([x, delta], outputCount: 20) { p, y in
            Convolution2D.forwardReference(g, input: p[0], weight: p[1], bias: nil, output: y)
        }
        #expect(y == x)
        // Stride 2 on a 5×5 input without padding, 1×1 kernel of weight 2: every other pixel, doubled.
        let s = Convolution2D.Geometry(batch: 1, inChannels: 1, height: 5, width: 5, outChannels: 1, kernelHeight: 1, kernelWidth: 1, stride: 2, padding: 0)
        let x5 = (0..<25).map { Double($0) }
        let y5 = withBuffers([x5, [2]], outputCount: 9) { p, y in
            Convolution2D.forwardReference(s, input: p[0], weight: p[1], bias: nil, output: y)
        }
        #expect(y5 == [0, 4, 8, 20, 24, 28, 40, 44, 48])
    }

    @Test("Batches large enough to run in parallel give the same bits for 1 and 2 threads", .tags(.determinism))
    func threadCountInvariance() {
        var generator = Seeds.generator(201)
        let g = Convolution2D.Geometry(batch: 20, inChannels: 3, height: 12, width: 12, outChannels: 8, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1)
        let x = randomValues(g.batch * g.inputSize, using: &generator)
        let w = randomValues(g.outChannels * g.patchSize, using: &generator)
        let dy = randomValues(g.batch * g.outputSize, using: &generator)
        let results = [1, 2].map { threads in
            Parallelism.$threadLimit.withValue(threads) {
                (withBuffers([x, w], outputCount: g.batch * g.outputSize) { p, y in
                    Convolution2D.forwardFast(g, input: p[0], weight: p[1], bias: nil, output: y)
                },
                withBuffers([x, dy], outputCount: g.outChannels * g.patchSize) { p, dw in
                    Convolution2D.parameterGradientsFast(g, input: p[0], outputGradient: p[1], weightGradient: dw, biasGradient: nil)
                })
            }
        }
        #expect(results[0].0 == results[1].0)
        #expect(results[0].1 == results[1].1)
    }
}
