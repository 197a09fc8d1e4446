import ArrayFormats
import Foundation

/// The parts of an ONNX model file this library reads (`onnx/onnx.proto`: ModelProto,
/// GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto), decoded from
/// protobuf's wire format (``ProtobufReader``) with nothing dropped silently: what a network
/// cannot be built from — subgraph attributes, sparse or external tensors, training info,
/// functions — is recorded so the loader can refuse it by name.
///
/// Field numbers are onnx.proto's; unknown fields are skipped, as protobuf requires.
public struct ONNXModel: Sendable, Equatable {
    /// ModelProto.ir_version
    public var irVersion: Int64 = 0
    /// ModelProto.opset_import: (domain, version); "" is the default ONNX domain.
    public var opsetImports: [OperatorSet] = []
    /// ModelProto.producer_name
    public var producerName = ""
    /// ModelProto.graph
    public var graph = ONNXGraph()
    /// Whether the model has training_info (20) or functions (25), which this library does not run.
    public var hasTrainingInfo = false, hasFunctions = false

    /// One opset import.
    public struct OperatorSet: Sendable, Equatable {
        /// The operator domain ("" or "ai.onnx" is ONNX's own).
        public var domain: String
        /// The opset version.
        public var version: Int64
    }

    /// Decodes a ModelProto from the bytes of a `.onnx` file.
    /// - Throws: ``ProtobufError`` naming the first malformed field.
    public init(bytes: [UInt8]) throws(ProtobufError) {
        var reader = ProtobufReader(bytes)
        var sawGraph = false
        while let field = try reader.next() {
            switch field.number {
            case 1:
                try ProtobufReader.expect(field, .varint, in: "ModelProto", "ir_version")
                irVersion = Int64(bitPattern: field.scalar)
            case 2:
                try ProtobufReader.expect(field, .lengthDelimited, in: "ModelProto", "producer_name")
                producerName = try reader.string(field)
            case 7:
                try ProtobufReader.expect(field, .lengthDelimited, in: "ModelProto", "graph")
                graph = try ONNXGraph(reader.message(field))
                sawGraph = true
            case 8:
                try ProtobufReader.expect(field, .lengthDelimited, in: "ModelProto", "opset_import")
                var inner = reader.message(field)
                var set = OperatorSet(domain: "", version: 0)
                while let f = try inner.next() {
                    switch f.number {
                    case 1:
                        try ProtobufReader.expect(f, .lengthDelimited, in: "OperatorSetIdProto", "domain")
                        set.domain = try inner.string(f)
                    case 2:
                        try ProtobufReader.expect(f, .varint, in: "OperatorSetIdProto", "version")
                        set.version = Int64(bitPattern: f.scalar)
                    default: continue
                    }
                }
                opsetImports.append(set)
            case 20: hasTrainingInfo = true
            case 25: hasFunctions = true
            default: continue
            }
        }
        guard sawGraph else { throw ProtobufError("the file has no graph (ModelProto.graph): it is not an ONNX model") }
    }

    /// The default domain's opset version, if imported.
    public var defaultOpsetVersion: Int64? {
        opsetImports.first { $0.domain.isEmpty || $0.domain == "ai.onnx" }?.version
    }
}

/// GraphProto: the nodes in topological order, the weights, the inputs and outputs.
public struct ONNXGraph: Sendable, Equatable {
    /// GraphProto.name
    public var name = ""
    /// GraphProto.node
    public var nodes: [ONNXNode] = []
    /// GraphProto.initializer
    public var initializers: [ONNXTensor] = []
    /// GraphProto.input (initializers may be listed here too, as older exporters do)
    public var inputs: [ONNXValueInfo] = []
    /// GraphProto.output
    public var outputs: [ONNXValueInfo] = []
    /// Whether it has sparse_initializer (15).
    public var hasSparseInitializers = false

    init() {}

    init(_ message: ProtobufReader) throws(ProtobufError) {
        var reader = message
        while let field = try reader.next() {
            switch field.number {
            case 1:
                try ProtobufReader.expect(field, .lengthDelimited, in: "GraphProto", "node")
                nodes.append(try ONNXNode(reader.message(field)))
            case 2:
                try ProtobufReader.expect(field, .lengthDelimited, in: "GraphProto", "name")
                name = try reader.string(field)
            case 5:
                try ProtobufReader.expect(field, .lengthDelimited, in: "GraphProto", "initializer")
                initializers.append(try ONNXTensor(reader.message(field)))
            case 11, 12:
                try ProtobufReader.expect(field, .lengthDelimited, in: "GraphProto", field.number == 11 ? "input" : "output")
                let info = try ONNXValueInfo(reader.message(field))
                if field.number == 11 { inputs.append(info) } else { outputs.append(info) }
            case 15: hasSparseInitializers = true
            default: continue
            }
        }
    }
}

/// NodeProto: one operator application.
public struct ONNXNode: Sendable, Equatable {
    /// NodeProto.name (may be empty)
    public var name = ""
    /// NodeProto.op_type
    public var opType = ""
    /// NodeProto.domain ("" is ONNX's own)
    public var domain = ""
    /// NodeProto.input ("" marks an omitted optional input)
    public var inputs: [String] = []
    /// NodeProto.output
    public var outputs: [String] = []
    /// NodeProto.attribute
    public var attributes: [ONNXAttribute] = []

    init(_ message: ProtobufReader) throws(ProtobufError) {
        var reader = message
        while let field = try reader.next() {
            switch field.number {
            case 1, 2, 3, 4, 7:
                let names = [1: "input", 2: "output", 3: "name", 4: "op_type", 7: "domain"]
                try ProtobufReader.expect(field, .lengthDelimited, in: "NodeProto", names[field.number]!)
                let text = try reader.string(field)
                switch field.number {
                case 1: inputs.append(text)
                case 2: outputs.append(text)
                case 3: name = text
                case 4: opType = text
                default: domain = text
                }
            case 5:
                try ProtobufReader.expect(field, .lengthDelimited, in: "NodeProto", "attribute")
                attributes.append(try ONNXAttribute(reader.message(field)))
            default: continue
            }
        }
    }

    /// The attribute called `name`.
    public func attribute(_ name: String) -> ONNXAttribute? { attributes.first { $0.name == name } }

    /// How the node is named in messages: its name, or its op type and first output.
    public var label: String { name.isEmpty ? "\(opType) → \(outputs.first ?? "?")" : name }
}

/// AttributeProto: a named value of one of ONNX's attribute types.
public struct ONNXAttribute: Sendable, Equatable {
    /// AttributeProto.name
    public var name = ""
    /// The value.
    public var value: Value = .unsupported("UNDEFINED")

    /// The values this library reads; the others (graphs, sparse tensors, type protos) by name.
    public enum Value: Sendable, Equatable {
        /// FLOAT (float32, converted exactly)
        case float(Double)
        /// INT
        case int(Int64)
        /// STRING
        case string(String)
        /// TENSOR
        case tensor(ONNXTensor)
        /// FLOATS
        case floats([Double])
        /// INTS
        case ints([Int64])
        /// STRINGS
        case strings([String])
        /// A type this library does not read, by its AttributeType name.
        case unsupported(String)
    }

    init(_ message: ProtobufReader) throws(ProtobufError) {
        var reader = message
        var type: UInt64 = 0
        var f: Double?, i: Int64?, s: String?, t: ONNXTensor?
        var floats: [Double] = [], ints: [Int64] = [], strings: [String] = []
        var other: String?
        while let field = try reader.next() {
            switch field.number {
            case 1:
                try ProtobufReader.expect(field, .lengthDelimited, in: "AttributeProto", "name")
                name = try reader.string(field)
            case 20:
                try ProtobufReader.expect(field, .varint, in: "AttributeProto", "type")
                type = field.scalar
            case 2:
                try ProtobufReader.expect(field, .fixed32, in: "AttributeProto", "f")
                f = Double(Float(bitPattern: UInt32(truncatingIfNeeded: field.scalar)))
            case 3:
                try ProtobufReader.expect(field, .varint, in: "AttributeProto", "i")
                i = Int64(bitPattern: field.scalar)
            case 4:
                try ProtobufReader.expect(field, .lengthDelimited, in: "AttributeProto", "s")
                s = try reader.string(field)
            case 5:
                try ProtobufReader.expect(field, .lengthDelimited, in: "AttributeProto", "t")
                t = try ONNXTensor(reader.message(field))
            case 7: floats += try reader.fixed32s(field).map { Double(Float(bitPattern: $0)) }
            case 8: ints += try reader.varints(field).map { Int64(bitPattern: $0) }
            case 9:
                try ProtobufReader.expect(field, .lengthDelimited, in: "AttributeProto", "strings")
                strings.append(try reader.string(field))
            case 6, 11: other = "GRAPH"
            case 10: other = "TENSORS"
            case 14, 15: other = "TYPE_PROTO"
            case 22, 23: other = "SPARSE_TENSOR"
            default: continue
            }
        }
        // AttributeType: FLOAT 1, INT 2, STRING 3, TENSOR 4, GRAPH 5, FLOATS 6, INTS 7, STRINGS 8, …
        switch type {
        case 1: value = .float(f ?? 0)
        case 2: value = .int(i ?? 0)
        case 3: value = .string(s ?? "")
        case 4:
            guard let t else { throw ProtobufError("attribute '\(name)' is a TENSOR but holds none") }
            value = .tensor(t)
        case 6: value = .floats(floats)
        case 7: value = .ints(ints)
        case 8: value = .strings(strings)
        case 0:
            // Files from before the type field: the one value present says its type.
            if let f { value = .float(f) } else if let i { value = .int(i) } else if let s { value = .string(s) } else if let t { value = .tensor(t) }
            else if !floats.isEmpty { value = .floats(floats) } else if !ints.isEmpty { value = .ints(ints) } else if !strings.isEmpty { value = .strings(strings) }
            else { value = .unsupported(other ?? "UNDEFINED") }
        default:
            let names: [UInt64: String] = [5: "GRAPH", 9: "TENSORS", 10: "GRAPHS", 11: "SPARSE_TENSOR", 12: "SPARSE_TENSORS", 13: "TYPE_PROTO", 14: "TYPE_PROTOS"]
            value = .unsupported(names[type] ?? "type \(type)")
        }
    }
}

/// TensorProto: a named, shaped array; this library reads FLOAT, DOUBLE, INT32 and INT64 data.
public struct ONNXTensor: Sendable, Equatable {
    /// TensorProto.name
    public var name = ""
    /// TensorProto.dims
    public var dims: [Int64] = []
    /// TensorProto.data_type (FLOAT 1, INT32 6, INT64 7, DOUBLE 11, …)
    public var dataType: Int32 = 0
    /// The values, as doubles: float32 converted exactly, integers exactly below 2⁵³.
    public var values: [Double] = []
    /// The values of an INT32 or INT64 tensor, exactly.
    public var integers: [Int64] = []
    /// Whether the data lives in an external file (data_location EXTERNAL), which this library does not read.
    public var isExternal = false

    /// TensorProto.DataType names, for messages.
    public static func typeName(_ type: Int32) -> String {
        let names: [Int32: String] = [
            1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32", 7: "INT64", 8: "STRING", 9: "BOOL", 10: "FLOAT16",
            11: "DOUBLE", 12: "UINT32", 13: "UINT64", 14: "COMPLEX64", 15: "COMPLEX128", 16: "BFLOAT16",
        ]
        return names[type] ?? "type \(type)"
    }

    /// The number of elements the dims declare, if they are non-negative and the product fits.
    public var elementCount: Int? {
        var count = 1
        for d in dims {
            guard d >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(d))
            guard !overflow else { return nil }
            count = product
        }
        return count
    }

    init(_ message: ProtobufReader) throws(ProtobufError) {
        var reader = message
        var raw: Range<Int>?
        var floatBits: [UInt32] = [], doubleBits: [UInt64] = [], int64s: [Int64] = [], int32s: [Int64] = []
        while let field = try reader.next() {
            switch field.number {
            case 1: dims += try reader.varints(field).map { Int64(bitPattern: $0) }
            case 2:
                try ProtobufReader.expect(field, .varint, in: "TensorProto", "data_type")
                dataType = Int32(truncatingIfNeeded: field.scalar)
            case 4: floatBits += try reader.fixed32s(field)
            case 5: int32s += try reader.varints(field).map { Int64(Int32(truncatingIfNeeded: $0)) }
            case 7: int64s += try reader.varints(field).map { Int64(bitPattern: $0) }
            case 8:
                try ProtobufReader.expect(field, .lengthDelimited, in: "TensorProto", "name")
                name = try reader.string(field)
            case 9:
                try ProtobufReader.expect(field, .lengthDelimited, in: "TensorProto", "raw_data")
                raw = field.payload
            case 10: doubleBits += try reader.fixed64s(field)
            case 13: isExternal = true
            case 14:
                try ProtobufReader.expect(field, .varint, in: "TensorProto", "data_location")
                if field.scalar == 1 { isExternal = true }
            default: continue
            }
        }
        guard !isExternal else { return }
        guard let count = elementCount else { throw ProtobufError("tensor '\(name)' has dims \(dims): each must be ≥ 0 and their product must fit") }
        switch dataType {
        case 1:
            if let raw {
                guard raw.count == 4 * count else { throw Self.sizeError(name, raw.count, count, 4) }
                values = stride(from: raw.lowerBound, to: raw.upperBound, by: 4).map { Double(Float(bitPattern: reader.littleEndian32(at: $0))) }
            } else {
                values = floatBits.map { Double(Float(bitPattern: $0)) }
            }
        case 11:
            if let raw {
                guard raw.count == 8 * count else { throw Self.sizeError(name, raw.count, count, 8) }
                values = stride(from: raw.lowerBound, to: raw.upperBound, by: 8).map { Double(bitPattern: reader.littleEndian64(at: $0)) }
            } else {
                values = doubleBits.map { Double(bitPattern: $0) }
            }
        case 6, 7:
            let width = dataType == 7 ? 8 : 4
            if let raw {
                guard raw.count == width * count else { throw Self.sizeError(name, raw.count, count, width) }
                integers = stride(from: raw.lowerBound, to: raw.upperBound, by: width).map { offset in
                    width == 8 ? Int64(bitPattern: reader.littleEndian64(at: offset)) : Int64(Int32(bitPattern: reader.littleEndian32(at: offset)))
                }
            } else {
                integers = dataType == 7 ? int64s : int32s
            }
            values = integers.map { Double($0) }
        default:
            // Another type: kept by its type alone; the loader refuses it by name if it is used.
            return
        }
        guard values.count == count else {
            throw ProtobufError("tensor '\(name)' has dims \(dims) (\(count) values) but holds \(values.count)")
        }
    }

    private static func sizeError(_ name: String, _ bytes: Int, _ count: Int, _ width: Int) -> ProtobufError {
        ProtobufError("tensor '\(name)' has \(bytes) bytes of raw data for \(count) values of \(width) bytes")
    }
}

/// ValueInfoProto: a graph input's or output's name, element type and shape.
public struct ONNXValueInfo: Sendable, Equatable {
    /// ValueInfoProto.name
    public var name = ""
    /// TypeProto.Tensor.elem_type, when the type is a tensor.
    public var elementType: Int32?
    /// The tensor's dims: a fixed size, a named (symbolic) one, or unknown; nil without a shape.
    public var shape: [Dimension]?

    /// One dimension of a value's shape.
    public enum Dimension: Sendable, Equatable {
        /// dim_value
        case fixed(Int64)
        /// dim_param, a symbolic size such as "batch"
        case symbolic(String)
        /// neither
        case unknown
    }

    init(_ message: ProtobufReader) throws(ProtobufError) {
        var reader = message
        while let field = try reader.next() {
            switch field.number {
            case 1:
                try ProtobufReader.expect(field, .lengthDelimited, in: "ValueInfoProto", "name")
                name = try reader.string(field)
            case 2:
                try ProtobufReader.expect(field, .lengthDelimited, in: "ValueInfoProto", "type")
                var type = reader.message(field)
                while let t = try type.next() {
                    guard t.number == 1 else { continue }  // tensor_type; other kinds leave no element type
                    try ProtobufReader.expect(t, .lengthDelimited, in: "TypeProto", "tensor_type")
                    var tensor = type.message(t)
                    while let f = try tensor.next() {
                        switch f.number {
                        case 1:
                            try ProtobufReader.expect(f, .varint, in: "TypeProto.Tensor", "elem_type")
                            elementType = Int32(truncatingIfNeeded: f.scalar)
                        case 2:
                            try ProtobufReader.expect(f, .lengthDelimited, in: "TypeProto.Tensor", "shape")
                            var dims: [Dimension] = []
                            var shapeReader = tensor.message(f)
                            while let d = try shapeReader.next() {
                                guard d.number == 1 else { continue }
                                try ProtobufReader.expect(d, .lengthDelimited, in: "TensorShapeProto", "dim")
                                var dimension = Dimension.unknown
                                var dimReader = shapeReader.message(d)
                                while let v = try dimReader.next() {
                                    if v.number == 1 {
                                        try ProtobufReader.expect(v, .varint, in: "TensorShapeProto.Dimension", "dim_value")
                                        dimension = .fixed(Int64(bitPattern: v.scalar))
                                    } else if v.number == 2 {
                                        try ProtobufReader.expect(v, .lengthDelimited, in: "TensorShapeProto.Dimension", "dim_param")
                                        dimension = .symbolic(try dimReader.string(v))
                                    }
                                }
                                dims.append(dimension)
                            }
                            shape = dims
                        default: continue
                        }
                    }
                }
            default: continue
            }
        }
    }
}
