import Foundation
import Models
import Tensors
import Testing
import _TestSupport

/// Small seeded networks used across the Models tests.
enum TestNetworks {
    static func mlp() throws -> Sequential {
        var generator = Seeds.generator(1000)
        return try Sequential(inputShape: [1, 3, 3], layers: [
            Flatten(), Dense(inputs: 9, outputs: 12, using: &generator), ActivationLayer(.relu),
            Dense(inputs: 12, outputs: 8, using: &generator), ActivationLayer(.tanh),
            Dense(inputs: 8, outputs: 4, using: &generator),
        ])
    }

    static func cnn() throws -> Sequential {
        var generator = Seeds.generator(1001)
        return try Sequential(inputShape: [2, 7, 7], layers: [
            Conv2D(inChannels: 2, outChannels: 3, kernelSize: 3, stride: 1, padding: 1, using: &generator), ActivationLayer(.relu),
            MaxPool2D(size: 2, stride: 2),
            Conv2D(inChannels: 3, outChannels: 4, kernelSize: 2, stride: 1, padding: 0, using: &generator), ActivationLayer(.softplus),
            AvgPool2D(size: 2, stride: 1), Flatten(), Dense(inputs: 4, outputs: 3, using: &generator),
        ])
    }

    /// A graph: a residual branch, a 1×1 projection of the input, an add of three nodes (one
    /// of them also read by a convolution), and an add of one node with itself.
    static func graph() throws -> Sequential {
        var generator = Seeds.generator(1004)
        return try Sequential(
            inputShape: [2, 5, 5],
            layers: [
                Conv2D(inChannels: 2, outChannels: 3, kernelSize: 3, stride: 1, padding: 1, using: &generator), ActivationLayer(.tanh),
                Conv2D(inChannels: 3, outChannels: 3, kernelSize: 3, stride: 1, padding: 1, using: &generator),
                Conv2D(inChannels: 2, outChannels: 3, kernelSize: 1, stride: 1, padding: 0, using: &generator),
                Add(), ActivationLayer(.softplus), AvgPool2D(size: 5, stride: 5), Flatten(), Dense(inputs: 3, outputs: 4, using: &generator), Add(),
            ],
            inputs: [[0], [1], [2], [0], [3, 4, 2], [5], [6], [7], [8], [9, 9]])
    }

    /// The network called `name`.
    static func named(_ name: String) throws -> Sequential {
        switch name {
        case "mlp": return try mlp()
        case "cnn": return try cnn()
        default: return try graph()
        }
    }
}

@Suite("Networks: output gradients equal finite differences", .tags(.gradients))
struct NetworkGradientTests {
    static let tolerance = Tolerance(relative: 1e-6, absolute: 1e-13)

    @Test("Input gradients of logit, probability and log-probability", arguments: ["mlp", "cnn", "graph"], OutputKind.allCases)
    func inputGradients(network name: String, kind: OutputKind) throws {
        let network = try TestNetworks.named(name)
        var generator = Seeds.generator(1002, label: "\(name) \(kind)")
        let batch = Tensor.normal(shape: [3] + network.inputShape, using: &generator)
        for target in 0..<network.classCount {
            let output = try ClassifierOutput(network: network, target: target, kind: kind)
            let result = try output.valuesAndGradients(at: batch)
            #expect(result.values == (try output.values(at: batch)))
            for b in 0..<3 {
                let point = batch.point(b)
                let numeric = try FiniteDifferences.gradient(at: point.scalars) {
                    try output.value(at: Tensor(shape: point.shape, scalars: $0))
                }
                expectClose(result.gradients.point(b).scalars, numeric, Self.tolerance, "\(name) \(kind) target \(target) point \(b)")
                // One point alone: the same bits.
                let single = try output.valuesAndGradients(at: point.reshaped([1] + point.shape))
                #expect(single.values[0] == result.values[b])
                #expect(single.gradients.scalars == result.gradients.point(b).scalars)
            }
        }
    }

    @Test("Parameter gradients of the softmax cross-entropy equal finite differences", arguments: ["mlp", "cnn", "graph"])
    func parameterGradients(network name: String) throws {
        let network = try TestNetworks.named(name)
        var generator = Seeds.generator(1003, label: name)
        let batch = Tensor.normal(shape: [4] + network.inputShape, using: &generator)
        let labels = (0..<4).map { $0 % network.classCount }
        func loss(_ net: Sequential) -> Double {
            SoftmaxCrossEntropy.lossAndGradient(logits: net.activations(for: batch).last!, labels: labels).loss
        }
        let activations = network.activations(for: batch)
        let logitGradient = SoftmaxCrossEntropy.lossAndGradient(logits: activations.last!, labels: labels).logitGradient
        let analytic = network.gradients(activations: activations, logitGradient: logitGradient).parameters
        let parameters = network.parameters
        #expect(analytic.count == parameters.count)
        for index in parameters.indices {
            let numeric = FiniteDifferences.gradient(at: parameters[index].scalars) { values in
                var perturbed = network
                var p = parameters
                p[index] = Tensor(shape: p[index].shape, scalars: values)
                perturbed.parameters = p
                return loss(perturbed)
            }
            expectClose(analytic[index].scalars, numeric, Self.tolerance, "\(name) parameter \(index)")
        }
    }

    @Test("Guided backprop on a one-hidden-layer ReLU net equals its hand derivation")
    func guidedBackpropByHand() throws {
        var generator = Seeds.generator(1004)
        let first = Dense(inputs: 5, outputs: 7, using: &generator)
        let second = Dense(inputs: 7, outputs: 3, using: &generator)
        let network = try Sequential(inputShape: [5], layers: [first, ActivationLayer(.relu), second])
        let x = Tensor.normal(shape: [5], using: &generator)
        for target in 0..<3 {
            let guided = try ClassifierOutput(network: network, target: target, kind: .logit, rule: .guidedBackprop).gradient(at: x)
            // z = W₁x + b₁; the signal reaching the ReLU is s = W₂[t, :]; guided keeps s_j where z_j > 0 and s_j > 0;
            // then it flows back through W₁ unchanged: Σ_j W₁[j, i] h_j.
            let z = (0..<7).map { j in first.bias!.scalars[j] + (0..<5).reduce(0.0) { $0 + first.weight[j, $1] * x.scalars[$1] } }
            let h = (0..<7).map { j in (z[j] > 0 && second.weight[target, j] > 0) ? second.weight[target, j] : 0 }
            let expected = (0..<5).map { i in (0..<7).reduce(0.0) { $0 + first.weight[$1, i] * h[$1] } }
            expectClose(guided.scalars, expected, Tolerance(relative: 1e-14, absolute: 1e-15), "target \(target)")
        }
    }

    @Test("Without ReLU layers, guided backprop is the gradient")
    func guidedWithoutReLU() throws {
        var generator = Seeds.generator(1005)
        let network = try Sequential(inputShape: [4], layers: [
            Dense(inputs: 4, outputs: 6, using: &generator), ActivationLayer(.tanh), Dense(inputs: 6, outputs: 2, using: &generator),
        ])
        let x = Tensor.normal(shape: [4], using: &generator)
        let gradient = try ClassifierOutput(network: network, target: 1).gradient(at: x)
        let guided = try ClassifierOutput(network: network, target: 1, rule: .guidedBackprop).gradient(at: x)
        #expect(gradient == guided)
    }

    @Test("Softmax outputs stay finite and accurate for huge logits")
    func stableSoftmax() {
        let (p, logP) = Softmax.probabilities([1000, 1000, -1000][...])
        #expect(p == [0.5, 0.5, 0])
        #expect(logP[0] == -log(2))
        #expect(logP[2] == -2000 - log(2))  // exact in the log domain although p underflows
        let (loss, gradient) = SoftmaxCrossEntropy.lossAndGradient(logits: Tensor(shape: [1, 2], scalars: [800, -800]), labels: [1])
        #expect(loss == 1600)
        #expect(gradient.scalars == [1, -1])
    }

    @Test("Targets outside the classes and badly shaped batches are rejected")
    func rejections() throws {
        let network = try TestNetworks.mlp()
        #expect(throws: ModelError.self) { try ClassifierOutput(network: network, target: 4) }
        #expect(throws: ModelError.self) { try ClassifierOutput(network: network, target: -1) }
        let output = try ClassifierOutput(network: network, target: 0)
        #expect(throws: ModelError.self) { try output.valuesAndGradients(at: Tensor(zeros: [2, 9])) }
        #expect(throws: ModelError.self) { try network.logits(for: Tensor(zeros: [1, 3, 3])) }
        #expect(throws: ModelError.self) { _ = try Sequential(inputShape: [2, 2], layers: [ActivationLayer(.relu)]) }
    }
}
