import Attribution
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

@Suite("Sensitivity", .tags(.axiom))
struct SensitivityTests {
    @Test("(a) Input and baseline differ in one feature and F differs: that feature gets a non-zero attribution")
    func sensitivityA() throws {
        let f = SigmoidOfLinear(weights: [1, -2, 0.5], bias: 0.1)
        let x0 = Tensor(shape: [3], scalars: [0.2, 0.4, -0.3])
        var x = x0
        x.scalars[1] = 1.7
        #expect(try f.value(at: x) != f.value(at: x0))
        let methods = try AxiomMethods.configurations(domain: .vectors, required: .walksPath, baseline: x0)
        #expect(methods.contains { $0.registration.name == QuadraticScheduleIG.registration.name }, "the toy method is run")
        for configured in methods {
            let a = try configured.method.attribute(x, of: f).attribution
            #expect(a.scalars[1] != 0, "\(configured) gave the changed feature 0")
        }
        // The gradient fails it on the IG paper's ReLU example, from x′ = (0, 0) to x = (1, 0):
        // F goes from 0 to 1 but the gradient at x is 0; IG gives feature 1 all of the change.
        let relu = ReLUExample()
        let input = Tensor(shape: [2], scalars: [1, 0])
        #expect(try relu.value(at: input) - relu.value(at: Tensor(zeros: [2])) == 1)
        #expect(try VanillaGradient().attribute(input, of: relu).attribution.scalars == [0, 0])
        // The gradient is (1, 1) for α < 1 and 0 at α = 1: the 64 midpoint nodes all see (1, 1).
        let ig = try IntegratedGradients(steps: 64, rule: .middle).attribute(input, of: relu)
        expectClose(ig.attribution.scalars, [1, 0], Tolerance(relative: 1e-14), "IG on the ReLU example")
    }

    @Test("(b) A feature F does not depend on gets exactly 0 from every method (analytic function)")
    func sensitivityBAnalytic() throws {
        // F(x) = x₂·x₄ on ℝ⁵: features 1, 3 and 5 are dummies, but they move along every path.
        let f = ProductFunction(dimension: 5, first: 1, second: 3)
        let x = Tensor(shape: [5], scalars: [0.3, -1.2, 2.5, 0.7, -0.4])
        let x0 = Tensor(shape: [5], scalars: [-1, 0.5, 1, -0.2, 0.9])
        let references = Tensor(shape: [4, 5], scalars: (0..<20).map { Double($0 % 7) * 0.3 - 0.8 })
        for configured in try AxiomMethods.configurations(domain: .vectors, baseline: x0, references: references) {
            let a = try configured.method.attribute(x, of: f).attribution
            #expect([0, 2, 4].allSatisfy { a.scalars[$0] == 0 }, "\(configured): \(a.scalars)")
        }
    }

    @Test("(b) A pixel a network ignores gets exactly 0 from every method, BlurIG and guided backprop included (a CNN and a residual graph)",
          arguments: ["digits-cnn", "shapes-resnet"])
    func sensitivityBNetwork(model: String) throws {
        // The network behind a layer that zeroes one pixel: F cannot depend on that pixel, yet
        // every path (and the blur) moves it. For a graph, every node index moves up by one.
        let network = try ShippedModels.network(model)
        let side = network.inputShape[1]
        let pixel = 3 * side + 4
        let count = Tensor.elementCount(of: network.inputShape)
        let masked = try Sequential(
            inputShape: network.inputShape, layers: [MaskLayer(zeroing: pixel, count: count)] + network.layers,
            inputs: [[0]] + network.inputs.map { $0.map { $0 + 1 } })
        let output = try ClassifierOutput(network: masked, target: 2)
        let image = try ShippedModels.exampleInput(model)
        #expect(image.scalars[pixel] != 0)
        // References: eight other images, each with the masked pixel set, so it moves along every line.
        let inputs = try ShippedModels.checkInputs(model)
        var references = Tensor.stacking((1...8).map { inputs.point($0) })
        for b in 0..<8 { references.scalars[b * count + pixel] = 0.9 }
        let resources = model == "digits-cnn" ? try AxiomMethods.digitsResources() : try AxiomMethods.shapesResources()
        let methods = try AxiomMethods.configurations(domain: .networkImages, references: references, network: masked, resources: resources)
        #expect(Set(methods.map(\.registration.name)).isSuperset(of: ["expected-gradients", "lpi", "agi", "ddpath", "quadratic-schedule-ig"]))
        for configured in methods {
            let a = try configured.method.attribute(image, of: output).attribution
            #expect(a.scalars[pixel] == 0, "\(model) \(configured): \(a.scalars[pixel])")
            #expect(a.scalars.contains { $0 != 0 }, "\(model) \(configured) gave everything 0")
        }
    }
}

/// y = x ⊙ m with m = 1 except one feature: a layer through which F cannot see that feature.
struct MaskLayer: Layer {
    let zeroing: Int
    let count: Int
    init(zeroing: Int, count: Int) {
        self.zeroing = zeroing
        self.count = count
    }
    var kind: String { "mask" }
    func outputShape(for inputShape: [Int]) throws(ModelError) -> [Int] { inputShape }
    func forward(_ input: Tensor) -> Tensor {
        var y = input
        for b in 0..<input.batchCount { y.scalars[b * count + zeroing] = 0 }
        return y
    }
    func inputGradient(input: Tensor, output: Tensor, outputGradient: Tensor, rule: BackwardRule) -> Tensor {
        var dx = outputGradient
        for b in 0..<input.batchCount { dx.scalars[b * count + zeroing] = 0 }
        return dx
    }
}
