import Attribution
import Evaluation
import Models
import Tensors
import Testing
import _TestSupport

@testable import Quality

/// The claims protocol's statistics on cases whose answer is known: the seeds in the
/// interval (the cluster bootstrap against its closed form), Holm's correction by hand, the
/// bootstrap p-value, and per-image seeds that do not depend on the thread count.
@Suite("Claims protocol: seeds in the interval, Holm, p-values, per-image seeds")
struct ProtocolStatisticsTests {
    static let insertion = QualityMetric.named("insertion")!

    /// Scores [seed][image] of a random-effects model y_is = μ + a_i + e_is.
    static func randomEffects(images n: Int, seeds s: Int, sigmaImage: Double, sigmaSeed: Double, seed: UInt64) -> [[ImageScores]] {
        var generator = Seeds.generator(seed)
        let effects = (0..<n).map { _ in sigmaImage * generator.nextNormal() }
        var runs = [[ImageScores]](repeating: [], count: s)
        for i in 0..<n {
            for r in 0..<s { runs[r].append(ImageScores(values: ["insertion": 0.5 + effects[i] + sigmaSeed * generator.nextNormal()])) }
        }
        return runs
    }

    @Test("Images resampled with all their seeds: the mean's interval matches S_b/n given the data, and σ_a²/n + σ_e²/(n s) for the model")
    func clusterBootstrapClosedForm() throws {
        let (n, s, sigmaA, sigmaE) = (400, 5, 1.0, 2.0)
        let runs = Self.randomEffects(images: n, seeds: s, sigmaImage: sigmaA, sigmaSeed: sigmaE, seed: 2210)
        let statistic = ImageStatistic(metric: Self.insertion, runs: runs)
        let bootstrap = Bootstrap(resamples: 4000, seed: 3)
        let interval = try #require(bootstrap.interval(count: n) { statistic.value(over: $0) })
        // Given the data the resampled mean's variance is exactly S_b/n (images drawn with
        // replacement, each carrying its seed mean ȳ_i).
        let means = statistic.values
        let grand = means.reduce(0, +) / Double(n)
        let sb = means.map { ($0 - grand) * ($0 - grand) }.reduce(0, +) / Double(n)
        let halfWidth = (interval.upper - interval.lower) / 2
        let conditional = 1.959964 * (sb / Double(n)).squareRoot()
        // B = 4,000 puts a percentile end within ~2% of its limit; 8% allows that and the
        // normal approximation of a mean of 400.
        #expect(abs(halfWidth / conditional - 1) < 0.08, "half-width \(halfWidth) vs \(conditional)")
        // The model's variance of the mean: σ_a²/n + σ_e²/(n s) = (1 + 4/5)/400. S_b's own
        // sampling error at n = 400 is √(2/399) ≈ 7% in variance (3.5% in width): 15% is
        // outside it, and well inside the wrong answers below.
        let model = 1.959964 * ((sigmaA * sigmaA + sigmaE * sigmaE / Double(s)) / Double(n)).squareRoot()
        #expect(abs(halfWidth / model - 1) < 0.15, "half-width \(halfWidth) vs the model's \(model)")
        // One seed per image would have variance (σ_a² + σ_e²)/n: √(5/1.8) ≈ 1.67 times wider.
        let single = ImageStatistic(metric: Self.insertion, runs: [runs[0]])
        let singleInterval = try #require(bootstrap.interval(count: n) { single.value(over: $0) })
        let ratio = (singleInterval.upper - singleInterval.lower) / (interval.upper - interval.lower)
        #expect(ratio > 1.4 && ratio < 1.95, "one seed's interval is \(ratio) times as wide")
    }

    @Test("Exact case: resample b repeats image b, so replicate b is image b's mean over its seeds")
    func clusterReplicatesExact() throws {
        // Image b's three seeds score b − 1, b, b + 4: its mean is b + 1.
        let n = 41
        let runs = [-1.0, 0, 4].map { offset in (0..<n).map { ImageScores(values: ["insertion": Double($0) + offset]) } }
        let statistic = ImageStatistic(metric: Self.insertion, runs: runs)
        let resamples = (0..<n).map { [Int](repeating: $0, count: n) }
        let replicates = Bootstrap(resamples: n).replicates(count: n, samples: resamples) { statistic.value(over: $0) }
        #expect(replicates == (0..<n).map { Double($0) + 1 })
        let interval = try #require(Bootstrap(resamples: n).interval(count: n, samples: resamples) { statistic.value(over: $0) })
        #expect(abs(interval.lower - 2) < 1e-12 && abs(interval.upper - 40) < 1e-12 && abs(interval.estimate - 21) < 1e-12)
    }

    @Test("Holm by hand: p = (0.01, 0.04, 0.03, 0.005) → adjusted (0.03, 0.06, 0.06, 0.02); the step-down stops at the first failure")
    func holmHandWorked() {
        let p = [0.01, 0.04, 0.03, 0.005]
        // Sorted: 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 → running max 0.06.
        let adjusted = Holm.adjusted(p)
        for (a, b) in zip(adjusted, [0.03, 0.06, 0.06, 0.02]) { #expect(abs(a - b) < 1e-15) }
        // At α = 0.05 the last p (0.04 ≤ 0.05/1) is not rejected: the step before it failed.
        #expect(adjusted.map { $0 <= 0.05 } == [true, false, false, true])
        #expect(Holm.stepLevels(p, alpha: 0.05).map { ($0 * 1e6).rounded() / 1e6 } == [0.05 / 3, 0.05, 0.025, 0.0125].map { ($0 * 1e6).rounded() / 1e6 })
        // p = (0.01, 0.02, 0.03): Holm's 0.03, 0.04, 0.04 reject all three; Bonferroni's
        // 0.03, 0.06, 0.09 only the first.
        let three = Holm.adjusted([0.01, 0.02, 0.03])
        for (a, b) in zip(three, [0.03, 0.04, 0.04]) { #expect(abs(a - b) < 1e-15) }
        #expect([0.01, 0.02, 0.03].map { $0 * 3 <= 0.05 } == [true, false, false])
        // One test: Holm is the test itself; large p-values cap at 1.
        #expect(Holm.adjusted([0.2]) == [0.2])
        #expect(Holm.adjusted([0.6, 0.9]) == [1, 1])
    }

    @Test("The bootstrap p-value: replicates all above 0 give 2/(B + 1); half on each side give 1")
    func pValues() {
        let positive = (1...99).map(Double.init)
        #expect(abs(Bootstrap.pValue(sortedReplicates: positive) - 2.0 / 100) < 1e-15)
        let straddling = (-49...49).map(Double.init)
        #expect(Bootstrap.pValue(sortedReplicates: straddling) == 1)
        // 9 of 99 at or below 0: 2·(9 + 1)/100.
        let mostlyPositive = (-8...90).map(Double.init)
        #expect(abs(Bootstrap.pValue(sortedReplicates: mostlyPositive) - 0.2) < 1e-15)
    }

    @Test("A randomized method's per-image seeds: the same bits on 1 and 2 threads, the image's own seed, and another run seed other maps")
    func perImageSeeds() throws {
        let model = try QualityModel.load("digits-cnn", limit: 4, references: 60)
        let method = QualityMethod.named("expected-gradients")!
        let overrides = ["samples": "3"]
        let built = try method.build(for: model, overriding: overrides)
        func maps(threads: Int, run: UInt64) throws -> [Tensor] {
            try Parallelism.$threadLimit.withValue(threads) {
                try QualityRun.attributions(method, built: built, images: model.images, model: model, overrides: overrides, runSeed: run).map(\.attribution)
            }
        }
        let one = try maps(threads: 1, run: 0), two = try maps(threads: 2, run: 0)
        #expect(one.map(\.scalars) == two.map(\.scalars))
        // Image i is EG with seed ImageSeeds.seed(run: 0, image: index), run alone.
        var eg = try #require(built as? ExpectedGradients)
        for (i, image) in model.images.enumerated() {
            eg.seed = ImageSeeds.seed(run: 0, image: image.index)
            let output = try ClassifierOutput(network: model.network, target: image.label, kind: .probability)
            #expect(try eg.attribute(image.input, of: output).attribution.scalars == one[i].scalars)
        }
        // Distinct images draw distinct seeds, and run seed 1 gives other maps.
        #expect(Set(model.images.map { ImageSeeds.seed(run: 0, image: $0.index) }).count == model.images.count)
        let other = try maps(threads: 2, run: 1)
        #expect(zip(one, other).allSatisfy { $0.scalars != $1.scalars })
    }
}
