import ArrayFormats
import AttributeCommand
import Diffusion
import Foundation
import Tensors
import Testing
import _TestSupport

/// The exact denoiser of a finite set, against the posterior mean computed directly: plain
/// exponentials normalised by their sum (no log-sum-exp), on hand-made references where the
/// plain form does not underflow.
@Suite("The exact (empirical) denoiser of a finite data set")
struct EmpiricalDenoiserTests {
    /// Three two-pixel references in the diffusion scale, classes 0, 1, 0.
    static let references: [[Double]] = [[0.5, -0.5], [-1, 1], [0.2, 0.9]]
    static let labels = [0, 1, 0]
    static let schedule = try! NoiseSchedule(betaStart: 1e-4, betaEnd: 0.02, steps: 200)
    static func denoiser() throws -> EmpiricalDenoiser {
        try EmpiricalDenoiser(references: Tensor(shape: [3, 1, 2], scalars: references.flatMap { $0 }), labels: labels, schedule: schedule)
    }

    /// Σ w_i u_i with w_i = exp(e_i) / Σ_j exp(e_j), e_i = −‖u − √ᾱ_t u_i‖² / (2(1 − ᾱ_t)), over `members`.
    static func direct(_ u: [Double], time t: Int, members: [Int]) -> [Double] {
        let alphaBar = schedule.alphaBars[t]
        let exponentials = members.map { i in
            exp(-zip(u, references[i]).map { ($0 - alphaBar.squareRoot() * $1) * ($0 - alphaBar.squareRoot() * $1) }.reduce(0, +) / (2 * (1 - alphaBar)))
        }
        let total = exponentials.reduce(0, +)
        return (0..<2).map { k in zip(exponentials, members).map { $0 / total * references[$1][k] }.reduce(0, +) }
    }

    /// |a − b| ≤ 1e-12 + 1e-12·|b| elementwise: a softmax over three terms and a sum of three
    /// products, computed two ways, agree to a few units in the last place of numbers ≤ 1.
    static func close(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-12 + 1e-12 * abs($1) }
    }

    @Test("x̂₀ at t = T (ᾱ ≈ 0.13, the weights spread) and t = 1 (next to reference 0) equals the direct posterior mean, with and without a class")
    func againstDirectComputation() throws {
        let denoiser = try Self.denoiser()
        let far = [0.3, 0.1]
        // At t = 1 the plain exponentials underflow unless u_t is next to a reference: put it
        // 0.005 from √ᾱ₁·u₀, where the other references' exponents are below −1,800.
        let near = zip(Self.references[0], [0.005, -0.003]).map { Self.schedule.alphaBars[1].squareRoot() * $0 + $1 }
        for (u, t) in [(far, 200), (near, 1), (far, 100)] {
            let batch = Tensor(shape: [1, 1, 2], scalars: u)
            let all = try denoiser.predictedStart(batch, times: [t]).scalars
            #expect(Self.close(all, Self.direct(u, time: t, members: [0, 1, 2])), "t = \(t): \(all)")
            let classZero = try denoiser.predictedStart(batch, times: [t], target: 0).scalars
            #expect(Self.close(classZero, Self.direct(u, time: t, members: [0, 2])), "t = \(t), y = 0: \(classZero)")
            let classOne = try denoiser.predictedStart(batch, times: [t], target: 1).scalars
            #expect(Self.close(classOne, Self.references[1]), "t = \(t), y = 1: one reference, x̂₀ is it")
        }
        // Next to reference 0 at t = 1 the posterior is reference 0 itself.
        let atOne = try denoiser.predictedStart(Tensor(shape: [1, 1, 2], scalars: near), times: [1]).scalars
        #expect(Self.close(atOne, Self.references[0]))
    }

    @Test("The reverse mean is √ᾱ_{t−1} β_t/(1 − ᾱ_t) x̂₀ + √α_t (1 − ᾱ_{t−1})/(1 − ᾱ_t) u_t, and at t = 1 (ᾱ₀ = 1) it is x̂₀")
    func reverseMean() throws {
        let denoiser = try Self.denoiser()
        for t in [1, 2, 100, 200] {
            // Far from every reference the plain exponentials underflow at t ≤ 2 (exponents
            // below −1,000): there u_t sits 0.005 from √ᾱ_t·u₀.
            let u = t <= 2 ? zip(Self.references[0], [0.005, -0.003]).map { Self.schedule.alphaBars[t].squareRoot() * $0 + $1 } : [0.3, 0.1]
            let start = Self.direct(u, time: t, members: [0, 2])
            let (alphaBar, previous, beta) = (Self.schedule.alphaBars[t], Self.schedule.alphaBars[t - 1], Self.schedule.betas[t - 1])
            let expected = (0..<2).map { k in
                previous.squareRoot() * beta / (1 - alphaBar) * start[k] + (1 - beta).squareRoot() * (1 - previous) / (1 - alphaBar) * u[k]
            }
            let mean = try denoiser.posteriorMean(Tensor(shape: [1, 1, 2], scalars: u), times: [t], target: 0).scalars
            #expect(Self.close(mean, expected), "t = \(t): \(mean) vs \(expected)")
            if t == 1 { #expect(Self.close(mean, start)) }
        }
    }

    @Test("x̂₀ lies in the references' hull at every time (each pixel between their least and greatest), for 200 random inputs")
    func staysInTheHull() throws {
        let denoiser = try Self.denoiser()
        var generator = Xoshiro256StarStar(seed: 3)
        let inputs = (0..<400).map { _ in 3 * generator.nextNormal() }
        let times = (0..<200).map { $0 + 1 }
        let start = try denoiser.predictedStart(Tensor(shape: [200, 1, 2], scalars: inputs), times: times).scalars
        for (k, value) in start.enumerated() {
            let pixel = Self.references.map { $0[k % 2] }
            #expect(value >= pixel.min()! - 1e-15 && value <= pixel.max()! + 1e-15, "\(k): \(value)")
        }
    }

    @Test("A batch gives the same bits on 1 and 2 threads, and each image the bits it gets alone")
    func deterministicAcrossThreads() throws {
        var generator = Xoshiro256StarStar(seed: 5)
        let references = Tensor(shape: [40, 1, 4, 4], scalars: (0..<640).map { _ in 2 * generator.nextUniform() - 1 })
        let denoiser = try EmpiricalDenoiser(references: references, labels: (0..<40).map { $0 % 4 }, schedule: Self.schedule)
        let batch = Tensor(shape: [9, 1, 4, 4], scalars: (0..<144).map { _ in generator.nextNormal() })
        let times = [1, 5, 20, 50, 80, 120, 160, 199, 200]
        let one = try Parallelism.$threadLimit.withValue(1) { try denoiser.predictedStart(batch, times: times, target: 2) }
        let two = try Parallelism.$threadLimit.withValue(2) { try denoiser.predictedStart(batch, times: times, target: 2) }
        #expect(one.scalars == two.scalars)
        let alone = try denoiser.predictedStart(Tensor(shape: [1, 1, 4, 4], scalars: Array(batch.scalars[64..<80])), times: [80], target: 2)
        #expect(Array(one.scalars[64..<80]) == alone.scalars)
    }

    @Test("A class no reference has, labels that do not match, a time outside 1…T_d and no references are errors that say so")
    func errors() throws {
        let denoiser = try Self.denoiser()
        let u = Tensor(shape: [1, 1, 2], scalars: [0, 0])
        #expect(throws: DiffusionError.self) { try denoiser.predictedStart(u, times: [1], target: 7) }
        #expect(throws: DiffusionError.self) { try denoiser.predictedStart(u, times: [0]) }
        #expect(throws: DiffusionError.self) { try denoiser.predictedStart(u, times: [201]) }
        #expect(throws: DiffusionError.self) {
            try EmpiricalDenoiser(references: Tensor(shape: [3, 1, 2], scalars: Self.references.flatMap { $0 }), labels: [0, 1], schedule: Self.schedule)
        }
        #expect(throws: DiffusionError.self) { try EmpiricalDenoiser(references: Tensor(shape: [0, 2], scalars: []), schedule: Self.schedule) }
        let unlabelled = try EmpiricalDenoiser(references: Tensor(shape: [3, 1, 2], scalars: Self.references.flatMap { $0 }), schedule: Self.schedule)
        #expect(throws: DiffusionError.self) { try unlabelled.predictedStart(u, times: [1], target: 0) }
    }

    @Test("attribute denoise --denoiser empirical on the digits model: each image's x̂₀ and reverse mean over its class's references, in the data's scale, as computed directly", .tags(.commandLine))
    func commandLine() throws {
        let scratch = try FixturePaths.temporaryDirectory("empirical-denoise")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let references = try FixturePaths.digitsImages(.train, count: 30)
        let labels = (0..<30).map { $0 % 10 }
        let inputs = try FixturePaths.digitsImages(.test, count: 3)
        let targets = [3, 7, 3]
        let files = ["R.npy", "L.npy", "U.npy", "T.npy"].map { scratch.appendingPathComponent($0) }
        try NPY.write(references, to: files[0])
        try NPY.write(Tensor(shape: [30], scalars: labels.map(Double.init)), to: files[1])
        try NPY.write(inputs, to: files[2])
        try NPY.write(Tensor(shape: [3], scalars: targets.map(Double.init)), to: files[3])
        let model = try DiffusionModel.load(FixturePaths.url("diffusion/digits"))
        let schedule = model.schedule
        let t = 50
        for variant in ["x0", "mean"] {
            let out = scratch.appendingPathComponent("\(variant).npy")
            let outcome = AttributeCommand.run([
                "denoise", "--diffusion", FixturePaths.url("diffusion/digits").path, "--denoiser", "empirical", "--references", files[0].path,
                "--reference-labels", files[1].path, "--targets", files[3].path, "--input", files[2].path, "--time", String(t), "--variant", variant,
                "--out", out.path,
            ])
            #expect(outcome.status == 0, "\(outcome.standardError)")
            let actual = try NPY.read(contentsOf: out)
            #expect(actual.shape == inputs.shape)
            for b in 0..<3 {
                // Direct: u = 2x − 1, weights by the largest exponent subtracted, back to x = (u + 1)/2.
                let u = inputs.scalars[(b * 64)..<((b + 1) * 64)].map { 2 * $0 - 1 }
                let members = (0..<30).filter { labels[$0] == targets[b] }
                let rows = members.map { i in references.scalars[(i * 64)..<((i + 1) * 64)].map { 2 * $0 - 1 } }
                let exponents = rows.map { row in -zip(u, row).map { ($0 - schedule.alphaBars[t].squareRoot() * $1) * ($0 - schedule.alphaBars[t].squareRoot() * $1) }.reduce(0, +) / (2 * (1 - schedule.alphaBars[t])) }
                let largest = exponents.max()!
                let weights = exponents.map { exp($0 - largest) }
                let start = (0..<64).map { k in zip(weights, rows).map { $0 * $1[k] }.reduce(0, +) / weights.reduce(0, +) }
                let (previous, beta) = (schedule.alphaBars[t - 1], schedule.betas[t - 1])
                let expected = variant == "x0" ? start : (0..<64).map { k in
                    previous.squareRoot() * beta / (1 - schedule.alphaBars[t]) * start[k] + (1 - beta).squareRoot() * (1 - previous) / (1 - schedule.alphaBars[t]) * u[k]
                }
                #expect(Self.close(Array(actual.scalars[(b * 64)..<((b + 1) * 64)]), expected.map { ($0 + 1) / 2 }), "\(variant), image \(b)")
            }
        }
        // The options that do not fit the empirical denoiser are usage errors that write nothing.
        let out = scratch.appendingPathComponent("bad.npy")
        let common = ["denoise", "--diffusion", FixturePaths.url("diffusion/digits").path, "--input", files[2].path, "--time", "5", "--out", out.path]
        let cases: [([String], Int32, String)] = [
            (common + ["--denoiser", "empirical"], 2, "--references"),
            (common + ["--denoiser", "empirical", "--references", files[0].path, "--target", "3"], 2, "--reference-labels"),
            (common + ["--denoiser", "empirical", "--references", files[0].path, "--reference-labels", files[1].path, "--target", "3", "--guidance-scale", "2"], 2, "no scale"),
            (common + ["--denoiser", "empirical", "--references", files[0].path, "--variant", "ddim", "--to-time", "1"], 2, "ddim"),
            (common + ["--references", files[0].path], 2, "--denoiser empirical only"),
            (common + ["--denoiser", "empirical", "--references", files[2].path, "--reference-labels", files[1].path, "--target", "3"], 3, "label"),
            (common + ["--denoiser", "empirical", "--references", files[1].path], 3, "[N] + [1, 8, 8]"),
        ]
        for (arguments, status, fragment) in cases {
            let outcome = AttributeCommand.run(arguments)
            #expect(outcome.status == status, "\(arguments.suffix(6)): \(outcome.standardError)")
            #expect(outcome.standardError.contains(fragment), "\(outcome.standardError)")
            #expect(!FileManager.default.fileExists(atPath: out.path))
        }
    }
}
