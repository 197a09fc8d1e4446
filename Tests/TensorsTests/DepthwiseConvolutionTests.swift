import Tensors
import Testing
import _TestSupport

/// The depthwise fast path against its reference, the general convolution's loops.
@Suite("Depthwise convolution: the fast path equals the reference bit for bit", .tags(.determinism))
struct DepthwiseConvolutionTests {
    /// 60 random depthwise geometries: odd and prime sizes, channel multipliers 1–3, kernels
    /// 1–5 (square and not), strides 1–3, asymmetric padding, dilations 1–2.
    static func geometries() -> [GroupedConvolution2D.Geometry] {
        var generator = Seeds.generator(1300)
        var result: [GroupedConvolution2D.Geometry] = []
        while result.count < 60 {
            func pick(_ range: ClosedRange<Int>) -> Int { Int(generator.next() % UInt64(range.count)) + range.lowerBound }
            let channels = [1, 2, 3, 5, 7][pick(0...4)]
            let g = GroupedConvolution2D.Geometry(
                batch: pick(1...3), inChannels: channels, height: pick(1...13), width: pick(1...17), outChannels: channels * pick(1...3),
                kernelHeight: pick(1...5), kernelWidth: pick(1...5), strides: (pick(1...3), pick(1...3)),
                pads: (pick(0...2), pick(0...2), pick(0...2), pick(0...2)), dilations: (pick(1...2), pick(1...2)), groups: channels)
            if g.problem == nil { result.append(g) }
        }
        return result
    }

    static func random(_ count: Int, _ generator: inout Xoshiro256StarStar) -> [Double] {
        (0..<count).map { _ in generator.nextUniform(in: -1, 1) }
    }

    @Test("Forward, input gradient and parameter gradients on 60 random geometries")
    func againstReference() {
        var generator = Seeds.generator(1301)
        for g in Self.geometries() {
            #expect(DepthwiseConvolution2D.applies(to: g))
            let x = Self.random(g.batch * g.inChannels * g.height * g.width, &generator)
            let w = Self.random(g.outChannels * g.kernelHeight * g.kernelWidth, &generator)
            let b = Self.random(g.outChannels, &generator)
            let outCount = g.batch * g.outChannels * g.outHeight * g.outWidth
            let dy = Self.random(outCount, &generator)
            var (fast, reference) = ([Double](repeating: .nan, count: outCount), [Double](repeating: .nan, count: outCount))
            var (fastDx, referenceDx) = ([Double](repeating: .nan, count: x.count), [Double](repeating: .nan, count: x.count))
            x.withUnsafeBufferPointer { xp in
                w.withUnsafeBufferPointer { wp in
                    b.withUnsafeBufferPointer { bp in
                        dy.withUnsafeBufferPointer { dyp in
                            fast.withUnsafeMutableBufferPointer { DepthwiseConvolution2D.forward(g, input: xp.baseAddress!, weight: wp.baseAddress!, bias: bp.baseAddress!, output: $0.baseAddress!) }
                            reference.withUnsafeMutableBufferPointer { GroupedConvolution2D.forward(g, input: xp.baseAddress!, weight: wp.baseAddress!, bias: bp.baseAddress!, output: $0.baseAddress!) }
                            fastDx.withUnsafeMutableBufferPointer { DepthwiseConvolution2D.inputGradient(g, weight: wp.baseAddress!, outputGradient: dyp.baseAddress!, inputGradient: $0.baseAddress!) }
                            referenceDx.withUnsafeMutableBufferPointer { GroupedConvolution2D.inputGradient(g, weight: wp.baseAddress!, outputGradient: dyp.baseAddress!, inputGradient: $0.baseAddress!) }
                        }
                    }
                }
            }
            let weightCount = w.count
            var (fastParameters, referenceParameters) = ([Double](repeating: .nan, count: weightCount + g.outChannels), [Double](repeating: .nan, count: weightCount + g.outChannels))
            x.withUnsafeBufferPointer { xp in
                dy.withUnsafeBufferPointer { dyp in
                    fastParameters.withUnsafeMutableBufferPointer {
                        DepthwiseConvolution2D.parameterGradients(g, input: xp.baseAddress!, outputGradient: dyp.baseAddress!, weightGradient: $0.baseAddress!, biasGradient: $0.baseAddress! + weightCount)
                    }
                    referenceParameters.withUnsafeMutableBufferPointer {
                        GroupedConvolution2D.parameterGradients(g, input: xp.baseAddress!, outputGradient: dyp.baseAddress!, weightGradient: $0.baseAddress!, biasGradient: $0.baseAddress! + weightCount)
                    }
                }
            }
            #expect(fastParameters.map(\.bitPattern) == referenceParameters.map(\.bitPattern), "parameter gradients \(g)")
            #expect(fast.map(\.bitPattern) == reference.map(\.bitPattern), "forward \(g)")
            #expect(fastDx.map(\.bitPattern) == referenceDx.map(\.bitPattern), "input gradient \(g)")
        }
    }

    @Test("One thread and two give the same bits on a batch large enough to split")
    func threadInvariance() {
        var generator = Seeds.generator(1302)
        let g = GroupedConvolution2D.Geometry(
            batch: 40, inChannels: 32, height: 16, width: 16, outChannels: 32, kernelHeight: 3, kernelWidth: 3,
            strides: (1, 1), pads: (1, 1, 1, 1), dilations: (1, 1), groups: 32)
        let x = Self.random(g.batch * g.inChannels * g.height * g.width, &generator)
        let w = Self.random(g.outChannels * 9, &generator)
        func run() -> [Double] {
            var y = [Double](repeating: 0, count: g.batch * g.outChannels * g.outHeight * g.outWidth)
            x.withUnsafeBufferPointer { xp in
                w.withUnsafeBufferPointer { wp in
                    y.withUnsafeMutableBufferPointer { DepthwiseConvolution2D.forward(g, input: xp.baseAddress!, weight: wp.baseAddress!, bias: nil, output: $0.baseAddress!) }
                }
            }
            return y
        }
        #expect(Parallelism.isWorthParallelizing(multiplyAdds: g.batch * g.multiplyAddsPerImage) || Parallelism.processorCount == 1)
        let one = Parallelism.$threadLimit.withValue(1) { run() }
        #expect(one == run())
        let dy = Self.random(g.batch * g.outChannels * g.outHeight * g.outWidth, &generator)
        func gradients() -> [Double] {
            var out = [Double](repeating: 0, count: g.outChannels * 9 + g.outChannels)
            x.withUnsafeBufferPointer { xp in
                dy.withUnsafeBufferPointer { dyp in
                    out.withUnsafeMutableBufferPointer {
                        DepthwiseConvolution2D.parameterGradients(g, input: xp.baseAddress!, outputGradient: dyp.baseAddress!, weightGradient: $0.baseAddress!, biasGradient: $0.baseAddress! + g.outChannels * 9)
                    }
                }
            }
            return out
        }
        #expect(Parallelism.$threadLimit.withValue(1) { gradients() } == gradients())
    }
}
