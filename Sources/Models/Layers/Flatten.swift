import Tensors

/// Flattens each point to a vector in C order, as `torch.flatten(x, 1)`:
/// [B, C, H, W] → [B, C·H·W]. The data does not move; backward reshapes back.
public struct Flatten: Layer {
    /// A flatten layer.
    public init() {}

    /// "flatten"
    public var kind: String { "flatten" }

    /// [C·H·W]
    public func outputShape(for inputShape: [Int]) throws(ModelError) -> [Int] {
        [Tensor.elementCount(of: inputShape)]
    }

    /// The same scalars, reshaped to [B, C·H·W].
    public func forward(_ input: Tensor) -> Tensor {
        input.reshaped([input.batchCount, Tensor.elementCount(of: input.pointShape)])
    }

    /// ∂L/∂y reshaped back to the input's shape.
    public func inputGradient(input: Tensor, output: Tensor, outputGradient: Tensor, rule: BackwardRule) -> Tensor {
        outputGradient.reshaped(input.shape)
    }
}
