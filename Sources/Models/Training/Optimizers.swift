import Foundation
import Tensors

/// Something that updates parameters from their gradients, one step at a time.
public protocol Optimizer {
    /// θ ← update(θ, ∂L/∂θ), keeping whatever state the method needs.
    mutating func update(_ parameters: inout [Tensor], gradients: [Tensor])
}

/// Stochastic gradient descent with momentum, as PyTorch's `torch.optim.SGD`
/// (dampening 0, not Nesterov):
///
///     v ← μ v + (g + λθ)      θ ← θ − η v
public struct SGD: Optimizer {
    /// η
    public var learningRate: Double
    /// μ
    public var momentum: Double
    /// λ (L2 penalty)
    public var weightDecay: Double
    private var velocities: [Tensor] = []

    /// An SGD optimiser.
    public init(learningRate: Double, momentum: Double = 0, weightDecay: Double = 0) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
    }

    public mutating func update(_ parameters: inout [Tensor], gradients: [Tensor]) {
        precondition(parameters.count == gradients.count, "one gradient per parameter")
        if velocities.isEmpty { velocities = parameters.map { Tensor(zeros: $0.shape) } }
        for t in parameters.indices {
            for i in 0..<parameters[t].count {
                let g = gradients[t].scalars[i] + weightDecay * parameters[t].scalars[i]
                let v = momentum * velocities[t].scalars[i] + g
                velocities[t].scalars[i] = v
                parameters[t].scalars[i] -= learningRate * v
            }
        }
    }
}

/// Adam (Kingma & Ba, ICLR 2015), as PyTorch's `torch.optim.Adam`:
///
///     m ← β₁m + (1 − β₁)g    v ← β₂v + (1 − β₂)g²
///     θ ← θ − η · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
public struct Adam: Optimizer {
    /// η
    public var learningRate: Double
    /// β₁
    public var beta1: Double
    /// β₂
    public var beta2: Double
    /// ε
    public var epsilon: Double
    private var step = 0
    private var firstMoments: [Tensor] = []
    private var secondMoments: [Tensor] = []

    /// An Adam optimiser with PyTorch's defaults.
    public init(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    public mutating func update(_ parameters: inout [Tensor], gradients: [Tensor]) {
        precondition(parameters.count == gradients.count, "one gradient per parameter")
        if firstMoments.isEmpty {
            firstMoments = parameters.map { Tensor(zeros: $0.shape) }
            secondMoments = firstMoments
        }
        step += 1
        let correction1 = 1 - pow(beta1, Double(step))
        let correction2 = 1 - pow(beta2, Double(step))
        for t in parameters.indices {
            for i in 0..<parameters[t].count {
                let g = gradients[t].scalars[i]
                let m = beta1 * firstMoments[t].scalars[i] + (1 - beta1) * g
                let v = beta2 * secondMoments[t].scalars[i] + (1 - beta2) * g * g
                firstMoments[t].scalars[i] = m
                secondMoments[t].scalars[i] = v
                parameters[t].scalars[i] -= learningRate * (m / correction1) / ((v / correction2).squareRoot() + epsilon)
            }
        }
    }
}
