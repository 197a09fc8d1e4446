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
/// | `conv2d` | `weight` [O, C/groups, kh, kw], `bias` [O] (optional), `stride` (1), `padding` (0); version 2 also `strides` [s_h, s_w], `pads` [top, left, bottom, right], `dilations` [d_h, d_w] (1, 1), `groups` (1) |
/// | `relu`, `softplus`, `tanh`, `sigmoid`, `silu`, `flatten` | none |
/// | `leakyrelu` | `slope` (0.01, as PyTorch) |
/// | `maxpool2d`, `avgpool2d` | `size`, `stride` (= size, as PyTorch); version 2 also `kernel` [kh, kw], `strides`, `pads` [top, left, bottom, right], and for `avgpool2d` `countIncludePad` (false) |
/// | `add`, `mul` (version 2) | none: the nodes in `inputs`, broadcast |
/// | `concat` (version 2) | `axis`, an axis of the point (0 = channels) |
/// | `clip` (version 2) | `min`, `max` (unbounded when absent) |
/// | `affine` (version 2) | `scale`, `shift`: .npy files broadcast over the point (either may be absent) |
/// | `batchnorm` (version 2) | `scale`, `shift`, `mean`, `variance`: .npy files [C]; `epsilon` (1e-5) |
/// | `pad` (version 2) | `pads`: zeros before each point axis, then after each |
/// | `reshape` (version 2) | `shape`: the new point shape |
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
    /// The version for graphs and the layers of ONNX's vocabulary: each layer may have a `name`,
    /// and `inputs` naming the layers it reads (`"input"` for the network's input; by default
    /// the previous layer); the kinds and members marked "version 2" above.
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
    /// `layer<i>.<role>.npy`, then `model.json`, each atomically. A chain of version 1's layers
    /// is written as version 1; anything else as version 2, each layer named `layer<i>` and
    /// listing the layers it reads where that is not the previous one.
    public static func save(_ network: Sequential, to directory: URL) throws(ModelError) {
        let graph = version(for: network) == graphFormatVersion
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ModelError("\(directory.path): cannot create the model directory (\(error.localizedDescription))")
        }
        func numbers(_ values: [Int]) -> JSONValue { .array(values.map { .number(Double($0)) }) }
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
            func window(_ window: PoolingWindow) {
                if let (size, stride) = window.square {
                    members += [.init("size", .number(Double(size))), .init("stride", .number(Double(stride)))]
                } else {
                    members += [.init("kernel", numbers(window.kernel)), .init("strides", numbers(window.strides)), .init("pads", numbers(window.pads))]
                }
            }
            switch layer {
            case let dense as Dense:
                try parameterFile(dense.weight, "weight")
                if let bias = dense.bias { try parameterFile(bias, "bias") }
            case let conv as Conv2D:
                try parameterFile(conv.weight, "weight")
                if let bias = conv.bias { try parameterFile(bias, "bias") }
                if let (stride, padding) = conv.squareStrideAndPadding {
                    members += [.init("stride", .number(Double(stride))), .init("padding", .number(Double(padding)))]
                } else {
                    members += [
                        .init("strides", numbers(conv.strides)), .init("pads", numbers(conv.pads)),
                        .init("dilations", numbers(conv.dilations)), .init("groups", .number(Double(conv.groups))),
                    ]
                }
            case let pool as MaxPool2D:
                window(pool.window)
            case let pool as AvgPool2D:
                window(pool.window)
                if pool.countIncludePad { members.append(.init("countIncludePad", .bool(true))) }
            case let activation as ActivationLayer:
                if case .leakyReLU(let slope) = activation.activation { members.append(.init("slope", .number(slope))) }
            case let concat as Concat:
                members.append(.init("axis", .number(Double(concat.axis))))
            case let clip as Clip:
                if clip.minimum.isFinite { members.append(.init("min", .number(clip.minimum))) }
                if clip.maximum.isFinite { members.append(.init("max", .number(clip.maximum))) }
            case let affine as ElementwiseAffine:
                if let scale = affine.scale { try parameterFile(scale, "scale") }
                if let shift = affine.shift { try parameterFile(shift, "shift") }
            case let norm as BatchNormalization:
                for (tensor, role) in [(norm.scale, "scale"), (norm.shift, "shift"), (norm.mean, "mean"), (norm.variance, "variance")] {
                    try parameterFile(tensor, role)
                }
                members.append(.init("epsilon", .number(norm.epsilon)))
            case let pad as ZeroPad:
                members.append(.init("pads", numbers(pad.pads)))
            case let reshape as Reshape:
                members.append(.init("shape", numbers(reshape.shape)))
            case is Flatten, is Add, is Multiply:
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

    /// The format version ``save(_:to:)`` writes `network` in: 1 for a chain of version 1's
    /// layers, 2 otherwise.
    public static func version(for network: Sequential) -> Int {
        network.isChain && network.layers.allSatisfy(isVersion1) ? formatVersion : graphFormatVersion
    }

    /// Whether version 1 describes the layer: its kinds, with square convolutions and pools.
    private static func isVersion1(_ layer: any Layer) -> Bool {
        switch layer {
        case let conv as Conv2D: return conv.squareStrideAndPadding != nil
        case let pool as MaxPool2D: return pool.window.square != nil
        case let pool as AvgPool2D: return pool.window.square != nil
        case is Dense, is ActivationLayer, is Flatten: return true
        default: return false
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
            allowed["conv2d"]!.formUnion(["strides", "pads", "dilations", "groups"])
            allowed["maxpool2d"]!.formUnion(["kernel", "strides", "pads"])
            allowed["avgpool2d"]!.formUnion(["kernel", "strides", "pads", "countIncludePad"])
            allowed.merge(["add": [], "mul": [], "concat": ["axis"], "clip": ["min", "max"], "affine": ["scale", "shift"], "batchnorm": ["scale", "shift", "mean", "variance", "epsilon"], "pad": ["pads"], "reshape": ["shape"]]) { $1 }
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
                let weight = try parameter("weight", required: true)!, bias = try parameter("bias", required: false)
                guard json["strides"] != nil || json["pads"] != nil || json["dilations"] != nil || json["groups"] != nil else {
                    return try Conv2D(
                        weight: weight, bias: bias,
                        stride: try integer("stride", default: 1, minimum: 1), padding: try integer("padding", default: 0, minimum: 0))
                }
                guard json["stride"] == nil, json["padding"] == nil else { throw fail("give either \"stride\" and \"padding\" or \"strides\" and \"pads\", not both") }
                return try Conv2D(
                    weight: weight, bias: bias, strides: try integers("strides", count: 2, default: [1, 1], minimum: 1),
                    pads: try integers("pads", count: 4, default: [0, 0, 0, 0], minimum: 0),
                    dilations: try integers("dilations", count: 2, default: [1, 1], minimum: 1), groups: try integer("groups", default: 1, minimum: 1))
            case "relu": return ActivationLayer(.relu)
            case "leakyrelu":
                guard let slope = json["slope"].map({ $0.doubleValue }) ?? 0.01 else { throw fail("\"slope\" must be a number") }
                return ActivationLayer(.leakyReLU(slope: slope))
            case "softplus": return ActivationLayer(.softplus)
            case "tanh": return ActivationLayer(.tanh)
            case "sigmoid": return ActivationLayer(.sigmoid)
            case "silu": return ActivationLayer(.silu)
            case "add": return Add()
            case "mul": return Multiply()
            case "concat":
                guard json["axis"] != nil else { throw fail("needs \"axis\", an axis of the point (0 for channels)") }
                return try Concat(axis: try integer("axis", default: 0, minimum: 0))
            case "clip":
                return try Clip(minimum: try number("min") ?? -.infinity, maximum: try number("max") ?? .infinity)
            case "affine":
                return try ElementwiseAffine(scale: try parameter("scale", required: false), shift: try parameter("shift", required: false))
            case "batchnorm":
                let epsilon = try number("epsilon") ?? 1e-5
                return try BatchNormalization(
                    scale: try parameter("scale", required: true)!, shift: try parameter("shift", required: true)!,
                    mean: try parameter("mean", required: true)!, variance: try parameter("variance", required: true)!, epsilon: epsilon)
            case "pad":
                guard let count = json["pads"]?.arrayValue?.count else { throw fail("needs \"pads\", zeros before then after each point axis") }
                return try ZeroPad(pads: try integers("pads", count: count, default: [], minimum: 0))
            case "reshape":
                guard let count = json["shape"]?.arrayValue?.count else { throw fail("needs \"shape\", the new point shape") }
                return try Reshape(shape: try integers("shape", count: count, default: [], minimum: 1))
            case "maxpool2d", "avgpool2d":
                let window: PoolingWindow
                if json["kernel"] != nil {
                    guard json["size"] == nil, json["stride"] == nil else { throw fail("give either \"size\" and \"stride\" or \"kernel\", \"strides\" and \"pads\", not both") }
                    let kernel = try integers("kernel", count: 2, default: [], minimum: 1)
                    window = try PoolingWindow(
                        kernel: kernel, strides: try integers("strides", count: 2, default: kernel, minimum: 1),
                        pads: try integers("pads", count: 4, default: [0, 0, 0, 0], minimum: 0), kind: kind)
                } else {
                    guard json["size"] != nil else { throw fail("needs \"size\", the pooling window's side") }
                    guard json["strides"] == nil, json["pads"] == nil else { throw fail("\"strides\" and \"pads\" go with \"kernel\"; give \"kernel\" too") }
                    let size = try integer("size", default: 0, minimum: 1)
                    let stride = try integer("stride", default: size, minimum: 1)
                    window = try PoolingWindow(kernel: [size, size], strides: [stride, stride], kind: kind)
                }
                if kind == "maxpool2d" { return MaxPool2D(window: window) }
                guard let include = json["countIncludePad"].map({ $0.boolValue }) ?? false else { throw fail("\"countIncludePad\" must be true or false") }
                return AvgPool2D(window: window, countIncludePad: include)
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

    /// Member `key` as a list of `count` integers ≥ `minimum`, or `value` when absent.
    func integers(_ key: String, count: Int, default value: [Int], minimum: Int) throws(ModelError) -> [Int] {
        guard let member = json[key] else { return value }
        guard let list = member.arrayValue, list.count == count,
              case let numbers = list.compactMap(\.intValue), numbers.count == count, numbers.allSatisfy({ $0 >= minimum && $0 <= 1 << 24 })
        else {
            throw fail("\"\(key)\" must be a list of \(count) integers ≥ \(minimum), found \(member)")
        }
        return numbers
    }

    /// Member `key` as a finite number, or nil when absent.
    func number(_ key: String) throws(ModelError) -> Double? {
        guard let member = json[key] else { return nil }
        guard let value = member.doubleValue, value.isFinite else { throw fail("\"\(key)\" must be a finite number, found \(member)") }
        return value
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
