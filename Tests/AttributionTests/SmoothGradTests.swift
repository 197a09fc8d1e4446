import Attribution
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

@Suite("SmoothGrad", .tags(.axiom))
struct SmoothGradTests {
    let f = GaussianBump(center: [0.5, -0.5, 1], width: 0.8, amplitude: 2)
    let x = Tensor(shape: [3], scalars: [0.2, 0.1, 0.4])

    @Test("Mean, squared and VarGrad are the mean, mean square and variance of the per-sample maps")
    func aggregations() throws {
        let sigma = 0.3
        // The same noise by hand: sample s uses the generator derived from (seed, s).
        var maps: [[Double]] = []
        for s in 0..<6 {
            var draw = Xoshiro256StarStar(seed: 9).derived(s)
            let noisy = x.map { $0 + sigma * draw.nextNormal() }
            maps.append(try f.gradient(at: noisy).scalars)
        }
        let mean = (0..<3).map { i in maps.reduce(0) { $0 + $1[i] } / 6 }
        let meanSquare = (0..<3).map { i in maps.reduce(0) { $0 + $1[i] * $1[i] } / 6 }
        let variance = (0..<3).map { meanSquare[$0] - mean[$0] * mean[$0] }
        for (aggregation, expected) in [(SmoothGrad.Smoothing.mean, mean), (.squared, meanSquare), (.varGrad, variance)] {
            let result = try SmoothGrad(samples: 6, noise: .absolute(sigma), smoothing: aggregation, seed: 9).attribute(x, of: f)
            expectClose(result.attribution.scalars, expected, Tolerance(relative: 1e-14), "\(aggregation)")
            #expect(result.gradientEvaluations == 6)
        }
    }

    @Test("σ = 0 returns the base method's map; σ as a fraction of the range is f·(max − min)")
    func noise() throws {
        let zero = try SmoothGrad(base: IntegratedGradients(steps: 8), samples: 3, noise: .absolute(0)).attribute(x, of: f)
        #expect(zero.attribution == (try IntegratedGradients(steps: 8).attribute(x, of: f)).attribution)
        #expect(try SmoothGrad(noise: .fractionOfRange(0.5)).standardDeviation(for: x) == 0.5 * (0.4 - 0.1))
    }

    @Test("The same seed gives the same bits, on one thread or two; another seed differs", .tags(.determinism))
    func seeded() throws {
        let network = try ShippedModels.network("digits-cnn")
        let image = try ShippedModels.exampleInput("digits-cnn")
        let output = try ClassifierOutput(network: network, target: 2)
        let method = SmoothGrad(base: IntegratedGradients(steps: 8), samples: 4, seed: 21)
        let one = try Parallelism.$threadLimit.withValue(1) { try method.attribute(image, of: output) }
        let two = try Parallelism.$threadLimit.withValue(2) { try method.attribute(image, of: output) }
        #expect(one.attribution == two.attribution)
        var other = method
        other.seed = 22
        #expect(try other.attribute(image, of: output).attribution != one.attribution)
    }

    @Test("SmoothGrad of a linear function's gradient is the gradient: the noise cannot move it")
    func linear() throws {
        let linear = LinearFunction(weights: [0.5, -1.5, 2])
        let result = try SmoothGrad(samples: 10, noise: .absolute(1), smoothing: .mean, seed: 1).attribute(x, of: linear)
        expectClose(result.attribution.scalars, [0.5, -1.5, 2], Tolerance(relative: 1e-15), "mean")
        let variance = try SmoothGrad(samples: 10, noise: .absolute(1), smoothing: .varGrad, seed: 1).attribute(x, of: linear)
        #expect(variance.attribution.scalars.allSatisfy { abs($0) < 1e-15 })
    }
}

@Suite("Guided IG's path", .tags(.axiom))
struct GuidedPathTests {
    @Test("Every point the walk evaluates lies within max_dist of the straight line, between baseline and input")
    func staysInBand() throws {
        let network = try ShippedModels.network("digits-mlp")
        let x = try ShippedModels.exampleInput("digits-mlp")
        let recorder = RecordingFunction(try ClassifierOutput(network: network, target: 2))
        let steps = 25
        let maxDistance = 0.1
        _ = try GuidedIntegratedGradients(steps: steps, maxDistance: maxDistance).attribute(x, of: recorder)
        let points = recorder.gradientPoints
        #expect(points.count == steps)
        for (s, p) in points.enumerated() {
            // At step s the walk stands where step s − 1 left it: features' α within max_dist of s/S
            // (the catch-up rule pulls laggards up to α − max_dist; nothing passes α + max_dist).
            let alpha = Double(s) / Double(steps)
            for i in p.indices where x.scalars[i] != 0 {
                let own = p[i] / x.scalars[i]
                #expect(own >= max(alpha - maxDistance, 0) - 1e-12 && own <= min(alpha + maxDistance, 1) + 1e-12, "step \(s) feature \(i): α = \(own)")
            }
        }
    }

    @Test("The walk moves features with small |∂F/∂x| first: at the first step, the moved ones have the smallest gradients")
    func smallGradientsFirst() throws {
        let network = try ShippedModels.network("digits-mlp")
        let x = try ShippedModels.exampleInput("digits-mlp")
        let output = try ClassifierOutput(network: network, target: 2, kind: .logit)
        let recorder = RecordingFunction(output)
        _ = try GuidedIntegratedGradients(steps: 10, fraction: 0.25, maxDistance: 1).attribute(x, of: recorder)
        let second = recorder.gradientPoints[1]
        let g = try output.gradient(at: Tensor(zeros: x.shape)).scalars.map(abs)
        let moved = x.scalars.indices.filter { second[$0] != 0 }
        let still = x.scalars.indices.filter { second[$0] == 0 && x.scalars[$0] != 0 }
        #expect(!moved.isEmpty && !still.isEmpty)
        // Unbounded (max_dist 1): the moved features are exactly the small-gradient ones.
        #expect((moved.map { g[$0] }.max() ?? 0) <= (still.map { g[$0] }.min() ?? .infinity))
    }
}
