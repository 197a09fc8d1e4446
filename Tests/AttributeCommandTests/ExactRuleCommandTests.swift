import ArrayFormats
import AttributeCommand
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

/// `--rule exact`, `--rule adaptive --tolerance T` and `verify --exact` on the command line.
@Suite("attribute: the exact and adaptive rules", .tags(.commandLine))
struct ExactRuleCommandTests {
    static let relu = FixturePaths.url("pytorch/relu-cnn-rgb")

    /// A seeded input in [0, 1] of the model's shape, written to the scratch folder.
    static func input(_ scratch: Scratch, model: URL, name: String = "x.npy") throws -> String {
        let shape = try ModelDirectory.load(model).inputShape
        var generator = Xoshiro256StarStar(seed: 7)
        let x = Tensor(shape: shape, scalars: (0..<Tensor.elementCount(of: shape)).map { _ in Double.random(in: 0...1, using: &generator) })
        try NPY.write(x, to: scratch.directory.appendingPathComponent(name))
        return scratch.path(name)
    }

    @Test("--rule exact reports its pieces and is complete to rounding for every output; the ledger has one step per piece")
    func exactRule() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let x = try Self.input(scratch, model: Self.relu)
        for kind in OutputKind.allCases {
            let outcome = AttributeCommand.run([
                "--model", Self.relu.path, "--input", x, "--method", "ig", "--rule", "exact", "--output", kind.rawValue,
                "--out", scratch.path("a.npy"), "--ledger", scratch.path("l.json"),
            ])
            #expect(outcome.status == 0, "\(outcome.standardError)")
            let json = try JSONValue.parse(outcome.standardOutput)
            let pieces = try #require(json["linearPieces"]?.intValue)
            #expect(pieces > 1)
            // One gradient per piece for IG (a vector–Jacobian product on a softmax head).
            #expect(json["gradientEvaluations"]?.intValue == pieces)
            let change = try #require(json["value"]?.doubleValue) - (try #require(json["baselineValue"]?.doubleValue))
            #expect(abs(try #require(json["completenessDelta"]?.doubleValue)) <= 1e-12 * max(1, abs(change)), "\(kind)")
            #expect(try #require(json["integrationErrorEstimate"]?.doubleValue) <= 1e-12 * max(1, abs(change)))
            let ledger = try JSONValue.parse(String(contentsOfFile: scratch.path("l.json"), encoding: .utf8))
            #expect(ledger["steps"]?.arrayValue?.count == pieces)
        }
    }

    @Test("--rule adaptive --tolerance T works on a smooth network; --rule exact there is a usage error naming the layer; --steps and --exact are refused where they do not apply")
    func adaptiveAndRefusals() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let smooth = FixturePaths.url("pytorch/smooth-mlp")
        let x = try Self.input(scratch, model: smooth)
        let adaptive = AttributeCommand.run([
            "--model", smooth.path, "--input", x, "--method", "ig", "--rule", "adaptive", "--tolerance", "1e-9", "--output", "logit", "--out", scratch.path("a.npy"),
            "--ledger", scratch.path("l.json"),
        ])
        #expect(adaptive.status == 0, "\(adaptive.standardError)")
        let json = try JSONValue.parse(adaptive.standardOutput)
        #expect(json["parameters"]?["tolerance"]?.doubleValue == 1e-9)
        #expect(try #require(json["adaptiveIntervals"]?.intValue) >= 1)
        let change = try #require(json["value"]?.doubleValue) - (try #require(json["baselineValue"]?.doubleValue))
        // Σ A's error is at most the map's L1 error, which the rule drives below 1e-9 ‖A‖₁.
        #expect(abs(try #require(json["completenessDelta"]?.doubleValue)) <= 1e-9 * max(1, abs(change)) * 10)
        // The ledger: one step per final interval, chained from F(x′) to F(x).
        let steps = try #require(try JSONValue.parse(String(contentsOfFile: scratch.path("l.json"), encoding: .utf8))["steps"]?.arrayValue)
        #expect(steps.count == json["adaptiveIntervals"]?.intValue)
        for (a, b) in zip(steps, steps.dropFirst()) {
            #expect(a["end"] == b["start"] && a["endValue"] == b["startValue"])
        }
        #expect(steps.first?["start"]?.doubleValue == 0 && steps.last?["end"]?.doubleValue == 1)

        let before = try? Data(contentsOf: URL(fileURLWithPath: scratch.path("a.npy")))
        let reluInput = try Self.input(scratch, model: Self.relu, name: "r.npy")
        let cases: [([String], String)] = [
            (["--model", smooth.path, "--input", x, "--method", "ig", "--rule", "exact"], "is smooth"),
            (["--model", Self.relu.path, "--input", reluInput, "--method", "ig", "--rule", "exact", "--steps", "10"], "--steps applies only"),
            (["--model", Self.relu.path, "--input", reluInput, "--method", "ig", "--tolerance", "1e-6"], "--tolerance applies only"),
            (["--model", Self.relu.path, "--input", reluInput, "--method", "ig", "--exact"], "--exact belongs to `attribute verify`"),
        ]
        for (arguments, phrase) in cases {
            let outcome = AttributeCommand.run(arguments + ["--out", scratch.path("a.npy")])
            #expect(outcome.status == 2, "\(arguments): \(outcome.standardError)")
            #expect(outcome.standardError.contains(phrase), "\(arguments): \(outcome.standardError)")
        }
        #expect((try? Data(contentsOf: URL(fileURLWithPath: scratch.path("a.npy")))) == before, "a failed run changed its output")
    }

    @Test("verify --exact: a 20-step candidate is measured against the same-rule reference and against exact IG, whose distance the rule explains")
    func verifyExact() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let x = try Self.input(scratch, model: Self.relu)
        let common = ["--model", Self.relu.path, "--input", x, "--method", "ig", "--steps", "20", "--rule", "left", "--output", "logit"]
        #expect(AttributeCommand.run(common + ["--out", scratch.path("c.npy")]).status == 0)
        let outcome = AttributeCommand.run(["verify"] + common + ["--candidate", scratch.path("c.npy"), "--exact"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let json = try JSONValue.parse(outcome.standardOutput)
        // The candidate is the reference itself: 0 from it, and exactly the reference's own
        // discretisation error from exact IG.
        #expect(json["maxRelativeDifference"]?.doubleValue == 0)
        let fromExact = try #require(json["candidateExactRelativeDifference"]?.doubleValue)
        #expect(fromExact > 1e-4, "20 left-rule steps are visibly off the exact answer")
        #expect(json["referenceExactRelativeDifference"]?.doubleValue == fromExact)
        #expect(try #require(json["exactLinearPieces"]?.intValue) > 1)
        let other = AttributeCommand.run(["verify", "--model", Self.relu.path, "--input", x, "--method", "gradient", "--candidate", scratch.path("c.npy"), "--exact"])
        #expect(other.status == 2 && other.standardError.contains("--exact applies to --method ig"), "\(other.standardError)")
    }
}
