import ArrayFormats
import AttributeCommand
import Diffusion
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

/// The diffusion module's pieces against their definitions: the schedule and the time
/// embedding in closed form, the guidance gradient against finite differences, the sampler's
/// seeding, and `attribute denoise` against an independent PyTorch implementation.
@Suite("Diffusion: schedule, embedding, guidance and the denoising step")
struct DiffusionModelTests {
    static let digits = FixturePaths.url("diffusion/digits")

    @Test("The linear schedule: β_1 = b0, β_T = b1, ᾱ_t = Π(1 − β), σ_1² = 0, σ_t² = β_t(1 − ᾱ_{t−1})/(1 − ᾱ_t)")
    func schedule() throws {
        let schedule = try NoiseSchedule(betaStart: 1e-4, betaEnd: 0.02, steps: 1000)
        #expect(schedule.beta(1) == 1e-4)
        // b0 + (b1 − b0)(T − 1)/(T − 1) rounds to b1 within one ulp.
        #expect(abs(schedule.beta(1000) - 0.02) <= 0.02.ulp)
        var product = 1.0
        for t in 1...1000 {
            product *= 1 - (1e-4 + (0.02 - 1e-4) * Double(t - 1) / 999)
            // The cumulative product is formed in the same order: equal to a few ulps.
            #expect(abs(schedule.alphaBar(t) - product) <= 8 * product.ulp, "t = \(t)")
        }
        #expect(schedule.alphaBar(0) == 1)
        #expect(schedule.posteriorVariance(1) == 0)
        let t = 500
        let expected = schedule.beta(t) * (1 - schedule.alphaBar(t - 1)) / (1 - schedule.alphaBar(t))
        #expect(abs(schedule.posteriorVariance(t) - expected) <= 4 * expected.ulp)
        #expect(throws: DiffusionError.self) { try NoiseSchedule(betaStart: 0.1, betaEnd: 1.5, steps: 10) }
    }

    @Test("The time embedding: e_k = sin(t ω_k), e_{d/2+k} = cos(t ω_k), ω_k = P^(−k/(d/2))")
    func embedding() throws {
        let embedding = try TimeEmbedding(dimension: 8, maxPeriod: 10_000)
        let e = embedding.embedding(37)
        #expect(e.count == 8)
        for k in 0..<4 {
            let omega = pow(10_000.0, -Double(k) / 4)
            #expect(abs(e[k] - sin(37 * omega)) <= 1e-15)
            #expect(abs(e[4 + k] - cos(37 * omega)) <= 1e-15)
        }
        // At t = 0 the sines vanish and the cosines are 1.
        #expect(embedding.embedding(0) == [0, 0, 0, 0, 1, 1, 1, 1])
    }

    @Test("∇_u log p(y | u, t) equals central differences of the classifier's log-softmax")
    func guidanceGradient() throws {
        let model = try DiffusionModel.load(Self.digits)
        var generator = Xoshiro256StarStar(seed: 3)
        let u = Tensor(shape: [1] + model.inputShape, scalars: (0..<model.featureCount).map { _ in generator.nextNormal() * 0.5 })
        let (t, y) = (40, 6)
        let analytic = try model.classifierGuidance(u, times: [t], classes: [y]).scalars
        let numeric = try FiniteDifferences.gradient(at: u.scalars, step: 1e-5) { point in
            let logits = try model.classifierLogits(Tensor(shape: u.shape, scalars: point), times: [t]).scalars
            let top = logits.max()!
            return logits[y] - top - log(logits.map { exp($0 - top) }.reduce(0, +))
        }
        // Central differences with h = 1e-5 on a smooth (SiLU) network: truncation ~h², and
        // round-off ~ε/h ≈ 1e-11 relative to the values.
        #expect(normwiseRelativeError(analytic, numeric) < 1e-7)
    }

    @Test("The guided mean with s = 0 equals the unguided posterior mean; the x̂_0 form inverts the forward process for the true noise")
    func stepForms() throws {
        let model = try DiffusionModel.load(Self.digits)
        var generator = Xoshiro256StarStar(seed: 9)
        let u = Tensor(shape: [2] + model.inputShape, scalars: (0..<(2 * model.featureCount)).map { _ in generator.nextNormal() })
        let times = [17, 150]
        let unguided = try model.guidedMean(u, times: times, classes: [3, 5], scale: 0)
        let noise = try model.predictedNoise(u, times: times)
        let s = model.schedule
        for b in 0..<2 {
            let t = times[b]
            for i in 0..<model.featureCount {
                let k = b * model.featureCount + i
                let expected = (u.scalars[k] - s.beta(t) / (1 - s.alphaBar(t)).squareRoot() * noise.scalars[k]) / s.alpha(t).squareRoot()
                #expect(abs(unguided.scalars[k] - expected) <= 1e-14 * max(1, abs(expected)))
            }
        }
        // x̂_0 = (u_t − √(1 − ᾱ) ε̂)/√ᾱ and u_t = √ᾱ x̂_0 + √(1 − ᾱ) ε̂: DDIM to t′ = t is the identity.
        let (guidedNoise, clean) = try model.guidedCleanEstimate(u, times: times, classes: [1, 2], scale: 3)
        let renoised = model.noised(clean, times: times, noise: guidedNoise)
        #expect(normwiseRelativeError(renoised.scalars, u.scalars) < 1e-13)
    }

    @Test("The sampler: same seed, same bits; an image's bits do not depend on the batch it is drawn in")
    func samplerSeeding() throws {
        let model = try DiffusionModel.load(Self.digits)
        // Image 0 drawn in a batch and alone: the same bits (so also the same bits twice).
        let batch = try model.sample(classes: [2, nil], scale: 2, seed: 11)
        let first = try model.sample(classes: [2], scale: 2, seed: 11)
        #expect(Array(batch.scalars[0..<model.featureCount]) == first.scalars)
        let other = try model.sample(classes: [2], scale: 2, seed: 12)
        #expect(other.scalars != first.scalars)
        #expect(batch.scalars.allSatisfy { (0...1).contains($0) })
    }

    @Test("The diffusion directory round-trips: save then load gives the same steps bit for bit")
    func roundTrip() throws {
        let model = try DiffusionModel.load(Self.digits)
        let scratch = try FixturePaths.temporaryDirectory("diffusion-roundtrip")
        defer { try? FileManager.default.removeItem(at: scratch) }
        try model.save(to: scratch)
        let reloaded = try DiffusionModel.load(scratch)
        var generator = Xoshiro256StarStar(seed: 1)
        let u = Tensor(shape: [1] + model.inputShape, scalars: (0..<model.featureCount).map { _ in generator.nextNormal() })
        #expect(try model.guidedMean(u, times: [90], classes: [4], scale: 2).scalars == reloaded.guidedMean(u, times: [90], classes: [4], scale: 2).scalars)
    }
}

/// `attribute denoise`, the step oracle, against the PyTorch implementation of the format in
/// `Fixtures/diffusion/export_denoise_goldens.py`, and its errors.
@Suite("attribute denoise", .tags(.commandLine))
struct DenoiseCommandTests {
    struct GoldenCase: Sendable, CustomStringConvertible {
        var name: String, diffusion: String, input: String, expected: String, targets: String?
        var time: Int, scale: Double, variant: String, toTime: Int?
        var description: String { name }
    }

    static let cases: [GoldenCase] = {
        guard let data = try? Data(contentsOf: FixturePaths.url("diffusion/goldens/cases.json")),
            let json = try? JSONValue.parse(String(decoding: data, as: UTF8.self)), case .array(let list)? = json["cases"]
        else { return [] }
        return list.map { item in
            GoldenCase(
                name: item["name"]!.stringValue!, diffusion: item["diffusion"]!.stringValue!, input: item["input"]!.stringValue!,
                expected: item["expected"]!.stringValue!, targets: item["targets"]?.stringValue,
                time: Int(item["time"]!.doubleValue!), scale: item["scale"]!.doubleValue!, variant: item["variant"]!.stringValue!,
                toTime: item["toTime"]?.doubleValue.map { Int($0) })
        }
    }()

    @Test("The golden cases exist: six for digits, three for shapes")
    func goldensExist() {
        #expect(Self.cases.filter { $0.diffusion.hasSuffix("digits") }.count == 6)
        #expect(Self.cases.filter { $0.diffusion.hasSuffix("shapes") }.count == 3)
    }

    @Test("Agrees with the PyTorch implementation to 1e-10 relative", .tags(.golden), arguments: cases)
    func golden(_ golden: GoldenCase) throws {
        let scratch = try FixturePaths.temporaryDirectory("denoise-golden")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("out.npy")
        var arguments = [
            "denoise", "--diffusion", FixturePaths.url(golden.diffusion).path, "--input", FixturePaths.url(golden.input).path,
            "--time", String(golden.time), "--variant", golden.variant, "--out", out.path,
        ]
        if let targets = golden.targets { arguments += ["--targets", FixturePaths.url(targets).path, "--guidance-scale", String(golden.scale)] }
        if let toTime = golden.toTime { arguments += ["--to-time", String(toTime)] }
        let outcome = AttributeCommand.run(arguments)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let actual = try NPY.read(contentsOf: out)
        let expected = try NPY.read(contentsOf: FixturePaths.url(golden.expected))
        #expect(actual.shape == expected.shape)
        // Both sides compute in float64 with different summation orders (torch's matmul
        // against this project's kernels) through three or four layers: differences of a few
        // hundred ulps, far inside 1e-10, are expected; a wrong formula is off by ≥ 1e-3.
        #expect(normwiseRelativeError(actual.scalars, expected.scalars) < 1e-10)
        #expect(outcome.standardOutput.split(separator: "\n").count == actual.shape[0])
    }

    @Test("User errors exit 2 or 3 with a message and write nothing", .tags(.badInput))
    func errors() throws {
        let scratch = try FixturePaths.temporaryDirectory("denoise-errors")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let input = scratch.appendingPathComponent("x.npy")
        try NPY.write(try FixturePaths.digitsImages(.test, count: 2), to: input)
        let out = scratch.appendingPathComponent("out.npy")
        let common = ["denoise", "--diffusion", DiffusionModelTests.digits.path, "--input", input.path, "--out", out.path]
        let cases: [([String], Int32, String)] = [
            (common, 2, "--time"),
            (common + ["--time", "0"], 2, "--time"),
            (common + ["--time", "201"], 3, "200 diffusion steps"),
            (common + ["--time", "5", "--target", "3"], 2, "--guidance-scale"),
            (common + ["--time", "5", "--variant", "ddim"], 2, "--to-time"),
            (common + ["--time", "5", "--variant", "ddim", "--to-time", "5"], 2, "earlier"),
            (common + ["--time", "5", "--guidance-scale", "2", "--target", "10"], 3, "class 10"),
            (["denoise", "--diffusion", scratch.path, "--input", input.path, "--out", out.path, "--time", "3"], 3, "diffusion.json"),
        ]
        for (arguments, status, fragment) in cases {
            let outcome = AttributeCommand.run(arguments)
            #expect(outcome.status == status, "\(arguments.suffix(4)): \(outcome.standardError)")
            #expect(outcome.standardError.contains(fragment), "\(outcome.standardError)")
            #expect(!FileManager.default.fileExists(atPath: out.path))
        }
    }
}
