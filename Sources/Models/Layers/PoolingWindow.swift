import Tensors

/// Where a pooling layer's windows lie: a kh × kw window every (s_h, s_w) pixels over an input
/// padded (top, left, bottom, right) — PyTorch's `kernel_size`, `stride`, `padding` and ONNX's
/// `kernel_shape`, `strides`, `pads` (floor rounding, as `ceil_mode = 0`).
///
///     H′ = ⌊(H + p_t + p_b − kh)/s_h⌋ + 1   (likewise W′)
///
/// A square window with one stride and no padding runs ``Pooling2D``'s fast paths; any other
/// runs ``PaddedPooling2D``'s loops.
public struct PoolingWindow: Sendable, Equatable {
    /// (kh, kw), each ≥ 1.
    public let kernel: [Int]
    /// (s_h, s_w), each ≥ 1.
    public let strides: [Int]
    /// (top, left, bottom, right), each ≥ 0 and smaller than the window along its axis.
    public let pads: [Int]

    /// A window; `kind` names the layer in errors.
    /// - Throws: ``ModelError`` naming the value that does not fit.
    public init(kernel: [Int], strides: [Int], pads: [Int] = [0, 0, 0, 0], kind: String) throws(ModelError) {
        guard kernel.count == 2, kernel.allSatisfy({ $0 >= 1 }) else { throw ModelError("\(kind) kernel must be two sizes ≥ 1, got \(kernel)") }
        guard strides.count == 2, strides.allSatisfy({ $0 >= 1 }) else { throw ModelError("\(kind) strides must be two values ≥ 1, got \(strides)") }
        guard pads.count == 4, pads.allSatisfy({ $0 >= 0 }) else { throw ModelError("\(kind) pads must be four values ≥ 0 (top, left, bottom, right), got \(pads)") }
        guard pads[0] < kernel[0], pads[2] < kernel[0], pads[1] < kernel[1], pads[3] < kernel[1] else {
            throw ModelError("\(kind) pads \(pads) must each be smaller than the \(kernel[0])×\(kernel[1]) window")
        }
        self.kernel = kernel
        self.strides = strides
        self.pads = pads
    }

    /// The side and stride of a square window with one stride and no padding, or nil.
    public var square: (size: Int, stride: Int)? {
        guard kernel[0] == kernel[1], strides[0] == strides[1], pads == [0, 0, 0, 0] else { return nil }
        return (kernel[0], strides[0])
    }

    /// The fast paths' geometry for a batch, when the window is square and unpadded.
    func fastGeometry(_ input: Tensor) -> Pooling2D.Geometry? {
        guard let (size, stride) = square else { return nil }
        return Pooling2D.Geometry(
            batch: input.shape[0], channels: input.shape[1], height: input.shape[2], width: input.shape[3], size: size, stride: stride)
    }

    /// The general geometry for a batch of shape `[B] + [C, H, W]`.
    func geometry(batch: Int, pointShape: [Int]) -> PaddedPooling2D.Geometry {
        PaddedPooling2D.Geometry(
            batch: batch, channels: pointShape[0], height: pointShape[1], width: pointShape[2],
            kernel: (kernel[0], kernel[1]), strides: (strides[0], strides[1]), pads: (pads[0], pads[1], pads[2], pads[3]))
    }

    /// [C, H′, W′], or why the input does not fit.
    func outputShape(kind: String, inputShape: [Int]) throws(ModelError) -> [Int] {
        guard inputShape.count == 3 else {
            throw ModelError("\(kind) expects points of shape [channels, height, width], got \(inputShape)")
        }
        let g = geometry(batch: 1, pointShape: inputShape)
        if let problem = g.problem { throw ModelError("\(kind): \(problem)") }
        return [g.channels, g.outHeight, g.outWidth]
    }
}
