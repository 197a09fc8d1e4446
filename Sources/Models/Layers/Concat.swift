import Tensors

/// The concatenation of several nodes along one axis of the point (ONNX `Concat` with
/// `axis = a + 1`, PyTorch `torch.cat(dim = a + 1)`; an Inception or DenseNet block's joined
/// channels).
///
///     forward   y = [x₁ | x₂ | … ] along axis a
///     backward  ∂L/∂x_j = the slice of ∂L/∂y that x_j filled
public struct Concat: MergeLayer {
    /// The axis of the point (0 = channels for [C, H, W]).
    public let axis: Int

    /// A concatenation along point axis `axis`. - Throws: ``ModelError`` if `axis` < 0.
    public init(axis: Int) throws(ModelError) {
        guard axis >= 0 else { throw ModelError("concat axis must be ≥ 0 (an axis of the point, 0 for channels), got \(axis)") }
        self.axis = axis
    }

    /// "concat"
    public var kind: String { "concat" }

    /// The inputs' shape with their sizes along ``axis`` added.
    public func outputShape(forInputs inputShapes: [[Int]]) throws(ModelError) -> [Int] {
        let first = inputShapes[0]
        guard axis < first.count else { throw ModelError("concat axis \(axis) is past the point's \(first.count) axes (shape \(first))") }
        var shape = first
        for other in inputShapes.dropFirst() {
            var comparable = other
            guard other.count == first.count else { throw ModelError("concat joins shapes of one rank, got \(inputShapes)") }
            comparable[axis] = first[axis]
            guard comparable == first else { throw ModelError("concat joins shapes equal except along axis \(axis), got \(inputShapes)") }
            shape[axis] += other[axis]
        }
        return shape
    }

    /// The size of a block of contiguous elements below ``axis`` (its inner stride).
    private func inner(_ pointShape: [Int]) -> Int { Tensor.elementCount(of: Array(pointShape[(axis + 1)...])) }
    /// The number of blocks above ``axis`` per point.
    private func outer(_ pointShape: [Int]) -> Int { Tensor.elementCount(of: Array(pointShape[..<axis])) }

    /// The inputs side by side along ``axis``.
    public func forward(_ inputs: [Tensor]) -> Tensor {
        var pointShape = inputs[0].pointShape
        pointShape[axis] = inputs.reduce(0) { $0 + $1.pointShape[axis] }
        let batch = inputs[0].batchCount
        let blocks = batch * outer(pointShape)
        let width = pointShape[axis] * inner(pointShape)
        var y = [Double](repeating: 0, count: blocks * width)
        var offset = 0
        for input in inputs {
            let part = input.pointShape[axis] * inner(input.pointShape)
            input.scalars.withUnsafeBufferPointer { x in
                for block in 0..<blocks {
                    for k in 0..<part { y[block * width + offset + k] = x[block * part + k] }
                }
            }
            offset += part
        }
        return Tensor(shape: [batch] + pointShape, scalars: y)
    }

    /// Each input's slice of ∂L/∂y.
    public func inputGradients(inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor] {
        let blocks = output.batchCount * outer(output.pointShape)
        let width = output.pointShape[axis] * inner(output.pointShape)
        var offset = 0
        return inputs.map { input in
            let part = input.pointShape[axis] * inner(input.pointShape)
            var slice = [Double](repeating: 0, count: blocks * part)
            outputGradient.scalars.withUnsafeBufferPointer { dy in
                for block in 0..<blocks {
                    for k in 0..<part { slice[block * part + k] = dy[block * width + offset + k] }
                }
            }
            offset += part
            return Tensor(shape: input.shape, scalars: slice)
        }
    }
}
