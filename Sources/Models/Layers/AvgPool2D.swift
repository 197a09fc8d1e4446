import Tensors

/// Average pooling (PyTorch's `nn.AvgPool2d`, ONNX's `AveragePool`): the mean of each window
/// of ``window`` over n values — every tap, padding included, when ``countIncludePad``
/// (PyTorch's default), or only the taps inside the input (ONNX's default).
///
///     forward   y[c, i, j] = (1/n) Σ_{taps inside} x[c, s_h·i − p_t + u, s_w·j − p_l + v]
///     backward  ∂L/∂x[tap] += ∂L/∂y[c, i, j] / n
public struct AvgPool2D: Layer {
    /// The windows.
    public let window: PoolingWindow
    /// Whether padding counts in a window's divisor (it matters only with padding).
    public let countIncludePad: Bool

    /// Average pooling over `size` × `size` windows every `stride` pixels, no padding.
    /// - Throws: ``ModelError`` if size or stride is < 1.
    public init(size: Int, stride: Int) throws(ModelError) {
        window = try PoolingWindow(kernel: [size, size], strides: [stride, stride], kind: "avgpool2d")
        countIncludePad = false
    }

    /// Average pooling over the given windows.
    public init(window: PoolingWindow, countIncludePad: Bool) {
        self.window = window
        self.countIncludePad = countIncludePad && window.pads != [0, 0, 0, 0]
    }

    /// The window's side (its height, for a rectangular window).
    public var size: Int { window.kernel[0] }
    /// The step between windows (vertically, for unequal strides).
    public var stride: Int { window.strides[0] }

    /// "avgpool2d"
    public var kind: String { "avgpool2d" }

    /// [C, H′, W′]
    public func outputShape(for inputShape: [Int]) throws(ModelError) -> [Int] {
        try window.outputShape(kind: kind, inputShape: inputShape)
    }

    /// The mean of each window.
    public func forward(_ input: Tensor) -> Tensor {
        let g = window.geometry(batch: input.batchCount, pointShape: input.pointShape)
        let y = withOutput(input, count: g.planes * g.outHeight * g.outWidth) { x, y in
            if let fast = window.fastGeometry(input) {
                Pooling2D.averageForwardFast(fast, input: x, output: y)
            } else {
                PaddedPooling2D.averageForward(g, countIncludePad: countIncludePad, input: x, output: y)
            }
        }
        return Tensor(shape: [g.batch, g.channels, g.outHeight, g.outWidth], scalars: y)
    }

    /// Each window's gradient spread evenly over it.
    public func inputGradient(input: Tensor, output: Tensor, outputGradient: Tensor, rule: BackwardRule) -> Tensor {
        let dx = withOutput(outputGradient, count: input.count) { dy, dx in
            if let fast = window.fastGeometry(input) {
                Pooling2D.averageBackwardFast(fast, outputGradient: dy, inputGradient: dx)
            } else {
                PaddedPooling2D.averageBackward(
                    window.geometry(batch: input.batchCount, pointShape: input.pointShape),
                    countIncludePad: countIncludePad, outputGradient: dy, inputGradient: dx)
            }
        }
        return Tensor(shape: input.shape, scalars: dx)
    }
}
