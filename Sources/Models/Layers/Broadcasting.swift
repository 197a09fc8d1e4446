import Tensors

/// NumPy's (and ONNX's) multidirectional broadcasting of point shapes: shapes are aligned on
/// their last axes, and along each axis every size is either the output's or 1 (a missing
/// leading axis counts as 1). The batch axis is never broadcast: every operand of a node
/// carries the batch.
enum Broadcasting {
    /// The common shape of `shapes`, or nil when they do not broadcast.
    static func shape(_ shapes: [[Int]]) -> [Int]? {
        let rank = shapes.map(\.count).max() ?? 0
        var result = [Int](repeating: 1, count: rank)
        for shape in shapes {
            for (offset, size) in shape.reversed().enumerated() {
                let axis = rank - 1 - offset
                if result[axis] == 1 { result[axis] = size } else if size != 1 && size != result[axis] { return nil }
            }
        }
        return result
    }

    /// For each element of `output` (C order), the index of the element of `input` it reads.
    static func sourceIndices(of input: [Int], in output: [Int]) -> [Int] {
        let padded = [Int](repeating: 1, count: output.count - input.count) + input
        // A broadcast axis (size 1) does not move in the input.
        let strides = zip(strides(padded), padded).map { $1 == 1 ? 0 : $0 }
        var indices: [Int] = []
        indices.reserveCapacity(Tensor.elementCount(of: output))
        forEachPosition(output) { position in indices.append(zip(position, strides).reduce(0) { $0 + $1.0 * $1.1 }) }
        return indices
    }

    /// A batch broadcast to points of `pointShape`: itself when its points have that shape,
    /// otherwise each point's elements repeated as NumPy's rules repeat them.
    static func expand(_ batch: Tensor, to pointShape: [Int]) -> Tensor {
        guard batch.pointShape != pointShape else { return batch }
        let indices = sourceIndices(of: batch.pointShape, in: pointShape)
        let inCount = Tensor.elementCount(of: batch.pointShape)
        var values: [Double] = []
        values.reserveCapacity(batch.batchCount * indices.count)
        batch.scalars.withUnsafeBufferPointer { x in
            for n in 0..<batch.batchCount {
                for k in indices { values.append(x[n * inCount + k]) }
            }
        }
        return Tensor(shape: [batch.batchCount] + pointShape, scalars: values)
    }

    /// Sums a batch of gradients of the broadcast shape back onto an operand: element k of each
    /// point receives, in output order, every output element that read it.
    static func reduce(_ gradient: Tensor, to pointShape: [Int], indices: [Int]) -> Tensor {
        let batch = gradient.batchCount
        let outCount = indices.count
        let inCount = Tensor.elementCount(of: pointShape)
        if inCount == outCount { return gradient.reshaped([batch] + pointShape) }
        var sums = [Double](repeating: 0, count: batch * inCount)
        gradient.scalars.withUnsafeBufferPointer { g in
            for b in 0..<batch {
                for k in 0..<outCount { sums[b * inCount + indices[k]] += g[b * outCount + k] }
            }
        }
        return Tensor(shape: [batch] + pointShape, scalars: sums)
    }

    /// The C-order strides of `shape`: how far one step along each axis moves in the flat array.
    static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        for axis in stride(from: shape.count - 2, through: 0, by: -1) { strides[axis] = strides[axis + 1] * shape[axis + 1] }
        return strides
    }

    /// Calls `body` with every position of `shape` (one index per axis), in C order.
    static func forEachPosition(_ shape: [Int], _ body: ([Int]) -> Void) {
        guard !shape.contains(0) else { return }
        var position = [Int](repeating: 0, count: shape.count)
        while true {
            body(position)
            var axis = shape.count - 1
            while axis >= 0 {
                position[axis] += 1
                if position[axis] < shape[axis] { break }
                position[axis] = 0
                axis -= 1
            }
            if axis < 0 { return }
        }
    }
}
