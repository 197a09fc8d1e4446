import ArrayFormats
import AttributeCommand
import Attribution
import Diffusion
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

/// DDPath through the command line on the digits fixtures: each attribution recomputed from
/// its own `--path-points` (and ledger), IDGI's per-step completeness, the anchors, the
/// same bits for any thread count and batch, sensitivity, and the usage errors.
@Suite("DDPath", .tags(.commandLine))
struct DenoisingDiffusionPathTests {
    static let network = FixturePaths.url("models/digits-cnn")
    static let diffusion = DiffusionModelTests.digits

    struct Run {
        var attribution: Tensor
        var points: Tensor
        var anchors: Tensor
        var ledger: JSONValue
        var report: JSONValue
    }

    /// Runs DDPath on `input` (one digits image) with `options`.
    static func run(_ options: [String], input: URL, in scratch: URL, threads: String = "2") throws -> Run {
        let (out, ledger, points, anchors) = (
            scratch.appendingPathComponent("a.npy"), scratch.appendingPathComponent("l.json"), scratch.appendingPathComponent("p.npy"),
            scratch.appendingPathComponent("n.npy")
        )
        let outcome = AttributeCommand.run([
            "--model", network.path, "--input", input.path, "--method", "ddpath", "--diffusion", diffusion.path, "--out", out.path,
            "--ledger", ledger.path, "--path-points", points.path, "--anchors", anchors.path, "--threads", threads,
        ] + options)
        guard outcome.status == 0 else { throw ModelError("ddpath failed: \(outcome.standardError)") }
        return Run(
            attribution: try NPY.read(contentsOf: out), points: try NPY.read(contentsOf: points), anchors: try NPY.read(contentsOf: anchors),
            ledger: try JSONValue.parse(String(decoding: try Data(contentsOf: ledger), as: UTF8.self)),
            report: try JSONValue.parse(String(outcome.standardOutput.split(separator: "\n")[0])))
    }

    static func input(in scratch: URL, count: Int = 1, offset: Int = 0) throws -> URL {
        let file = scratch.appendingPathComponent("x\(count).npy")
        let images = try FixturePaths.digitsImages(.test, count: count + offset)
        let chosen = Tensor(shape: [count] + Array(images.shape.dropFirst()), scalars: Array(images.scalars.suffix(count * 64)))
        try NPY.write(count == 1 ? chosen.point(0) : chosen, to: file)
        return file
    }

    static let configurations: [[String]] = [
        ["--base", "ig", "--steps", "12"],
        ["--base", "ig", "--steps", "12", "--sampling", "mean", "--anchor-rule", "renoise"],
        ["--base", "ig", "--steps", "12", "--anchor-rule", "ddim", "--baseline", "zeros", "--scaling", "2"],
        ["--base", "ig", "--steps", "12", "--attribution", "algorithm-1", "--reversed"],
        ["--base", "ig", "--steps", "12", "--integrator", "idgi", "--scaling", "0.5"],
        ["--base", "blur-ig", "--steps", "10"],
        ["--base", "blur-ig", "--steps", "10", "--integrator", "idgi", "--sampling", "mean"],
        ["--base", "guided-ig", "--steps", "10"],
        ["--base", "guided-ig", "--steps", "10", "--integrator", "idgi", "--anchor-rule", "renoise"],
        ["--base", "guided-ig", "--steps", "10", "--attribution", "algorithm-1", "--guidance-scale", "0"],
    ]

    @Test("The attribution is the integral over its own path points (1e-12), by the chosen term or IDGI", arguments: configurations)
    func integralOverOwnPoints(options: [String]) throws {
        let scratch = try FixturePaths.temporaryDirectory("ddpath-integral")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let inputFile = try Self.input(in: scratch)
        let x = try NPY.read(contentsOf: inputFile)
        let run = try Self.run(options, input: inputFile, in: scratch)
        let target = run.report["target"]!.intValue!
        let output = try ClassifierOutput(network: try ModelDirectory.load(Self.network), target: target, kind: .probability)
        let steps = run.ledger["steps"]!.arrayValue!
        let T = steps.count
        let indices = steps.map { $0["point"]!.intValue! }
        let points = indices.map { run.points.point($0).scalars } + [x.scalars]
        let evaluated = try output.valuesAndGradients(at: Tensor(shape: [T] + x.shape, scalars: indices.flatMap { run.points.point($0).scalars }))
        let n = x.count
        let g = (0..<T).map { Array(evaluated.gradients.scalars[($0 * n)..<(($0 + 1) * n)]) }
        var expected = [Double](repeating: 0, count: n)
        if options.contains("idgi") {
            let values = evaluated.values + [try output.values(at: x.reshaped([1] + x.shape))[0]]
            for k in 0..<T {
                let norm = g[k].reduce(0) { $0 + $1 * $1 }
                guard norm > 0 else { continue }
                for i in 0..<n { expected[i] += g[k][i] * g[k][i] * (values[k + 1] - values[k]) / norm }
            }
        } else if options.contains("algorithm-1") {
            for k in 0..<T { for i in 0..<n { expected[i] += g[k][i] } }
            for i in 0..<n { expected[i] *= (x.scalars[i] - points[0][i]) / Double(T) }
        } else {
            for k in 0..<T { for i in 0..<n { expected[i] += g[k][i] * (points[k + 1][i] - points[k][i]) } }
        }
        // The same products summed in another order (the accumulator adds term by term; the
        // ledger's points are the exact bits the gradients were taken at): round-off only.
        #expect(normwiseRelativeError(run.attribution.scalars, expected) < 1e-12, "\(options)")
        // The path's ends are x′ and x; anchors and points agree at the start.
        #expect(run.anchors.shape == [T + 1] + x.shape)
        #expect(run.anchors.point(T).scalars == x.scalars)
        #expect(run.anchors.point(0).scalars == points[0])
        #expect(steps[0]["diffusionTime"]!.intValue! == 0)
        #expect(steps.dropFirst().allSatisfy { (1...200).contains($0["diffusionTime"]!.intValue!) })
        #expect(steps.enumerated().allSatisfy { $0.element["anchor"]!.intValue! == $0.offset })
    }

    @Test("With IDGI every step is complete: Σ_i of step k's attribution = F(p_{k+1}) − F(p_k)", .tags(.axiom))
    func idgiPerStep() throws {
        let scratch = try FixturePaths.temporaryDirectory("ddpath-idgi")
        defer { try? FileManager.default.removeItem(at: scratch) }
        for base in ["ig", "blur-ig", "guided-ig"] {
            let run = try Self.run(["--base", base, "--steps", "10", "--integrator", "idgi"], input: try Self.input(in: scratch), in: scratch)
            var total = 0.0
            for step in run.ledger["steps"]!.arrayValue! {
                let (sum, delta) = (step["attributionSum"]!.doubleValue!, step["deltaValue"]!.doubleValue!)
                // Σ_i g_i² ΔF/‖g‖² = ΔF up to the rounding of D = 64 products and one division.
                #expect(abs(sum - delta) <= 1e-13 * abs(delta) + 1e-17, "\(base): \(sum) vs \(delta)")
                total += delta
            }
            let report = run.report
            #expect(abs(run.attribution.sum - (report["value"]!.doubleValue! - report["baselineValue"]!.doubleValue!)) <= 1e-12)
            _ = total
        }
    }

    @Test("Completeness up to discretisation: with mean or shared sampling the Riemann gap |Σ A − ΔF| shrinks as T grows", .tags(.axiom))
    func completenessToDiscretisation() throws {
        let network = try ModelDirectory.load(Self.network)
        let model = try DiffusionModel.load(Self.diffusion)
        let x = try FixturePaths.digitsImages(.test, count: 1).point(0)
        let target = try network.predictions(for: x.reshaped([1] + x.shape))[0]
        let output = try ClassifierOutput(network: network, target: target, kind: .probability)
        for sampling in [AnchorDenoising.Sampling.mean, .shared] {
            let gaps = try [10, 40, 160].map { steps in
                let method = DenoisingDiffusionPath(
                    model: model, steps: steps,
                    denoising: AnchorDenoising(rule: .step, scaling: 1, reversed: false, guidanceScale: 4, sampling: sampling), seed: 3)
                return abs(try method.attribute(x, of: output).completenessDelta!)
            }
            // The left Riemann sum on a polyline whose points settle as T grows: the gap falls
            // roughly like 1/T (measured 0.19, 0.0065, 0.0015 for mean sampling). F is a
            // probability, so 0.01 at T = 160 is a loose bound on that trend.
            #expect(gaps[1] < gaps[0] && gaps[2] < gaps[1] && gaps[2] < 0.01, "\(sampling): \(gaps)")
        }
    }

    @Test("IG's anchors are its straight line x′ + (i/T)(x − x′) from the noise baseline")
    func straightLineAnchors() throws {
        let scratch = try FixturePaths.temporaryDirectory("ddpath-anchors")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let inputFile = try Self.input(in: scratch)
        let x = try NPY.read(contentsOf: inputFile)
        let run = try Self.run(["--steps", "8", "--seed", "5"], input: inputFile, in: scratch)
        let start = run.anchors.point(0).scalars
        for i in 0...8 {
            let expected = zip(start, x.scalars).map { $0 + Double(i) / 8 * ($1 - $0) }
            #expect(normwiseRelativeError(run.anchors.point(i).scalars, expected) < 1e-15)
        }
        // The noise baseline is pure diffusion noise in the data's scale: 0.5 + z/2, z ~ N(0, 1);
        // 64 draws have mean 0.5 ± 3·0.5/8 and a spread near 0.5.
        let mean = start.reduce(0, +) / 64
        let spread = (start.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 63).squareRoot()
        #expect(abs(mean - 0.5) < 0.19 && abs(spread - 0.5) < 0.15)
    }

    @Test("Same bits for 1 and 2 threads and in a batch; mean sampling from zeros does not depend on the seed", .tags(.determinism))
    func determinism() throws {
        let scratch = try FixturePaths.temporaryDirectory("ddpath-determinism")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let single = try Self.input(in: scratch, count: 1, offset: 2)
        let batch = try Self.input(in: scratch, count: 3)
        for options in [["--base", "ig", "--steps", "9", "--seed", "3"], ["--base", "guided-ig", "--steps", "6", "--integrator", "idgi"]] {
            let one = try Self.run(options, input: single, in: scratch, threads: "1")
            let two = try Self.run(options, input: single, in: scratch, threads: "2")
            #expect(one.attribution.scalars == two.attribution.scalars)
            #expect(one.points.scalars == two.points.scalars)
            let together = try Self.run(options, input: batch, in: scratch)
            // The batch's last image is the single input.
            #expect(Array(together.attribution.scalars.suffix(64)) == one.attribution.scalars)
        }
        let mean = ["--steps", "9", "--sampling", "mean", "--baseline", "zeros"]
        let first = try Self.run(mean + ["--seed", "1"], input: single, in: scratch)
        let second = try Self.run(mean + ["--seed", "2"], input: single, in: scratch)
        #expect(first.attribution.scalars == second.attribution.scalars)
        let stochastic = try Self.run(["--steps", "9", "--baseline", "zeros", "--seed", "2"], input: single, in: scratch)
        #expect(stochastic.attribution.scalars != second.attribution.scalars)
    }

    @Test("Sensitivity (b): a pixel the network ignores gets exactly zero attribution, for every base and integrator", .tags(.axiom))
    func sensitivity() throws {
        let base = try ModelDirectory.load(FixturePaths.url("models/digits-mlp"))
        let ignored: Set<Int> = [0, 9, 27, 36, 63]
        var layers = base.layers
        let first = layers.firstIndex { $0 is Dense }!
        let dense = layers[first] as! Dense
        var weight = dense.weight
        for row in 0..<weight.shape[0] { for column in ignored { weight.scalars[row * weight.shape[1] + column] = 0 } }
        layers[first] = try Dense(weight: weight, bias: dense.bias)
        let network = try Sequential(inputShape: base.inputShape, layers: layers)
        let model = try DiffusionModel.load(Self.diffusion)
        let x = try FixturePaths.digitsImages(.test, count: 1).point(0)
        let output = try ClassifierOutput(network: network, target: 0, kind: .probability)
        for baseName in DenoisingDiffusionPath.Base.allCases {
            for integrator in [RiemannSum(), ImportantDirection()] as [any Integrator] {
                let method = DenoisingDiffusionPath(
                    model: model, base: baseName, steps: 8,
                    denoising: AnchorDenoising(rule: .step, scaling: 1, reversed: false, guidanceScale: 4, sampling: .stochastic), seed: 1,
                    integrator: integrator)
                let result = try method.attribute(x, of: output)
                for i in ignored { #expect(result.attribution.scalars[i] == 0, "\(baseName) pixel \(i)") }
                #expect(result.attribution.scalars.contains { $0 != 0 })
            }
        }
    }

    @Test("Usage and data errors say what is wrong and write nothing", .tags(.badInput))
    func errors() throws {
        let scratch = try FixturePaths.temporaryDirectory("ddpath-errors")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let input = try Self.input(in: scratch)
        let out = scratch.appendingPathComponent("a.npy")
        let common = ["--model", Self.network.path, "--input", input.path, "--out", out.path]
        let ddpath = common + ["--method", "ddpath"]
        let cases: [([String], Int32, String)] = [
            (ddpath, 2, "--diffusion"),
            (ddpath + ["--diffusion", Self.diffusion.path, "--base", "blur-ig", "--baseline", "zeros"], 2, "--baseline applies only with --base ig or guided-ig"),
            (ddpath + ["--diffusion", FixturePaths.url("diffusion/shapes").path], 3, "shape"),
            (ddpath + ["--diffusion", scratch.path], 3, "diffusion.json"),
            (ddpath + ["--diffusion", Self.diffusion.path, "--scaling", "0"], 2, "--scaling"),
            (ddpath + ["--diffusion", Self.diffusion.path, "--reversed=yes"], 2, "takes no value"),
            (ddpath + ["--diffusion", Self.diffusion.path, "--anchor-rule", "euler"], 2, "step, renoise, ddim"),
            (common + ["--method", "ig", "--anchors", scratch.appendingPathComponent("n.npy").path], 2, "--anchors applies to --method ddpath"),
            (common + ["--method", "ig", "--reversed"], 2, "--reversed does not apply to ig"),
            // SmoothGrad's --seed would be DDPath's too: an unscoped name both have is refused, not mixed up.
            (common + ["--method", "smoothgrad", "--base", "ddpath", "--diffusion", Self.diffusion.path, "--seed", "3"], 2,
             "--seed is a parameter of both smoothgrad and its base ddpath: write --seed for smoothgrad's and --base.seed for the base's"),
        ]
        for (arguments, status, fragment) in cases {
            let outcome = AttributeCommand.run(arguments)
            #expect(outcome.status == status, "\(arguments.suffix(3)): \(outcome.standardError)")
            #expect(outcome.standardError.contains(fragment), "\(outcome.standardError)")
            #expect(!FileManager.default.fileExists(atPath: out.path))
        }
    }
}
