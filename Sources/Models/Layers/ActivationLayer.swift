import Tensors

/// An elementwise activation: `relu`, `leakyrelu` (with `slope`), `softplus`, `tanh`,
/// `sigmoid` or `silu` (formulas and derivatives in ``Activation``).
///
///     forward   y = f(x)
///     backward  ∂L/∂x = ∂L/∂y ⊙ f′(x)
///     guided    ∂L/∂x = ∂L/∂y ⊙ [x > 0] ⊙ [∂L/∂y > 0]   (ReLU under guided backprop only)
public struct ActivationLayer: Layer {
    /// f
    public var activation: Activation

    /// A layer applying `activation` to every element.
    public init(_ activation: Activation) { self.activation = activation }

    /// The model.json name of the activation.
    public var kind: String {
        switch activation {
        case .relu: return "relu"
        case .leakyReLU: return "leakyrelu"
        case .softplus: return "softplus"
        case .tanh: return "tanh"
        case .sigmoid: return "sigmoid"
        case .silu: return "silu"
        }
    }

    /// Elementwise: the shape is unchanged.
    public func outputShape(for inputShape: [Int]) throws(ModelError) -> [Int] { inputShape }

    /// y = f(x)
    public func forward(_ input: Tensor) -> Tensor {
        Tensor(shape: input.shape, scalars: withOutput(input, count: input.count) { x, y in
            activation.forwardFast(x, y, count: input.count)
        })
    }

    /// ∂L/∂y ⊙ f′(x), or the guided rule for ReLU.
    public func inputGradient(input: Tensor, output: Tensor, outputGradient: Tensor, rule: BackwardRule) -> Tensor {
        let dx = withOutput(outputGradient, count: input.count) { dy, dx in
            input.scalars.withUnsafeBufferPointer { x in
                if rule == .guidedBackprop && activation == .relu {
                    Activation.guidedReLUBackwardFast(input: x.baseAddress!, outputGradient: dy, inputGradient: dx, count: input.count)
                } else {
                    output.scalars.withUnsafeBufferPointer { y in
                        activation.backwardFast(
                            input: x.baseAddress!, output: y.baseAddress!, outputGradient: dy, inputGradient: dx, count: input.count)
                    }
                }
            }
        }
        return Tensor(shape: input.shape, scalars: dx)
    }
}
