/// Holm's step-down correction (Holm 1979) for m tests at family-wise level α: sort the
/// p-values ascending, p_(1) ≤ … ≤ p_(m); reject H_(i) while p_(i) ≤ α/(m − i + 1), stopping at
/// the first that is not. Equivalently, the adjusted p-values
///
///     p̃_(i) = max_{j ≤ i} min(1, (m − j + 1) p_(j))
///
/// are compared with α. It controls the chance of any false rejection among the m at α
/// without assuming independence, and rejects at least what Bonferroni (every p·m) rejects.
/// An interval for H_(i) at confidence 1 − α/(m − i + 1) shows the step's own level.
public enum Holm {
    /// The adjusted p-values, in the input's order.
    public static func adjusted(_ pValues: [Double]) -> [Double] {
        let m = pValues.count
        let order = pValues.indices.sorted { pValues[$0] != pValues[$1] ? pValues[$0] < pValues[$1] : $0 < $1 }
        var adjusted = [Double](repeating: 1, count: m)
        var running = 0.0
        for (rank, index) in order.enumerated() {
            running = max(running, min(1, Double(m - rank) * pValues[index]))
            adjusted[index] = running
        }
        return adjusted
    }

    /// The level α/(m − i + 1) of each test's step (i its rank by p-value), in the input's order.
    public static func stepLevels(_ pValues: [Double], alpha: Double) -> [Double] {
        let m = pValues.count
        let order = pValues.indices.sorted { pValues[$0] != pValues[$1] ? pValues[$0] < pValues[$1] : $0 < $1 }
        var levels = [Double](repeating: alpha, count: m)
        for (rank, index) in order.enumerated() { levels[index] = alpha / Double(m - rank) }
        return levels
    }
}
