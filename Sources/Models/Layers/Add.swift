import Tensors

/// The elementwise sum of two or more tensors of one shape: a residual connection
/// (ONNX `Add`; a ResNet block's x + F(x)). A ``Sequential`` network whose layers name their
/// inputs (``Sequential/inputs``) evaluates it on every node it reads.
///
///     forward   y = Σ_j x_j
///     backward  ∂L/∂x_j = ∂L/∂y for every j
///
/// Read with a single input (the ``Layer`` protocol's unary form) it is the identity, the sum
/// of one tensor.
public struct Add: Layer {
    /// An addition layer.
    public init() {}

    /// "add"
    public var kind: String { "add" }

    /// The shape is unchanged.
    public func outputShape(for inputShape: [Int]) throws(ModelError) -> [Int] { inputShape }

    /// The sum of one tensor: itself.
    public func forward(_ input: Tensor) -> Tensor { input }

    /// ∂L/∂x = ∂L/∂y.
    public func inputGradient(input: Tensor, output: Tensor, outputGradient: Tensor, rule: BackwardRule) -> Tensor { outputGradient }

    /// Σ_j x_j, summed left to right (the inputs in the order the layer names them).
    public func forward(_ inputs: [Tensor]) -> Tensor {
        var sum = inputs[0].scalars
        for other in inputs.dropFirst() {
            other.scalars.withUnsafeBufferPointer { x in
                for i in sum.indices { sum[i] += x[i] }
            }
        }
        return Tensor(shape: inputs[0].shape, scalars: sum)
    }
}
