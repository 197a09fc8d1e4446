import ArrayFormats
import Foundation
import Tensors

/// The model directory: the interchange format of DESIGN.md — a `model.json` describing the
/// layers plus one `.npy` file per parameter tensor, in PyTorch's layouts.
///
/// ```json
/// { "format": "pathattribution.model", "version": 1,
///   "inputShape": [1, 8, 8], "classes": 10,
///   "layers": [
///     {"kind": "conv2d", "weight": "c1.weight.npy", "bias": "c1.bias.npy", "stride": 1, "padding": 1},
///     {"kind": "relu"}, {"kind": "maxpool2d", "size": 2, "stride": 2},
///     {"kind": "flatten"},
///     {"kind": "dense", "weight": "fc.weight.npy", "bias": "fc.bias.npy"} ] }
/// ```
///
/// | kind | members (defaults) |
/// |---|---|
/// | `dense` | `weight` [out, in], `bias` [out] (optional) |
/// | `conv2d` | `weight` [O, C, kh, kw], `bias` [O] (optional), `stride` (1), `padding` (0) |
/// | `relu`, `softplus`, `tanh`, `sigmoid`, `silu`, `flatten` | none |
/// | `leakyrelu` | `slope` (0.01, as PyTorch) |
/// | `maxpool2d`, `avgpool2d` | `size`, `stride` (= size, as PyTorch) |
///
/// Loading is strict, because a silently misread model makes every attribution wrong: an
/// unknown member or layer kind, a parameter file outside the directory, a weight whose
/// shape does not chain, or a last layer whose width is not `classes` each fail with a
/// ``ModelError`` naming the file, the layer and the fix.
public enum ModelDirectory {
    /// The value of the `format` member.
    public static let formatName = "pathattribution.model"
    /// The format version this library writes for a chain of layers (it reads 1 and 2).
    public static let formatVersion = 1
    /// The version for graphs: each layer may have a `name`, and `inputs` naming the layers it
    /// reads (`"input"` for the network's input; by default the previous layer).
    public static let graphFormatVersion = 2

    /// Loads the network described by `directory/model.json` — or, given an `.onnx` file, the
    /// network its graph is (``ONNXImport``; a removed trailing Softmax is not reported here).
    public static func load(_ directory: URL) throws(ModelError) -> Sequential {
        var isDirectory: ObjCBool = false
        if directory.pathExtension.lowercased() == "onnx", FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            return try ONNXImport.load(directory).network
        }
        let manifest = directory.appendingPathComponent("model.json")
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ModelError("\(directory.path): no such model directory; --model takes a directory holding model.json and its .npy weights, or an .onnx file")
        }
        guard let data = FileManager.default.contents(atPath: manifest.path) else {
            throw ModelError("\(manifest.path): missing; a model directory holds model.json and one .npy file per weight (see the README's model format)")
        }
        return try load(manifest: [UInt8](data), label: manifest.path) { (name: String) throws(ModelError) -> [UInt8] in
            let url = directory.appendingPathComponent(name)
            let root = directory.resolvingSymlinksInPath().path
            guard url.resolvingSymlinksInPath().path.hasPrefix(root + "/") else {
                throw ModelError("\"\(name)\" resolves outside the model directory")
            }
            guard let contents = FileManager.default.contents(atPath: url.path) else {
                throw ModelError("\(url.path): no such file; check the path")
            }
            return [UInt8](contents)
        }
    }

    /// Loads a network from a manifest and its parameter files held in memory (the format of
    /// ``load(_:)`` without the file system: for embedding models, and for fuzzing the loader).
    /// - Parameters:
    ///   - manifest: the bytes of `model.json`.
    ///   - parameterFiles: each parameter file's name (as `model.json` names it) and bytes.
    ///   - label: names the model in error messages.
    public static func load(manifest: [UInt8], parameterFiles: [String: [UInt8]], label: String = "<model>") throws(ModelError) -> Sequential {
        try load(manifest: manifest, label: label) { (name: String) throws(ModelError) -> [UInt8] in
            guard let bytes = parameterFiles[name] else { throw ModelError("\(label)/\(name): no such file; check the path") }
            return bytes
        }
    }

    /// The loader proper; `contents` returns a parameter file's bytes given its (already
    /// checked) relative name.
    static func load(
        manifest data: [UInt8], label: String, contents: @escaping (String) throws(ModelError) -> [UInt8]
    ) throws(ModelError) -> Sequential {
        func fail(_ problem: String) -> ModelError { ModelError("\(label): \(problem)") }
        guard let text = String(validating: data, as: UTF8.self) else { throw fail("is not UTF-8 text") }
        let json: JSONValue
        do { json = try JSONValue.parse(text) } catch { throw fail("invalid JSON: \(error.description)") }

        guard case .object = json else { throw fail("must hold a JSON object, found \(json.typeName)") }
        try checkMembers(of: json, allowed: ["format", "version", "inputShape", "classes", "layers"], at: "the top level", fail: fail)
        guard json["format"]?.stringValue == formatName else {
            throw fail("\"format\" must be \"\(formatName)\", found \(json["format"]?.description ?? "nothing")")
        }
        guard let version = json["version"]?.intValue else { throw fail("\"version\" must be an integer") }
        guard version == formatVersion || version == graphFormatVersion else {
            throw fail("format version \(version) is not supported; this build reads versions \(formatVersion) and \(graphFormatVersion)")
        }
        guard let shapeValues = json["inputShape"]?.arrayValue, !shapeValues.isEmpty,
              case let inputShape = shapeValues.compactMap(\.intValue), inputShape.count == shapeValues.count,
              inputShape.allSatisfy({ $0 > 0 && $0 <= 1 << 24 })
        else {
            throw fail("\"inputShape\" must be a non-empty array of positive integers, e.g. [1, 8, 8]")
        }
        guard let classes = json["classes"]?.intValue, classes >= 1 else {
            throw fail("\"classes\" must be a positive integer")
        }
        guard let layerValues = json["layers"]?.arrayValue, !layerValues.isEmpty else {
            throw fail("\"layers\" must be a non-empty array of layer objects")
        }

        var layers: [any Layer] = []
        var sources: [[Int]] = []
        var nodeOf = ["input": 0]
        for (index, value) in layerValues.enumerated() {
            let reader = LayerReader(json: value, index: index, label: label, contents: contents, graph: version == graphFormatVersion)
            layers.append(try reader.layer())
            guard version == graphFormatVersion else {
                sources.append([index])
                continue
            }
            // Version 2: the nodes a layer reads, by name; the previous layer by default.
            if let names = value["inputs"] {
                guard let list = names.arrayValue, !list.isEmpty, case let strings = list.compactMap(\.stringValue), strings.count == list.count else {
                    throw fail("layer \(index): \"inputs\" must be a non-empty array of layer names (\"input\" for the network's input)")
                }
                var reads: [Int] = []
                for name in strings {
                    guard let node = nodeOf[name] else { throw fail("layer \(index): \"inputs\" names \"\(name)\", which is not an earlier layer's name or \"input\"") }
                    reads.append(node)
                }
                sources.append(reads)
            } else {
                sources.append([index])
            }
            if let name = value["name"] {
                guard let text = name.stringValue, !text.isEmpty, nodeOf[text] == nil else {
                    throw fail("layer \(index): \"name\" must be a string not used before (and not \"input\")")
                }
                nodeOf[text] = index + 1
            }
        }
        let network: Sequential
        do { network = try Sequential(inputShape: inputShape, layers: layers, inputs: sources) } catch { throw fail(error.description) }
        guard network.classCount == classes else {
            throw fail("\"classes\" is \(classes) but the last layer outputs \(network.classCount) logits")
        }
        return network
    }

    /// Writes `network` as a model directory (created if needed): parameter files named
    /// `layer<i>.weight.npy` and `layer<i>.bias.npy`, then `model.json`, each atomically. A
    /// chain is written as version 1; a graph as version 2, each layer named `layer<i>` and
    /// listing the layers it reads where that is not the previous one.
    public static func save(_ network: Sequential, to directory: URL) throws(ModelError) {
        let graph = !network.isChain
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ModelError("\(directory.path): cannot create the model directory (\(error.localizedDescription))")
        }
        var layerValues: [JSONValue] = []
        for (index, layer) in network.layers.enumerated() {
            var members = [JSONValue.Member("kind", .string(layer.kind))]
            if graph {
                members.insert(.init("name", .string("layer\(index)")), at: 0)
                if network.inputs[index] != [index] {
                    members.append(.init("inputs", .array(network.inputs[index].map { .string($0 == 0 ? "input" : "layer\($0 - 1)") })))
                }
            }
            func parameterFile(_ tensor: Tensor, _ role: String) throws(ModelError) {
                let name = "layer\(index).\(role).npy"
                do { try NPY.write(tensor, to: directory.appendingPathComponent(name)) } catch { throw ModelError(error.description) }
                members.append(.init(role, .string(name)))
            }
            switch layer {
            case let dense as Dense:
                try parameterFile(dense.weight, "weight")
                if let bias = dense.bias { try parameterFile(bias, "bias") }
            case let conv as Conv2D:
                try parameterFile(conv.weight, "weight")
                if let bias = conv.bias { try parameterFile(bias, "bias") }
                members += [.init("stride", .number(Double(conv.stride))), .init("padding", .number(Double(conv.padding)))]
            case let pool as MaxPool2D:
                members += [.init("size", .number(Double(pool.size))), .init("stride", .number(Double(pool.stride)))]
            case let pool as AvgPool2D:
                members += [.init("size", .number(Double(pool.size))), .init("stride", .number(Double(pool.stride)))]
            case let activation as ActivationLayer:
                if case .leakyReLU(let slope) = activation.activation { members.append(.init("slope", .number(slope))) }
            case is Flatten, is Add:
                break
            default:
                throw ModelError("layer \(index) (\(layer.kind)) cannot be saved in the model directory format")
            }
            layerValues.append(.object(members))
        }
        let manifest = JSONValue.object([
            .init("format", .string(formatName)),
            .init("version", .number(Double(graph ? graphFormatVersion : formatVersion))),
            .init("inputShape", .array(network.inputShape.map { .number(Double($0)) })),
            .init("classes", .number(Double(network.classCount))),
            .init("layers", .array(layerValues)),
        ])
        do {
            try AtomicFile.write(manifest.prettyPrinted, to: directory.appendingPathComponent("model.json"))
        } catch {
            throw ModelError(error.description)
        }
    }

    static func checkMembers(
        of json: JSONValue, allowed: Set<String>, at place: String, fail: (String) -> ModelError
    ) throws(ModelError) {
        for key in json.keys where !allowed.contains(key) {
            throw fail("unknown member \"\(key)\" at \(place); allowed: \(allowed.sorted().joined(separator: ", "))")
        }
    }
}

/// Reads one entry of `layers`.
private struct LayerReader {
    let json: JSONValue
    let index: Int
    let label: String
    let contents: (String) throws(ModelError) -> [UInt8]
    /// Version 2: layers may carry `name` and `inputs`, and `add` exists.
    let graph: Bool

    func fail(_ problem: String) -> ModelError {
        ModelError("\(label): layer \(index)\(json["kind"]?.stringValue.map { " (\($0))" } ?? ""): \(problem)")
    }

    func layer() throws(ModelError) -> any Layer {
        guard case .object = json else { throw fail("must be an object, found \(json.typeName)") }
        guard let kind = json["kind"]?.stringValue else { throw fail("needs a \"kind\" string") }
        var allowed: [String: Set<String>] = [
            "dense": ["weight", "bias"], "conv2d": ["weight", "bias", "stride", "padding"],
            "relu": [], "leakyrelu": ["slope"], "softplus": [], "tanh": [], "sigmoid": [], "silu": [],
            "maxpool2d": ["size", "stride"], "avgpool2d": ["size", "stride"], "flatten": [],
        ]
        if graph {
            allowed["add"] = []
            for key in allowed.keys { allowed[key]!.formUnion(["name", "inputs"]) }
        }
        guard let members = allowed[kind] else {
            throw fail("unknown layer kind \"\(kind)\"; known kinds: \(allowed.keys.sorted().joined(separator: ", "))")
        }
        try ModelDirectory.checkMembers(of: json, allowed: members.union(["kind"]), at: "layer \(index) (\(kind))", fail: { ModelError("\(label): \($0)") })
        do throws(ModelError) {
            switch kind {
            case "dense":
                return try Dense(weight: try parameter("weight", required: true)!, bias: try parameter("bias", required: false))
            case "conv2d":
                return try Conv2D(
                    weight: try parameter("weight", required: true)!, bias: try parameter("bias", required: false),
                    stride: try integer("stride", default: 1, minimum: 1), padding: try integer("padding", default: 0, minimum: 0))
            case "relu": return ActivationLayer(.relu)
            case "leakyrelu":
                guard let slope = json["slope"].map({ $0.doubleValue }) ?? 0.01 else { throw fail("\"slope\" must be a number") }
                return ActivationLayer(.leakyReLU(slope: slope))
            case "softplus": return ActivationLayer(.softplus)
            case "tanh": return ActivationLayer(.tanh)
            case "sigmoid": return ActivationLayer(.sigmoid)
            case "silu": return ActivationLayer(.silu)
            case "add": return Add()
            case "maxpool2d", "avgpool2d":
                guard json["size"] != nil else { throw fail("needs \"size\", the pooling window's side") }
                let size = try integer("size", default: 0, minimum: 1)
                let stride = try integer("stride", default: size, minimum: 1)
                return kind == "maxpool2d" ? try MaxPool2D(size: size, stride: stride) : try AvgPool2D(size: size, stride: stride)
            default:
                return Flatten()
            }
        } catch {
            // Messages from this reader already name the file and layer; layer initialisers' do not.
            throw error.description.hasPrefix(label) ? error : fail(error.description)
        }
    }

    func integer(_ key: String, default value: Int, minimum: Int) throws(ModelError) -> Int {
        guard let member = json[key] else { return value }
        guard let n = member.intValue, n >= minimum, n <= 1 << 24 else {
            throw fail("\"\(key)\" must be an integer ≥ \(minimum), found \(member)")
        }
        return n
    }

    /// Loads a parameter file named by member `key`, checking that it stays inside the directory.
    func parameter(_ key: String, required: Bool) throws(ModelError) -> Tensor? {
        guard let member = json[key] else {
            if required { throw fail("needs \"\(key)\", the name of its .npy file") }
            return nil
        }
        guard let name = member.stringValue, !name.isEmpty else { throw fail("\"\(key)\" must be a file name") }
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        guard !name.hasPrefix("/"), !components.contains(".."), !components.contains("") else {
            throw fail("\"\(key)\": \"\(name)\" must be a path inside the model directory (no absolute paths, no '..')")
        }
        let bytes: [UInt8]
        do { bytes = try contents(name) } catch { throw fail("\(key) file \(error.description)") }
        do {
            return try NPY.decode(bytes, name: name)
        } catch {
            throw fail("\(key) file \(error.description)")
        }
    }
}
