import ArrayFormats
import AttributeCommand
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

/// The parts of the command-line contract that path methods add: reports, ledgers,
/// baselines, option checking, threads and `verify`.
@Suite("attribute: the oracle's contract for path methods", .tags(.commandLine))
struct OracleContractTests {
    static let digits = FixturePaths.url("models/digits-cnn")

    static func run(_ arguments: [String]) throws -> (AttributeCommand.Outcome, JSONValue) {
        let outcome = AttributeCommand.run(arguments)
        let json = outcome.status <= 1 ? try JSONValue.parse(outcome.standardOutput) : .null
        return (outcome, json)
    }

    static func digitsArguments(_ scratch: URL, _ method: [String]) -> [String] {
        ["--model", digits.path, "--input", digits.appendingPathComponent("example-input.npy").path, "--out", scratch.appendingPathComponent("a.npy").path] + method
    }

    @Test("Every path method reports value, baselineValue, attributionSum and a completeness delta that adds up",
          arguments: [["--method", "ig"], ["--method", "ig", "--integrator", "idgi"], ["--method", "blur-ig", "--steps", "20"],
                      ["--method", "guided-ig", "--steps", "20"], ["--method", "guided-ig", "--steps", "20", "--integrator", "idgi"]])
    func pathReports(method: [String]) throws {
        let scratch = try FixturePaths.temporaryDirectory("oracle")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let (outcome, json) = try Self.run(Self.digitsArguments(scratch, method + ["--steps", "12"].filter { _ in !method.contains("--steps") }))
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let value = try #require(json["value"]?.doubleValue)
        let baselineValue = try #require(json["baselineValue"]?.doubleValue)
        let sum = try #require(json["attributionSum"]?.doubleValue)
        let delta = try #require(json["completenessDelta"]?.doubleValue)
        expectClose(delta, sum - (value - baselineValue), Tolerance(relative: 0, absolute: 1e-15), "completenessDelta")
        let attribution = try NPY.read(contentsOf: scratch.appendingPathComponent("a.npy"))
        expectClose(attribution.sum, sum, Tolerance(relative: 1e-14, absolute: 1e-16), "attributionSum")
        if method.contains("idgi") { #expect(abs(delta) < 1e-12) }
        #expect(json["gradientEvaluations"]?.intValue ?? 0 >= 12)
    }

    @Test("The ledger written by the CLI shows the hyperplane property on every step, for the IDGI versions of ig, blur-ig and guided-ig",
          arguments: ["ig", "blur-ig", "guided-ig"])
    func ledgerHyperplane(method: String) throws {
        let scratch = try FixturePaths.temporaryDirectory("ledger")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let ledgerFile = scratch.appendingPathComponent("ledger.json")
        let (outcome, json) = try Self.run(Self.digitsArguments(scratch, ["--method", method, "--integrator", "idgi", "--steps", "16", "--ledger", ledgerFile.path]))
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let ledger = try JSONValue.parse(String(contentsOf: ledgerFile, encoding: .utf8))
        let steps = try #require(ledger["steps"]?.arrayValue)
        #expect(steps.count == 16)
        var total = 0.0
        for (j, step) in steps.enumerated() {
            let keys = step.keys
            #expect(keys == ["start", "end", "startValue", "endValue", "deltaValue", "gradientNormSquared", "attributionSum", "point"])
            // One gradient per step, in step order: step j's gradient is path point j.
            #expect(step["point"]?.intValue == j)
            let delta = try #require(step["deltaValue"]?.doubleValue)
            let sum = try #require(step["attributionSum"]?.doubleValue)
            // The hyperplane property, 1e-12 relative to the step's own ΔF (see HyperplaneTests).
            expectClose(sum, delta, Tolerance(relative: 1e-12, absolute: 1e-300), "\(method) step \(j)")
            total += sum
        }
        expectClose(total, try #require(json["value"]?.doubleValue) - (try #require(json["baselineValue"]?.doubleValue)), Tolerance(relative: 1e-12), "\(method) total")
    }

    @Test("verify accepts our own output and rejects it perturbed by 1%")
    func verify() throws {
        let scratch = try FixturePaths.temporaryDirectory("verify")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let method = ["--method", "ig", "--steps", "32", "--rule", "trapezoid", "--target", "2"]
        let (made, _) = try Self.run(Self.digitsArguments(scratch, method))
        #expect(made.status == 0)
        let reference = try NPY.read(contentsOf: scratch.appendingPathComponent("a.npy"))
        let common = ["verify", "--model", Self.digits.path, "--input", Self.digits.appendingPathComponent("example-input.npy").path] + method
        let (accepted, acceptedJSON) = try Self.run(common + ["--candidate", scratch.appendingPathComponent("a.npy").path])
        #expect(accepted.status == 0, "\(accepted.standardOutput)")
        #expect(acceptedJSON["pass"]?.boolValue == true && acceptedJSON["maxRelativeDifference"]?.doubleValue == 0)

        var perturbed = reference
        let largest = Reductions.indexOfMaximum(reference.scalars.map(abs))
        perturbed.scalars[largest] *= 1.01
        try NPY.write(perturbed, to: scratch.appendingPathComponent("perturbed.npy"))
        let (rejected, rejectedJSON) = try Self.run(common + ["--candidate", scratch.appendingPathComponent("perturbed.npy").path])
        #expect(rejected.status == 1)
        #expect(rejectedJSON["pass"]?.boolValue == false)
        expectClose(try #require(rejectedJSON["maxRelativeDifference"]?.doubleValue), 0.01, Tolerance(relative: 1e-12), "relative difference")
        // A tolerance wide enough lets it through.
        let (loose, _) = try Self.run(common + ["--candidate", scratch.appendingPathComponent("perturbed.npy").path, "--tolerance", "0.02"])
        #expect(loose.status == 0)
        // Every element perturbed by 1% is rejected too.
        try NPY.write(reference.map { $0 * 1.01 }, to: scratch.appendingPathComponent("scaled.npy"))
        #expect(AttributeCommand.run(common + ["--candidate", scratch.appendingPathComponent("scaled.npy").path]).status == 1)
    }

    @Test("--baseline FILE is the path's start; --threads does not change a bit", .tags(.determinism))
    func baselineAndThreads() throws {
        let scratch = try FixturePaths.temporaryDirectory("baseline")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let gray = Tensor(shape: [1, 8, 8], repeating: 0.25)
        try NPY.write(gray, to: scratch.appendingPathComponent("gray.npy"))
        let network = try ModelDirectory.load(Self.digits)
        let (outcome, json) = try Self.run(Self.digitsArguments(scratch, ["--method", "ig", "--baseline", scratch.appendingPathComponent("gray.npy").path, "--target", "2"]))
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let output = try ClassifierOutput(network: network, target: 2)
        #expect(json["baselineValue"]?.doubleValue == (try output.value(at: gray)))

        var results: [Tensor] = []
        for threads in ["1", "2"] {
            let file = scratch.appendingPathComponent("t\(threads).npy")
            let arguments = ["--model", Self.digits.path, "--input", Self.digits.appendingPathComponent("example-input.npy").path, "--out", file.path,
                             "--method", "smoothgrad", "--base", "ig", "--steps", "8", "--samples", "3", "--threads", threads]
            #expect(AttributeCommand.run(arguments).status == 0)
            results.append(try NPY.read(contentsOf: file))
        }
        #expect(results[0] == results[1])
    }

    static let misplaced: [(String, [String], String)] = [
        ("--max-sigma on ig", ["--method", "ig", "--max-sigma", "3"], "--max-sigma does not apply to ig"),
        ("--rule on blur-ig", ["--method", "blur-ig", "--rule", "left"], "--rule does not apply"),
        ("--steps on gradient", ["--method", "gradient", "--steps", "3"], "--steps does not apply"),
        ("--ledger on smoothgrad", ["--method", "smoothgrad", "--ledger", "/tmp/l.json"], "--ledger does not apply"),
        ("--samples on ig", ["--method", "ig", "--samples", "3"], "--samples does not apply"),
        ("unknown rule", ["--method", "ig", "--rule", "simpson"], "--rule must be one of: left, right"),
        ("unknown integrator", ["--method", "ig", "--integrator", "rk4"], "--integrator must be one of: riemann, idgi, got rk4"),
        ("idgi with captum-trapezoid", ["--method", "ig", "--integrator", "idgi", "--rule", "captum-trapezoid"], "cannot be used with --integrator idgi"),
        ("trapezoid with one step", ["--method", "ig", "--rule", "trapezoid", "--steps", "1"], "needs --steps ≥ 2"),
        ("zero steps", ["--method", "ig", "--steps", "0"], "must be an integer"),
        ("fraction above 1", ["--method", "guided-ig", "--fraction", "1.5"], "(0, 1]"),
        ("max-dist above 1", ["--method", "guided-ig", "--max-dist", "2"], "must be a number in [0, 1]"),
        ("negative sigma", ["--method", "blur-ig", "--max-sigma", "-1"], "must be a number in [0, 1000000]"),
        ("NaN sigma", ["--method", "blur-ig", "--max-sigma", "nan"], "must be a number in [0, 1000000]"),
        ("smoothgrad over smoothgrad", ["--method", "smoothgrad", "--base", "smoothgrad"], "--base smoothgrad is not a method smoothgrad can run; one of:"),
        ("negative seed", ["--method", "smoothgrad", "--seed", "-4"], "whole number"),
        ("zero batch", ["--method", "ig", "--batch", "0"], "must be an integer"),
        ("candidate without verify", ["--method", "ig", "--candidate", "/tmp/c.npy"], "belongs to `attribute verify`"),
        ("zero threads", ["--method", "ig", "--threads", "0"], "must be an integer"),
    ]

    @Test("Options that do not apply or are out of range are usage errors (exit 2) naming the option", arguments: misplaced)
    func misplacedOptions(name: String, method: [String], phrase: String) throws {
        let scratch = try FixturePaths.temporaryDirectory("misplaced")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outcome = AttributeCommand.run(Self.digitsArguments(scratch, method))
        #expect(outcome.status == 2, "\(name): \(outcome.standardError)")
        #expect(outcome.standardError.contains(phrase), "\(name): \(outcome.standardError)")
        #expect(!FileManager.default.fileExists(atPath: scratch.appendingPathComponent("a.npy").path))
    }

    @Test("A baseline of the wrong shape and a ledger path that cannot be written are data errors; nothing is written")
    func stagedWrites() throws {
        let scratch = try FixturePaths.temporaryDirectory("staged")
        defer { try? FileManager.default.removeItem(at: scratch) }
        try NPY.write(Tensor(zeros: [8, 8]), to: scratch.appendingPathComponent("flat.npy"))
        let badBaseline = AttributeCommand.run(Self.digitsArguments(scratch, ["--method", "ig", "--baseline", scratch.appendingPathComponent("flat.npy").path]))
        #expect(badBaseline.status == 3 && badBaseline.standardError.contains("baseline has shape [8, 8]"))
        // The ledger's directory does not exist: the attribution must not be written either.
        let badLedger = AttributeCommand.run(Self.digitsArguments(scratch, ["--method", "ig", "--ledger", scratch.appendingPathComponent("no/dir/l.json").path]))
        #expect(badLedger.status == 3)
        #expect(!FileManager.default.fileExists(atPath: scratch.appendingPathComponent("a.npy").path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).allSatisfy { !$0.contains("partial") })
    }
}
