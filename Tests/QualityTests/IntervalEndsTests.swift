import Evaluation
import Testing

@testable import Quality

/// The verdicts' arithmetic on cases whose answer is known exactly: percentile ends at known
/// positions, and pairing through the path that makes the rulings.
@Suite("Interval ends and pairing, on exact cases")
struct IntervalEndsTests {
    @Test("Replicates 0, 1, …, 40 (resample b repeats image b): the 95% ends are positions 0.025·40 = 1 and 0.975·40 = 39")
    func percentileEnds() throws {
        let b = 41
        let values = (0..<b).map(Double.init)
        // Resample b is image b taken n times, so its mean — the replicate — is exactly b.
        let resamples = (0..<b).map { [Int](repeating: $0, count: b) }
        let interval = try #require(
            Bootstrap(resamples: b).interval(count: b, samples: resamples) { indices in indices.map { values[$0] }.reduce(0, +) / Double(indices.count) })
        // α/2·(B − 1) = 0.025·40 is 1 up to the rounding of 0.025 in binary (a few ulps); a
        // one-position shift would move an end by exactly 1.
        #expect(abs(interval.lower - 1) < 1e-12, "lower \(interval.lower)")
        #expect(abs(interval.upper - 39) < 1e-12, "upper \(interval.upper)")
        #expect(abs((interval.lower + interval.upper) / 2 - 20) < 1e-12, "symmetric about the middle replicate")
        // At 90%: positions 0.05·40 = 2 and 0.95·40 = 38.
        let ninety = try #require(
            Bootstrap(resamples: b, confidence: 0.9).interval(count: b, samples: resamples) { indices in values[indices[0]] })
        #expect(abs(ninety.lower - 2) < 1e-12 && abs(ninety.upper - 38) < 1e-12, "\(ninety)")
    }

    @Test("A ruling pairs the images: method = base + 0.25 on every image, bases spread over [0, 1], gives [0.25, 0.25]")
    func pairingThroughRulings() throws {
        let n = 30
        let base = (0..<n).map { Double(($0 * 17) % n) / Double(n - 1) }  // a permutation of 0 … 1: wide spread
        let results = QualityResultsBuilder.insertion(method: base.map { $0 + 0.25 }, base: base)
        let summary = QualitySummary(results)
        let ruling = try #require(summary.rulings.first { $0.claim.method == "ig+idgi" && $0.claim.base == "ig" && $0.claim.metric == "insertion" })
        let difference = try #require(ruling.difference)
        // Every resample's difference is a mean of 0.25s: only rounding separates it from 0.25.
        #expect(abs(difference.lower - 0.25) < 1e-12 && abs(difference.upper - 0.25) < 1e-12, "\(difference)")
        #expect(ruling.verdict == .holds)
    }
}

/// Hand-made result sets for the summary's tests.
enum QualityResultsBuilder {
    /// One model, "ig+idgi" and "ig" scored on insertion only, with the given per-image scores.
    static func insertion(method: [Double], base: [Double], seeds: Int = 1) -> QualityResults {
        let configuration = QualityConfiguration(
            models: ["digits-cnn"], methods: [QualityMethod.named("ig")!, QualityMethod.named("ig+idgi")!], metrics: [QualityMetric.named("insertion")!],
            bootstrap: Bootstrap(resamples: 500, seed: 11))
        func scores(_ values: [Double]) -> [ImageScores] { values.map { ImageScores(values: ["insertion": $0]) } }
        let model = QualityResults.ModelResults(
            model: "digits-cnn", imageIndices: Array(0..<method.count), misclassified: 0, considered: method.count,
            scores: ["ig+idgi": scores(method), "ig": scores(base)], attributionSeconds: [:])
        return QualityResults(configuration: configuration, models: [model], seconds: 0)
    }
}
