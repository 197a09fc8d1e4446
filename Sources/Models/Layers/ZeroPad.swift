import Tensors

/// Zeros added before and after each axis of the point (ONNX `Pad` in `constant` mode with
/// value 0; PyTorch `F.pad`). `pads` lists the zeros before every axis, then after every axis
/// (ONNX's order, without the batch axis).
///
///     forward   y[i + before] = x[i],  zero elsewhere
///     backward  ∂L/∂x[i] = ∂L/∂y[i + before]
public struct ZeroPad: Layer {
    /// Before each point axis, then after each.
    public let pads: [Int]

    /// A zero padding. - Throws: ``ModelError`` for a negative or odd-length `pads`.
    public init(pads: [Int]) throws(ModelError) {
        guard !pads.isEmpty, pads.count % 2 == 0, pads.allSatisfy({ $0 >= 0 }) else {
            throw ModelError("pad needs pads ≥ 0, before then after each axis of the point, got \(pads)")
        }
        self.pads = pads
    }

    /// "pad"
    public var kind: String { "pad" }

    /// Each axis grown by its pads.
    public func outputShape(for inputShape: [Int]) throws(ModelError) -> [Int] {
        guard pads.count == 2 * inputShape.count else {
            throw ModelError("pad has \(pads.count) pads for points of shape \(inputShape); give \(2 * inputShape.count) (before, then after, each axis)")
        }
        return padded(inputShape)
    }

    /// The padded point shape (the input's checked by ``outputShape(for:)``).
    private func padded(_ inputShape: [Int]) -> [Int] { inputShape.enumerated().map { $1 + pads[$0] + pads[$0 + inputShape.count] } }

    /// For each input element (C order, one point), its index in the padded point.
    private func destinations(_ inputShape: [Int]) -> [Int] {
        let outputShape = padded(inputShape)
        let strides = Broadcasting.strides(outputShape)
        var result: [Int] = []
        result.reserveCapacity(Tensor.elementCount(of: inputShape))
        Broadcasting.forEachPosition(inputShape) { position in
            var index = 0
            for axis in inputShape.indices { index += (position[axis] + pads[axis]) * strides[axis] }
            result.append(index)
        }
        return result
    }

    /// x placed inside zeros.
    public func forward(_ input: Tensor) -> Tensor {
        let outputShape = padded(input.pointShape)
        let (inCount, outCount) = (Tensor.elementCount(of: input.pointShape), Tensor.elementCount(of: outputShape))
        let places = destinations(input.pointShape)
        var y = [Double](repeating: 0, count: input.batchCount * outCount)
        input.scalars.withUnsafeBufferPointer { x in
            for n in 0..<input.batchCount {
                for k in 0..<inCount { y[n * outCount + places[k]] = x[n * inCount + k] }
            }
        }
        return Tensor(shape: [input.batchCount] + outputShape, scalars: y)
    }

    /// ∂L/∂y read back at the input's places.
    public func inputGradient(input: Tensor, output: Tensor, outputGradient: Tensor, rule: BackwardRule) -> Tensor {
        let (inCount, outCount) = (Tensor.elementCount(of: input.pointShape), Tensor.elementCount(of: output.pointShape))
        let places = destinations(input.pointShape)
        return Tensor(shape: input.shape, scalars: withOutput(outputGradient, count: input.count) { dy, dx in
            for n in 0..<input.batchCount {
                for k in 0..<inCount { dx[n * inCount + k] = dy[n * outCount + places[k]] }
            }
        })
    }
}
