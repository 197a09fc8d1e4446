import ArrayFormats
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

/// Inputs a fuzzer would try, kept as regression tests: each must be an error, not a trap.
@Suite("Model loader: hostile sizes and in-memory loading", .tags(.formats, .badInput))
struct LoaderHardeningTests {
    static func manifest(_ inputShape: String, _ layers: String, classes: Int = 1) -> [UInt8] {
        Array(#"{"format": "pathattribution.model", "version": 1, "inputShape": \#(inputShape), "classes": \#(classes), "layers": [\#(layers)]}"#.utf8)
    }

    @Test("Shapes whose element counts overflow Int are refused with a message")
    func overflowingShapes() throws {
        // 2^72 values: Int arithmetic would trap computing flatten's output size.
        let huge = try #require(throws: ModelError.self) {
            try ModelDirectory.load(manifest: Self.manifest("[16777216, 16777216, 16777216]", #"{"kind": "flatten"}"#), parameterFiles: [:])
        }
        #expect(huge.description.contains("more than 67108864 values per point"))
        // A convolution whose padding makes its output overflow.
        let weight = NPY.encode(Tensor(zeros: [1, 1, 1, 1]))
        let padded = try #require(throws: ModelError.self) {
            try ModelDirectory.load(
                manifest: Self.manifest("[1, 4, 4]", #"{"kind": "conv2d", "weight": "w.npy", "padding": 16777216}, {"kind": "flatten"}"#),
                parameterFiles: ["w.npy": weight])
        }
        #expect(padded.description.contains("would output shape"))
    }

    @Test("The in-memory loader reads what save wrote, and names missing files")
    func inMemory() throws {
        let directory = try FixturePaths.temporaryDirectory("memory")
        defer { try? FileManager.default.removeItem(at: directory) }
        let network = try TestNetworks.cnn()
        try ModelDirectory.save(network, to: directory)
        var files: [String: [UInt8]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where name.hasSuffix(".npy") {
            files[name] = [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
        }
        let manifest = [UInt8](try Data(contentsOf: directory.appendingPathComponent("model.json")))
        let loaded = try ModelDirectory.load(manifest: manifest, parameterFiles: files)
        #expect(loaded.parameters == network.parameters)
        files.removeValue(forKey: "layer0.weight.npy")
        let missing = try #require(throws: ModelError.self) { try ModelDirectory.load(manifest: manifest, parameterFiles: files, label: "memory") }
        #expect(missing.description.contains("layer0.weight.npy") && missing.description.contains("no such file"))
    }

    @Test("A network whose logits overflow reports it instead of returning NaN")
    func overflowingLogits() throws {
        let network = try Sequential(inputShape: [2], layers: [try Dense(weight: Tensor(shape: [2, 2], scalars: [1e300, 0, 0, 1]), bias: nil)])
        let output = try ClassifierOutput(network: network, target: 0)
        let error = try #require(throws: ModelError.self) { try output.valuesAndGradients(at: Tensor(shape: [1, 2], scalars: [1e10, 1])) }
        #expect(error.description.contains("not finite") && error.description.contains("overflow"))
        #expect(throws: ModelError.self) { try output.values(at: Tensor(shape: [1, 2], scalars: [1e10, 1])) }
    }
}
