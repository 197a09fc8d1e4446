import Attribution
import Evaluation
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

/// A network whose class-0 logit is b + w·x on a 1×H×W image (class 1's logit is 0): the
/// metrics' curves on it can be worked out by hand.
func linearClassifier(weights: [Double], bias: Double, height: Int, width: Int) throws -> Sequential {
    let weight = Tensor(shape: [2, weights.count], scalars: weights + Array(repeating: 0, count: weights.count))
    return try Sequential(inputShape: [1, height, width], layers: [Flatten(), try Dense(weight: weight, bias: Tensor(shape: [2], scalars: [bias, 0]))])
}

@Suite("Insertion, deletion and DiffID: curves worked by hand and the orderings they reward")
struct CurveMetricTests {
    // A 2×2 image x = (1, 2, 3, 4), logit F = 0.5 + x₁ + 2x₂ − x₃ + 3x₄ (contributions 1, 4, −3, 12).
    static let x = Tensor(shape: [1, 2, 2], scalars: [1, 2, 3, 4])
    static func output() throws -> ClassifierOutput {
        try ClassifierOutput(network: try linearClassifier(weights: [1, 2, -1, 3], bias: 0.5, height: 2, width: 2), target: 0, kind: .logit)
    }

    @Test("A 2×2 image: insertion and deletion curves, their AUCs and overall, by hand")
    func handWorked() throws {
        // Saliency ranks pixel 3 (0.9), then 1 (0.5), then 0 (0.2), then 2 (−0.4).
        let attribution = Tensor(shape: [1, 2, 2], scalars: [0.2, 0.5, -0.4, 0.9])
        let result = try InsertionDeletion(steps: 4).evaluate(input: Self.x, attribution: attribution, output: try Self.output())
        // Insertion from zeros: 0.5, then +12, +4, +1, −3.
        #expect(result.insertion.y == [0.5, 12.5, 16.5, 17.5, 14.5])
        #expect(result.insertion.x == [0, 0.25, 0.5, 0.75, 1])
        // Deletion from x (F = 14.5): −12, −4, −1, +3.
        #expect(result.deletion.y == [14.5, 2.5, -1.5, -2.5, 0.5])
        // AUC = (1/4)(Σ y − (y₀ + y₄)/2).
        #expect(result.insertion.auc == (0.5 + 12.5 + 16.5 + 17.5 + 14.5 - (0.5 + 14.5) / 2) / 4)
        #expect(result.deletion.auc == (14.5 + 2.5 - 1.5 - 2.5 + 0.5 - (14.5 + 0.5) / 2) / 4)
        #expect(result.overall == result.insertion.auc - result.deletion.auc)
        // Normalized: every point divided by F(x) = 14.5.
        let normalized = try InsertionDeletion(steps: 4, normalize: true).evaluate(input: Self.x, attribution: attribution, output: try Self.output())
        #expect(normalized.insertion.y == result.insertion.y.map { $0 / 14.5 })
        // The mean substrate: every pixel 2.5 to start with, F = 0.5 + 2.5·5 = 13.
        let mean = try InsertionDeletion(steps: 4, substrate: .mean).evaluate(input: Self.x, attribution: attribution, output: try Self.output())
        #expect(mean.insertion.y.first == 13 && mean.insertion.y.last == 14.5)
    }

    @Test("m_k = ⌊k·P/n⌋ pixels; the first insertion point is F(z), the last F(x); a constant map reveals pixels in row-major order")
    func pointsAndTies() throws {
        // 1×3×3, P = 9, n = 4: m = 0, 2, 4, 6, 9. F = Σ 10^p x_p tells which pixels are in.
        let weights = (0..<9).map { pow(10, Double($0)) }
        let output = try ClassifierOutput(network: try linearClassifier(weights: weights, bias: 0, height: 3, width: 3), target: 0, kind: .logit)
        let ones = Tensor(shape: [1, 3, 3], repeating: 1)
        let result = try InsertionDeletion(steps: 4).evaluate(input: ones, attribution: Tensor(shape: [1, 3, 3], repeating: 7), output: output)
        // Row-major order: pixels 0…m−1 revealed, i.e. F = Σ_{p < m} 10^p.
        #expect(result.insertion.y == [0, 11, 1111, 111_111, 111_111_111])
        #expect(result.deletion.y.last == 0 && result.deletion.y.first == 111_111_111)
    }

    @Test("On a linear logit with a zero substrate, ordering by w ⊙ x (its exact IG) beats 100 random orderings: insertion AUC ≥, deletion AUC ≤")
    func exactIGOrderingIsBest() throws {
        var generator = Seeds.generator(3000)
        let (h, w) = (6, 6)
        let weights = (0..<(h * w)).map { _ in generator.nextNormal() }
        let input = Tensor(shape: [1, h, w], scalars: (0..<(h * w)).map { _ in generator.nextUniform() })
        let output = try ClassifierOutput(network: try linearClassifier(weights: weights, bias: 0.3, height: h, width: w), target: 0, kind: .logit)
        let ig = try IntegratedGradients(steps: 4, rule: .middle).attribute(input, of: output).attribution
        expectClose(ig.scalars, zip(weights, input.scalars).map { $0 * $1 }, Tolerance(relative: 1e-12), "IG of a linear F is w ⊙ x")
        let metric = InsertionDeletion(steps: 12)
        let best = try metric.evaluate(input: input, attribution: ig, output: output)
        for trial in 0..<100 {
            let random = Tensor(shape: [1, h, w], scalars: (0..<(h * w)).map { _ in generator.nextNormal() })
            let other = try metric.evaluate(input: input, attribution: random, output: output)
            #expect(best.insertion.auc >= other.insertion.auc - 1e-12, "trial \(trial)")
            #expect(best.deletion.auc <= other.deletion.auc + 1e-12, "trial \(trial)")
        }
    }

    @Test("DiffID by hand: k_r = ⌊(kP + 5)/10⌋ pixels replaced by the mean of those kept; F the logit")
    func diffIDHandWorked() throws {
        // P = 4: k_r = 0, 1, 1, 2, 2, 2, 3, 3, 4 for k = 1…9 (⌊(4k + 5)/10⌋).
        // |A| ranks pixels 3, 1, 0, 2 (the same ranking as above, by magnitude: 0.9, 0.5, 0.4, 0.2).
        let attribution = Tensor(shape: [1, 2, 2], scalars: [0.4, 0.5, -0.2, 0.9])
        let result = try DiffID().evaluate(input: Self.x, attribution: attribution, output: try Self.output())
        func f(_ values: [Double]) -> Double { 0.5 + values[0] + 2 * values[1] - values[2] + 3 * values[3] }
        // Deletion with one pixel (3) replaced by the mean of 1, 2, 3 = 2: F = 0.5 + 1 + 4 − 3 + 6.
        #expect(result.deletion[1] == f([1, 2, 3, 2]) / 14.5)
        // Insertion with one pixel (the least salient, 2) replaced by the mean of 1, 2, 4.
        // (7/3 is not exact: the network and this line sum it in different orders.)
        expectClose(result.insertion[1], f([1, 2, 7.0 / 3, 4]) / 14.5, Tolerance(relative: 1e-15), "insertion, one pixel")
        // k = 1: k_r = 0, nothing replaced, both ratios are 1.
        #expect(result.insertion[0] == 1 && result.deletion[0] == 1)
        // k = 9: every pixel replaced; the mean is then x's own: 2.5 everywhere.
        #expect(result.deletion[8] == f([2.5, 2.5, 2.5, 2.5]) / 14.5)
        #expect(result.score == zip(result.insertion, result.deletion).map { $0 - $1 }.reduce(0, +) / 9)
    }

    @Test("Bad input is an error with a message, never NaN: mismatched shapes, zero steps, F(x) = 0 with normalization")
    func errors() throws {
        let output = try Self.output()
        #expect(throws: EvaluationError.self) { try InsertionDeletion().evaluate(input: Self.x, attribution: Tensor(zeros: [1, 2, 3]), output: output) }
        #expect(throws: EvaluationError.self) { try InsertionDeletion(steps: 0).evaluate(input: Self.x, attribution: Self.x, output: output) }
        let zeroOutput = try ClassifierOutput(network: try linearClassifier(weights: [0, 0, 0, 0], bias: 0, height: 2, width: 2), target: 0, kind: .logit)
        #expect(throws: EvaluationError.self) { try InsertionDeletion(normalize: true).evaluate(input: Self.x, attribution: Self.x, output: zeroOutput) }
        #expect(throws: EvaluationError.self) { try DiffID().evaluate(input: Self.x, attribution: Self.x, output: zeroOutput) }
    }
}
