import ArrayFormats
import Foundation
import Tensors

/// An ONNX model as a ``Sequential`` network: each node reads earlier nodes' outputs and
/// constant weights, and becomes one of the layers `Sequential` has; an `Add` of two computed
/// tensors is a residual connection (``Add``).
///
/// | ONNX (opsets 11–21) | layer |
/// |---|---|
/// | Conv (equal strides and pads on both axes, or auto_pad VALID / SAME_* at stride 1 with an odd kernel; no dilation, one group) | conv2d |
/// | Gemm (transA 0; transB either; alpha, beta folded), MatMul by a constant, then Add of a constant | dense |
/// | Add of two computed tensors of one shape | add (a residual connection) |
/// | BatchNormalization (inference) directly after a Conv or dense | folded into it: W′ = γ/√(σ² + ε) ⊙ W, b′ = γ (b − μ)/√(σ² + ε) + β |
/// | Relu, LeakyRelu, Sigmoid, Tanh, Softplus | the activation |
/// | MaxPool, AveragePool (square window, equal strides, no padding, no ceil mode); GlobalAveragePool on a square map | maxpool2d, avgpool2d |
/// | Flatten (axis 1); Reshape to a constant [batch, −1] | flatten |
/// | Identity, Dropout | nothing |
/// | a trailing Softmax or LogSoftmax | removed, with a warning: the network ends in logits, and the output kind chooses |
///
/// Weights stored as FLOAT are converted to Double exactly. Everything else is refused when
/// the file is loaded, in one message that names every unsupported op with the node that has
/// it. The input must have static sizes apart from a free batch dimension.
public enum ONNXImport {
    /// The network, and the warnings to show its user (a removed Softmax).
    public struct Loaded: Sendable {
        /// The network.
        public var network: Sequential
        /// What was changed on the way in, one line each.
        public var warnings: [String]

        /// A network and its warnings.
        public init(network: Sequential, warnings: [String]) {
            self.network = network
            self.warnings = warnings
        }
    }

    /// The ONNX file at `url`, as a network.
    /// - Throws: ``ModelError`` for a file that cannot be read or parsed, or whose graph this
    ///   loader cannot build, saying why.
    public static func load(_ url: URL) throws(ModelError) -> Loaded {
        guard let data = FileManager.default.contents(atPath: url.path) else { throw ModelError("\(url.path): cannot be read; check the path") }
        let model: ONNXModel
        do { model = try ONNXModel(bytes: [UInt8](data)) } catch { throw ModelError("\(url.path): not a readable ONNX file: \(error.description)") }
        do { return try network(model) } catch { throw ModelError("\(url.path): \(error.description)") }
    }

    /// The network `model`'s graph is.
    public static func network(_ model: ONNXModel) throws(ModelError) -> Loaded {
        let opset = model.defaultOpsetVersion ?? 0
        guard (11...21).contains(opset) else {
            throw ModelError("the model imports ONNX opset \(opset); this loader reads opsets 11–21 (re-export with opset_version=17)")
        }
        guard !model.hasTrainingInfo, !model.hasFunctions, !model.graph.hasSparseInitializers else {
            throw ModelError("the model has training info, functions or sparse initializers, which this loader does not read")
        }
        let graph = model.graph
        var constants: [String: ONNXTensor] = [:]
        for tensor in graph.initializers {
            guard !tensor.isExternal else {
                throw ModelError("initializer '\(tensor.name)' keeps its data in an external file; save the model with its weights inside (onnx.save(..., save_as_external_data=False))")
            }
            constants[tensor.name] = tensor
        }

        // Every unsupported op, named with its node, before anything else is said.
        let known: Set<String> = [
            "Conv", "Gemm", "MatMul", "Add", "BatchNormalization", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Softplus", "MaxPool", "AveragePool",
            "GlobalAveragePool", "Flatten", "Reshape", "Identity", "Dropout", "Softmax", "LogSoftmax", "Constant",
        ]
        let unsupported = graph.nodes.filter { !known.contains($0.opType) || !($0.domain.isEmpty || $0.domain == "ai.onnx") }
        if !unsupported.isEmpty {
            let names = unsupported.map { "\($0.domain.isEmpty ? "" : $0.domain + ".")\($0.opType) (node \($0.label))" }
            throw ModelError("unsupported ONNX ops: \(names.joined(separator: ", ")); this loader builds \(known.subtracting(["Constant"]).sorted().joined(separator: ", "))")
        }

        guard let input = graph.inputs.first(where: { constants[$0.name] == nil }) else { throw ModelError("the graph has no input that is not a weight") }
        guard let dims = input.shape, dims.count >= 2 else { throw ModelError("graph input '\(input.name)' has no shape with a batch dimension") }
        var inputShape: [Int] = []
        for dimension in dims.dropFirst() {
            guard case .fixed(let n) = dimension, n > 0, n <= Int64(Sequential.maximumValuesPerPoint) else {
                throw ModelError("graph input '\(input.name)' has shape \(dims.map(describe)): only the batch dimension may be free; export with static sizes")
            }
            inputShape.append(Int(n))
        }

        var layers: [any Layer] = []
        var sources: [[Int]] = []
        // Node 0 is the input, node k + 1 layer k's output; each tensor name maps to its node.
        var nodeOf: [String: Int] = [input.name: 0]
        var shapes: [[Int]] = [inputShape]
        var warnings: [String] = []
        // How many nodes (and graph outputs) read each tensor: a BatchNormalization or a bias
        // is folded into the layer before it only when nothing else reads that layer's output.
        var readers: [String: Int] = [:]
        for node in graph.nodes { for name in node.inputs { readers[name, default: 0] += 1 } }
        for output in graph.outputs { readers[output.name, default: 0] += 1 }
        for (index, node) in graph.nodes.enumerated() {
            if node.opType == "Constant" {
                guard let output = node.outputs.first, case .tensor(let t)? = node.attribute("value")?.value else {
                    throw ModelError("Constant node \(node.label) has no tensor 'value'; this loader reads tensor constants only")
                }
                constants[output] = t
                continue
            }
            let label = "\(node.opType) node \(node.label)"
            guard let output = node.outputs.first else { throw ModelError("\(label) has no output") }
            let data = node.inputs.filter { !$0.isEmpty && constants[$0] == nil }
            var reads: [Int] = []
            for name in data {
                guard let source = nodeOf[name] else { throw ModelError("\(label) reads '\(name)', which no earlier node computes") }
                reads.append(source)
            }
            guard !reads.isEmpty else { throw ModelError("\(label) reads only constants; this loader builds layers of the input") }
            guard reads.count == 1 || node.opType == "Add" else {
                throw ModelError("\(label) combines \(reads.count) computed tensors; only Add does here")
            }
            let source = reads[0]
            /// The layer that computed node `source`, when it is the last one and only this node reads it.
            func foldable() -> Int? {
                source == layers.count && source > 0 && readers[data[0], default: 0] == 1 ? source - 1 : nil
            }
            func weight(_ position: Int) throws(ModelError) -> ONNXTensor? {
                guard position < node.inputs.count, !node.inputs[position].isEmpty else { return nil }
                guard let tensor = constants[node.inputs[position]] else { throw ModelError("\(label): input \(position) must be a constant weight") }
                guard tensor.dataType == 1 || tensor.dataType == 11 else {
                    throw ModelError("\(label): input '\(tensor.name)' is \(ONNXTensor.typeName(tensor.dataType)); weights must be FLOAT or DOUBLE")
                }
                return tensor
            }
            var layer: (any Layer)?
            var layerReads = [source]
            switch node.opType {
            case "Identity", "Dropout":
                if node.opType == "Dropout", case .int(let mode)? = node.attribute("training_mode")?.value, mode != 0 {
                    throw ModelError("\(label) is in training mode; export the model in eval mode")
                }
            case "Relu": layer = ActivationLayer(.relu)
            case "LeakyRelu": layer = ActivationLayer(.leakyReLU(slope: try float(node, "alpha", default: 0.01)))
            case "Sigmoid": layer = ActivationLayer(.sigmoid)
            case "Tanh": layer = ActivationLayer(.tanh)
            case "Softplus": layer = ActivationLayer(.softplus)
            case "Conv":
                guard let w = try weight(1) else { throw ModelError("\(label) has no weight") }
                layer = try convolution(node, label: label, weight: w, bias: try weight(2))
            case "Gemm":
                if try int(node, "transA", default: 0) != 0 { throw ModelError("\(label) has transA = 1; this loader reads Gemm(x, W) with x the activations") }
                guard let b = try weight(1) else { throw ModelError("\(label) has no weight") }
                let transB = try int(node, "transB", default: 0) != 0
                let (alpha, beta) = (try float(node, "alpha", default: 1), try float(node, "beta", default: 1))
                guard b.dims.count == 2 else { throw ModelError("\(label): weight '\(b.name)' has dims \(b.dims); Gemm's must be 2-D") }
                let w = denseWeight(b, storedAs: transB ? .outByIn : .inByOut, scale: alpha)
                let outCount = w.shape[0]
                var bias: Tensor?
                if let c = try weight(2) {
                    guard c.values.count == outCount else { throw ModelError("\(label): bias '\(c.name)' has \(c.values.count) values for \(outCount) outputs (broadcasting is not supported)") }
                    bias = Tensor(shape: [outCount], scalars: c.values.map { beta * $0 })
                }
                layer = try Dense(weight: w, bias: bias)
            case "MatMul":
                guard let b = try weight(1), b.dims.count == 2 else { throw ModelError("\(label): only a product by a constant 2-D matrix is supported") }
                layer = try Dense(weight: denseWeight(b, storedAs: .inByOut, scale: 1), bias: nil)
            case "Add" where reads.count > 1:
                layer = Add()
                layerReads = reads
            case "Add":
                // A constant added to a dense layer's output (read by nothing else) is its bias.
                let constantInput = node.inputs.first { constants[$0] != nil }.flatMap { constants[$0] }
                guard let at = foldable(), var dense = layers[at] as? Dense, let c = constantInput, c.values.count == dense.outputCount else {
                    throw ModelError("\(label): adding a constant is supported only as a dense layer's bias (a constant of its output size)")
                }
                let previous = dense.bias?.scalars ?? [Double](repeating: 0, count: dense.outputCount)
                dense.bias = Tensor(shape: [dense.outputCount], scalars: zip(previous, c.values).map { $0 + $1 })
                layers[at] = dense
                nodeOf[output] = source
                continue
            case "BatchNormalization":
                guard let at = foldable() else {
                    throw ModelError("\(label) does not directly follow a Conv or dense layer whose output only it reads; a free-standing BatchNormalization is not supported yet")
                }
                layers[at] = try foldBatchNorm(node, label: label, into: layers[at], weights: (try weight(1), try weight(2), try weight(3), try weight(4)))
                nodeOf[output] = source
                continue
            case "MaxPool", "AveragePool":
                let (size, stride) = try pooling(node, label: label)
                layer = node.opType == "MaxPool" ? try MaxPool2D(size: size, stride: stride) : try AvgPool2D(size: size, stride: stride)
            case "GlobalAveragePool":
                let shape = shapes[source]
                guard shape.count == 3, shape[1] == shape[2] else { throw ModelError("\(label): the map is \(shape); a global pool is supported on square maps") }
                layer = try AvgPool2D(size: shape[1], stride: shape[1])
            case "Flatten":
                guard try int(node, "axis", default: 1) == 1 else { throw ModelError("\(label): only axis 1 is supported") }
                if shapes[source].count > 1 { layer = Flatten() }
            case "Reshape":
                guard let target = constants[node.inputs.count > 1 ? node.inputs[1] : ""], target.integers.count == 2,
                    target.integers[1] == -1 || target.integers[1] == Int64(Tensor.elementCount(of: shapes[source]))
                else {
                    throw ModelError("\(label): only a reshape to a constant [batch, −1] (a flatten) is supported")
                }
                if shapes[source].count > 1 { layer = Flatten() }
            case "Softmax", "LogSoftmax":
                guard index == graph.nodes.count - 1, source == layers.count else { throw ModelError("\(label): a \(node.opType) is supported only as the last node") }
                warnings.append("the model's trailing \(node.opType) (node \(node.label)) was removed: the network ends in logits, and --output chooses logit, probability or log-probability")
                nodeOf[output] = source
                continue
            default:
                preconditionFailure("unreachable: unsupported ops were refused above")
            }
            guard let layer else {
                nodeOf[output] = source  // an op that computes nothing here
                continue
            }
            let readShapes = layerReads.map { shapes[$0] }
            guard readShapes.allSatisfy({ $0 == readShapes[0] }) else { throw ModelError("\(label) adds tensors of shapes \(readShapes); they must be equal (no broadcasting)") }
            do { shapes.append(try layer.outputShape(for: readShapes[0])) } catch { throw ModelError("\(label): \(error.description)") }
            layers.append(layer)
            sources.append(layerReads)
            nodeOf[output] = layers.count
        }
        guard graph.outputs.count == 1, let last = nodeOf[graph.outputs[0].name], last == layers.count, last > 0 else {
            throw ModelError("the graph's outputs \(graph.outputs.map(\.name)) are not the last layer's output; this loader reads one output, computed last")
        }
        do {
            return Loaded(network: try Sequential(inputShape: inputShape, layers: layers, inputs: sources), warnings: warnings)
        } catch {
            throw ModelError("the layers do not make a network: \(error.description)")
        }
    }

    /// How a 2-D weight is stored: [out, in] (Gemm with transB) or [in, out] (MatMul, Gemm without).
    private enum MatrixLayout { case outByIn, inByOut }

    /// A dense layer's weight [out, in] from the 2-D tensor `b` stored as `layout`, times `scale`.
    private static func denseWeight(_ b: ONNXTensor, storedAs layout: MatrixLayout, scale: Double) -> Tensor {
        let (rows, columns) = (Int(b.dims[0]), Int(b.dims[1]))
        let (outCount, inCount) = layout == .outByIn ? (rows, columns) : (columns, rows)
        var w = [Double](repeating: 0, count: outCount * inCount)
        for o in 0..<outCount {
            for i in 0..<inCount { w[o * inCount + i] = scale * (layout == .outByIn ? b.values[o * columns + i] : b.values[i * columns + o]) }
        }
        return Tensor(shape: [outCount, inCount], scalars: w)
    }

    private static func describe(_ dimension: ONNXValueInfo.Dimension) -> String {
        switch dimension {
        case .fixed(let n): return "\(n)"
        case .symbolic(let s): return s
        case .unknown: return "?"
        }
    }

    private static func int(_ node: ONNXNode, _ name: String, default value: Int64) throws(ModelError) -> Int64 {
        guard let attribute = node.attribute(name) else { return value }
        guard case .int(let i) = attribute.value else { throw ModelError("\(node.opType) node \(node.label): attribute \(name) is not an integer") }
        return i
    }

    private static func float(_ node: ONNXNode, _ name: String, default value: Double) throws(ModelError) -> Double {
        guard let attribute = node.attribute(name) else { return value }
        guard case .float(let x) = attribute.value else { throw ModelError("\(node.opType) node \(node.label): attribute \(name) is not a float") }
        return x
    }

    private static func ints(_ node: ONNXNode, _ name: String) throws(ModelError) -> [Int64]? {
        guard let attribute = node.attribute(name) else { return nil }
        guard case .ints(let xs) = attribute.value else { throw ModelError("\(node.opType) node \(node.label): attribute \(name) is not a list of integers") }
        return xs
    }

    /// Conv with one stride and one symmetric padding on both axes.
    private static func convolution(_ node: ONNXNode, label: String, weight: ONNXTensor, bias: ONNXTensor?) throws(ModelError) -> Conv2D {
        guard weight.dims.count == 4 else { throw ModelError("\(label): weight '\(weight.name)' has dims \(weight.dims); a 2-D convolution's are [out, in, kh, kw]") }
        if case let group = try int(node, "group", default: 1), group != 1 { throw ModelError("\(label): attribute group = \(group) is not supported yet (one group only)") }
        if let dilations = try ints(node, "dilations"), dilations.contains(where: { $0 != 1 }) { throw ModelError("\(label): attribute dilations \(dilations) is not supported (1 only)") }
        let strides = try ints(node, "strides") ?? [1, 1]
        guard strides.count == 2, strides[0] == strides[1] else { throw ModelError("\(label): attribute strides \(strides) must be equal on both axes") }
        var padding = 0
        var autoPad = "NOTSET"
        if case .string(let s)? = node.attribute("auto_pad")?.value { autoPad = s }
        switch autoPad {
        case "NOTSET":
            let pads = try ints(node, "pads") ?? [0, 0, 0, 0]
            guard pads.count == 4, Set(pads).count == 1 else { throw ModelError("\(label): attribute pads \(pads) must be equal on all four sides") }
            padding = Int(pads[0])
        case "VALID": padding = 0
        case "SAME_UPPER", "SAME_LOWER":
            let (kh, kw) = (weight.dims[2], weight.dims[3])
            guard strides[0] == 1, kh == kw, kh % 2 == 1 else { throw ModelError("\(label): auto_pad \(autoPad) is supported at stride 1 with an odd square kernel") }
            padding = Int(kh - 1) / 2
        default: throw ModelError("\(label): auto_pad \(autoPad) is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER")
        }
        let w = Tensor(shape: weight.dims.map { Int($0) }, scalars: weight.values)
        let b = bias.map { Tensor(shape: [$0.values.count], scalars: $0.values) }
        do { return try Conv2D(weight: w, bias: b, stride: Int(strides[0]), padding: padding) } catch { throw ModelError("\(label): \(error.description)") }
    }

    /// A square window with equal strides and no padding.
    private static func pooling(_ node: ONNXNode, label: String) throws(ModelError) -> (size: Int, stride: Int) {
        guard let kernel = try ints(node, "kernel_shape"), kernel.count == 2, kernel[0] == kernel[1] else { throw ModelError("\(label): kernel_shape must be square") }
        let strides = try ints(node, "strides") ?? [1, 1]
        guard strides.count == 2, strides[0] == strides[1] else { throw ModelError("\(label): strides \(strides) must be equal on both axes") }
        if let pads = try ints(node, "pads"), pads.contains(where: { $0 != 0 }) { throw ModelError("\(label): padding \(pads) is not supported yet") }
        if try int(node, "ceil_mode", default: 0) != 0 { throw ModelError("\(label): ceil_mode 1 is not supported") }
        if let dilations = try ints(node, "dilations"), dilations.contains(where: { $0 != 1 }) { throw ModelError("\(label): dilations \(dilations) are not supported") }
        if case .string(let s)? = node.attribute("auto_pad")?.value, s != "NOTSET" && s != "VALID" { throw ModelError("\(label): auto_pad \(s) is not supported for pooling") }
        return (Int(kernel[0]), Int(strides[0]))
    }

    /// Inference BatchNormalization folded into the conv or dense before it.
    private static func foldBatchNorm(
        _ node: ONNXNode, label: String, into previous: (any Layer)?, weights: (ONNXTensor?, ONNXTensor?, ONNXTensor?, ONNXTensor?)
    ) throws(ModelError) -> any Layer {
        if try int(node, "training_mode", default: 0) != 0 { throw ModelError("\(label) is in training mode; export the model in eval mode") }
        guard let gamma = weights.0, let beta = weights.1, let mean = weights.2, let variance = weights.3 else {
            throw ModelError("\(label) needs constant scale, bias, mean and variance")
        }
        let epsilon = try float(node, "epsilon", default: 1e-5)
        let channels = gamma.values.count
        guard [beta, mean, variance].allSatisfy({ $0.values.count == channels }) else { throw ModelError("\(label): its four parameters differ in length") }
        let scale = (0..<channels).map { gamma.values[$0] / (variance.values[$0] + epsilon).squareRoot() }
        func folded(_ w: Tensor, _ b: Tensor?) throws(ModelError) -> (Tensor, Tensor) {
            guard w.shape[0] == channels else { throw ModelError("\(label) has \(channels) channels but the layer before it has \(w.shape[0])") }
            let per = w.count / channels
            var scalars = w.scalars
            for c in 0..<channels { for k in 0..<per { scalars[c * per + k] *= scale[c] } }
            let oldBias = b?.scalars ?? [Double](repeating: 0, count: channels)
            let bias = (0..<channels).map { scale[$0] * (oldBias[$0] - mean.values[$0]) + beta.values[$0] }
            return (Tensor(shape: w.shape, scalars: scalars), Tensor(shape: [channels], scalars: bias))
        }
        switch previous {
        case let conv as Conv2D:
            let (w, b) = try folded(conv.weight, conv.bias)
            do { return try Conv2D(weight: w, bias: b, stride: conv.stride, padding: conv.padding) } catch { throw ModelError("\(label): \(error.description)") }
        case let dense as Dense:
            let (w, b) = try folded(dense.weight, dense.bias)
            do { return try Dense(weight: w, bias: b) } catch { throw ModelError("\(label): \(error.description)") }
        default:
            throw ModelError("\(label) does not directly follow a Conv or dense layer; a free-standing BatchNormalization is not supported yet")
        }
    }
}
