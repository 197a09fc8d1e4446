import Attribution
import Evaluation
import Models
import Tensors

/// A toy metric written outside the library, the way a user adds one: one file holding the
/// metric, its settings and its registration, plus one registry line (``TestRegistry``). The
/// tests then find it in `attribute evaluate --help`, see foreign options refused, and score
/// maps with it through the command line.
///
/// The completeness gap of a map A of x, against the constant baseline x′ = c·1:
///
///     gap(A) = |Σ_i A_i − (F(x) − F(x′))|
///
/// Zero for a method complete toward x′ (IDGI-IG from that baseline, exactly; IG, up to its
/// discretisation error), and in general not zero for the gradient or input × gradient.
public struct CompletenessGap: Sendable {
    /// The settings: the baseline's constant value and the explained output.
    public struct Settings: Configurable {
        /// c, every feature of the baseline.
        public var fill = 0.0
        /// The explained F.
        public var output = OutputKind.probability
        /// The defaults.
        public static var defaults: Settings { Settings() }
        /// `fill`, `output`.
        public static let parameters: [Parameter<Settings>] = [
            .number("fill", \.fill, in: -1e6...1e6, help: "c, the constant value of every feature of the baseline x′"),
            .choice("output", \.output, help: "the explained F"),
        ]
    }

    /// `completeness-gap`.
    public static let registration = MetricRegistration(
        name: "completeness-gap", summary: "a toy: |Σ A − (F(x) − F(c·1))| (a test's own metric)", settings: Settings.self,
        needs: [.model, .attribution], direction: .lowerIsBetter
    ) { settings, context in
        let output = try ClassifierOutput(network: try context.requireNetwork(), target: context.target, kind: settings.output)
        let baseline = Tensor(shape: context.input.shape, scalars: Array(repeating: settings.fill, count: context.input.count))
        let values = try output.values(at: Tensor.stacking([context.input, baseline]))
        let sum = try context.requireAttribution().sum
        return MetricScore(score: abs(sum - (values[0] - values[1])), members: [.init("attributionSum", .number(sum)), .init("completenessTarget", .number(values[0] - values[1]))])
    }
}
