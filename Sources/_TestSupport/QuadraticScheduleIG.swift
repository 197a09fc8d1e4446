import Attribution
import Catalogue
import Evaluation
import Models
import Tensors

/// A toy method written outside the library, the way a user adds one: one file holding the
/// method, its path and its registration, plus one registry line (``TestRegistry``). The
/// tests then find it in `attribute --help`, see its foreign options refused, and run it
/// through the axiom suites like every shipped method.
///
/// Integrated Gradients along the straight line walked with the quadratic schedule α = t²:
///
///     A(x) = (x − x′) ⊙ ∫₀¹ ∇F(x′ + t² (x − x′)) 2t dt
///          ≈ (x − x′) ⊙ Σ_k (2 t_k / N) ∇F(x′ + t_k² (x − x′)),   t_k = (k + ½)/N
///
/// — the IG integral after the substitution α = t², so it converges to IG (second order,
/// midpoint nodes in t) while spending more of its nodes near the baseline. With
/// ``ImportantDirection`` it is complete exactly; sensitivity (b) and symmetry hold as for IG.
public struct QuadraticScheduleIG: BaselineAttributionMethod, ConfigurableMethod {
    /// x′; nil means all zeros.
    public var baseline: Tensor?
    /// N
    public var steps: Int
    /// Riemann sum or IDGI.
    public var integrator: any Integrator

    /// The toy method.
    public init(baseline: Tensor? = nil, steps: Int = 32, integrator: any Integrator = RiemannSum()) {
        self.baseline = baseline
        self.steps = steps
        self.integrator = integrator
    }

    /// "quadratic-schedule-ig"
    public var name: String { "quadratic-schedule-ig" }

    /// The quadratic-schedule line, integrated.
    public func plan(for input: Tensor) throws(AttributionError) -> AttributionPlan {
        try validate()
        let start = try baselinePoint(for: input)
        let path = QuadraticSchedulePath(baseline: start.scalars, input: input.scalars, pointShape: input.shape, stepCount: steps)
        return .integrating(path, with: integrator, shape: input.shape)
    }

    /// 32 steps, the Riemann sum, a zero baseline.
    public static var defaults: QuadraticScheduleIG { QuadraticScheduleIG() }

    /// `steps`, `integrator`, `baseline`.
    public static let parameters: [Parameter<QuadraticScheduleIG>] = [
        .integer("steps", \.steps, in: 1...10_000_000, help: "gradient evaluations along the path"),
        .integrator(\.integrator),
        .baseline(\.baseline),
    ]

    /// The method `quadratic-schedule-ig`.
    public static let registration = MethodRegistration(
        QuadraticScheduleIG.self, summary: "a toy: IG walked with the schedule α = t² (a test's own method)", capabilities: [.walksPath, .takesBaseline],
        quickConfigurations: [["steps": "16"], ["steps": "16", "integrator": "idgi"]])
}

/// γ(t) = x′ + t² (x − x′), t ∈ [0, 1], in N equal cells of t with the gradient at each
/// cell's midpoint: a ``StaticPath`` written outside the library.
struct QuadraticSchedulePath: StaticPath {
    let baseline: [Double]
    let input: [Double]
    let pointShape: [Int]
    let stepCount: Int

    var parameterRange: (start: Double, end: Double) { (0, 1) }
    func segment(_ k: Int) -> (start: Double, end: Double) { (Double(k) / Double(stepCount), Double(k + 1) / Double(stepCount)) }
    func gradientParameter(_ k: Int) -> Double { (Double(k) + 0.5) / Double(stepCount) }
    func point(at t: Double) -> [Double] { zip(baseline, input).map { $0 + t * t * ($1 - $0) } }
    /// (2 t_k / N) g_k ⊙ (x − x′)
    func riemannTerm(_ k: Int, gradient: [Double]) -> [Double] {
        let weight = 2 * gradientParameter(k) / Double(stepCount)
        return zip(gradient, zip(input, baseline)).map { g, ends in g * weight * (ends.0 - ends.1) }
    }
}

/// The registries the tests use: the catalogue's methods and metrics plus the toys — the one
/// line a new method or metric needs.
public enum TestRegistry {
    /// ``Catalogue/methods`` and ``QuadraticScheduleIG``.
    public static let methods = Catalogue.methods.adding(QuadraticScheduleIG.registration)
    /// ``Catalogue/metrics`` and ``CompletenessGap``.
    public static let metrics = Catalogue.metrics.adding(CompletenessGap.registration)
}
