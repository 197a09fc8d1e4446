import ArrayFormats
import Foundation
import Tensors

/// A ``Sequential`` network written as an ONNX model (opset 17, IR version 8): the inverse of
/// ``ONNXImport``, so a model directory and an ONNX file are one format in two encodings.
///
/// | layer | ONNX nodes |
/// |---|---|
/// | dense | Gemm(x, W, b), transB = 1 (W is [out, in]) |
/// | conv2d | Conv with kernel_shape, strides, pads, dilations, group |
/// | relu, leakyrelu, sigmoid, tanh, softplus | Relu, LeakyRelu (alpha), Sigmoid, Tanh, Softplus |
/// | silu | Sigmoid, then Mul by its input |
/// | maxpool2d, avgpool2d | MaxPool, AveragePool (kernel_shape, strides, pads, count_include_pad) |
/// | flatten, reshape | Flatten (axis 1), Reshape to [0, shape…] |
/// | add, mul, concat | Add, Mul, Concat (axis + 1 for the batch) |
/// | clip | Clip with constant min and max inputs |
/// | affine | Mul by the scale, Add of the shift (constants of the point's rank) |
/// | batchnorm | BatchNormalization (scale, B, mean, var, epsilon) |
/// | pad | Pad, constant mode, pads with zeros for the batch |
///
/// The input is `input` with a free batch dimension `batch`; the output is `logits`. Weights are
/// DOUBLE — the network's exact bits — or, for runtimes without double kernels (onnxruntime's
/// CPU convolution is float only), FLOAT, each rounded to the nearest float32.
public enum ONNXExport {
    /// The element type of the weights and of the graph's input and output.
    public enum ElementType: Sendable {
        /// IEEE double: the network's bits, exactly.
        case float64
        /// IEEE single: every weight rounded to nearest.
        case float32

        var code: Int64 { self == .float64 ? 11 : 1 }
    }

    /// The ONNX opset the writer targets.
    public static let opsetVersion: Int64 = 17

    /// `network` as the bytes of an `.onnx` file.
    /// - Throws: ``ModelError`` for a layer type defined outside this library, which has no rule.
    public static func bytes(_ network: Sequential, elementType: ElementType = .float64) throws(ModelError) -> [UInt8] {
        var graph = GraphBuilder(elementType: elementType)
        var nodeNames = ["input"]
        for (index, layer) in network.layers.enumerated() {
            let reads = network.inputs[index].map { nodeNames[$0] }
            let output = index == network.layers.count - 1 ? "logits" : "node\(index + 1)"
            try graph.add(layer, index: index, reads: reads, output: output)
            nodeNames.append(output)
        }
        var model = ProtobufWriter()
        model.integer(1, 8)  // ir_version
        model.string(2, "PathAttribution")  // producer_name
        model.message(7) { out in
            for node in graph.nodes { out.bytes(1, node) }
            out.string(2, "network")
            for tensor in graph.initializers { out.bytes(5, tensor) }
            out.bytes(11, valueInfo("input", elementType: elementType, shape: network.inputShape))
            out.bytes(12, valueInfo("logits", elementType: elementType, shape: [network.classCount]))
        }
        model.message(8) { opset in
            opset.string(1, "")
            opset.integer(2, opsetVersion)
        }
        return model.bytes
    }

    /// Writes `network` to `url` as an ONNX file (atomically).
    /// - Throws: ``ModelError`` when the file cannot be written.
    public static func write(_ network: Sequential, to url: URL, elementType: ElementType = .float64) throws(ModelError) {
        let encoded = try bytes(network, elementType: elementType)
        do { try AtomicFile.write(encoded, to: url) } catch { throw ModelError(error.description) }
    }

    /// ValueInfoProto of a tensor [batch] + shape.
    private static func valueInfo(_ name: String, elementType: ElementType, shape: [Int]) -> [UInt8] {
        var info = ProtobufWriter()
        info.string(1, name)
        info.message(2) { type in
            type.message(1) { tensor in
                tensor.integer(1, elementType.code)
                tensor.message(2) { dims in
                    dims.message(1) { $0.string(2, "batch") }
                    for size in shape { dims.message(1) { $0.integer(1, Int64(size)) } }
                }
            }
        }
        return info.bytes
    }

    /// The nodes and initializers, in the order they are made.
    private struct GraphBuilder {
        let elementType: ElementType
        var nodes: [[UInt8]] = []
        var initializers: [[UInt8]] = []

        enum Attribute {
            case int(Int64), ints([Int64]), float(Double), string(String)
        }

        mutating func node(_ opType: String, name: String, inputs: [String], output: String, attributes: [(String, Attribute)] = []) {
            var node = ProtobufWriter()
            for input in inputs { node.string(1, input) }
            node.string(2, output)
            node.string(3, name)
            node.string(4, opType)
            for (key, value) in attributes {
                node.message(5) { attribute in
                    attribute.string(1, key)
                    switch value {
                    case .int(let i): attribute.integer(3, i); attribute.integer(20, 2)
                    case .ints(let list): attribute.packedIntegers(8, list); attribute.integer(20, 7)
                    case .float(let x): attribute.float(2, Float(x)); attribute.integer(20, 1)
                    case .string(let s): attribute.string(4, s); attribute.integer(20, 3)
                    }
                }
            }
            nodes.append(node.bytes)
        }

        /// A weight initializer in the element type; returns its name.
        mutating func weight(_ name: String, _ tensor: Tensor) -> String {
            var raw: [UInt8] = []
            raw.reserveCapacity(tensor.count * (elementType == .float64 ? 8 : 4))
            for value in tensor.scalars {
                if elementType == .float64 {
                    withUnsafeBytes(of: value.bitPattern.littleEndian) { raw.append(contentsOf: $0) }
                } else {
                    withUnsafeBytes(of: Float(value).bitPattern.littleEndian) { raw.append(contentsOf: $0) }
                }
            }
            initializer(name, dims: tensor.shape, type: elementType.code, raw: raw)
            return name
        }

        /// An INT64 initializer; returns its name.
        mutating func integers(_ name: String, _ values: [Int64]) -> String {
            var raw: [UInt8] = []
            for value in values { withUnsafeBytes(of: value.littleEndian) { raw.append(contentsOf: $0) } }
            initializer(name, dims: [values.count], type: 7, raw: raw)
            return name
        }

        private mutating func initializer(_ name: String, dims: [Int], type: Int64, raw: [UInt8]) {
            var tensor = ProtobufWriter()
            if !dims.isEmpty { tensor.packedIntegers(1, dims.map { Int64($0) }) }
            tensor.integer(2, type)
            tensor.string(8, name)
            tensor.bytes(9, raw)
            initializers.append(tensor.bytes)
        }

        /// The nodes of layer `index`, reading `reads` and writing `output`.
        mutating func add(_ layer: any Layer, index: Int, reads: [String], output: String) throws(ModelError) {
            let name = "layer\(index)"
            func ints(_ values: [Int]) -> Attribute { .ints(values.map { Int64($0) }) }
            switch layer {
            case let dense as Dense:
                let inputs = [reads[0], weight("\(name).weight", dense.weight)] + (dense.bias.map { [weight("\(name).bias", $0)] } ?? [])
                node("Gemm", name: name, inputs: inputs, output: output, attributes: [("transB", .int(1))])
            case let conv as Conv2D:
                let inputs = [reads[0], weight("\(name).weight", conv.weight)] + (conv.bias.map { [weight("\(name).bias", $0)] } ?? [])
                node("Conv", name: name, inputs: inputs, output: output, attributes: [
                    ("kernel_shape", ints(Array(conv.weight.shape[2...]))), ("strides", ints(conv.strides)), ("pads", ints(conv.pads)),
                    ("dilations", ints(conv.dilations)), ("group", .int(Int64(conv.groups))),
                ])
            case let activation as ActivationLayer:
                switch activation.activation {
                case .relu: node("Relu", name: name, inputs: reads, output: output)
                case .leakyReLU(let slope): node("LeakyRelu", name: name, inputs: reads, output: output, attributes: [("alpha", .float(slope))])
                case .sigmoid: node("Sigmoid", name: name, inputs: reads, output: output)
                case .tanh: node("Tanh", name: name, inputs: reads, output: output)
                case .softplus: node("Softplus", name: name, inputs: reads, output: output)
                case .silu:
                    node("Sigmoid", name: "\(name).gate", inputs: reads, output: "\(output).gate")
                    node("Mul", name: name, inputs: [reads[0], "\(output).gate"], output: output)
                }
            case let pool as MaxPool2D:
                node("MaxPool", name: name, inputs: reads, output: output, attributes: [
                    ("kernel_shape", ints(pool.window.kernel)), ("strides", ints(pool.window.strides)), ("pads", ints(pool.window.pads)),
                ])
            case let pool as AvgPool2D:
                node("AveragePool", name: name, inputs: reads, output: output, attributes: [
                    ("kernel_shape", ints(pool.window.kernel)), ("strides", ints(pool.window.strides)), ("pads", ints(pool.window.pads)),
                    ("count_include_pad", .int(pool.countIncludePad ? 1 : 0)),
                ])
            case is Flatten:
                node("Flatten", name: name, inputs: reads, output: output, attributes: [("axis", .int(1))])
            case let reshape as Reshape:
                node("Reshape", name: name, inputs: [reads[0], integers("\(name).shape", [0] + reshape.shape.map { Int64($0) })], output: output)
            case is Add:
                node("Add", name: name, inputs: reads, output: output)
            case is Multiply:
                node("Mul", name: name, inputs: reads.count == 1 ? [reads[0], reads[0]] : reads, output: output)
            case let concat as Concat:
                node("Concat", name: name, inputs: reads, output: output, attributes: [("axis", .int(Int64(concat.axis + 1)))])
            case let clip as Clip:
                let low = clip.minimum.isFinite ? weight("\(name).min", Tensor(scalar: clip.minimum)) : ""
                let high = clip.maximum.isFinite ? weight("\(name).max", Tensor(scalar: clip.maximum)) : ""
                node("Clip", name: name, inputs: high.isEmpty ? (low.isEmpty ? reads : [reads[0], low]) : [reads[0], low, high], output: output)
            case let affine as ElementwiseAffine:
                var current = reads[0]
                if let scale = affine.scale {
                    let target = affine.shift == nil ? output : "\(output).scaled"
                    node("Mul", name: affine.shift == nil ? name : "\(name).scale", inputs: [current, weight("\(name).scale", scale)], output: target)
                    current = target
                }
                if let shift = affine.shift {
                    node("Add", name: name, inputs: [current, weight("\(name).shift", shift)], output: output)
                }
            case let norm as BatchNormalization:
                let inputs = [reads[0]] + [(norm.scale, "scale"), (norm.shift, "shift"), (norm.mean, "mean"), (norm.variance, "variance")].map {
                    weight("\(name).\($0.1)", $0.0)
                }
                node("BatchNormalization", name: name, inputs: inputs, output: output, attributes: [("epsilon", .float(norm.epsilon))])
            case let pad as ZeroPad:
                let half = pad.pads.count / 2
                let pads = [0] + pad.pads[..<half] + [0] + pad.pads[half...]
                node("Pad", name: name, inputs: [reads[0], integers("\(name).pads", pads.map { Int64($0) })], output: output, attributes: [("mode", .string("constant"))])
            default:
                throw ModelError("layer \(index) (\(layer.kind)) has no ONNX form in this library's writer")
            }
        }
    }
}
