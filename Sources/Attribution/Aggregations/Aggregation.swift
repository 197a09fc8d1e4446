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
        plan(count: plans.count, part: { plans[$0] }, shape: shape)
    }

    /// The plan that runs `count` plans, made on demand by `part`, folding each result into
    /// running sums as it arrives: memory holds one attribution's sums, however many walks.
    public func plan(count: Int, part: @escaping (Int) throws(AttributionError) -> AttributionPlan, shape: [Int]) -> AttributionPlan {
        AttributionPlan(count: count, part: { k throws(AttributionError) in .plan(try part(k)) }, fold: { Fold(self, shape: shape, count: count) })
    }

    /// The statistic of `results`, with their costs added and their ledgers joined.
    /// - Throws: ``AttributionError`` if the weights do not match the results.
    public func combine(_ results: [AttributionResult], shape: [Int]) throws(AttributionError) -> AttributionResult {
        var fold = Fold(self, shape: shape, count: results.count)
        for result in results { try fold.add(result) }
        return try fold.finish()
    }

    /// The running sums Σ w_k a_k and Σ w_k a_k ⊙ a_k (divided by n at the end for equal
    /// weights, as the peers do), the costs, and the walks' ledgers one after another, each
    /// step tagged with its walk and its point shifted to the whole run's order.
    struct Fold: PlanFold {
        let aggregation: Aggregation
        let shape: [Int]
        let count: Int
        var sum: [Double]
        var sumOfSquares: [Double]
        var k = 0
        var gradientEvaluations = 0
        var valueEvaluations = 0
        var steps: [Ledger.Step]? = []
        var pointOffset = 0

        init(_ aggregation: Aggregation, shape: [Int], count: Int) {
            self.aggregation = aggregation
            self.shape = shape
            self.count = count
            sum = [Double](repeating: 0, count: Tensor.elementCount(of: shape))
            sumOfSquares = sum
        }

        mutating func add(_ result: AttributionResult) throws(AttributionError) {
            if let weights = aggregation.weights, weights.count != count {
                throw AttributionError("\(weights.count) weights for \(count) attributions")
            }
            let w = aggregation.weights?[k] ?? 1
            for i in sum.indices {
                let a = result.attribution.scalars[i]
                sum[i] += w * a
                sumOfSquares[i] += w * (a * a)
            }
            gradientEvaluations += result.gradientEvaluations
            valueEvaluations += result.valueEvaluations
            if let ledger = result.ledger, steps != nil {
                for var step in ledger.steps {
                    step.point += pointOffset
                    step.reference = k
                    steps!.append(step)
                }
            } else {
                steps = nil
            }
            pointOffset += result.gradientEvaluations
            k += 1
        }

        mutating func finish() throws(AttributionError) -> AttributionResult {
            guard k > 0 else { throw AttributionError("an aggregation needs at least one attribution") }
            if aggregation.weights == nil {
                let n = Double(k)
                for i in sum.indices {
                    sum[i] /= n
                    sumOfSquares[i] /= n
                }
            }
            let combined: [Double]
            switch aggregation.statistic {
            case .mean: combined = sum
            case .meanOfSquares: combined = sumOfSquares
            case .variance: combined = sum.indices.map { sumOfSquares[$0] - sum[$0] * sum[$0] }
            }
            let ledger = steps.map { Ledger(steps: $0, referenceWeights: aggregation.weights ?? Array(repeating: 1 / Double(k), count: k)) }
            return AttributionResult(
                attribution: Tensor(shape: shape, scalars: combined), ledger: ledger, gradientEvaluations: gradientEvaluations,
                valueEvaluations: valueEvaluations)
        }
    }
}
