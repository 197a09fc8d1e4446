import ArrayFormats
import Attribution
import AttributeCommand
import Evaluation
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

/// `attribute evaluate`: every metric reachable from the command line, with the library's
/// numbers, batches, skips and usage errors.
@Suite("attribute evaluate: every metric from the command line", .tags(.commandLine))
struct EvaluateCommandTests {
    static let shapes = FixturePaths.url("models/shapes-cnn")

    /// A scratch folder with two shapes images, their IG maps by `model`, and an object mask per image.
    static func scratch(model: URL = shapes) throws -> (directory: URL, input: String, attribution: String, mask: String, zeros: String) {
        let directory = try FixturePaths.temporaryDirectory("evaluate")
        let inputs = try ShippedModels.checkInputs("shapes-cnn")
        let batch = Tensor.stacking([inputs.point(0), inputs.point(1)])
        try NPY.write(batch, to: directory.appendingPathComponent("x.npy"))
        let outcome = AttributeCommand.run(["--model", model.path, "--input", directory.appendingPathComponent("x.npy").path, "--method", "ig", "--steps", "16",
                                            "--out", directory.appendingPathComponent("a.npy").path])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        var mask = Tensor(zeros: [2, 16, 16])
        for b in 0..<2 { for r in 4..<12 { for c in 4..<12 { mask[b, r, c] = 1 } } }
        try NPY.write(mask, to: directory.appendingPathComponent("m.npy"))
        try NPY.write(Tensor(zeros: [2, 1, 16, 16]), to: directory.appendingPathComponent("zero.npy"))
        return (directory, directory.appendingPathComponent("x.npy").path, directory.appendingPathComponent("a.npy").path,
                directory.appendingPathComponent("m.npy").path, directory.appendingPathComponent("zero.npy").path)
    }

    static func lines(_ outcome: AttributeCommand.Outcome) throws -> [JSONValue] {
        try outcome.standardOutput.split(separator: "\n").map { try JSONValue.parse(String($0)) }
    }

    @Test("Every metric runs on a batch of two: one JSON line each, with metric, score and parameters (a CNN and a residual graph)",
          arguments: ["shapes-cnn", "shapes-resnet"])
    func everyMetric(name: String) throws {
        let network = FixturePaths.url("models/\(name)")
        let s = try Self.scratch(model: network)
        defer { try? FileManager.default.removeItem(at: s.directory) }
        let model = ["--model", network.path]
        let invocations: [(String, [String])] = [
            ("insertion", model + ["--attribution", s.attribution]), ("deletion", model + ["--attribution", s.attribution, "--substrate", "blur", "--substrate-sigma", "2"]),
            ("insertion-deletion", model + ["--attribution", s.attribution, "--normalize"]),
            ("sic", model + ["--attribution", s.attribution, "--substrate-sigma", "2"]), ("aic", model + ["--attribution", s.attribution, "--information", "ms-ssim"]),
            ("diffid", model + ["--attribution", s.attribution]), ("pointing-game", ["--attribution", s.attribution, "--mask", s.mask, "--tolerance", "1"]),
            ("localization", ["--attribution", s.attribution, "--mask", s.mask]),
            ("infidelity", model + ["--attribution", s.attribution, "--samples", "4", "--seed", "3"]),
            ("max-sensitivity", model + ["--method", "ig", "--steps", "4", "--samples", "2"]), ("randomization", model + ["--method", "gradient"]),
            ("ms-ssim", ["--reference", s.input]),
        ]
        #expect(Set(invocations.map(\.0) + ["information"]) == Set(["insertion", "deletion", "insertion-deletion", "sic", "aic", "ms-ssim", "diffid", "pointing-game", "localization", "infidelity", "max-sensitivity", "randomization", "information"]))
        for (metric, arguments) in invocations {
            let outcome = AttributeCommand.run(["evaluate", "--metric", metric, "--input", s.input] + arguments)
            #expect(outcome.status == 0, "\(metric): \(outcome.standardError)")
            let lines = try Self.lines(outcome)
            #expect(lines.count == 2, "\(metric)")
            for (b, line) in lines.enumerated() {
                #expect(line["metric"]?.stringValue == metric && line["input"]?.intValue == b)
                #expect(line["score"] != nil && line["parameters"] != nil, "\(metric)")
            }
        }
        let information = AttributeCommand.run(["evaluate", "--metric", "information", "--input", network.appendingPathComponent("example-input.npy").path,
                                                "--png-out", s.directory.appendingPathComponent("x.png").path])
        #expect(information.status == 0)
        let bytes = try Array(Data(contentsOf: s.directory.appendingPathComponent("x.png")))
        #expect(try JSONValue.parse(information.standardOutput)["score"]?.intValue == bytes.count)
    }

    @Test("The command line gives the library's numbers: insertion-deletion and DiffID of input 1")
    func sameAsLibrary() throws {
        let s = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: s.directory) }
        let outcome = AttributeCommand.run(["evaluate", "--metric", "insertion-deletion", "--model", Self.shapes.path, "--input", s.input, "--attribution", s.attribution, "--steps", "10"])
        let line = try Self.lines(outcome)[1]
        let network = try ShippedModels.network("shapes-cnn")
        let x = try NPY.read(contentsOf: URL(fileURLWithPath: s.input)).point(1)
        let a = try NPY.read(contentsOf: URL(fileURLWithPath: s.attribution)).point(1)
        let target = try network.predictions(for: x.reshaped([1] + x.shape))[0]
        let result = try InsertionDeletion(steps: 10).evaluate(input: x, attribution: a, output: try ClassifierOutput(network: network, target: target))
        #expect(line["insertion"]?.doubleValue == result.insertion.auc && line["deletion"]?.doubleValue == result.deletion.auc)
        #expect(line["insertionCurve"]?["y"]?.arrayValue?.compactMap(\.doubleValue) == result.insertion.y)
        let diffid = try Self.lines(AttributeCommand.run(["evaluate", "--metric", "diffid", "--model", Self.shapes.path, "--input", s.input, "--attribution", s.attribution]))[1]
        // DiffID's F is the logit by default, as the official evaluator's.
        let expected = try DiffID().evaluate(input: x, attribution: a, output: try ClassifierOutput(network: network, target: target, kind: .logit))
        #expect(diffid["score"]?.doubleValue == expected.score)
    }

    @Test("Skips and mistakes: a zero map is a skip; foreign options, empty thresholds and bad masks are errors with messages")
    func skipsAndErrors() throws {
        let s = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: s.directory) }
        let zero = try Self.lines(AttributeCommand.run(["evaluate", "--metric", "insertion", "--model", Self.shapes.path, "--input", s.input, "--attribution", s.zeros]))
        #expect(zero.count == 2 && zero.allSatisfy { $0["score"] == .null && $0["skipped"]?.stringValue?.contains("zero everywhere") == true })
        let cases: [([String], Int32, String)] = [
            (["--metric", "insertion", "--model", Self.shapes.path, "--input", s.input, "--attribution", s.attribution, "--mask", s.mask], 2, "--mask does not apply to --metric insertion"),
            (["--metric", "sic", "--model", Self.shapes.path, "--input", s.input, "--attribution", s.attribution, "--thresholds", ""], 2, "--thresholds must be increasing numbers in [0, 1]"),
            (["--metric", "sic", "--model", Self.shapes.path, "--input", s.input, "--attribution", s.attribution, "--thresholds", "0.5,2"], 2, "--thresholds must be increasing numbers in [0, 1] separated by commas, got [0.5,2]"),
            (["--metric", "sic", "--model", Self.shapes.path, "--input", s.input, "--attribution", s.attribution, "--thresholds", "0.5,0.1,0.3"], 2, "must be strictly increasing"),
            (["--metric", "nonsense", "--input", s.input], 2, "is not one of"),
            (["--metric", "pointing-game", "--input", s.input, "--attribution", s.attribution, "--mask", s.input], 3, "the mask has shape [2, 1, 16, 16]; it must be [H, W]"),
            (["--metric", "insertion", "--model", Self.shapes.path, "--input", s.input, "--attribution", s.mask], 3, "the attribution has shape"),
            (["--metric", "randomization", "--model", Self.shapes.path, "--input", s.input, "--attribution", s.attribution, "--method", "gradient"], 2, "--attribution does not apply"),
            (["--metric", "infidelity", "--model", Self.shapes.path, "--input", s.input, "--attribution", s.attribution, "--data-range", "1,0"], 2, "LO < HI"),
        ]
        for (arguments, status, phrase) in cases {
            let outcome = AttributeCommand.run(["evaluate"] + arguments)
            #expect(outcome.status == status, "\(arguments): \(outcome.standardError)")
            #expect(outcome.standardError.contains(phrase), "\(arguments): \(outcome.standardError)")
            #expect(outcome.standardOutput.isEmpty)
        }
        #expect(AttributeCommand.run(["evaluate", "--help"]).standardOutput.contains("max-sensitivity"))
    }
}
