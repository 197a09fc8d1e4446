import ArgumentParsing
import ArrayFormats
import Foundation
import Models

/// `attribute convert`: a model as a model directory — an `.onnx` file's network written as
/// `model.json` (version 1 for a chain, 2 for a graph) and its `.npy` weights, so the graph a
/// file holds can be read in a text editor and loaded without the ONNX reader.
///
///     attribute convert --model FILE.onnx|DIR --out NEW_DIR
///
/// The directory is written beside its destination and renamed into place only after standard
/// output is written: a failed run leaves no directory. `--out` must not exist yet.
/// stdout: one JSON object (the directory, its format version, layers, whether it is a graph,
/// and the loader's warnings).
enum ConvertCommand {
    static let options: [OptionSpec] = [
        .value("model", "PATH", "an .onnx file or a model directory"),
        .value("out", "NEW_DIR", "the model directory to write; it must not exist yet"),
    ]

    static var help: String {
        """
        USAGE: attribute convert --model FILE.onnx|DIR --out NEW_DIR

        Writes the model as a model directory: model.json (version 1 for a chain of layers,
        version 2 for a graph) and one .npy file per weight, all or nothing.

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
        let loaded: ONNXImport.Loaded
        if model.pathExtension.lowercased() == "onnx" {
            loaded = try ONNXImport.load(model)
        } else {
            loaded = ONNXImport.Loaded(network: try ModelDirectory.load(model), warnings: [])
        }
        let staging = parent.appendingPathComponent(".\(destination.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try ModelDirectory.save(loaded.network, to: staging)
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
        let graph = !loaded.network.isChain
        let report = JSONValue.object([
            .init("model", .string(model.path)), .init("out", .string(destination.path)),
            .init("version", .number(Double(graph ? ModelDirectory.graphFormatVersion : ModelDirectory.formatVersion))),
            .init("layers", .number(Double(loaded.network.layers.count))), .init("graph", .bool(graph)),
            .init("warnings", .array(loaded.warnings.map { .string($0) })),
        ])
        var run = AttributeCommand.Run(standardOutput: report.description + "\n")
        run.directory = (staging, destination)
        return run
    }
}
