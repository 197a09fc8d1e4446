import Evaluation
import Tensors
import Testing
import _TestSupport

@testable import Quality

@Suite("Bootstrap intervals and verdicts")
struct BootstrapTests {
    @Test("The interval of a mean over 400 normal draws is x̄ ± 1.96·s/√n (the closed form), within 10% of its half-width")
    func meanMatchesNormalTheory() throws {
        var generator = Seeds.generator(1500)
        let n = 400
        let values = (0..<n).map { _ in generator.nextNormal(mean: 3, standardDeviation: 2) }
        let interval = try #require(Bootstrap(resamples: 4000, seed: 7).mean(values))
        let mean = values.reduce(0, +) / Double(n)
        // The bootstrap's plug-in variance divides by n, not n − 1.
        let s = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)).squareRoot()
        let halfWidth = 1.959964 * s / Double(n).squareRoot()
        #expect(interval.estimate == mean)
        // The percentile ends' Monte-Carlo error at B = 4,000 and the sample's skew are a few
        // per cent of the half-width; 10% is well outside them and well inside a wrong formula
        // (a √2 or a missing √n would miss by 40% or more).
        #expect(abs((interval.lower - (mean - halfWidth)) / halfWidth) < 0.1, "lower \(interval.lower) vs \(mean - halfWidth)")
        #expect(abs((interval.upper - (mean + halfWidth)) / halfWidth) < 0.1, "upper \(interval.upper) vs \(mean + halfWidth)")
    }

    @Test("Constant data give the degenerate interval; the same seed gives the same bits, another seed other ends")
    func degenerateAndDeterministic() throws {
        let constant = try #require(Bootstrap().mean([0.25, 0.25, 0.25]))
        #expect(constant.estimate == 0.25 && constant.lower == 0.25 && constant.upper == 0.25)
        let values = [0.1, 0.9, 0.4, 0.3, 0.8, 0.35, 0.05]
        let first = try #require(Bootstrap(seed: 3).mean(values))
        #expect(first == Bootstrap(seed: 3).mean(values))
        #expect(first != Bootstrap(seed: 4).mean(values))
        #expect(Bootstrap().mean([]) == nil)
    }

    @Test("A paired difference is the interval of the per-image differences, and pairing narrows it for correlated methods")
    func pairing() throws {
        var generator = Seeds.generator(1501)
        // Image difficulty varies a lot; the method beats its base by a steady 0.05.
        let difficulty = (0..<60).map { _ in generator.nextUniform() }
        let base = difficulty
        let method = difficulty.map { $0 + 0.05 + 0.01 * generator.nextNormal() }
        let paired = try #require(Bootstrap().pairedDifference(method, base))
        #expect(paired == Bootstrap().mean(zip(method, base).map { $0 - $1 }))
        #expect(paired.lower > 0, "the steady gain is detected when paired")
        // Unpaired, the spread of difficulty swamps it: each mean's interval is ±0.07 wide.
        let methodAlone = try #require(Bootstrap().mean(method)), baseAlone = try #require(Bootstrap().mean(base))
        #expect(methodAlone.lower < baseAlone.upper, "the two unpaired intervals overlap")
    }

    @Test("Quantiles interpolate linearly at q·(B − 1), as numpy's default")
    func quantiles() {
        let sorted = [1.0, 2, 4, 8]
        #expect(Bootstrap.quantile(sorted: sorted, 0) == 1)
        #expect(Bootstrap.quantile(sorted: sorted, 1) == 8)
        #expect(Bootstrap.quantile(sorted: sorted, 0.5) == 3)  // position 1.5
        #expect(Bootstrap.quantile(sorted: sorted, 0.25) == 1.75)  // position 0.75
    }

    @Test("Verdicts: holds above 0 in the claimed direction, fails on the other side, undecided across 0 or without data")
    func verdicts() {
        func interval(_ lower: Double, _ upper: Double) -> Bootstrap.Interval {
            Bootstrap.Interval(estimate: (lower + upper) / 2, lower: lower, upper: upper, count: 10)
        }
        #expect(Verdict(difference: interval(0.1, 0.2), direction: .higherIsBetter) == .holds)
        #expect(Verdict(difference: interval(-0.2, -0.1), direction: .higherIsBetter) == .fails)
        #expect(Verdict(difference: interval(-0.1, 0.2), direction: .higherIsBetter) == .undecided)
        #expect(Verdict(difference: interval(-0.2, -0.1), direction: .lowerIsBetter) == .holds)
        #expect(Verdict(difference: interval(0.1, 0.2), direction: .lowerIsBetter) == .fails)
        #expect(Verdict(difference: interval(0, 0.2), direction: .higherIsBetter) == .undecided)
        #expect(Verdict(difference: nil, direction: .higherIsBetter) == .undecided)
    }

    @Test("The median-curve statistic equals PAIR's aggregation (Evaluation's, an independent sort) on any multiset of images")
    func medianCurveMatchesAggregate() {
        var generator = Seeds.generator(1502)
        // Five images' monotone curves with random knots, as SIC produces them.
        let results = (0..<5).map { _ -> PerformanceInformationCurve.Result in
            let information = (0..<4).map { _ in generator.nextUniform() }
            let predictions = PerformanceInformationCurve.runningMaximum((0..<4).map { _ in generator.nextUniform() })
            let (x, y) = PerformanceInformationCurve.curve(information: information, predictions: predictions)
            return PerformanceInformationCurve.Result(
                thresholds: [], information: information, predictions: predictions, curveX: x, curveY: y, score: 0, skipped: nil)
        }
        let scores = results.map { result -> ImageScores in
            var scores = ImageScores()
            scores.curves["sic-compressed"] = (result.curveX, result.curveY)
            scores.values["sic-compressed"] = PerformanceGrid.area(PerformanceGrid.sample((result.curveX, result.curveY)))
            return scores
        }
        let statistic = ImageStatistic(metric: QualityMetric.named("sic-compressed")!, scores: scores)
        for multiset in [[0, 1, 2, 3, 4], [0, 0, 3], [4, 2, 2, 1], [3]] {
            let expected = PerformanceInformationCurve.aggregate(multiset.map { results[$0] }, kind: .sic)!.area
            let value = statistic.value(over: multiset)
            // Both sample the same curves on the same grid and take the same medians; only the
            // trapezoid sums' order of additions may differ.
            #expect(abs(value - expected) <= 1e-12 * max(1, abs(expected)), "\(multiset): \(value) vs \(expected)")
        }
        // AIC's mean curve: its area is the mean of the per-image areas.
        let meanCurve = PerformanceInformationCurve.aggregate(results, kind: .aic)!.area
        let meanOfAreas = scores.map { $0.values["sic-compressed"]! }.reduce(0, +) / 5
        #expect(abs(meanCurve - meanOfAreas) <= 1e-12)
    }
}
