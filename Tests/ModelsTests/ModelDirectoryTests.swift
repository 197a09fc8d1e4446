import ArrayFormats
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

@Suite("Model directory: round trip", .tags(.formats))
struct ModelDirectoryTests {
    @Test("Save then load gives a network with identical logits", arguments: ["mlp", "cnn"])
    func roundTrip(name: String) throws {
        let network = name == "mlp" ? try TestNetworks.mlp() : try TestNetworks.cnn()
        let directory = try FixturePaths.temporaryDirectory("model")
        defer { try? FileManager.default.removeItem(at: directory) }
        try ModelDirectory.save(network, to: directory)
        let loaded = try ModelDirectory.load(directory)
        var generator = Seeds.generator(1100, label: name)
        let batch = Tensor.normal(shape: [3] + network.inputShape, using: &generator)
        #expect(try loaded.logits(for: batch) == network.logits(for: batch))
        #expect(loaded.layers.map(\.kind) == network.layers.map(\.kind))
        #expect(loaded.parameters == network.parameters)
    }

    @Test("A graph of every merge and general layer is written as version 2 and read back with the same logits and layers")
    func graphRoundTrip() throws {
        let network = try GraphOperationTests.everyOperationNetwork()
        let directory = try FixturePaths.temporaryDirectory("model")
        defer { try? FileManager.default.removeItem(at: directory) }
        try ModelDirectory.save(network, to: directory)
        let manifest = try JSONValue.parse(String(decoding: try Data(contentsOf: directory.appendingPathComponent("model.json")), as: UTF8.self))
        #expect(manifest["version"]?.intValue == ModelDirectory.graphFormatVersion)
        let loaded = try ModelDirectory.load(directory)
        var generator = Seeds.generator(1101)
        let batch = Tensor.normal(shape: [3] + network.inputShape, using: &generator)
        #expect(try loaded.logits(for: batch) == network.logits(for: batch))
        #expect(loaded.layers.map(\.kind) == network.layers.map(\.kind))
        #expect(loaded.inputs == network.inputs)
        #expect(loaded.parameters == network.parameters)
        let convolutions = zip(loaded.layers, network.layers).compactMap { pair -> Bool? in
            guard let a = pair.0 as? Conv2D, let b = pair.1 as? Conv2D else { return nil }
            return a.strides == b.strides && a.pads == b.pads && a.dilations == b.dilations && a.groups == b.groups
        }
        #expect(convolutions == [true, true])
    }

    @Test("Leaky ReLU's slope and pooling strides survive a round trip")
    func attributes() throws {
        let network = try Sequential(inputShape: [1, 6, 6], layers: [
            ActivationLayer(.leakyReLU(slope: 0.05)), MaxPool2D(size: 3, stride: 1), AvgPool2D(size: 2, stride: 2), Flatten(),
        ])
        let directory = try FixturePaths.temporaryDirectory("model")
        defer { try? FileManager.default.removeItem(at: directory) }
        try ModelDirectory.save(network, to: directory)
        let loaded = try ModelDirectory.load(directory)
        #expect((loaded.layers[0] as? ActivationLayer)?.activation == .leakyReLU(slope: 0.05))
        #expect((loaded.layers[1] as? MaxPool2D).map { [$0.size, $0.stride] } == [3, 1])
        #expect((loaded.layers[2] as? AvgPool2D).map { [$0.size, $0.stride] } == [2, 2])
    }
}

/// A model directory built from JSON text and named weight tensors, for the rejection tests.
struct BrokenModel: Sendable, CustomStringConvertible {
    var description: String
    var json: String
    var weights: [String: Tensor] = [:]
    /// A phrase the error message must contain.
    var phrase: String

    static let denseWeights: [String: Tensor] = [
        "w.npy": Tensor(shape: [3, 4], repeating: 0.1), "b.npy": Tensor(shape: [3], repeating: 0),
    ]

    static func manifest(inputShape: String = "[4]", classes: Int = 3, layers: String) -> String {
        #"{"format": "pathattribution.model", "version": 1, "inputShape": \#(inputShape), "classes": \#(classes), "layers": [\#(layers)]}"#
    }

    static let all: [BrokenModel] = [
        BrokenModel(description: "unknown layer kind", json: manifest(layers: #"{"kind": "conv3d"}"#), phrase: "unknown layer kind \"conv3d\""),
        BrokenModel(description: "missing weight file", json: manifest(layers: #"{"kind": "dense", "weight": "absent.npy"}"#), phrase: "no such file"),
        BrokenModel(
            description: "weights that do not chain", json: manifest(layers: #"{"kind": "dense", "weight": "w.npy"}, {"kind": "dense", "weight": "w.npy"}"#),
            weights: denseWeights, phrase: "layer 1 (dense): dense layer expects 4 input features"),
        BrokenModel(
            description: "bias of the wrong length", json: manifest(layers: #"{"kind": "dense", "weight": "w.npy", "bias": "w.npy"}"#),
            weights: denseWeights, phrase: "bias must have shape [3]"),
        BrokenModel(description: "misspelt member", json: manifest(layers: #"{"kind": "maxpool2d", "size": 2, "strides": 2}"#), phrase: "unknown member \"strides\""),
        BrokenModel(description: "path escaping with ..", json: manifest(layers: #"{"kind": "dense", "weight": "../w.npy"}"#), phrase: "inside the model directory"),
        BrokenModel(description: "absolute path", json: manifest(layers: #"{"kind": "dense", "weight": "/etc/passwd"}"#), phrase: "inside the model directory"),
        BrokenModel(description: "invalid JSON", json: #"{"format": "pathattribution.model", "#, phrase: "invalid JSON"),
        BrokenModel(description: "wrong format name", json: #"{"format": "onnx", "version": 1}"#, phrase: "\"format\" must be"),
        BrokenModel(
            description: "future version",
            json: #"{"format": "pathattribution.model", "version": 3, "inputShape": [4], "classes": 3, "layers": []}"#,
            phrase: "version 3 is not supported"),
        BrokenModel(description: "classes mismatch", json: manifest(classes: 5, layers: #"{"kind": "dense", "weight": "w.npy"}"#), weights: denseWeights, phrase: "\"classes\" is 5"),
        BrokenModel(
            description: "NaN in a weight", json: manifest(layers: #"{"kind": "dense", "weight": "nan.npy"}"#),
            weights: ["nan.npy": Tensor(shape: [3, 4], scalars: [0, 0, 0, 0, 0, .nan, 0, 0, 0, 0, 0, 0])], phrase: "element 5"),
        BrokenModel(description: "no layers", json: manifest(layers: ""), phrase: "\"layers\" must be a non-empty array"),
        BrokenModel(description: "last layer not a vector", json: manifest(inputShape: "[1, 4, 4]", layers: #"{"kind": "relu"}"#), phrase: "must output a vector"),
        BrokenModel(description: "negative input size", json: manifest(inputShape: "[-4]", layers: #"{"kind": "relu"}"#), phrase: "inputShape"),
        BrokenModel(description: "zero stride", json: manifest(inputShape: "[1, 4, 4]", layers: #"{"kind": "maxpool2d", "size": 2, "stride": 0}"#), phrase: "\"stride\" must be an integer ≥ 1"),
        BrokenModel(description: "pool without size", json: manifest(inputShape: "[1, 4, 4]", layers: #"{"kind": "avgpool2d"}"#), phrase: "needs \"size\""),
        BrokenModel(description: "kind is not a string", json: manifest(layers: #"{"kind": 3}"#), phrase: "needs a \"kind\" string"),
        BrokenModel(description: "conv on a vector", json: manifest(layers: #"{"kind": "conv2d", "weight": "c.npy"}"#), weights: ["c.npy": Tensor(zeros: [2, 1, 3, 3])], phrase: "conv2d expects points of shape [channels, height, width]"),
        BrokenModel(
            description: "version 2 kinds in a version 1 file", json: manifest(inputShape: "[2, 3]", layers: #"{"kind": "clip", "min": 0}, {"kind": "flatten"}"#),
            phrase: "unknown layer kind \"clip\""),
        BrokenModel(
            description: "both stride and strides",
            json: manifest(inputShape: "[1, 4, 4]", layers: #"{"kind": "conv2d", "weight": "c.npy", "stride": 1, "strides": [1, 1]}, {"kind": "flatten"}"#).replacingOccurrences(of: "\"version\": 1", with: "\"version\": 2"),
            weights: ["c.npy": Tensor(zeros: [2, 1, 3, 3])], phrase: "not both"),
        BrokenModel(
            description: "groups that do not divide the channels",
            json: manifest(inputShape: "[3, 4, 4]", layers: #"{"kind": "conv2d", "weight": "c.npy", "groups": 2}, {"kind": "flatten"}"#).replacingOccurrences(of: "\"version\": 1", with: "\"version\": 2"),
            weights: ["c.npy": Tensor(zeros: [2, 1, 3, 3])], phrase: "expects 2 input channels"),
        BrokenModel(
            description: "a pad as large as the pooling window",
            json: manifest(inputShape: "[1, 4, 4]", layers: #"{"kind": "maxpool2d", "kernel": [2, 2], "pads": [2, 0, 0, 0]}, {"kind": "flatten"}"#).replacingOccurrences(of: "\"version\": 1", with: "\"version\": 2"),
            phrase: "smaller than the 2×2 window"),
        BrokenModel(description: "weight of the wrong rank", json: manifest(layers: #"{"kind": "conv2d", "weight": "w.npy"}"#), weights: denseWeights, phrase: "conv2d weight must have shape"),
    ]
}

@Suite("Model directory: broken models are rejected with a specific message", .tags(.formats, .badInput))
struct ModelDirectoryRejectionTests {
    @Test("Each broken model", arguments: BrokenModel.all)
    func rejects(model: BrokenModel) throws {
        let directory = try FixturePaths.temporaryDirectory("broken")
        defer { try? FileManager.default.removeItem(at: directory) }
        try AtomicFile.write(model.json, to: directory.appendingPathComponent("model.json"))
        for (name, tensor) in model.weights { try NPY.write(tensor, to: directory.appendingPathComponent(name)) }
        let error = try #require(throws: ModelError.self) { try ModelDirectory.load(directory) }
        #expect(error.description.contains(model.phrase), "\(error.description)")
        #expect(error.description.contains(directory.path), "the message names the directory: \(error.description)")
    }

    @Test("A missing directory, a missing model.json, and a symbolic link that leaves the directory")
    func filesystem() throws {
        let directory = try FixturePaths.temporaryDirectory("broken")
        defer { try? FileManager.default.removeItem(at: directory) }
        let absent = try #require(throws: ModelError.self) { try ModelDirectory.load(directory.appendingPathComponent("nope")) }
        #expect(absent.description.contains("no such model directory"))
        let noManifest = try #require(throws: ModelError.self) { try ModelDirectory.load(directory) }
        #expect(noManifest.description.contains("model.json: missing"))

        let outside = try FixturePaths.temporaryDirectory("outside")
        defer { try? FileManager.default.removeItem(at: outside) }
        try NPY.write(Tensor(shape: [3, 4], repeating: 1), to: outside.appendingPathComponent("w.npy"))
        try FileManager.default.createSymbolicLink(at: directory.appendingPathComponent("w.npy"), withDestinationURL: outside.appendingPathComponent("w.npy"))
        try AtomicFile.write(BrokenModel.manifest(layers: #"{"kind": "dense", "weight": "w.npy"}"#), to: directory.appendingPathComponent("model.json"))
        let escaped = try #require(throws: ModelError.self) { try ModelDirectory.load(directory) }
        #expect(escaped.description.contains("resolves outside the model directory"))
    }
}
