import Foundation
import Testing
import Tensors
import _TestSupport

@Suite("Activations: fast equals reference; derivatives equal finite differences", .tags(.kernels))
struct ActivationTests {
    static let activations: [Activation] = [.relu, .leakyReLU(slope: 0.1), .softplus, .tanh, .sigmoid, .silu]

    @Test("Forward and backward on 50 random lengths", arguments: activations)
    func fastEqualsReference(activation: Activation) {
        var generator = Seeds.generator(400, case: Self.activations.firstIndex(of: activation)!)
        var forward = WorstDifference("\(activation) forward")
        var backward = WorstDifference("\(activation) backward")
        for shape in 0..<shapesPerKernel {
            // Mostly awkward small lengths; some long enough for the chunked parallel path.
            let count = shape % 10 == 9 ? 20_000 + TestSizes.draw(using: &generator) : TestSizes.draw(using: &generator) * TestSizes.draw(using: &generator)
            let x = (0..<count).map { _ in generator.nextUniform(in: -6, 6) }
            let dy = randomValues(count, using: &generator)
            let yReference = withBuffers([x], outputCount: count) { p, y in activation.forwardReference(p[0], y, count: count) }
            let yFast = withBuffers([x], outputCount: count) { p, y in activation.forwardFast(p[0], y, count: count) }
            #expect(yFast == yReference)
            forward.record(yFast, yReference)
            let dxReference = withBuffers([x, yReference, dy], outputCount: count) { p, dx in
                activation.backwardReference(input: p[0], output: p[1], outputGradient: p[2], inputGradient: dx, count: count)
            }
            let dxFast = withBuffers([x, yReference, dy], outputCount: count) { p, dx in
                activation.backwardFast(input: p[0], output: p[1], outputGradient: p[2], inputGradient: dx, count: count)
            }
            #expect(dxFast == dxReference)
            backward.record(dxFast, dxReference)
        }
        forward.report(); backward.report()
    }

    @Test("f′ equals the central difference of f away from kinks", arguments: activations)
    func derivativeMatchesFiniteDifference(activation: Activation) {
        var generator = Seeds.generator(401, case: Self.activations.firstIndex(of: activation)!)
        for _ in 0..<200 {
            var x = generator.nextUniform(in: -8, 8)
            if abs(x) < 1e-3 { x += 0.01 }  // ReLU and leaky ReLU have a kink at 0
            let y = activation.value(x)
            let numeric = FiniteDifferences.gradient(at: [x]) { activation.value($0[0]) }[0]
            expectClose(activation.derivative(input: x, output: y), numeric, Tolerance(relative: 1e-7, absolute: 1e-9), "\(activation) at \(x)")
        }
    }

    @Test("Closed forms: softplus is log(1 + eˣ) without overflow; sigmoid and tanh are finite everywhere")
    func stability() {
        #expect(Activation.softplus.value(0) == log(2))
        #expect(Activation.softplus.value(800) == 800)  // log1p(e⁸⁰⁰) overflows if done naively
        #expect(Activation.softplus.value(-800) == 0)
        #expect(Activation.sigmoid.value(-800) == 0 && Activation.sigmoid.value(800) == 1)
        #expect(Activation.sigmoid.value(0) == 0.5)
        #expect(Activation.tanh.value(1e6) == 1)
        #expect(Activation.relu.derivative(input: 0, output: 0) == 0)  // ReLU′(0) = 0, as PyTorch
        // SiLU: x·σ(x) is 0 at 0, the identity far right, 0 far left. Its minimum x* solves
        // f′ = σ(x)(1 + x(1 − σ(x))) = 0, i.e. σ(x*) = 1 + 1/x*, so f(x*) = x* + 1 exactly;
        // x* = −1.278464542761074 by Newton's method in Python.
        #expect(Activation.silu.value(0) == 0 && Activation.silu.value(800) == 800 && Activation.silu.value(-800) == 0)
        let minimum = -1.278464542761074
        #expect(abs(Activation.silu.derivative(input: minimum, output: Activation.silu.value(minimum))) < 1e-15)
        expectClose(Activation.silu.value(minimum), minimum + 1, Tolerance(relative: 1e-15))
    }

    @Test("Guided backprop passes dY only where x > 0 and dY > 0; fast equals reference")
    func guidedRule() {
        var generator = Seeds.generator(402)
        for _ in 0..<shapesPerKernel {
            let count = TestSizes.draw(using: &generator) * TestSizes.draw(using: &generator)
            let x = randomValues(count, using: &generator)
            let dy = randomValues(count, using: &generator)
            let reference = withBuffers([x, dy], outputCount: count) { p, dx in
                Activation.guidedReLUBackwardReference(input: p[0], outputGradient: p[1], inputGradient: dx, count: count)
            }
            let fast = withBuffers([x, dy], outputCount: count) { p, dx in
                Activation.guidedReLUBackwardFast(input: p[0], outputGradient: p[1], inputGradient: dx, count: count)
            }
            #expect(fast == reference)
            #expect(zip(zip(x, dy), reference).allSatisfy { pair, dx in dx == ((pair.0 > 0 && pair.1 > 0) ? pair.1 : 0) })
        }
    }
}
