import Models
import Tensors
import Testing
import _TestSupport

@Suite("Training: loss and optimisers", .tags(.gradients))
struct TrainingTests {
    @Test("Softmax cross-entropy's gradient equals finite differences")
    func crossEntropyGradient() {
        var generator = Seeds.generator(1200)
        let logits = Tensor.normal(shape: [4, 5], standardDeviation: 3, using: &generator)
        let labels = [0, 4, 2, 2]
        let analytic = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: labels).logitGradient
        let numeric = FiniteDifferences.gradient(at: logits.scalars) {
            SoftmaxCrossEntropy.lossAndGradient(logits: Tensor(shape: logits.shape, scalars: $0), labels: labels).loss
        }
        expectClose(analytic.scalars, numeric, Tolerance(relative: 1e-6, absolute: 1e-12), "cross-entropy gradient")
    }

    @Test("SGD with momentum: two steps by hand (v₁ = g₁, v₂ = μv₁ + g₂)")
    func sgdByHand() {
        var optimizer = SGD(learningRate: 0.1, momentum: 0.9)
        var parameters = [Tensor(shape: [2], scalars: [1, -1])]
        optimizer.update(&parameters, gradients: [Tensor(shape: [2], scalars: [2, 4])])
        // θ₁ = θ₀ − 0.1·(2, 4) = (0.8, −1.4)
        expectClose(parameters[0].scalars, [0.8, -1.4], Tolerance(relative: 1e-15), "step 1")
        optimizer.update(&parameters, gradients: [Tensor(shape: [2], scalars: [1, 1])])
        // v₂ = 0.9·(2, 4) + (1, 1) = (2.8, 4.6); θ₂ = (0.8, −1.4) − 0.1·v₂ = (0.52, −1.86)
        expectClose(parameters[0].scalars, [0.52, -1.86], Tolerance(relative: 1e-15), "step 2")
    }

    @Test("Adam's first step moves each parameter by η·g/(|g| + ε), whatever the gradient's scale")
    func adamFirstStep() {
        // After one step m̂ = g and v̂ = g², so the update is η·g/(|g| + ε).
        var optimizer = Adam(learningRate: 0.01)
        var parameters = [Tensor(shape: [3], scalars: [0, 0, 0])]
        optimizer.update(&parameters, gradients: [Tensor(shape: [3], scalars: [1e-3, -50, 2])])
        expectClose(parameters[0].scalars, [-0.01 * 1e-3 / (1e-3 + 1e-8), 0.01 * 50 / (50 + 1e-8), -0.01 * 2 / (2 + 1e-8)], Tolerance(relative: 1e-12), "Adam step")
    }

    @Test("A small network trained by Adam on two blobs: loss falls fourfold, training error ≤ 10%")
    func learnsSeparableProblem() throws {
        var generator = Seeds.generator(1201)
        // Two Gaussian blobs in the plane, 3 units apart.
        let count = 64
        var points: [Double] = []
        var labels: [Int] = []
        for i in 0..<count {
            let label = i % 2
            points += [generator.nextNormal() + (label == 0 ? -1.5 : 1.5), generator.nextNormal()]
            labels.append(label)
        }
        let batch = Tensor(shape: [count, 2], scalars: points)
        var network = try Sequential(inputShape: [2], layers: [
            Dense(inputs: 2, outputs: 8, using: &generator), ActivationLayer(.tanh), Dense(inputs: 8, outputs: 2, using: &generator),
        ])
        var optimizer = Adam(learningRate: 0.05)
        var firstLoss = 0.0
        var lastLoss = 0.0
        for step in 0..<150 {
            let activations = network.activations(for: batch)
            let (loss, logitGradient) = SoftmaxCrossEntropy.lossAndGradient(logits: activations.last!, labels: labels)
            if step == 0 { firstLoss = loss }
            lastLoss = loss
            var parameters = network.parameters
            optimizer.update(&parameters, gradients: network.gradients(activations: activations, logitGradient: logitGradient).parameters)
            network.parameters = parameters
        }
        #expect(lastLoss < firstLoss / 4)
        let predictions = try network.predictions(for: batch)
        // The blobs overlap slightly (3σ apart); a linear boundary misclassifies ~7% of such points at worst.
        #expect(zip(predictions, labels).filter { $0 != $1 }.count <= count / 10)
    }
}
