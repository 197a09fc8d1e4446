import ArrayFormats
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

/// The ONNX writer against the ONNX reader: a network written and read back is the same
/// function. (The writer's files are checked by onnxruntime and by the onnx package's reference
/// evaluator in `Fixtures/onnx/check_written_models.py`; ``ShapesResNetTests`` reads its output.)
@Suite("ONNX files written by the library", .tags(.formats))
struct ONNXExportTests {
    /// A network read back from its own ONNX file (through the protobuf reader and the loader).
    static func roundTrip(_ network: Sequential, _ elementType: ONNXExport.ElementType = .float64) throws -> Sequential {
        try ONNXImport.network(try ONNXModel(bytes: try ONNXExport.bytes(network, elementType: elementType))).network
    }

    @Test("Every layer kind written as float64 reads back to the same logits, bit for bit where no op is re-expressed")
    func everyOperation() throws {
        var generator = Seeds.generator(1200)
        for (name, network) in [("mlp", try TestNetworks.mlp()), ("cnn", try TestNetworks.cnn()), ("every operation", try GraphOperationTests.everyOperationNetwork())] {
            let back = try Self.roundTrip(network)
            let batch = Tensor.normal(shape: [3] + network.inputShape, using: &generator)
            let (expected, actual) = (try network.logits(for: batch).scalars, try back.logits(for: batch).scalars)
            if name == "every operation" {
                // BatchNormalization's ε travels as a float32 attribute (ONNX's type for it), so
                // 1e-5 comes back as 1e-5 rounded to float32: a relative change of ~1e-8 in ε,
                // below 1e-13 of the logits here.
                expectClose(actual, expected, Tolerance(relative: 1e-12, absolute: 1e-14), "\(name) logits")
                #expect(back.layers.count == network.layers.count + 1, "the affine layer is written as Mul then Add")
            } else {
                #expect(actual == expected, "\(name) logits")
                #expect(back.layers.map(\.kind) == network.layers.map(\.kind))
            }
        }
    }

    @Test("A float32 file holds every weight rounded to float32, and its logits differ by float32's rounding")
    func float32() throws {
        let network = try GraphOperationTests.everyOperationNetwork()
        let back = try Self.roundTrip(network, .float32)
        for (original, rounded) in zip(network.parameters, back.parameters) where original.shape == rounded.shape {
            #expect(rounded.scalars == original.scalars.map { Double(Float($0)) })
        }
        var generator = Seeds.generator(1201)
        let batch = Tensor.normal(shape: [4] + network.inputShape, using: &generator)
        // Weights rounded by ≤ 2⁻²⁴ relative, through a dozen layers: well inside 1e-5.
        expectClose(try back.logits(for: batch).scalars, try network.logits(for: batch).scalars, Tolerance(relative: 1e-5, absolute: 1e-6), "float32 logits")
    }

    @Test("The file names a free batch dimension, opset 17 and DOUBLE tensors")
    func header() throws {
        let model = try ONNXModel(bytes: try ONNXExport.bytes(try TestNetworks.cnn()))
        #expect(model.defaultOpsetVersion == 17)
        #expect(model.graph.inputs.count == 1 && model.graph.inputs[0].name == "input")
        #expect(model.graph.inputs[0].elementType == 11)
        #expect(model.graph.inputs[0].shape?.first == .symbolic("batch"))
        #expect(model.graph.outputs.map(\.name) == ["logits"])
        #expect(model.graph.initializers.allSatisfy { $0.dataType == 11 })
    }
}
