import ArrayFormats
import AttributeCommand
import Attribution
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

/// `attribute --model FILE.onnx`.
@Suite("attribute: ONNX files as --model", .tags(.commandLine))
struct ONNXCommandTests {
    @Test("IG on a torch-exported ONNX CNN equals the library's on the loaded network; a removed Softmax is a warning in every report")
    func attributesAnONNXFile() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let model = FixturePaths.url("onnx/cnn-float64.onnx")
        let inputs = FixturePaths.url("onnx/cnn-goldens/inputs.npy")
        let outcome = AttributeCommand.run(["--model", model.path, "--input", inputs.path, "--method", "ig", "--steps", "16", "--output", "logit", "--target", "1", "--out", scratch.path("a.npy")])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let network = try ModelDirectory.load(model)
        let output = try ClassifierOutput(network: network, target: 1, kind: .logit)
        let x = try NPY.read(contentsOf: inputs)
        let expected = try (0..<x.batchCount).flatMap { try IntegratedGradients(steps: 16).attribute(x.point($0), of: output).attribution.scalars }
        #expect(try NPY.read(contentsOf: URL(fileURLWithPath: scratch.path("a.npy"))).scalars == expected)

        let softmax = AttributeCommand.run([
            "--model", FixturePaths.url("onnx/mlp-softmax.onnx").path, "--input", FixturePaths.url("onnx/mlp-goldens/inputs.npy").path,
            "--method", "gradient", "--out", scratch.path("g.npy"),
        ])
        #expect(softmax.status == 0, "\(softmax.standardError)")
        for line in softmax.standardOutput.split(separator: "\n") {
            let warnings = try #require(try JSONValue.parse(String(line))["warnings"]?.arrayValue)
            #expect(warnings.contains { $0.stringValue?.contains("trailing Softmax") == true })
        }
    }

    @Test("An ONNX file with unsupported ops is exit 3 naming them; --out naming the model file is exit 2; neither writes anything")
    func refusals() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let inputs = FixturePaths.url("onnx/cnn-goldens/inputs.npy").path
        let unsupported = AttributeCommand.run(["--model", FixturePaths.url("onnx/unsupported.onnx").path, "--input", inputs, "--method", "ig", "--out", scratch.path("a.npy")])
        #expect(unsupported.status == 3 && unsupported.standardError.contains("Erf (node erf1), LSTM (node lstm1)"), "\(unsupported.standardError)")
        let copy = scratch.directory.appendingPathComponent("model.onnx")
        try FileManager.default.copyItem(at: FixturePaths.url("onnx/cnn-float64.onnx"), to: copy)
        let before = try Data(contentsOf: copy)
        let overwrite = AttributeCommand.run(["--model", copy.path, "--input", inputs, "--method", "ig", "--out", copy.path])
        #expect(overwrite.status == 2, "\(overwrite.standardError)")
        #expect(try Data(contentsOf: copy) == before)
        #expect(!FileManager.default.fileExists(atPath: scratch.path("a.npy")))
    }

    @Test("convert writes an ONNX graph as a version-2 model directory that computes the same bits; an existing --out is exit 2, an unreadable model exit 3, and neither leaves a directory")
    func convert() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let model = FixturePaths.url("onnx/resnet-float64.onnx")
        let out = scratch.directory.appendingPathComponent("resnet")
        let outcome = AttributeCommand.run(["convert", "--model", model.path, "--out", out.path])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let report = try JSONValue.parse(outcome.standardOutput)
        #expect(report["version"]?.intValue == 2 && report["graph"] == .bool(true))
        let inputs = try NPY.read(contentsOf: FixturePaths.url("onnx/resnet-goldens/inputs.npy"))
        #expect(try ModelDirectory.load(out).logits(for: inputs).scalars == ModelDirectory.load(model).logits(for: inputs).scalars)

        let again = AttributeCommand.run(["convert", "--model", model.path, "--out", out.path])
        #expect(again.status == 2 && again.standardError.contains("exists"), "\(again.standardError)")
        let failed = scratch.directory.appendingPathComponent("unsupported")
        let unsupported = AttributeCommand.run(["convert", "--model", FixturePaths.url("onnx/unsupported.onnx").path, "--out", failed.path])
        #expect(unsupported.status == 3, "\(unsupported.standardError)")
        let left = try FileManager.default.contentsOfDirectory(atPath: scratch.directory.path)
        #expect(Set(left) == ["resnet"], "\(left)")
    }

    @Test("convert writes a model directory (shapes-resnet, a graph) as an .onnx file and back: the round trip computes the directory's logits; float32 on request; a failed run writes nothing")
    func convertToONNX() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let directory = FixturePaths.url("models/shapes-resnet")
        let file = scratch.directory.appendingPathComponent("resnet.onnx")
        let outcome = AttributeCommand.run(["convert", "--model", directory.path, "--out", file.path])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let report = try JSONValue.parse(outcome.standardOutput)
        #expect(report["format"]?.stringValue == "onnx" && report["elementType"]?.stringValue == "float64" && report["graph"] == .bool(true))
        // The committed model.onnx was written by the same writer from the same directory.
        let written = try Data(contentsOf: file)
        #expect(written == (try Data(contentsOf: directory.appendingPathComponent("model.onnx"))))
        let back = scratch.directory.appendingPathComponent("back")
        #expect(AttributeCommand.run(["convert", "--model", file.path, "--out", back.path]).status == 0)
        let inputs = try NPY.read(contentsOf: directory.appendingPathComponent("check/inputs.npy"))
        // Reading the file folds each BatchNorm into its convolution: a reordering of products.
        expectClose(try ModelDirectory.load(back).logits(for: inputs).scalars, try ModelDirectory.load(directory).logits(for: inputs).scalars,
                    Tolerance(relative: 1e-12, absolute: 1e-12), "directory → ONNX → directory")

        let single = scratch.directory.appendingPathComponent("single.onnx")
        let float32 = AttributeCommand.run(["convert", "--model", directory.path, "--out", single.path, "--element-type", "float32"])
        #expect(float32.status == 0)
        let singleBytes = try Data(contentsOf: single)
        #expect(singleBytes == (try Data(contentsOf: directory.appendingPathComponent("model-float32.onnx"))))
        let misplaced = AttributeCommand.run(["convert", "--model", directory.path, "--out", scratch.directory.appendingPathComponent("d").path, "--element-type", "float32"])
        #expect(misplaced.status == 2 && misplaced.standardError.contains(".onnx"), "\(misplaced.standardError)")
        let again = AttributeCommand.run(["convert", "--model", directory.path, "--out", file.path])
        #expect(again.status == 2 && again.standardError.contains("exists"))
        let left = try FileManager.default.contentsOfDirectory(atPath: scratch.directory.path)
        #expect(Set(left) == ["resnet.onnx", "back", "single.onnx"], "\(left)")
    }
}
