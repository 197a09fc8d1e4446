import Tensors

/// The elementwise product of two nodes, with NumPy broadcasting of the point shapes (ONNX
/// `Mul`; a squeeze-and-excitation block's gate x ⊙ s).
///
///     forward   y = a ⊙ b
///     backward  ∂L/∂a = Σ_broadcast ∂L/∂y ⊙ b,   ∂L/∂b = Σ_broadcast ∂L/∂y ⊙ a
///
/// Read with a single input it is the square x ⊙ x, whose gradient is 2x ⊙ ∂L/∂y.
public struct Multiply: MergeLayer {
    /// A multiplication layer.
    public init() {}

    /// "mul"
    public var kind: String { "mul" }

    /// The operands' common (broadcast) shape.
    /// - Throws: ``ModelError`` for more than two operands or shapes that do not broadcast.
    public func outputShape(forInputs inputShapes: [[Int]]) throws(ModelError) -> [Int] {
        guard inputShapes.count <= 2 else { throw ModelError("mul takes two operands, got \(inputShapes.count)") }
        guard let shape = Broadcasting.shape(inputShapes) else {
            throw ModelError("mul cannot broadcast shapes \(inputShapes) together; each axis must match or be 1")
        }
        return shape
    }

    /// The two operands (a single input twice).
    private func operands(_ inputs: [Tensor]) -> [Tensor] { inputs.count == 1 ? [inputs[0], inputs[0]] : inputs }

    /// a ⊙ b
    public func forward(_ inputs: [Tensor]) -> Tensor {
        let pointShape = Broadcasting.shape(inputs.map(\.pointShape))!
        let pair = operands(inputs).map { Broadcasting.expand($0, to: pointShape) }
        return pair[0] * pair[1]
    }

    /// ∂L/∂y times the other operand, summed back onto each operand's shape.
    public func inputGradients(inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        let pointShape = output.pointShape
        let pair = operands(inputs)
        let gradients: [Tensor] = (0..<2).map { side in
            let scaled = outputGradient * Broadcasting.expand(pair[1 - side], to: pointShape)
            return Broadcasting.reduce(scaled, to: pair[side].pointShape, indices: Broadcasting.sourceIndices(of: pair[side].pointShape, in: pointShape))
        }
        return inputs.count == 1 ? [gradients[0] + gradients[1]] : gradients
    }
}
