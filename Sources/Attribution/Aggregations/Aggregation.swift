import Tensors

/// How several attributions of one input become one — the "aggregation" axis of the design
/// (DESIGN.md): SmoothGrad's noisy copies, a set of references, random draws.
///
/// Given the attributions a_1 … a_n of the n walks and weights w_k (Σ w_k = 1; by default
/// all 1/n):
///
///     mean:            Σ_k w_k a_k
///     meanOfSquares:   Σ_k w_k a_k ⊙ a_k
///     variance:        Σ_k w_k a_k ⊙ a_k − (Σ_k w_k a_k)²      (VarGrad)
///
/// With equal weights the sums are taken first and divided by n at the end, as the peers do.
/// The combined ledger is the walks' ledgers one after another, each step tagged with its
/// walk (`reference`) and its point index shifted to the whole run's order, with the weights.
/// A mean of complete attributions is complete with respect to the weighted mean of the
/// walks' own targets Σ_k w_k (F(end_k) − F(start_k)) — not F(x) − F(x′) — so the combined
/// result reports no start or end value.
public struct Aggregation: Sendable, Equatable {
    /// Which statistic of the walks' attributions.
    public enum Statistic: String, Sendable, CaseIterable {
        /// The (weighted) mean.
        case mean
        /// The (weighted) mean of squares.
        case meanOfSquares
        /// The (weighted) variance: mean of squares minus the square of the mean.
        case variance
    }

    /// The statistic.
    public var statistic: Statistic
    /// w_k, one per walk, summing to 1; nil for equal weights.
    public var weights: [Double]?

    /// An aggregation.
    public init(_ statistic: Statistic = .mean, weights: [Double]? = nil) {
        self.statistic = statistic
        self.weights = weights
    }

    /// The plan that runs `plans` (one per walk of the aggregation) and combines their results.
    public func plan(over plans: [AttributionPlan], shape: [Int]) -> AttributionPlan {
        .combining(plans) { results throws(AttributionError) in try combine(results, shape: shape) }
    }

    /// The statistic of `results`, with their costs added and their ledgers joined.
    /// - Throws: ``AttributionError`` if the weights do not match the results.
    public func combine(_ results: [AttributionResult], shape: [Int]) throws(AttributionError) -> AttributionResult {
        guard !results.isEmpty else { throw AttributionError("an aggregation needs at least one attribution") }
        if let weights, weights.count != results.count {
            throw AttributionError("\(weights.count) weights for \(results.count) attributions")
        }
        let count = Tensor.elementCount(of: shape)
        var sum = [Double](repeating: 0, count: count)
        var sumOfSquares = sum
        for (k, result) in results.enumerated() {
            let w = weights?[k] ?? 1
            for i in 0..<count {
                let a = result.attribution.scalars[i]
                sum[i] += w * a
                sumOfSquares[i] += w * (a * a)
            }
        }
        if weights == nil {
            let n = Double(results.count)
            for i in 0..<count {
                sum[i] /= n
                sumOfSquares[i] /= n
            }
        }
        let combined: [Double]
        switch statistic {
        case .mean: combined = sum
        case .meanOfSquares: combined = sumOfSquares
        case .variance: combined = (0..<count).map { sumOfSquares[$0] - sum[$0] * sum[$0] }
        }
        return AttributionResult(
            attribution: Tensor(shape: shape, scalars: combined), ledger: joinedLedger(results),
            gradientEvaluations: results.map(\.gradientEvaluations).reduce(0, +),
            valueEvaluations: results.map(\.valueEvaluations).reduce(0, +))
    }

    /// The walks' ledgers, one after another (nil unless every walk kept one).
    private func joinedLedger(_ results: [AttributionResult]) -> Ledger? {
        var steps: [Ledger.Step] = []
        var offset = 0
        for (k, result) in results.enumerated() {
            guard let ledger = result.ledger else { return nil }
            for var step in ledger.steps {
                step.point += offset
                step.reference = k
                steps.append(step)
            }
            offset += result.gradientEvaluations
        }
        return Ledger(steps: steps, referenceWeights: weights ?? Array(repeating: 1 / Double(results.count), count: results.count))
    }
}
