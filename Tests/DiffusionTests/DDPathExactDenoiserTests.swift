import ArrayFormats
import AttributeCommand
import Attribution
import Diffusion
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

/// DDPath's exploratory options through the command line on the digits fixtures: the exact
/// denoiser in place of the learned one (`--denoiser empirical`), SNR-matched anchor times
/// (`--anchor-times snr`), and path points kept in the data's range (`--clip`).
@Suite("DDPath with the exact denoiser, SNR-matched times and clipping", .tags(.commandLine))
struct DDPathExactDenoiserTests {
    typealias Paths = DenoisingDiffusionPathTests

    /// 40 training digits, 4 per class, and their labels, written to `scratch`.
    static func references(in scratch: URL) throws -> (images: Tensor, labels: [Int], files: [String]) {
        let images = try FixturePaths.digitsImages(.train, count: 40)
        let labels = (0..<40).map { $0 % 10 }
        let files = [scratch.appendingPathComponent("R.npy"), scratch.appendingPathComponent("L.npy")]
        try NPY.write(images, to: files[0])
        try NPY.write(Tensor(shape: [40], scalars: labels.map(Double.init)), to: files[1])
        return (images, labels, files.map(\.path))
    }

    /// |a − b| ≤ 1e-12 + 1e-12·|b|: the same formulas in the same order give the same numbers
    /// up to a few roundings of values ≤ 2 (the affine map to [−1, 1] and back).
    static func close(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-12 + 1e-12 * abs($1) }
    }

    @Test("Each path point is DDPM's reverse mean from the exact x̂₀ over the explained class's references (step), or x̂₀ re-noised with its implied noise (renoise), at the ledger's time")
    func pathPointsFromExactDenoiser() throws {
        let scratch = try FixturePaths.temporaryDirectory("ddpath-exact")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let inputFile = try Paths.input(in: scratch)
        let (images, labels, files) = try Self.references(in: scratch)
        let model = try DiffusionModel.load(Paths.diffusion)
        for (rule, conditional) in [("step", true), ("step", false), ("renoise", true)] {
            let options = ["--steps", "8", "--sampling", "mean", "--anchor-rule", rule, "--denoiser", "empirical", "--references", files[0]]
                + (conditional ? ["--reference-labels", files[1]] : [])
            let run = try Paths.run(options, input: inputFile, in: scratch)
            let target = run.report["target"]!.intValue!
            let exact = try EmpiricalDenoiser(references: images, labels: conditional ? labels : nil, model: model)
            let steps = run.ledger["steps"]!.arrayValue!
            for k in 1..<steps.count {
                let tau = steps[k]["diffusionTime"]!.intValue!
                let u = model.diffusionScale(Tensor(shape: [1] + model.inputShape, scalars: run.anchors.point(k).scalars))
                let expected: Tensor
                if rule == "step" {
                    expected = try exact.posteriorMean(u, times: [tau], target: conditional ? target : nil)
                } else {
                    let clean = try exact.predictedStart(u, times: [tau], target: target)
                    let (alphaBar, previous) = (model.schedule.alphaBar(tau), model.schedule.alphaBar(tau - 1))
                    expected = Tensor(shape: u.shape, scalars: zip(u.scalars, clean.scalars).map { value, x0 in
                        let noise = (value - alphaBar.squareRoot() * x0) / (1 - alphaBar).squareRoot()
                        return previous.squareRoot() * x0 + (1 - previous).squareRoot() * noise
                    })
                }
                let point = run.points.point(steps[k]["point"]!.intValue!).scalars
                #expect(Self.close(point, model.dataScale(expected).scalars), "\(rule) \(conditional) step \(k)")
            }
        }
    }

    @Test("With IDGI the exact denoiser's path is complete at every step: Σ A = F(x) − F(x′) to 1e-9", .tags(.axiom))
    func completenessWithIDGI() throws {
        let scratch = try FixturePaths.temporaryDirectory("ddpath-exact-idgi")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let inputFile = try Paths.input(in: scratch)
        let files = try Self.references(in: scratch).files
        let x = try NPY.read(contentsOf: inputFile)
        for base in ["ig", "guided-ig"] {
            let run = try Paths.run(
                ["--base", base, "--steps", "10", "--integrator", "idgi", "--denoiser", "empirical", "--references", files[0], "--reference-labels", files[1]],
                input: inputFile, in: scratch)
            let output = try ClassifierOutput(network: try ModelDirectory.load(Paths.network), target: run.report["target"]!.intValue!, kind: .probability)
            let endpoints = Tensor(shape: [2] + x.shape, scalars: run.anchors.point(0).scalars + x.scalars)
            let ends: [Double] = try output.valuesAndGradients(at: endpoints).values
            let total = run.attribution.scalars.reduce(0, +)
            // Round-off of 10 steps of probabilities ≤ 1: far below 1e-9.
            #expect(abs(total - (ends[1] - ends[0])) < 1e-9, "\(base)")
        }
    }

    @Test("SNR-matched times: anchor i gets the t whose log(ᾱ_t/(1 − ᾱ_t)) is nearest log(α²/((1 − α)² m)), m the baseline's mean square in [−1, 1] (1 for black)")
    func signalMatchedTimes() throws {
        let scratch = try FixturePaths.temporaryDirectory("ddpath-snr")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let inputFile = try Paths.input(in: scratch)
        let schedule = try DiffusionModel.load(Paths.diffusion).schedule
        /// The nearest t by brute force over the closed form.
        func nearest(_ ratio: Double) -> Int {
            (1...schedule.steps).min { a, b in
                let snr = { (t: Int) in schedule.alphaBars[t] / (1 - schedule.alphaBars[t]) }
                return abs(log(snr(a)) - log(ratio)) < abs(log(snr(b)) - log(ratio))
            }!
        }
        for baseline in ["zeros", "noise"] {
            let T = 20
            let run = try Paths.run(["--steps", "\(T)", "--anchor-times", "snr", "--baseline", baseline], input: inputFile, in: scratch)
            let start = run.anchors.point(0).scalars
            let m = baseline == "zeros" ? 1 : start.map { (2 * $0 - 1) * (2 * $0 - 1) }.reduce(0, +) / Double(start.count)
            let steps = run.ledger["steps"]!.arrayValue!
            let times = steps.map { $0["diffusionTime"]!.intValue! }
            for i in 1..<T {
                let alpha = Double(i) / Double(T)
                #expect(times[i] == nearest(alpha * alpha / ((1 - alpha) * (1 - alpha) * m)), "\(baseline) anchor \(i)")
            }
            // Halfway the anchor's SNR is about 1: far less noisy than the schedule's τ = T_d/2 (SNR 0.29).
            let half = schedule.alphaBars[times[T / 2]]
            #expect(abs(log(half / (1 - half)) - log(1 / m)) < 0.1)
            #expect(times[T / 2] < schedule.steps / 2)
        }
    }

    @Test("--clip keeps every denoised path point in [0, 1]; without it the learned denoiser's stochastic points leave the range")
    func clipping() throws {
        let scratch = try FixturePaths.temporaryDirectory("ddpath-clip")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let inputFile = try Paths.input(in: scratch)
        let options = ["--steps", "16", "--sampling", "stochastic", "--seed", "4"]
        for clip in [false, true] {
            let run = try Paths.run(options + (clip ? ["--clip"] : []), input: inputFile, in: scratch)
            let steps = run.ledger["steps"]!.arrayValue!
            // Points 1…T−1 are the denoised ones; p_0 is the noise baseline, outside [0, 1] by design.
            let interior = steps.dropFirst().flatMap { run.points.point($0["point"]!.intValue!).scalars }
            let outside = interior.filter { $0 < 0 || $0 > 1 }.count
            if clip { #expect(outside == 0) } else { #expect(outside > 0, "the unclipped points were all in range: the test would not see a missing clip") }
        }
    }

    @Test("The exact denoiser's DDPath gives the same bits on 1 and 2 threads", .tags(.determinism))
    func determinism() throws {
        let scratch = try FixturePaths.temporaryDirectory("ddpath-exact-threads")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let inputFile = try Paths.input(in: scratch)
        let files = try Self.references(in: scratch).files
        let options = ["--steps", "9", "--sampling", "stochastic", "--denoiser", "empirical", "--references", files[0], "--reference-labels", files[1],
                       "--anchor-times", "snr", "--clip"]
        let one = try Paths.run(options, input: inputFile, in: scratch, threads: "1")
        let two = try Paths.run(options, input: inputFile, in: scratch, threads: "2")
        #expect(one.attribution.scalars == two.attribution.scalars)
        #expect(one.points.scalars == two.points.scalars)
    }

    @Test("Usage and data errors of the new options say what is wrong and write nothing", .tags(.badInput))
    func errors() throws {
        let scratch = try FixturePaths.temporaryDirectory("ddpath-exact-errors")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let input = try Paths.input(in: scratch)
        let files = try Self.references(in: scratch).files
        let out = scratch.appendingPathComponent("a.npy")
        let fractional = scratch.appendingPathComponent("F.npy")
        try NPY.write(Tensor(shape: [40], scalars: (0..<40).map { Double($0) / 3 }), to: fractional)
        let short = scratch.appendingPathComponent("S.npy")
        try NPY.write(Tensor(shape: [39], scalars: (0..<39).map { Double($0 % 10) }), to: short)
        let ddpath = ["--model", Paths.network.path, "--input", input.path, "--out", out.path, "--method", "ddpath", "--diffusion", Paths.diffusion.path]
        let empirical = ddpath + ["--denoiser", "empirical"]
        let cases: [([String], Int32, String)] = [
            (empirical, 2, "--references is required with --denoiser empirical"),
            (ddpath + ["--references", files[0]], 2, "--references applies only with --denoiser empirical"),
            (empirical + ["--references", files[0], "--guidance-scale", "4"], 2, "--guidance-scale applies only with --denoiser learned"),
            (empirical + ["--references", files[0], "--reference-labels", short.path], 2, "39 reference labels for 40 references"),
            (empirical + ["--references", files[0], "--reference-labels", fractional.path], 3, "whole number"),
            (ddpath + ["--anchor-times", "snr", "--base", "blur-ig"], 2, "--anchor-times snr applies only with --base ig or guided-ig"),
            (ddpath + ["--anchor-times", "snr", "--scaling", "2"], 2, "--scaling applies only with --anchor-times schedule"),
        ]
        for (arguments, status, fragment) in cases {
            let outcome = AttributeCommand.run(arguments)
            #expect(outcome.status == status, "\(arguments.suffix(3)): \(outcome.standardError)")
            #expect(outcome.standardError.contains(fragment), "\(outcome.standardError)")
            #expect(!FileManager.default.fileExists(atPath: out.path))
        }
    }
}
