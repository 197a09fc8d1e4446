import ArrayFormats
import Attribution
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

/// Captum's GuidedBackprop and InputXGradient on the exported PyTorch networks
/// (Fixtures/reference/export_pytorch_goldens.py). float64 on both sides: 1e-10 relative.
@Suite("Gradient methods against Captum", .tags(.golden))
struct GradientMethodGoldenTests {
    static let fixtures = ["mlp-activations", "cnn-pools"]
    static let tolerance = Tolerance.float64Peer

    @Test("Guided backprop and input × gradient equal Captum's", arguments: fixtures, OutputKind.allCases)
    func captum(fixture: String, kind: OutputKind) throws {
        let directory = FixturePaths.url("pytorch/\(fixture)")
        let network = try ModelDirectory.load(directory)
        func golden(_ file: String) throws -> Tensor { try NPY.read(contentsOf: directory.appendingPathComponent("golden/\(file)")) }
        let inputs = try golden("inputs.npy")
        let targets = try golden("targets.npy").scalars.map { Int($0) }
        let guided = try golden("guided-backprop-\(kind.rawValue).npy")
        let inputTimesGradient = try golden("input-x-gradient-\(kind.rawValue).npy")
        var worst = (guided: 0.0, inputTimesGradient: 0.0)
        for (b, target) in targets.enumerated() {
            let output = try ClassifierOutput(network: network, target: target, kind: kind)
            let x = inputs.point(b)
            let ours = try GuidedBackprop().attribute(x, of: output).attribution
            expectClose(ours.scalars, guided.point(b).scalars, Self.tolerance, "\(fixture) \(kind) guided backprop row \(b)")
            worst.guided = max(worst.guided, normwiseRelativeError(ours.scalars, guided.point(b).scalars))
            let product = try InputTimesGradient().attribute(x, of: output).attribution
            expectClose(product.scalars, inputTimesGradient.point(b).scalars, Self.tolerance, "\(fixture) \(kind) input × gradient row \(b)")
            worst.inputTimesGradient = max(worst.inputTimesGradient, normwiseRelativeError(product.scalars, inputTimesGradient.point(b).scalars))
        }
        print("\(fixture) \(kind): guided backprop worst \(worst.guided), input × gradient worst \(worst.inputTimesGradient)")
    }
}

@Suite("Gradient methods: what holds and what fails", .tags(.axiom))
struct GradientMethodPropertyTests {
    @Test("Sensitivity (b): a feature F ignores gets exactly 0 from gradient and input × gradient")
    func dummyFeatureGetsZero() throws {
        // F(x) = x₂·x₄ on ℝ⁵ does not depend on x₁, x₃, x₅.
        let f = ProductFunction(dimension: 5, first: 1, second: 3)
        let x = Tensor(shape: [5], scalars: [0.3, -1.2, 2.5, 0.7, -0.4])
        for attribution in [try VanillaGradient().attribute(x, of: f).attribution, try InputTimesGradient().attribute(x, of: f).attribution] {
            #expect([0, 2, 4].allSatisfy { attribution.scalars[$0] == 0 })
            #expect([1, 3].allSatisfy { attribution.scalars[$0] != 0 })
        }
    }

    @Test("Sensitivity (a) fails for the gradient: the IG paper's ReLU example has zero gradient at x = (1, 1)")
    func gradientSaturates() throws {
        let f = ReLUExample()
        let x = Tensor(shape: [2], scalars: [1, 1])
        #expect(try f.value(at: x) - f.value(at: Tensor(zeros: [2])) == 1)  // F changed by 1 …
        #expect(try VanillaGradient().attribute(x, of: f).attribution.scalars == [0, 0])  // … yet both features get 0
    }

    @Test("Input × gradient is complete for a linear function with zero baseline: Σ A = F(x) − F(0)")
    func inputTimesGradientLinear() throws {
        let f = LinearFunction(weights: [0.5, -2, 3], bias: 1)
        let x = Tensor(shape: [3], scalars: [2, 1, -1])
        let a = try InputTimesGradient().attribute(x, of: f).attribution
        #expect(a.scalars == [1, -2, -3])
        #expect(a.sum == (try f.value(at: x)) - (try f.value(at: Tensor(zeros: [3]))))
    }
}
