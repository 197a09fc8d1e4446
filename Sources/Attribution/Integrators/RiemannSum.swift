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
    /// The Riemann terms need no function values.
    public var needsSegmentValues: Bool { false }

    /// A zeroed running sum.
    public func makeAccumulator(featureCount: Int) -> Accumulator {
        Accumulator(total: [Double](repeating: 0, count: featureCount))
    }

    /// Σ_j r_j so far.
    public struct Accumulator: IntegralAccumulator {
        var total: [Double]

        /// total += r_j
        public mutating func add(_ step: PathStep) -> Double {
            var stepSum = 0.0
            for i in total.indices {
                total[i] += step.riemannTerm[i]
                stepSum += step.riemannTerm[i]
            }
            return stepSum
        }

        /// Σ_j r_j
        public mutating func finish(_ summary: PathSummary) -> [Double] { total }
    }
}
