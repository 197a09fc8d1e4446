/// How the steps of a path become an attribution: the "rule" axis of the design (DESIGN.md).
///
/// An integrator makes an accumulator for one walk; the path hands it every step in order;
/// at the end the accumulator returns the attribution. Two integrators exist:
/// ``RiemannSum`` (the base method's own sum) and ``ImportantDirection`` (IDGI).
///
/// An integrator says what it reads from a step (``needs``), and paths compute only that.
/// Code that must choose something by integrator asks its needs, never its type: IG's
/// default rule is Gauss–Legendre for an integrator that uses the rule's weights (Riemann
/// terms) and `left` — segments with the gradient at their start, the official IDGI pairing —
/// for one that uses only segments.
public protocol Integrator: Sendable {
    /// The accumulator for one walk.
    associatedtype Accumulator: IntegralAccumulator
    /// A short name ("riemann", "idgi").
    var name: String { get }
    /// What the accumulator reads from each step.
    var needs: StepNeeds { get }
    /// A fresh accumulator for points of `featureCount` features.
    func makeAccumulator(featureCount: Int) -> Accumulator
}

/// The running state of one integration.
public protocol IntegralAccumulator {
    /// Adds one step's contribution and returns its sum over features (for the ledger).
    mutating func add(_ step: PathStep) -> Double
    /// The attribution (flattened) once every step is in.
    mutating func finish(_ summary: PathSummary) -> [Double]
}
