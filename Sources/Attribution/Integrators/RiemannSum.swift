import Tensors

/// The base method's own sum: A = Σ_j r_j, the Riemann terms the path computes (g ⊙ Δx,
/// g ⊙ γ′ Δt, or a quadrature weight times g ⊙ (x − x′)).
///
/// Completeness holds only up to the discretisation error of the path's rule; the per-step
/// ledger shows where, by comparing each step's sum with F's change over its segment.
public struct RiemannSum: Integrator {
    /// The Riemann integrator.
    public init() {}

    /// "riemann"
    public var name: String { "riemann" }
    /// The Riemann terms only; no function values.
    public var needs: StepNeeds { .riemannTerms }

    /// A zeroed running sum.
    public func makeAccumulator(featureCount: Int) -> Accumulator {
        Accumulator(total: [Double](repeating: 0, count: featureCount))
    }

    /// Σ_j r_j so far.
    public struct Accumulator: IntegralAccumulator {
        var total: [Double]

        /// total += r_j
        public mutating func add(_ step: PathStep) -> Double {
            guard let term = step.riemannTerm else {
                preconditionFailure("the Riemann sum needs Riemann terms; the path did not supply them")
            }
            var stepSum = 0.0
            for i in total.indices {
                total[i] += term[i]
                stepSum += term[i]
            }
            return stepSum
        }

        /// Σ_j r_j
        public mutating func finish(_ summary: PathSummary) -> [Double] { total }
    }
}
