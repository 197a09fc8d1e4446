import ArrayFormats
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

/// ONNX files exported by torch, loaded as networks and checked against what torch computed
/// for them (`Fixtures/onnx/export_sequential_goldens.py`).
@Suite("ONNX models as networks", .tags(.golden))
struct ONNXImportTests {
    static func url(_ name: String) -> URL { FixturePaths.url("onnx/\(name)") }
    static func npy(_ name: String) throws -> Tensor { try NPY.read(contentsOf: url(name)) }

    /// Logits and ∂z_target/∂x of `network` for the inputs of the goldens in `folder`.
    static func evaluate(_ network: Sequential, _ folder: String = "cnn-goldens") throws -> (logits: [Double], gradients: [Double]) {
        let inputs = try npy("\(folder)/inputs.npy")
        let targets = try npy("\(folder)/targets.npy").scalars.map { Int($0) }
        let logits = try network.logits(for: inputs).scalars
        let output = try ClassifierOutput(network: network, target: 0, kind: .logit)
        let gradients = try output.valuesAndGradients(at: inputs, targets: targets).gradients.scalars
        return (logits, gradients)
    }

    /// `network`'s logits and gradients against torch's in `folder`. Both sides compute in
    /// float64 in different orders (and a folded BatchNorm rounds its product once more):
    /// agreement to ~10³ ε.
    static func checkAgainstTorch(_ network: Sequential, _ folder: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (mine, myGradients) = try evaluate(network, folder)
        expectClose(mine, try npy("\(folder)/logits.npy").scalars, Tolerance(relative: 1e-12), "\(name) logits", sourceLocation: sourceLocation)
        expectClose(myGradients, try npy("\(folder)/gradients.npy").scalars, Tolerance(relative: 1e-12), "\(name) gradients", sourceLocation: sourceLocation)
    }

    @Test("A float64 CNN exported by torch: logits and input gradients equal torch's, with its BatchNorm folded by torch or by the loader")
    func float64() throws {
        for name in ["cnn-float64.onnx", "cnn-float64-batchnorm.onnx"] {
            let loaded = try ONNXImport.load(Self.url(name))
            #expect(loaded.warnings.isEmpty)
            #expect(loaded.network.inputShape == [3, 8, 8] && loaded.network.classCount == 5)
            try Self.checkAgainstTorch(loaded.network, "cnn-goldens", name)
        }
    }

    @Test("A residual block exported by torch: an Add of two branches (and the input read twice) gives torch's logits and gradients; it saves as model.json version 2 and reads back")
    func residualBlock() throws {
        for name in ["resnet-float64.onnx", "resnet-float64-batchnorm.onnx"] {
            let network = try ModelDirectory.load(Self.url(name))
            #expect(!network.isChain && network.layers.contains { $0 is Add }, "\(name)")
            try Self.checkAgainstTorch(network, "resnet-goldens", name)
        }
        // A graph is written as a version-2 model directory (named layers and their inputs)
        // and reads back to the same bits; it has no exact line partition.
        let network = try ModelDirectory.load(Self.url("resnet-float64.onnx"))
        let scratch = try FixturePaths.temporaryDirectory("graph-save")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let directory = scratch.appendingPathComponent("m")
        try ModelDirectory.save(network, to: directory)
        let manifest = try JSONValue.parse(String(contentsOf: directory.appendingPathComponent("model.json"), encoding: .utf8))
        #expect(manifest["version"]?.intValue == 2)
        // The README's example: the 1×1 projection reads the input, the sum joins two branches.
        let layers = try #require(manifest["layers"]?.arrayValue)
        #expect(layers[3]["inputs"] == .array([.string("input")]) && layers[3]["kind"]?.stringValue == "conv2d")
        #expect(layers[4] == .object([.init("name", .string("layer4")), .init("kind", .string("add")), .init("inputs", .array([.string("layer2"), .string("layer3")]))]))
        #expect(layers[3].keys == ["name", "kind", "inputs", "weight", "stride", "padding"])
        let again = try ModelDirectory.load(directory)
        #expect(again.inputs == network.inputs)
        let inputs = try Self.npy("resnet-goldens/inputs.npy")
        #expect(try again.logits(for: inputs).scalars == network.logits(for: inputs).scalars)
        #expect(throws: ModelError.self) { try LinePartition.checkPiecewiseLinear(network) }
        // A version-2 layer naming a layer that does not come before it is refused.
        var text = try String(contentsOf: directory.appendingPathComponent("model.json"), encoding: .utf8)
        text = text.replacingOccurrences(of: "\"input\"", with: "\"layer9\"")
        try text.write(to: directory.appendingPathComponent("model.json"), atomically: true, encoding: .utf8)
        #expect(throws: ModelError.self) { try ModelDirectory.load(directory) }
    }

    @Test("The float32 twin agrees with the float64 model to float32's rounding of its weights")
    func float32Twin() throws {
        let logits = try Self.npy("cnn-goldens/logits.npy").scalars
        let network = try ModelDirectory.load(Self.url("cnn-float32.onnx"))
        let (mine, _) = try Self.evaluate(network)
        let error = normwiseRelativeError(mine, logits)
        // Each weight is rounded to 24 bits (relative 6·10⁻⁸); through five layers of sums the
        // logits move by a few times that, far below 10⁻⁵ and far above float64's 10⁻¹⁵.
        #expect(error < 1e-5 && error > 1e-10, "normwise relative difference \(error)")
    }

    @Test("A trailing Softmax is removed with a warning, and the network gives the logits before it")
    func trailingSoftmax() throws {
        let loaded = try ONNXImport.load(Self.url("mlp-softmax.onnx"))
        #expect(loaded.warnings.count == 1 && loaded.warnings[0].contains("Softmax"))
        let logits = try loaded.network.logits(for: try Self.npy("mlp-goldens/inputs.npy")).scalars
        expectClose(logits, try Self.npy("mlp-goldens/logits.npy").scalars, Tolerance(relative: 1e-13), "logits")
    }

    @Test("A fuzzer's find: shape arithmetic on a constant whose type the reader keeps without values is an error naming the type, not a trap")
    func constantOfUnreadType() throws {
        // graph-depthwise with one byte changed by libFuzzer (Fuzz/run.sh): a constant the pad's
        // Slice reads is no longer INT64.
        let error = try #require(throws: ModelError.self) { try ONNXImport.load(Self.url("fuzz-constant-of-unread-type.onnx")) }
        #expect(error.description.contains("this loader folds FLOAT, DOUBLE, INT32 and INT64 constants"), "\(error)")
    }

    @Test("Unsupported ops are refused by name with their nodes; a malformed file is an error")
    func refusals() throws {
        do {
            _ = try ONNXImport.load(Self.url("unsupported.onnx"))
            Issue.record("unsupported.onnx loaded")
        } catch {
            #expect(error.description.contains("Erf (node erf1), LSTM (node lstm1)"), "\(error.description)")
        }
        let scratch = try FixturePaths.temporaryDirectory("onnx")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let truncated = scratch.appendingPathComponent("truncated.onnx")
        try Data(try Data(contentsOf: Self.url("cnn-float64.onnx")).prefix(500)).write(to: truncated)
        #expect(throws: ModelError.self) { try ModelDirectory.load(truncated) }
    }
}
