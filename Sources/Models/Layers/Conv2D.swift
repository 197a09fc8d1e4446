import Tensors

/// A 2-D convolution, PyTorch's `nn.Conv2d` with zero padding: weight [O, C, kh, kw],
/// bias [O], square stride s and padding p.
///
///     forward         y[o, i, j] = b[o] + Σ_{c,u,v} w[o, c, u, v] · x[c, s·i − p + u, s·j − p + v]
///     input gradient  ∂L/∂x[c, s·i − p + u, s·j − p + v] += w[o, c, u, v] · ∂L/∂y[o, i, j]
///     weight gradient ∂L/∂w[o, c, u, v] = Σ_{b,i,j} ∂L/∂y[b, o, i, j] · x[b, c, s·i − p + u, s·j − p + v]
///
/// The kernels are ``Convolution2D``'s fast paths.
public struct Conv2D: Layer {
    /// w, shape [O, C, kh, kw].
    public var weight: Tensor
    /// b, shape [O], or nil.
    public var bias: Tensor?
    /// s ≥ 1
    public var stride: Int
    /// p ≥ 0
    public var padding: Int

    /// "conv2d"
    public var kind: String { "conv2d" }

    /// A convolution with the given parameters.
    /// - Throws: ``ModelError`` for a weight that is not rank 4, a mismatched bias, stride < 1 or padding < 0.
    public init(weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0) throws(ModelError) {
        guard weight.rank == 4, weight.shape.allSatisfy({ $0 > 0 }) else {
            throw ModelError("conv2d weight must have shape [outChannels, inChannels, kernelHeight, kernelWidth], all positive, got \(weight.shape)")
        }
        if let bias, bias.shape != [weight.shape[0]] {
            throw ModelError("conv2d bias must have shape [\(weight.shape[0])] to match weight \(weight.shape), got \(bias.shape)")
        }
        guard stride >= 1 else { throw ModelError("conv2d stride must be ≥ 1, got \(stride)") }
        guard padding >= 0 else { throw ModelError("conv2d padding must be ≥ 0, got \(padding)") }
        self.weight = weight
        self.bias = bias
        self.stride = stride
        self.padding = padding
    }

    /// A convolution with PyTorch's default initialisation: uniform in ±1/√(C·kh·kw).
    public init<G: RandomNumberGenerator>(
        inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, using generator: inout G
    ) {
        let bound = 1 / Double(inChannels * kernelSize * kernelSize).squareRoot()
        weight = Tensor.uniform(shape: [outChannels, inChannels, kernelSize, kernelSize], in: -bound, bound, using: &generator)
        bias = Tensor.uniform(shape: [outChannels], in: -bound, bound, using: &generator)
        self.stride = stride
        self.padding = padding
    }

    private func geometry(batch: Int, inputShape: [Int]) -> Convolution2D.Geometry {
        Convolution2D.Geometry(
            batch: batch, inChannels: inputShape[0], height: inputShape[1], width: inputShape[2],
            outChannels: weight.shape[0], kernelHeight: weight.shape[2], kernelWidth: weight.shape[3],
            stride: stride, padding: padding)
    }

    /// [O, ⌊(H + 2p − kh)/s⌋ + 1, ⌊(W + 2p − kw)/s⌋ + 1]
    public func outputShape(for inputShape: [Int]) throws(ModelError) -> [Int] {
        guard inputShape.count == 3 else {
            throw ModelError("conv2d expects points of shape [channels, height, width], got \(inputShape)")
        }
        guard inputShape[0] == weight.shape[1] else {
            throw ModelError("conv2d weight \(weight.shape) expects \(weight.shape[1]) input channels, got \(inputShape[0]) (shape \(inputShape))")
        }
        let g = geometry(batch: 1, inputShape: inputShape)
        guard g.isValid else {
            throw ModelError("conv2d kernel \(weight.shape[2])×\(weight.shape[3]) with padding \(padding) does not fit a \(inputShape[1])×\(inputShape[2]) input")
        }
        return [g.outChannels, g.outHeight, g.outWidth]
    }

    /// y = w ⋆ x + b (cross-correlation).
    public func forward(_ input: Tensor) -> Tensor {
        let g = geometry(batch: input.batchCount, inputShape: input.pointShape)
        let y = withOutput(input, count: g.batch * g.outputSize) { x, y in
            weight.scalars.withUnsafeBufferPointer { w in
                if let bias {
                    bias.scalars.withUnsafeBufferPointer { b in
                        Convolution2D.forwardFast(g, input: x, weight: w.baseAddress!, bias: b.baseAddress!, output: y)
                    }
                } else {
                    Convolution2D.forwardFast(g, input: x, weight: w.baseAddress!, bias: nil, output: y)
                }
            }
        }
        return Tensor(shape: [g.batch, g.outChannels, g.outHeight, g.outWidth], scalars: y)
    }

    /// ∂L/∂x: the transposed convolution of ∂L/∂y.
    public func inputGradient(input: Tensor, output: Tensor, outputGradient: Tensor, rule: BackwardRule) -> Tensor {
        let g = geometry(batch: input.batchCount, inputShape: input.pointShape)
        let dx = withOutput(outputGradient, count: input.count) { dy, dx in
            weight.scalars.withUnsafeBufferPointer { w in
                Convolution2D.inputGradientFast(g, weight: w.baseAddress!, outputGradient: dy, inputGradient: dx)
            }
        }
        return Tensor(shape: input.shape, scalars: dx)
    }

    /// [w, b] (or [w] without bias).
    public var parameters: [Tensor] {
        get { bias.map { [weight, $0] } ?? [weight] }
        set {
            precondition(newValue.count == (bias == nil ? 1 : 2) && newValue[0].shape == weight.shape, "conv2d parameters do not match")
            weight = newValue[0]
            if bias != nil { bias = newValue[1] }
        }
    }

    /// [∂L/∂w, ∂L/∂b], summed over the batch.
    public func parameterGradients(input: Tensor, outputGradient: Tensor) -> [Tensor] {
        let g = geometry(batch: input.batchCount, inputShape: input.pointShape)
        var dw = [Double](repeating: 0, count: weight.count)
        var db = [Double](repeating: 0, count: g.outChannels)
        input.scalars.withUnsafeBufferPointer { x in
            outputGradient.scalars.withUnsafeBufferPointer { dy in
                dw.withUnsafeMutableBufferPointer { dwp in
                    db.withUnsafeMutableBufferPointer { dbp in
                        Convolution2D.parameterGradientsFast(
                            g, input: x.baseAddress!, outputGradient: dy.baseAddress!,
                            weightGradient: dwp.baseAddress!, biasGradient: dbp.baseAddress!)
                    }
                }
            }
        }
        let weightGradient = Tensor(shape: weight.shape, scalars: dw)
        return bias == nil ? [weightGradient] : [weightGradient, Tensor(shape: [g.outChannels], scalars: db)]
    }
}
