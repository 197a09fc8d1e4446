import Tensors

/// Average pooling over `size` × `size` windows every `stride` pixels, no padding
/// (PyTorch's `nn.AvgPool2d(size, stride)`).
///
///     forward   y[c, i, j] = (1/size²) Σ_{u,v < size} x[c, s·i + u, s·j + v]
///     backward  ∂L/∂x[c, s·i + u, s·j + v] += ∂L/∂y[c, i, j] / size²
public struct AvgPool2D: Layer {
    /// The window's side.
    public var size: Int
    /// The step between windows.
    public var stride: Int

    /// An average-pooling layer. - Throws: ``ModelError`` if size or stride is < 1.
    public init(size: Int, stride: Int) throws(ModelError) {
        guard size >= 1, stride >= 1 else { throw ModelError("avgpool2d size and stride must be ≥ 1, got \(size) and \(stride)") }
        self.size = size
        self.stride = stride
    }

    /// "avgpool2d"
    public var kind: String { "avgpool2d" }

    /// [C, ⌊(H − size)/stride⌋ + 1, ⌊(W − size)/stride⌋ + 1]
    public func outputShape(for inputShape: [Int]) throws(ModelError) -> [Int] {
        try poolingOutputShape(kind: kind, size: size, stride: stride, inputShape: inputShape)
    }

    /// The mean of each window.
    public func forward(_ input: Tensor) -> Tensor {
        let g = poolingGeometry(input, size: size, stride: stride)
        let y = withOutput(input, count: g.planes * g.outHeight * g.outWidth) { x, y in
            Pooling2D.averageForwardFast(g, input: x, output: y)
        }
        return Tensor(shape: [g.batch, g.channels, g.outHeight, g.outWidth], scalars: y)
    }

    /// Each window's gradient spread evenly over it.
    public func inputGradient(input: Tensor, output: Tensor, outputGradient: Tensor, rule: BackwardRule) -> Tensor {
        let g = poolingGeometry(input, size: size, stride: stride)
        let dx = withOutput(outputGradient, count: input.count) { dy, dx in
            Pooling2D.averageBackwardFast(g, outputGradient: dy, inputGradient: dx)
        }
        return Tensor(shape: input.shape, scalars: dx)
    }
}
