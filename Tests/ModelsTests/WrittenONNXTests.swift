import ArrayFormats
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

/// The ONNX files the library wrote for `shapes-resnet`, as two independent readers computed
/// them (`Fixtures/onnx/check_written_models.py`: onnx's reference evaluator on the float64
/// file, onnxruntime on the float32 one), against the library's own logits.
@Suite("Written ONNX files: onnx's reference evaluator and onnxruntime agree", .tags(.golden))
struct WrittenONNXTests {
    static let folder = FixturePaths.url("models/shapes-resnet")
    static func npy(_ file: String) throws -> Tensor { try NPY.read(contentsOf: folder.appendingPathComponent(file)) }

    @Test("The float64 file gives the library's logits to rounding in the reference evaluator; the float32 file to float32's in onnxruntime")
    func independentRuntimes() throws {
        let logits = try Self.npy("check/logits.npy").scalars
        let scale = logits.map(abs).max() ?? 1
        // numpy's float64 arithmetic in another order: ~1e-15 of the scale; 1e-12 leaves room.
        expectClose(try Self.npy("check/onnx-reference-logits.npy").scalars, logits, Tolerance(relative: 0, absolute: 1e-12 * scale), "reference evaluator")
        // float32 weights (rounded by ≤ 2⁻²⁴) and float32 arithmetic through 27 layers: 1e-5 of the scale.
        expectClose(try Self.npy("check/onnxruntime-logits.npy").scalars, logits, Tolerance(relative: 0, absolute: 1e-5 * scale), "onnxruntime float32")
        let summary = try JSONValue.parse(String(contentsOf: Self.folder.appendingPathComponent("check/onnx-check.json"), encoding: .utf8))
        #expect(summary["onnxruntimeSamePredictions"]?.boolValue == true)
    }

    @Test("The committed model.onnx is the writer's output for the committed directory, byte for byte, and reads back to the same logits")
    func committedFileIsTheWritersOutput() throws {
        let network = try ModelDirectory.load(Self.folder)
        let written = try ONNXExport.bytes(network)
        #expect(written == Array(try Data(contentsOf: Self.folder.appendingPathComponent("model.onnx"))))
        #expect(try ONNXExport.bytes(network, elementType: .float32) == Array(try Data(contentsOf: Self.folder.appendingPathComponent("model-float32.onnx"))))
        let inputs = try Self.npy("check/inputs.npy")
        let fromONNX = try ModelDirectory.load(Self.folder.appendingPathComponent("model.onnx"))
        // The loader folds each BatchNorm into the convolution before it: a reordering of products.
        expectClose(try fromONNX.logits(for: inputs).scalars, try Self.npy("check/logits.npy").scalars, Tolerance(relative: 1e-12, absolute: 1e-12), "model.onnx")
    }
}
