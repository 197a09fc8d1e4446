import Tensors

/// A 2-D convolution, PyTorch's `nn.Conv2d` and ONNX's `Conv` with zero padding: weight
/// [O, C/G, kh, kw], bias [O], per-axis strides (s_h, s_w), padding on each side
/// (top, left, bottom, right), dilations (d_h, d_w) and G groups (depthwise: G = C).
///
///     forward         y[o, i, j] = b[o] + Σ_{c,u,v} w[o, c, u, v] · x[g·C/G + c, s_h·i − p_t + d_h·u, s_w·j − p_l + d_w·v]
///     input gradient  ∂L/∂x[g·C/G + c, s_h·i − p_t + d_h·u, s_w·j − p_l + d_w·v] += w[o, c, u, v] · ∂L/∂y[o, i, j]
///     weight gradient ∂L/∂w[o, c, u, v] = Σ_{b,i,j} ∂L/∂y[b, o, i, j] · x[b, g·C/G + c, s_h·i − p_t + d_h·u, s_w·j − p_l + d_w·v]
///
/// where g = o/(O/G) is output channel o's group. The common case — one group, no dilation,
/// one stride and one padding on every side — runs ``Convolution2D``'s fast paths; a depthwise
/// convolution (G = C) runs ``DepthwiseConvolution2D``'s forward and input gradient; every
/// other geometry, and every weight gradient outside the common case, runs
/// ``GroupedConvolution2D``'s loops.
public struct Conv2D: Layer {
    /// w, shape [O, C/G, kh, kw].
    public var weight: Tensor
    /// b, shape [O], or nil.
    public var bias: Tensor?
    /// (s_h, s_w), each ≥ 1.
    public private(set) var strides: [Int]
    /// Zeros added (top, left, bottom, right), each ≥ 0: ONNX's `pads` order.
    public private(set) var pads: [Int]
    /// (d_h, d_w), each ≥ 1: the step between a kernel's taps.
    public private(set) var dilations: [Int]
    /// G ≥ 1, dividing C and O.
    public private(set) var groups: Int

    /// "conv2d"
    public var kind: String { "conv2d" }

    /// The one stride and padding of the common case (square stride, the same padding on every
    /// side, no dilation, one group), or nil for a general convolution.
    public var squareStrideAndPadding: (stride: Int, padding: Int)? {
        guard strides[0] == strides[1], pads.allSatisfy({ $0 == pads[0] }), dilations == [1, 1], groups == 1 else { return nil }
        return (strides[0], pads[0])
    }

    /// A convolution with one stride and one padding on every side.
    /// - Throws: ``ModelError`` for a weight that is not rank 4, a mismatched bias, stride < 1 or padding < 0.
    public init(weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0) throws(ModelError) {
        try self.init(weight: weight, bias: bias, strides: [stride, stride], pads: [padding, padding, padding, padding])
    }

    /// A general convolution: `strides` (s_h, s_w), `pads` (top, left, bottom, right),
    /// `dilations` (d_h, d_w), `groups` G, with weight [O, C/G, kh, kw].
    /// - Throws: ``ModelError`` naming the value that does not fit.
    public init(weight: Tensor, bias: Tensor?, strides: [Int], pads: [Int], dilations: [Int] = [1, 1], groups: Int = 1) throws(ModelError) {
        guard weight.rank == 4, weight.shape.allSatisfy({ $0 > 0 }) else {
            throw ModelError("conv2d weight must have shape [outChannels, inChannels/groups, kernelHeight, kernelWidth], all positive, got \(weight.shape)")
        }
        if let bias, bias.shape != [weight.shape[0]] {
            throw ModelError("conv2d bias must have shape [\(weight.shape[0])] to match weight \(weight.shape), got \(bias.shape)")
        }
        guard strides.count == 2, strides.allSatisfy({ $0 >= 1 }) else { throw ModelError("conv2d strides must be two values ≥ 1, got \(strides)") }
        guard pads.count == 4, pads.allSatisfy({ $0 >= 0 }) else { throw ModelError("conv2d pads must be four values ≥ 0 (top, left, bottom, right), got \(pads)") }
        guard dilations.count == 2, dilations.allSatisfy({ $0 >= 1 }) else { throw ModelError("conv2d dilations must be two values ≥ 1, got \(dilations)") }
        guard groups >= 1, weight.shape[0] % groups == 0 else {
            throw ModelError("conv2d groups must be ≥ 1 and divide the \(weight.shape[0]) output channels, got \(groups)")
        }
        self.weight = weight
        self.bias = bias
        self.strides = strides
        self.pads = pads
        self.dilations = dilations
        self.groups = groups
    }

    /// A convolution with PyTorch's default initialisation: uniform in ±1/√(C/G·kh·kw).
    public init<G: RandomNumberGenerator>(
        inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, groups: Int = 1, using generator: inout G
    ) {
        let bound = 1 / Double(inChannels / groups * kernelSize * kernelSize).squareRoot()
        weight = Tensor.uniform(shape: [outChannels, inChannels / groups, kernelSize, kernelSize], in: -bound, bound, using: &generator)
        bias = Tensor.uniform(shape: [outChannels], in: -bound, bound, using: &generator)
        strides = [stride, stride]
        pads = [padding, padding, padding, padding]
        dilations = [1, 1]
        self.groups = groups
    }

    /// The kernels that compute a batch: ``Convolution2D``'s fast paths in the common case,
    /// ``DepthwiseConvolution2D`` for a depthwise convolution, ``GroupedConvolution2D``'s loops
    /// for anything else.
    private enum Kernels {
        case common(Convolution2D.Geometry)
        case depthwise(GroupedConvolution2D.Geometry)
        case general(GroupedConvolution2D.Geometry)

        /// [O, H′, W′]
        var outputPointShape: [Int] {
            switch self {
            case .common(let g): return [g.outChannels, g.outHeight, g.outWidth]
            case .depthwise(let g), .general(let g): return [g.outChannels, g.outHeight, g.outWidth]
            }
        }
    }

    /// The kernels for a batch of `batch` points of shape `inputShape`.
    private func kernels(batch: Int, inputShape: [Int]) -> Kernels {
        if let (stride, padding) = squareStrideAndPadding {
            return .common(Convolution2D.Geometry(
                batch: batch, inChannels: inputShape[0], height: inputShape[1], width: inputShape[2],
                outChannels: weight.shape[0], kernelHeight: weight.shape[2], kernelWidth: weight.shape[3],
                stride: stride, padding: padding))
        }
        let g = generalGeometry(batch: batch, inputShape: inputShape)
        return DepthwiseConvolution2D.applies(to: g) ? .depthwise(g) : .general(g)
    }

    private func generalGeometry(batch: Int, inputShape: [Int]) -> GroupedConvolution2D.Geometry {
        GroupedConvolution2D.Geometry(
            batch: batch, inChannels: inputShape[0], height: inputShape[1], width: inputShape[2],
            outChannels: weight.shape[0], kernelHeight: weight.shape[2], kernelWidth: weight.shape[3],
            strides: (strides[0], strides[1]), pads: (pads[0], pads[1], pads[2], pads[3]),
            dilations: (dilations[0], dilations[1]), groups: groups)
    }

    /// [O, ⌊(H + p_t + p_b − d_h·(kh − 1) − 1)/s_h⌋ + 1, ⌊(W + p_l + p_r − d_w·(kw − 1) − 1)/s_w⌋ + 1]
    public func outputShape(for inputShape: [Int]) throws(ModelError) -> [Int] {
        guard inputShape.count == 3 else {
            throw ModelError("conv2d expects points of shape [channels, height, width], got \(inputShape)")
        }
        guard inputShape[0] == weight.shape[1] * groups else {
            throw ModelError("conv2d weight \(weight.shape) with \(groups) group(s) expects \(weight.shape[1] * groups) input channels, got \(inputShape[0]) (shape \(inputShape))")
        }
        let g = generalGeometry(batch: 1, inputShape: inputShape)
        if let problem = g.problem { throw ModelError("conv2d: \(problem)") }
        return [g.outChannels, g.outHeight, g.outWidth]
    }

    /// y = w ⋆ x + b (cross-correlation).
    public func forward(_ input: Tensor) -> Tensor {
        let chosen = kernels(batch: input.batchCount, inputShape: input.pointShape)
        let outputShape = [input.batchCount] + chosen.outputPointShape
        let y = withOutput(input, count: Tensor.elementCount(of: outputShape)) { x, y in
            weight.scalars.withUnsafeBufferPointer { w in
                bias.withUnsafeBaseAddress { b in
                    switch chosen {
                    case .common(let g): Convolution2D.forwardFast(g, input: x, weight: w.baseAddress!, bias: b, output: y)
                    case .depthwise(let g): DepthwiseConvolution2D.forward(g, input: x, weight: w.baseAddress!, bias: b, output: y)
                    case .general(let g): GroupedConvolution2D.forward(g, input: x, weight: w.baseAddress!, bias: b, output: y)
                    }
                }
            }
        }
        return Tensor(shape: outputShape, scalars: y)
    }

    /// ∂L/∂x: the transposed convolution of ∂L/∂y.
    public func inputGradient(input: Tensor, output: Tensor, outputGradient: Tensor, rule: BackwardRule) -> Tensor {
        let dx = withOutput(outputGradient, count: input.count) { dy, dx in
            weight.scalars.withUnsafeBufferPointer { w in
                switch kernels(batch: input.batchCount, inputShape: input.pointShape) {
                case .common(let g): Convolution2D.inputGradientFast(g, weight: w.baseAddress!, outputGradient: dy, inputGradient: dx)
                case .depthwise(let g): DepthwiseConvolution2D.inputGradient(g, weight: w.baseAddress!, outputGradient: dy, inputGradient: dx)
                case .general(let g): GroupedConvolution2D.inputGradient(g, weight: w.baseAddress!, outputGradient: dy, inputGradient: dx)
                }
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
        let outChannels = weight.shape[0]
        var dw = [Double](repeating: 0, count: weight.count)
        var db = [Double](repeating: 0, count: outChannels)
        input.scalars.withUnsafeBufferPointer { x in
            outputGradient.scalars.withUnsafeBufferPointer { dy in
                dw.withUnsafeMutableBufferPointer { dwp in
                    db.withUnsafeMutableBufferPointer { dbp in
                        let (x, dy, dw, db) = (x.baseAddress!, dy.baseAddress!, dwp.baseAddress!, dbp.baseAddress!)
                        switch kernels(batch: input.batchCount, inputShape: input.pointShape) {
                        case .common(let g): Convolution2D.parameterGradientsFast(g, input: x, outputGradient: dy, weightGradient: dw, biasGradient: db)
                        case .depthwise(let g):
                            DepthwiseConvolution2D.parameterGradients(g, input: x, outputGradient: dy, weightGradient: dw, biasGradient: db)
                        case .general(let g):
                            GroupedConvolution2D.parameterGradients(g, input: x, outputGradient: dy, weightGradient: dw, biasGradient: db)
                        }
                    }
                }
            }
        }
        let weightGradient = Tensor(shape: weight.shape, scalars: dw)
        return bias == nil ? [weightGradient] : [weightGradient, Tensor(shape: [outChannels], scalars: db)]
    }
}

extension Optional where Wrapped == Tensor {
    /// Calls `body` with a pointer to the tensor's scalars, or nil when there is no tensor.
    func withUnsafeBaseAddress<R>(_ body: (UnsafePointer<Double>?) -> R) -> R {
        switch self {
        case .some(let tensor): return tensor.scalars.withUnsafeBufferPointer { body($0.baseAddress!) }
        case .none: return body(nil)
        }
    }
}
