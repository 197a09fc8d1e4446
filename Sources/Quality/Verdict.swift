import Evaluation

/// The ruling on one claim from the interval of its paired difference (method − base):
/// "holds" when the whole interval lies on the claimed side of 0, "fails" when it lies on the
/// other side, "undecided" when it contains 0 (or there were no images to judge on).
public enum Verdict: String, Sendable, CaseIterable {
    case holds
    case fails
    case undecided

    /// The verdict for `difference` (method − base) when the claim is that the method is
    /// better under `direction`.
    public init(difference: Bootstrap.Interval?, direction: Direction) {
        guard let difference else {
            self = .undecided
            return
        }
        let (lower, upper) = direction == .higherIsBetter ? (difference.lower, difference.upper) : (-difference.upper, -difference.lower)
        if lower > 0 {
            self = .holds
        } else if upper < 0 {
            self = .fails
        } else {
            self = .undecided
        }
    }
}
