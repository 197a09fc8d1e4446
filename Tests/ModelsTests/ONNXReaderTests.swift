import ArrayFormats
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

/// The ONNX reader against the `onnx` package's own parse of the same files
/// (`Fixtures/onnx/make_wire_fixtures.py`), and against malformed bytes.
@Suite("ONNX files: protobuf's wire format and ONNX's messages", .tags(.formats))
struct ONNXReaderTests {
    static func fixture(_ name: String) throws -> (bytes: [UInt8], expected: JSONValue) {
        let directory = FixturePaths.url("onnx")
        let bytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent("\(name).onnx")))
        let expected = try JSONValue.parse(String(contentsOf: directory.appendingPathComponent("\(name).json"), encoding: .utf8))
        return (bytes, expected)
    }

    static func strings(_ value: JSONValue?) -> [String] { (value?.arrayValue ?? []).compactMap(\.stringValue) }
    static func numbers(_ value: JSONValue?) -> [Double] { (value?.arrayValue ?? []).compactMap(\.doubleValue) }

    static func check(_ tensor: ONNXTensor, _ expected: JSONValue, _ label: String) {
        #expect(tensor.name == expected["name"]?.stringValue, "\(label)")
        #expect(tensor.dims.map(Double.init) == numbers(expected["dims"]), "\(label) dims")
        #expect(Double(tensor.dataType) == expected["dataType"]?.doubleValue, "\(label) type")
        // float32 values become the doubles they are exactly, so equality is exact.
        if expected["values"] != .null { #expect(tensor.values == numbers(expected["values"]), "\(label) values") }
    }

    @Test("Every node, attribute, initializer, input and output is what the onnx package reads", arguments: ["wire-small", "resnet-block"])
    func agreesWithOnnx(name: String) throws {
        let (bytes, expected) = try Self.fixture(name)
        let model = try ONNXModel(bytes: bytes)
        #expect(Double(model.irVersion) == expected["irVersion"]?.doubleValue)
        #expect(model.producerName == expected["producerName"]?.stringValue)
        let opsets = try #require(expected["opsets"]?.arrayValue)
        #expect(model.opsetImports.count == opsets.count)
        for (set, pair) in zip(model.opsetImports, opsets) {
            #expect(set.domain == pair.arrayValue?[0].stringValue && Double(set.version) == pair.arrayValue?[1].doubleValue)
        }
        let graph = try #require(expected["graph"])
        #expect(model.graph.name == graph["name"]?.stringValue)
        let nodes = try #require(graph["nodes"]?.arrayValue)
        #expect(model.graph.nodes.count == nodes.count)
        for (node, want) in zip(model.graph.nodes, nodes) {
            #expect(node.name == want["name"]?.stringValue && node.opType == want["opType"]?.stringValue && node.domain == want["domain"]?.stringValue)
            #expect(node.inputs == Self.strings(want["inputs"]) && node.outputs == Self.strings(want["outputs"]), "\(node.label)")
            let attributes = try #require(want["attributes"]?.arrayValue)
            #expect(node.attributes.count == attributes.count, "\(node.label)")
            for (attribute, a) in zip(node.attributes, attributes) {
                #expect(attribute.name == a["name"]?.stringValue)
                let label = "\(node.label).\(attribute.name)"
                switch (attribute.value, a["kind"]?.stringValue) {
                case (.float(let x), "float"): #expect(x == a["value"]?.doubleValue, "\(label)")
                case (.int(let i), "int"): #expect(Double(i) == a["value"]?.doubleValue, "\(label)")
                case (.string(let s), "string"): #expect(s == a["value"]?.stringValue, "\(label)")
                case (.tensor(let t), "tensor"): Self.check(t, try #require(a["value"]), label)
                case (.floats(let xs), "floats"): #expect(xs == Self.numbers(a["value"]), "\(label)")
                case (.ints(let xs), "ints"): #expect(xs.map(Double.init) == Self.numbers(a["value"]), "\(label)")
                case (.strings(let xs), "strings"): #expect(xs == Self.strings(a["value"]), "\(label)")
                default: Issue.record("\(label): decoded \(attribute.value), the onnx package reads a \(a["kind"]?.stringValue ?? "?")")
                }
            }
        }
        let initializers = try #require(graph["initializers"]?.arrayValue)
        #expect(model.graph.initializers.count == initializers.count)
        for (tensor, want) in zip(model.graph.initializers, initializers) { Self.check(tensor, want, tensor.name) }
        for (infos, key) in [(model.graph.inputs, "inputs"), (model.graph.outputs, "outputs")] {
            let wanted = try #require(graph[key]?.arrayValue)
            #expect(infos.count == wanted.count, "\(key)")
            for (info, want) in zip(infos, wanted) {
                #expect(info.name == want["name"]?.stringValue && info.elementType.map(Double.init) == want["elemType"]?.doubleValue, "\(info.name)")
                let shape = info.shape?.map { dimension -> JSONValue in
                    switch dimension {
                    case .fixed(let n): return .number(Double(n))
                    case .symbolic(let s): return .string(s)
                    case .unknown: return .null
                    }
                }
                #expect(shape.map(JSONValue.array) ?? .null == want["shape"], "\(info.name) shape")
            }
        }
    }

    @Test("Every truncation of a file is an error or a shorter valid message, never a crash; one cut inside the graph is always an error")
    func truncations() throws {
        let (bytes, _) = try Self.fixture("wire-small")
        var errors = 0
        for length in 0..<bytes.count {
            do {
                _ = try ONNXModel(bytes: Array(bytes[0..<length]))
            } catch {
                errors += 1
            }
        }
        // The graph (field 7) comes before the opset imports, which are the file's last few
        // dozen bytes: every cut before them is inside the graph or before it.
        let opsetBytes = 60
        #expect(errors >= bytes.count - opsetBytes, "\(errors) errors among \(bytes.count) prefixes")
    }

    @Test("Seeded random corruptions of a file are errors or valid messages, never a crash")
    func corruptions() throws {
        let (bytes, _) = try Self.fixture("resnet-block")
        var generator = Xoshiro256StarStar(seed: 25)
        var errors = 0
        for _ in 0..<3000 {
            var mutant = bytes
            for _ in 0...Int(generator.next() % 4) {
                let position = Int(generator.next() % UInt64(mutant.count))
                mutant[position] = UInt8(truncatingIfNeeded: generator.next())
            }
            do { _ = try ONNXModel(bytes: mutant) } catch { errors += 1 }
        }
        #expect(errors > 0)
    }

    @Test("Malformed wire bytes name what is wrong: a varint past 10 bytes or 64 bits, a group, field number 0, a length past the end, a ragged packed field")
    func malformedWire() throws {
        let cases: [([UInt8], String)] = [
            ([0x08] + [UInt8](repeating: 0xFF, count: 10) + [0x01], "longer than 10 bytes"),
            ([0x08] + [UInt8](repeating: 0xFF, count: 9) + [0x02], "overflows 64 bits"),
            ([0x0B], "wire type 3"),
            ([0x00, 0x01], "field number 0"),
            ([0x3A, 0x80, 0x80, 0x80, 0x80, 0x10], "declares"),  // graph with a 2³⁶-byte length
            ([0x08], "truncated"),
            ([0x3A, 0x07, 0x2A, 0x05, 0x22, 0x03, 0x01, 0x02, 0x03], "whole number"),  // 3 bytes of packed floats in an initializer
        ]
        for (bytes, phrase) in cases {
            do {
                _ = try ONNXModel(bytes: bytes)
                Issue.record("\(bytes) parsed")
            } catch {
                #expect(phrase.isEmpty || error.description.contains(phrase), "\(bytes): \(error.description)")
            }
        }
        // A file that is not a model at all.
        #expect(throws: ProtobufError.self) { try ONNXModel(bytes: Array("model.json".utf8)) }
    }
}
