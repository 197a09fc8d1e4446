import Tensors

/// Gives each point a new shape with the same number of elements, in C order (ONNX `Reshape`
/// to a constant shape; `torch.reshape`). The data does not move; backward reshapes back.
public struct Reshape: Layer {
    /// The new point shape.
    public let shape: [Int]

    /// A reshape to `shape`. - Throws: ``ModelError`` for an empty shape or a size < 1.
    public init(shape: [Int]) throws(ModelError) {
        guard !shape.isEmpty, shape.allSatisfy({ $0 >= 1 }) else { throw ModelError("reshape needs a shape of sizes ≥ 1, got \(shape)") }
        self.shape = shape
    }

    /// "reshape"
    public var kind: String { "reshape" }

    /// ``shape``, when it holds as many elements as the input.
    public func outputShape(for inputShape: [Int]) throws(ModelError) -> [Int] {
        guard Tensor.checkedElementCount(of: shape) == Tensor.elementCount(of: inputShape) else {
            throw ModelError("reshape to \(shape) needs \(Tensor.checkedElementCount(of: shape).map(String.init) ?? "too many") elements per point, but points of shape \(inputShape) have \(Tensor.elementCount(of: inputShape))")
        }
        return shape
    }

    /// The same scalars in the new shape.
    public func forward(_ input: Tensor) -> Tensor { input.reshaped([input.batchCount] + shape) }

    /// ∂L/∂y in the input's shape.
    public func inputGradient(input: Tensor, output: Tensor, outputGradient: Tensor, rule: BackwardRule) -> Tensor {
        outputGradient.reshaped(input.shape)
    }
}
