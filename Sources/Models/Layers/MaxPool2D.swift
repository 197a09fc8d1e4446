import Tensors

/// Max pooling (PyTorch's `nn.MaxPool2d`, ONNX's `MaxPool`): the largest value of each window
/// of ``window``; padding counts as −∞.
///
///     forward   y[c, i, j] = max_{u < kh, v < kw} x[c, s_h·i − p_t + u, s_w·j − p_l + v]
///     backward  ∂L/∂x at each window's first arg-max += ∂L/∂y[c, i, j]
public struct MaxPool2D: Layer {
    /// The windows.
    public let window: PoolingWindow

    /// Max pooling over `size` × `size` windows every `stride` pixels, no padding.
    /// - Throws: ``ModelError`` if size or stride is < 1.
    public init(size: Int, stride: Int) throws(ModelError) {
        window = try PoolingWindow(kernel: [size, size], strides: [stride, stride], kind: "maxpool2d")
    }

    /// Max pooling over the given windows.
    public init(window: PoolingWindow) { self.window = window }

    /// The window's side (its height, for a rectangular window).
    public var size: Int { window.kernel[0] }
    /// The step between windows (vertically, for unequal strides).
    public var stride: Int { window.strides[0] }

    /// "maxpool2d"
    public var kind: String { "maxpool2d" }

    /// [C, H′, W′]
    public func outputShape(for inputShape: [Int]) throws(ModelError) -> [Int] {
        try window.outputShape(kind: kind, inputShape: inputShape)
    }

    /// The maximum of each window.
    public func forward(_ input: Tensor) -> Tensor {
        let g = window.geometry(batch: input.batchCount, pointShape: input.pointShape)
        let y = withOutput(input, count: g.planes * g.outHeight * g.outWidth) { x, y in
            if let fast = window.fastGeometry(input) {
                Pooling2D.maxForwardFast(fast, input: x, output: y)
            } else {
                PaddedPooling2D.maxForward(g, input: x, output: y)
            }
        }
        return Tensor(shape: [g.batch, g.channels, g.outHeight, g.outWidth], scalars: y)
    }

    /// Each window's gradient to its first arg-max.
    public func inputGradient(input: Tensor, output: Tensor, outputGradient: Tensor, rule: BackwardRule) -> Tensor {
        let dx = withOutput(outputGradient, count: input.count) { dy, dx in
            input.scalars.withUnsafeBufferPointer { x in
                if let fast = window.fastGeometry(input) {
                    Pooling2D.maxBackwardFast(fast, input: x.baseAddress!, outputGradient: dy, inputGradient: dx)
                } else {
                    PaddedPooling2D.maxBackward(
                        window.geometry(batch: input.batchCount, pointShape: input.pointShape),
                        input: x.baseAddress!, outputGradient: dy, inputGradient: dx)
                }
            }
        }
        return Tensor(shape: input.shape, scalars: dx)
    }
}
