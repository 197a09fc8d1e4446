import Tensors

/// Important Direction Gradient Integration, IDGI (Yang, Wang & Bilgic, "IDGI: A Framework
/// to Eliminate Explanation Noise from Integrated Gradients", CVPR 2023; the official
/// `IDGI(Gradients, Predictions)` function of yangruo1226/IDGI).
///
/// On every segment [p_j, p_{j+1}] of any path, IDGI keeps only the component of the step
/// along the gradient g_j the base method already evaluated, scaled so that the segment
/// explains exactly the change of F across it:
///
///     A += g_j ⊙ g_j · ΔF_j / ‖g_j‖²,    ΔF_j = F(p_{j+1}) − F(p_j)
///
/// (computed as the official code computes it, (g² · ΔF) / Σ g²). Properties:
/// - **hyperplane / per-step completeness**: Σ_i A_i^(j) = ΔF_j for every step, so
///   Σ A = F(end) − F(start) exactly, for any number of steps;
/// - every feature's share of step j has the sign of ΔF_j;
/// - **sensitivity (b)**: a feature with zero gradient gets nothing;
/// - **linearity fails**: IDGI(F₁ + F₂) ≠ IDGI(F₁) + IDGI(F₂) in general, because the
///   direction g/‖g‖ of a sum is not the sum of directions;
/// - **a feature that never moves can get credit**: the share depends on g_i, not on the
///   path's displacement, so a feature with x_i = x′_i (a black background pixel against a
///   black baseline) that F is sensitive to gets a non-zero share — where IG, proportional
///   to x_i − x′_i, gives exactly 0. (The official code behaves the same way.)
///
/// **Zero gradients.** The official code divides by ‖g_j‖² unguarded, so a zero gradient
/// gives NaN. This library's policy keeps exact completeness, keeps sensitivity (b), and
/// never divides by zero:
/// 1. a step with ‖g_j‖² = 0 contributes nothing itself; its ΔF_j is carried forward and
///    added to the ΔF of the next step that has a non-zero gradient;
/// 2. change still carried at the end of the path goes along the last non-zero gradient's
///    direction (g²/‖g‖² of the last step that had one);
/// 3. only if no step has a non-zero gradient is the total change spread along the path's
///    displacement δ = end − start, as δ² ΔF / ‖δ‖² (no gradient information exists then;
///    nothing is spread if δ = 0, where ΔF = 0 too).
/// The ledger shows a carried step as ‖g‖² = 0 with attribution sum 0, and the receiving
/// step's sum as its own ΔF plus what it received.
public struct ImportantDirection: Integrator {
    /// The IDGI integrator.
    public init() {}

    /// "idgi"
    public var name: String { "idgi" }
    /// F at every segment end; the Riemann terms are not used.
    public var needs: StepNeeds { .segmentValues }

    /// A zeroed accumulator.
    public func makeAccumulator(featureCount: Int) -> Accumulator {
        Accumulator(total: [Double](repeating: 0, count: featureCount))
    }

    /// The running IDGI sum and the zero-gradient bookkeeping.
    public struct Accumulator: IntegralAccumulator {
        var total: [Double]
        /// ΔF carried from steps whose gradient was zero.
        var carried = 0.0
        /// g²/‖g‖² of the last step with a non-zero gradient.
        var lastDirection: [Double]? = nil

        /// Adds g ⊙ g · ΔF / ‖g‖² (or carries ΔF when ‖g‖ = 0).
        public mutating func add(_ step: PathStep) -> Double {
            guard let start = step.startValue, let end = step.endValue else {
                preconditionFailure("IDGI needs segment values; the path did not supply them")
            }
            let squares = step.gradient.map { $0 * $0 }
            let normSquared = Reductions.sumInNumpyOrder(squares)
            let delta = (end - start) + carried
            guard normSquared > 0 else {
                carried = delta
                return 0
            }
            carried = 0
            var stepSum = 0.0
            for i in total.indices {
                let share = squares[i] * delta / normSquared
                total[i] += share
                stepSum += share
            }
            lastDirection = squares.map { $0 / normSquared }
            return stepSum
        }

        /// The sum, with any carried change placed by rules 2 and 3 above.
        public mutating func finish(_ summary: PathSummary) -> [Double] {
            guard carried != 0 else { return total }
            if let direction = lastDirection {
                for i in total.indices { total[i] += direction[i] * carried }
            } else {
                let squares = summary.displacement.map { $0 * $0 }
                let normSquared = Reductions.sumInNumpyOrder(squares)
                if normSquared > 0 {
                    for i in total.indices { total[i] += squares[i] * carried / normSquared }
                }
            }
            carried = 0
            return total
        }
    }
}
