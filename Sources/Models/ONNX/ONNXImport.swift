import ArrayFormats
import Foundation
import Tensors

/// An ONNX model as a ``Sequential`` network: each node reads earlier nodes' outputs and
/// constant weights, and becomes one of the layers `Sequential` has; an `Add`, `Mul` or
/// `Concat` of computed tensors is a node of the graph that reads several (a residual
/// connection, a gate, joined channels).
///
/// | ONNX (opsets 11–21) | layer |
/// |---|---|
/// | Conv (per-axis strides and pads, dilations, group, auto_pad NOTSET / VALID / SAME_UPPER / SAME_LOWER) | conv2d |
/// | Gemm (transA 0; transB either; alpha, beta folded), MatMul by a constant 2-D matrix, then Add of a constant | dense |
/// | Add, Mul of computed tensors (broadcast); Concat of computed tensors (not along the batch) | add, mul, concat |
/// | Add, Sub, Mul, Div by a constant (broadcast over the point) | affine (an Add after a dense layer becomes its bias) |
/// | BatchNormalization (inference) | folded into the Conv or dense before it, W′ = γ/√(σ² + ε) ⊙ W, b′ = γ (b − μ)/√(σ² + ε) + β, when only it reads that layer; else batchnorm |
/// | Relu, LeakyRelu, Sigmoid, Tanh, Softplus; Clip (constant min and max) | the activation; clip |
/// | MaxPool, AveragePool (per-axis window, strides, pads, count_include_pad, auto_pad; ceil_mode 0); GlobalAveragePool | maxpool2d, avgpool2d |
/// | Pad (constant mode, value 0, not along the batch) | pad |
/// | Flatten (axis 1); Reshape to a constant shape (the batch kept) | flatten, reshape |
/// | Identity, Dropout (inference) | nothing |
/// | ConstantOfShape, Slice, Transpose, Squeeze, Unsqueeze, Cast, and any foldable op, on constants only | evaluated at load (``ONNXConstantFolding``) |
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
        let known = Set<String>([
            "Conv", "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Concat", "BatchNormalization", "Relu", "LeakyRelu", "Sigmoid", "Tanh",
            "Softplus", "Clip", "MaxPool", "AveragePool", "GlobalAveragePool", "Pad", "Flatten", "Reshape", "Identity", "Dropout", "Softmax",
            "LogSoftmax", "Constant",
        ]).union(ONNXConstantFolding.foldable)
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
            // Shape arithmetic on constants is done now; its result is one more constant.
            let given = node.inputs.filter { !$0.isEmpty }
            if ONNXConstantFolding.foldable.contains(node.opType), !given.isEmpty, given.allSatisfy({ constants[$0] != nil }) {
                constants[output] = try ONNXConstantFolding.evaluate(node, node.inputs.map { $0.isEmpty ? nil : constants[$0] }, label: label)
                continue
            }
            if ONNXConstantFolding.constantOnly.contains(node.opType) {
                throw ModelError("\(label) reads a computed tensor; this loader evaluates \(node.opType) on constants only")
            }
            let data = node.inputs.filter { !$0.isEmpty && constants[$0] == nil }
            var reads: [Int] = []
            for name in data {
                guard let source = nodeOf[name] else { throw ModelError("\(label) reads '\(name)', which no earlier node computes") }
                reads.append(source)
            }
            guard !reads.isEmpty else { throw ModelError("\(label) reads only constants; this loader builds layers of the input") }
            guard reads.count == 1 || ["Add", "Mul", "Concat"].contains(node.opType) else {
                throw ModelError("\(label) combines \(reads.count) computed tensors; only Add, Mul and Concat do here")
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
                if node.opType == "Dropout", try node.integer("training_mode", default: 0) != 0 {
                    throw ModelError("\(label) is in training mode; export the model in eval mode")
                }
            case "Relu": layer = ActivationLayer(.relu)
            case "LeakyRelu": layer = ActivationLayer(.leakyReLU(slope: try node.float("alpha", default: 0.01)))
            case "Sigmoid": layer = ActivationLayer(.sigmoid)
            case "Tanh": layer = ActivationLayer(.tanh)
            case "Softplus": layer = ActivationLayer(.softplus)
            case "Conv":
                guard let w = try weight(1) else { throw ModelError("\(label) has no weight") }
                layer = try convolution(node, label: label, weight: w, bias: try weight(2), inputShape: shapes[source])
            case "Gemm":
                if try node.integer("transA", default: 0) != 0 { throw ModelError("\(label) has transA = 1; this loader reads Gemm(x, W) with x the activations") }
                guard let b = try weight(1) else { throw ModelError("\(label) has no weight") }
                let transB = try node.integer("transB", default: 0) != 0
                let (alpha, beta) = (try node.float("alpha", default: 1), try node.float("beta", default: 1))
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
            case "Mul" where reads.count > 1:
                layer = Multiply()
                layerReads = reads
            case "Concat":
                let rank = shapes[source].count + 1
                let axis = try node.integer("axis", default: 1)
                let normalized = axis < 0 ? Int(axis) + rank : Int(axis)
                guard normalized >= 1, normalized < rank else { throw ModelError("\(label): axis \(axis) must be an axis of the point, not the batch") }
                layer = try Concat(axis: normalized - 1)
                layerReads = reads
            case "Add", "Sub", "Mul", "Div":
                let position = node.inputs.firstIndex { constants[$0] != nil } ?? 1
                guard let c = try weight(position) else { throw ModelError("\(label) has no constant operand") }
                // A constant added to a dense layer's output (read by nothing else) is its bias.
                if node.opType == "Add", let at = foldable(), var dense = layers[at] as? Dense, c.values.count == dense.outputCount {
                    let previous = dense.bias?.scalars ?? [Double](repeating: 0, count: dense.outputCount)
                    dense.bias = Tensor(shape: [dense.outputCount], scalars: zip(previous, c.values).map { $0 + $1 })
                    layers[at] = dense
                    nodeOf[output] = source
                    continue
                }
                let constant = try pointConstant(c, pointRank: shapes[source].count, label: label)
                let negated = Tensor(shape: constant.shape, scalars: constant.scalars.map { -$0 })
                switch (node.opType, position) {
                case ("Add", _): layer = try ElementwiseAffine(scale: nil, shift: constant)
                case ("Mul", _): layer = try ElementwiseAffine(scale: constant, shift: nil)
                case ("Sub", 1): layer = try ElementwiseAffine(scale: nil, shift: negated)
                case ("Sub", _): layer = try ElementwiseAffine(scale: Tensor(shape: [1], repeating: -1), shift: constant)
                case ("Div", 1): layer = try ElementwiseAffine(scale: Tensor(shape: constant.shape, scalars: constant.scalars.map { 1 / $0 }), shift: nil)
                default: throw ModelError("\(label) divides a constant by the activations, which is not supported")
                }
            case "BatchNormalization":
                let norm = try batchNormalization(node, label: label, weights: (try weight(1), try weight(2), try weight(3), try weight(4)))
                if let at = foldable(), layers[at] is Conv2D || layers[at] is Dense {
                    layers[at] = try fold(norm, label: label, into: layers[at])
                    nodeOf[output] = source
                    continue
                }
                layer = norm
            case "Clip":
                func bound(_ position: Int, _ name: String) throws(ModelError) -> Double? {
                    guard position < node.inputs.count, !node.inputs[position].isEmpty else {
                        return node.attribute(name) == nil ? nil : try node.float(name, default: 0)
                    }
                    guard let t = constants[node.inputs[position]], t.values.count == 1 else { throw ModelError("\(label): its \(name) must be a constant scalar") }
                    return t.values[0]
                }
                layer = try Clip(minimum: try bound(1, "min") ?? -.infinity, maximum: try bound(2, "max") ?? .infinity)
            case "Pad":
                layer = try zeroPad(node, label: label, constants: constants, pointRank: shapes[source].count)
            case "MaxPool", "AveragePool":
                let window = try pooling(node, label: label, inputShape: shapes[source])
                if node.opType == "MaxPool" {
                    layer = MaxPool2D(window: window)
                } else {
                    layer = AvgPool2D(window: window, countIncludePad: try node.integer("count_include_pad", default: 0) != 0)
                }
            case "GlobalAveragePool":
                let shape = shapes[source]
                guard shape.count == 3 else { throw ModelError("\(label): the map is \(shape); a global pool takes [channels, height, width]") }
                layer = AvgPool2D(window: try PoolingWindow(kernel: [shape[1], shape[2]], strides: [shape[1], shape[2]], kind: "avgpool2d"), countIncludePad: false)
            case "Flatten":
                guard try node.integer("axis", default: 1) == 1 else { throw ModelError("\(label): only axis 1 is supported") }
                if shapes[source].count > 1 { layer = Flatten() }
            case "Reshape":
                guard let target = constants[node.inputs.count > 1 ? node.inputs[1] : ""], target.integers.count >= 2 else {
                    throw ModelError("\(label): only a reshape to a constant shape (the batch first) is supported")
                }
                let pointShape = try ONNXConstantFolding.reshapedShape(shapes[source], to: Array(target.integers.dropFirst()), label: label)
                if pointShape.count == 1 {
                    if shapes[source].count > 1 { layer = Flatten() }
                } else if pointShape != shapes[source] {
                    layer = try Reshape(shape: pointShape)
                }
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
            do {
                shapes.append(try layer.outputShape(reading: layerReads.map { shapes[$0] }))
            } catch {
                throw ModelError("\(label): \(error.description)")
            }
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

    private static func describe(_ dimension: ONNXValueInfo.Dimension) -> String {
        switch dimension {
        case .fixed(let n): return "\(n)"
        case .symbolic(let s): return s
        case .unknown: return "?"
        }
    }
}
