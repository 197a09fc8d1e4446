import ArgumentParsing
import ArrayFormats
import Foundation
import Models

/// `attribute convert`: a model in the other encoding — an `.onnx` file's network written as a
/// model directory, `model.json` (version 1 for a chain of version 1's layers, 2 otherwise) and
/// its `.npy` weights, so the graph a file holds can be read in a text editor; or a model (a
/// directory or an `.onnx` file) written as an ONNX file by ``ONNXExport``.
///
///     attribute convert --model FILE.onnx|DIR --out NEW_DIR|NEW.onnx [--element-type float64|float32]
///
/// The output is written beside its destination and renamed into place only after standard
/// output is written: a failed run leaves nothing. `--out` must not exist yet.
/// stdout: one JSON object (the directory, its format version, layers, whether it is a graph,
/// and the loader's warnings).
enum ConvertCommand {
    static let options: [OptionSpec] = [
        .value("model", "PATH", "an .onnx file or a model directory"),
        .value("out", "NEW_DIR|NEW.onnx", "the model directory, or the .onnx file, to write; it must not exist yet"),
        .value("element-type", "TYPE", "for an .onnx --out: float64 (the weights' bits; default) or float32 (weights rounded, for runtimes without double kernels)"),
    ]

    static var help: String {
        """
        USAGE: attribute convert --model FILE.onnx|DIR --out NEW_DIR|NEW.onnx [--element-type float64|float32]

        Writes the model as a model directory — model.json (version 1 for a chain of the
        version-1 layers, version 2 otherwise) and one .npy file per weight — or, when --out
        ends in .onnx, as an ONNX file (opset 17); all or nothing.

        OPTIONS:
        \(OptionSpec.help(options))
          -h, --help             show this help
        """
    }

    static func run(_ words: [String]) throws -> AttributeCommand.Run {
        let parsed = try Arguments(words, command: "attribute convert", options: options)
        if parsed.wantsHelp { return AttributeCommand.Run(standardOutput: help + "\n") }
        let model = URL(fileURLWithPath: try parsed.required("model"))
        let destination = URL(fileURLWithPath: try parsed.required("out")).standardizedFileURL
        guard !FileManager.default.fileExists(atPath: destination.path) else {
            throw UsageError("--out \(destination.path) exists; give the path of a new directory")
        }
        let parent = destination.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: parent.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw UsageError("--out \(destination.path): the directory \(parent.path) does not exist; create it first")
        }
        let writesONNX = destination.pathExtension.lowercased() == "onnx"
        let elementType = try parsed.choice("element-type", from: ["float64", "float32"])
        if elementType != nil && !writesONNX { throw UsageError("--element-type applies to an .onnx --out only") }
        let loaded: ONNXImport.Loaded
        if model.pathExtension.lowercased() == "onnx" {
            loaded = try ONNXImport.load(model)
        } else {
            loaded = ONNXImport.Loaded(network: try ModelDirectory.load(model), warnings: [])
        }
        let graph = !loaded.network.isChain
        if writesONNX {
            let bytes = try ONNXExport.bytes(loaded.network, elementType: elementType == "float32" ? .float32 : .float64)
            let report = JSONValue.object([
                .init("model", .string(model.path)), .init("out", .string(destination.path)), .init("format", .string("onnx")),
                .init("opset", .number(Double(ONNXExport.opsetVersion))), .init("elementType", .string(elementType ?? "float64")),
                .init("layers", .number(Double(loaded.network.layers.count))), .init("graph", .bool(graph)),
                .init("warnings", .array(loaded.warnings.map { .string($0) })),
            ])
            var run = AttributeCommand.Run(standardOutput: report.description + "\n")
            run.files = [try StagedFile(bytes, for: destination)]
            return run
        }
        let staging = parent.appendingPathComponent(".\(destination.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try ModelDirectory.save(loaded.network, to: staging)
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
        let report = JSONValue.object([
            .init("model", .string(model.path)), .init("out", .string(destination.path)),
            .init("version", .number(Double(ModelDirectory.version(for: loaded.network)))),
            .init("layers", .number(Double(loaded.network.layers.count))), .init("graph", .bool(graph)),
            .init("warnings", .array(loaded.warnings.map { .string($0) })),
        ])
        var run = AttributeCommand.Run(standardOutput: report.description + "\n")
        run.directory = (staging, destination)
        return run
    }
}
