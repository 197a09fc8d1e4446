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

    /// The operands and the index each output element reads from them.
    private func operands(_ inputs: [Tensor], _ pointShape: [Int]) -> [(tensor: Tensor, indices: [Int])] {
        let pair = inputs.count == 1 ? [inputs[0], inputs[0]] : inputs
        return pair.map { ($0, Broadcasting.sourceIndices(of: $0.pointShape, in: pointShape)) }
    }

    /// a ⊙ b
    public func forward(_ inputs: [Tensor]) -> Tensor {
        let pointShape = Broadcasting.shape(inputs.map(\.pointShape))!
        let batch = inputs[0].batchCount
        let count = Tensor.elementCount(of: pointShape)
        let (a, b) = { let o = operands(inputs, pointShape); return (o[0], o[1]) }()
        let (aCount, bCount) = (a.tensor.count / max(batch, 1), b.tensor.count / max(batch, 1))
        var product = [Double](repeating: 0, count: batch * count)
        a.tensor.scalars.withUnsafeBufferPointer { x in
            b.tensor.scalars.withUnsafeBufferPointer { z in
                for n in 0..<batch {
                    for k in 0..<count { product[n * count + k] = x[n * aCount + a.indices[k]] * z[n * bCount + b.indices[k]] }
                }
            }
        }
        return Tensor(shape: [batch] + pointShape, scalars: product)
    }

    /// ∂L/∂y times the other operand, summed back onto each operand's shape.
    public func inputGradients(inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        let pointShape = output.pointShape
        let batch = output.batchCount
        let count = Tensor.elementCount(of: pointShape)
        let pair = operands(inputs, pointShape)
        let gradients: [Tensor] = (0..<2).map { side in
            let other = pair[1 - side]
            let otherCount = other.tensor.count / max(batch, 1)
            var scaled = [Double](repeating: 0, count: batch * count)
            outputGradient.scalars.withUnsafeBufferPointer { dy in
                other.tensor.scalars.withUnsafeBufferPointer { z in
                    for n in 0..<batch {
                        for k in 0..<count { scaled[n * count + k] = dy[n * count + k] * z[n * otherCount + other.indices[k]] }
                    }
                }
            }
            return Broadcasting.reduce(Tensor(shape: output.shape, scalars: scaled), to: pair[side].tensor.pointShape, indices: pair[side].indices)
        }
        return inputs.count == 1 ? [gradients[0] + gradients[1]] : gradients
    }
}
