import Tensors

/// How one ONNX op becomes a layer: the attributes each op's layer is built from (Conv's and
/// pooling's strides, pads and auto_pad; Gemm's and MatMul's weight layouts; BatchNormalization,
/// folded or not; Pad; a constant operand broadcast over the point). ``ONNXImport`` walks the
/// graph and calls these.
extension ONNXImport {
    /// How a 2-D weight is stored: [out, in] (Gemm with transB) or [in, out] (MatMul, Gemm without).
    enum MatrixLayout { case outByIn, inByOut }

    /// A dense layer's weight [out, in] from the 2-D tensor `b` stored as `layout`, times `scale`.
    static func denseWeight(_ b: ONNXTensor, storedAs layout: MatrixLayout, scale: Double) -> Tensor {
        let (rows, columns) = (Int(b.dims[0]), Int(b.dims[1]))
        let (outCount, inCount) = layout == .outByIn ? (rows, columns) : (columns, rows)
        var w = [Double](repeating: 0, count: outCount * inCount)
        for o in 0..<outCount {
            for i in 0..<inCount { w[o * inCount + i] = scale * (layout == .outByIn ? b.values[o * columns + i] : b.values[i * columns + o]) }
        }
        return Tensor(shape: [outCount, inCount], scalars: w)
    }

    /// The pads (top, left, bottom, right) of `auto_pad` for an input of `size` (height, width):
    /// SAME_* pads so that the output is ⌈size/stride⌉, the odd pixel at the end (UPPER) or the
    /// start (LOWER); VALID and NOTSET (with `pads` absent) pad nothing.
    static func pads(
        _ node: ONNXNode, label: String, kernel: [Int], strides: [Int], dilations: [Int], size: [Int]
    ) throws(ModelError) -> [Int] {
        let autoPad = try node.text("auto_pad", default: "NOTSET")
        switch autoPad {
        case "NOTSET":
            let pads = try node.integers("pads") ?? [0, 0, 0, 0]
            guard pads.count == 4, pads.allSatisfy({ $0 >= 0 && $0 <= 1 << 20 }) else { throw ModelError("\(label): attribute pads \(pads) must be four values ≥ 0") }
            return pads.map { Int($0) }
        case "VALID": return [0, 0, 0, 0]
        case "SAME_UPPER", "SAME_LOWER":
            var result = [0, 0, 0, 0]
            for axis in 0..<2 {
                let outSize = (size[axis] + strides[axis] - 1) / strides[axis]
                let total = max(0, (outSize - 1) * strides[axis] + (kernel[axis] - 1) * dilations[axis] + 1 - size[axis])
                let small = total / 2
                (result[axis], result[axis + 2]) = autoPad == "SAME_UPPER" ? (small, total - small) : (total - small, small)
            }
            return result
        default: throw ModelError("\(label): auto_pad \(autoPad) is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER")
        }
    }

    /// Two positive integers from attribute `name`, or `value` when it is absent.
    static func pair(_ node: ONNXNode, _ name: String, label: String, default value: [Int]) throws(ModelError) -> [Int] {
        guard let values = try node.integers(name) else { return value }
        guard values.count == 2, values.allSatisfy({ $0 >= 1 && $0 <= 1 << 20 }) else { throw ModelError("\(label): attribute \(name) \(values) must be two values ≥ 1 (a 2-D op)") }
        return values.map { Int($0) }
    }

    /// Conv: strides, pads (or auto_pad), dilations and group as ONNX gives them.
    static func convolution(
        _ node: ONNXNode, label: String, weight: ONNXTensor, bias: ONNXTensor?, inputShape: [Int]
    ) throws(ModelError) -> Conv2D {
        guard weight.dims.count == 4 else { throw ModelError("\(label): weight '\(weight.name)' has dims \(weight.dims); a 2-D convolution's are [out, in/group, kh, kw]") }
        guard inputShape.count == 3 else { throw ModelError("\(label): reads points of shape \(inputShape); a 2-D convolution reads [channels, height, width]") }
        let kernel = [Int(weight.dims[2]), Int(weight.dims[3])]
        let strides = try pair(node, "strides", label: label, default: [1, 1])
        let dilations = try pair(node, "dilations", label: label, default: [1, 1])
        let group = try node.integer("group", default: 1)
        guard group >= 1, group <= 1 << 20 else { throw ModelError("\(label): attribute group = \(group) must be ≥ 1") }
        let padding = try pads(node, label: label, kernel: kernel, strides: strides, dilations: dilations, size: [inputShape[1], inputShape[2]])
        let w = Tensor(shape: weight.dims.map { Int($0) }, scalars: weight.values)
        let b = bias.map { Tensor(shape: [$0.values.count], scalars: $0.values) }
        do {
            return try Conv2D(weight: w, bias: b, strides: strides, pads: padding, dilations: dilations, groups: Int(group))
        } catch {
            throw ModelError("\(label): \(error.description)")
        }
    }

    /// MaxPool or AveragePool's windows.
    static func pooling(_ node: ONNXNode, label: String, inputShape: [Int]) throws(ModelError) -> PoolingWindow {
        guard inputShape.count == 3 else { throw ModelError("\(label): reads points of shape \(inputShape); 2-D pooling reads [channels, height, width]") }
        let kernel = try pair(node, "kernel_shape", label: label, default: [])
        guard kernel.count == 2 else { throw ModelError("\(label): kernel_shape is missing") }
        let strides = try pair(node, "strides", label: label, default: [1, 1])
        if try node.integer("ceil_mode", default: 0) != 0 { throw ModelError("\(label): ceil_mode 1 is not supported (export with ceil_mode=False)") }
        if try pair(node, "dilations", label: label, default: [1, 1]) != [1, 1] { throw ModelError("\(label): dilated pooling is not supported") }
        let padding = try pads(node, label: label, kernel: kernel, strides: strides, dilations: [1, 1], size: [inputShape[1], inputShape[2]])
        do { return try PoolingWindow(kernel: kernel, strides: strides, pads: padding, kind: node.opType) } catch { throw ModelError("\(label): \(error.description)") }
    }

    /// A constant operand as a tensor broadcast over one point: its shape without a leading
    /// batch axis of 1.
    static func pointConstant(_ c: ONNXTensor, pointRank: Int, label: String) throws(ModelError) -> Tensor {
        var dims = c.dims.map { Int($0) }
        if dims.count == pointRank + 1 {
            guard dims[0] == 1 else { throw ModelError("\(label): constant '\(c.name)' has dims \(c.dims), which vary along the batch") }
            dims.removeFirst()
        }
        guard dims.count <= pointRank else { throw ModelError("\(label): constant '\(c.name)' has dims \(c.dims), more axes than the activations") }
        return Tensor(shape: dims, scalars: c.values)
    }

    /// Pad in constant mode with value 0, nothing added along the batch.
    static func zeroPad(_ node: ONNXNode, label: String, constants: [String: ONNXTensor], pointRank: Int) throws(ModelError) -> ZeroPad {
        if case let mode = try node.text("mode", default: "constant"), mode != "constant" { throw ModelError("\(label): mode \(mode) is not supported (constant only)") }
        guard node.inputs.count > 1, let pads = constants[node.inputs[1]] else { throw ModelError("\(label): its pads must be a constant input") }
        if node.inputs.count > 2, !node.inputs[2].isEmpty {
            guard let value = constants[node.inputs[2]], value.values.allSatisfy({ $0 == 0 }) else { throw ModelError("\(label): only a constant value of 0 is supported") }
        }
        if node.inputs.count > 3, !node.inputs[3].isEmpty { throw ModelError("\(label): the axes input is not supported; give pads for every axis") }
        let rank = pointRank + 1
        let all = pads.integers
        guard all.count == 2 * rank, all[0] == 0, all[rank] == 0, all.allSatisfy({ $0 >= 0 && $0 <= 1 << 20 }) else {
            throw ModelError("\(label): pads \(all) must be \(2 * rank) values ≥ 0, with none along the batch")
        }
        let point = Array(all[1..<rank]) + Array(all[(rank + 1)...])
        do { return try ZeroPad(pads: point.map { Int($0) }) } catch { throw ModelError("\(label): \(error.description)") }
    }

    /// An inference BatchNormalization node as a layer: its four constant inputs and ε, checked
    /// by the layer (lengths, variances ≥ 0, ε > 0).
    static func batchNormalization(
        _ node: ONNXNode, label: String, weights: (ONNXTensor?, ONNXTensor?, ONNXTensor?, ONNXTensor?)
    ) throws(ModelError) -> BatchNormalization {
        if try node.integer("training_mode", default: 0) != 0 { throw ModelError("\(label) is in training mode; export the model in eval mode") }
        guard let gamma = weights.0, let beta = weights.1, let mean = weights.2, let variance = weights.3 else {
            throw ModelError("\(label) needs constant scale, bias, mean and variance")
        }
        func vector(_ t: ONNXTensor) -> Tensor { Tensor(shape: [t.values.count], scalars: t.values) }
        let epsilon = try node.float("epsilon", default: 1e-5)
        do {
            return try BatchNormalization(scale: vector(gamma), shift: vector(beta), mean: vector(mean), variance: vector(variance), epsilon: epsilon)
        } catch {
            throw ModelError("\(label): \(error.description)")
        }
    }

    /// A BatchNormalization folded into the conv or dense layer before it:
    /// W′ = a ⊙ W (per output channel), b′ = a·(b − μ) + β, with a = γ/√(σ² + ε).
    static func fold(_ norm: BatchNormalization, label: String, into previous: any Layer) throws(ModelError) -> any Layer {
        let channels = norm.scale.count
        let scale = (0..<channels).map { norm.scale.scalars[$0] / (norm.variance.scalars[$0] + norm.epsilon).squareRoot() }
        func folded(_ w: Tensor, _ b: Tensor?) throws(ModelError) -> (Tensor, Tensor) {
            guard w.shape[0] == channels else { throw ModelError("\(label) has \(channels) channels but the layer before it has \(w.shape[0])") }
            let per = w.count / channels
            var scalars = w.scalars
            for c in 0..<channels { for k in 0..<per { scalars[c * per + k] *= scale[c] } }
            let oldBias = b?.scalars ?? [Double](repeating: 0, count: channels)
            let bias = (0..<channels).map { scale[$0] * (oldBias[$0] - norm.mean.scalars[$0]) + norm.shift.scalars[$0] }
            return (Tensor(shape: w.shape, scalars: scalars), Tensor(shape: [channels], scalars: bias))
        }
        do throws(ModelError) {
            switch previous {
            case let conv as Conv2D:
                let (w, b) = try folded(conv.weight, conv.bias)
                return try Conv2D(weight: w, bias: b, strides: conv.strides, pads: conv.pads, dilations: conv.dilations, groups: conv.groups)
            case let dense as Dense:
                let (w, b) = try folded(dense.weight, dense.bias)
                return try Dense(weight: w, bias: b)
            default:
                throw ModelError("\(label) follows a \(previous.kind) layer, into which it does not fold")
            }
        } catch {
            throw error.description.hasPrefix(label) ? error : ModelError("\(label): \(error.description)")
        }
    }
}
