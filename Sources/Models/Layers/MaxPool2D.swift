import Tensors

/// Max pooling over `size` × `size` windows every `stride` pixels, no padding (PyTorch's
/// `nn.MaxPool2d(size, stride)`).
///
///     forward   y[c, i, j] = max_{u,v < size} x[c, s·i + u, s·j + v]
///     backward  ∂L/∂x at each window's first arg-max += ∂L/∂y[c, i, j]
public struct MaxPool2D: Layer {
    /// The window's side.
    public var size: Int
    /// The step between windows.
    public var stride: Int

    /// A max-pooling layer. - Throws: ``ModelError`` if size or stride is < 1.
    public init(size: Int, stride: Int) throws(ModelError) {
        guard size >= 1, stride >= 1 else { throw ModelError("maxpool2d size and stride must be ≥ 1, got \(size) and \(stride)") }
        self.size = size
        self.stride = stride
    }

    /// "maxpool2d"
    public var kind: String { "maxpool2d" }

    /// [C, ⌊(H − size)/stride⌋ + 1, ⌊(W − size)/stride⌋ + 1]
    public func outputShape(for inputShape: [Int]) throws(ModelError) -> [Int] {
        try poolingOutputShape(kind: kind, size: size, stride: stride, inputShape: inputShape)
    }

    /// The maximum of each window.
    public func forward(_ input: Tensor) -> Tensor {
        let g = poolingGeometry(input, size: size, stride: stride)
        let y = withOutput(input, count: g.planes * g.outHeight * g.outWidth) { x, y in
            Pooling2D.maxForwardFast(g, input: x, output: y)
        }
        return Tensor(shape: [g.batch, g.channels, g.outHeight, g.outWidth], scalars: y)
    }

    /// Each window's gradient to its first arg-max.
    public func inputGradient(input: Tensor, output: Tensor, outputGradient: Tensor, rule: BackwardRule) -> Tensor {
        let g = poolingGeometry(input, size: size, stride: stride)
        let dx = withOutput(outputGradient, count: input.count) { dy, dx in
            input.scalars.withUnsafeBufferPointer { x in
                Pooling2D.maxBackwardFast(g, input: x.baseAddress!, outputGradient: dy, inputGradient: dx)
            }
        }
        return Tensor(shape: input.shape, scalars: dx)
    }
}

/// The pooling geometry of a batch [B, C, H, W].
func poolingGeometry(_ input: Tensor, size: Int, stride: Int) -> Pooling2D.Geometry {
    Pooling2D.Geometry(
        batch: input.shape[0], channels: input.shape[1], height: input.shape[2], width: input.shape[3],
        size: size, stride: stride)
}

/// [C, H′, W′] for a pooling layer, or why the input does not fit.
func poolingOutputShape(kind: String, size: Int, stride: Int, inputShape: [Int]) throws(ModelError) -> [Int] {
    guard inputShape.count == 3 else {
        throw ModelError("\(kind) expects points of shape [channels, height, width], got \(inputShape)")
    }
    let g = Pooling2D.Geometry(batch: 1, channels: inputShape[0], height: inputShape[1], width: inputShape[2], size: size, stride: stride)
    guard g.isValid else {
        throw ModelError("\(kind) window \(size)×\(size) does not fit a \(inputShape[1])×\(inputShape[2]) input")
    }
    return [g.channels, g.outHeight, g.outWidth]
}
