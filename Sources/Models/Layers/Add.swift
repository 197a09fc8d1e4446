import Tensors

/// The elementwise sum of two or more nodes: a residual connection (a ResNet block's
/// x + F(x); ONNX `Add`), with NumPy broadcasting of the point shapes.
///
///     forward   y = Σ_j x_j   (each x_j broadcast to y's shape)
///     backward  ∂L/∂x_j = ∂L/∂y summed over the elements x_j was broadcast to
///
/// Read with a single input it is the identity.
public struct Add: MergeLayer {
    /// An addition layer.
    public init() {}

    /// "add"
    public var kind: String { "add" }

    /// The inputs' common (broadcast) shape.
    public func outputShape(forInputs inputShapes: [[Int]]) throws(ModelError) -> [Int] {
        guard let shape = Broadcasting.shape(inputShapes) else {
            throw ModelError("add cannot broadcast shapes \(inputShapes) together; each axis must match or be 1")
        }
        return shape
    }

    /// Σ_j x_j, summed left to right (the inputs in the order the layer names them).
    public func forward(_ inputs: [Tensor]) -> Tensor {
        let pointShape = Broadcasting.shape(inputs.map(\.pointShape))!
        var sum = Broadcasting.expand(inputs[0], to: pointShape)
        for other in inputs.dropFirst() { sum += Broadcasting.expand(other, to: pointShape) }
        return sum
    }

    /// ∂L/∂y for every input, summed back onto inputs that were broadcast.
    public func inputGradients(inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        inputs.map { input in
            input.pointShape == output.pointShape
                ? outputGradient
                : Broadcasting.reduce(outputGradient, to: input.pointShape, indices: Broadcasting.sourceIndices(of: input.pointShape, in: output.pointShape))
        }
    }
}
