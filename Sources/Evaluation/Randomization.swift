import ArrayFormats
import Attribution
import Models
import Tensors

/// The cascading model-parameter randomization check (Adebayo et al., "Sanity Checks for
/// Saliency Maps", NeurIPS 2018; Quantus' MPRT): an explanation that depends on what the model
/// learned must change as the learned parameters are destroyed.
///
/// From the last layer with parameters to the first (in a graph, reverse topological order:
/// layers are stored in an order where each reads only earlier ones), each stage re-draws one
/// more layer's weights and biases from the initialization the shipped models were trained
/// from (PyTorch's default: uniform in ±1/√fan-in, fan-in = inputs × kernel area; a
/// BatchNorm's or a constant affine's scale 1 and shift 0, PyTorch's BatchNorm initialization),
/// with a seeded generator, and recomputes the attribution for the same target. Reported per stage: the
/// Spearman rank correlation of |A| with the original |A| (mid-ranks for ties; 0 when either
/// map is constant, which has no ranking). A method that passes the check falls toward 0;
/// one that stays near 1 (guided backprop is the known case) is insensitive to the model.
/// Cost: one run of the method per parametric layer, plus one.
public struct Randomization: Sendable {
    /// The explained method.
    public var method: any AttributionMethod
    /// The re-drawn parameters' seed.
    public var seed: UInt64

    /// The check.
    public init(method: any AttributionMethod, seed: UInt64 = 0) {
        self.method = method
        self.seed = seed
    }

    /// One stage of the cascade.
    public struct Stage: Sendable, Equatable {
        /// The index (in the network's layers) of the layer randomized last.
        public var layer: Int
        /// Its kind.
        public var kind: String
        /// Spearman correlation of |A| with the original |A|.
        public var spearman: Double
    }

    /// The cascade for `network`'s `kind` output of class `target` at `input`.
    public func evaluate(input: Tensor, network: Sequential, target: Int, kind: OutputKind) throws -> [Stage] {
        let original = try method.attribute(input, of: try ClassifierOutput(network: network, target: target, kind: kind)).attribution.scalars.map(abs)
        var randomized = network
        var layers = randomized.layers
        var generator = Xoshiro256StarStar(seed: seed)
        var stages: [Stage] = []
        for index in layers.indices.reversed() where !layers[index].parameters.isEmpty {
            layers[index].parameters = Self.initialParameters(of: layers[index], using: &generator)
            randomized = try Sequential(inputShape: network.inputShape, layers: layers, inputs: network.inputs)
            let attribution = try method.attribute(input, of: try ClassifierOutput(network: randomized, target: target, kind: kind))
            stages.append(Stage(layer: index, kind: layers[index].kind, spearman: Self.spearman(original, attribution.attribution.scalars.map(abs))))
        }
        return stages
    }

    /// A layer's parameters as initialization draws them.
    static func initialParameters(of layer: any Layer, using generator: inout Xoshiro256StarStar) -> [Tensor] {
        switch layer {
        case let norm as BatchNormalization:
            return [Tensor(shape: norm.scale.shape, repeating: 1), Tensor(shape: norm.shift.shape, repeating: 0)]
        case let affine as ElementwiseAffine:
            return [affine.scale.map { Tensor(shape: $0.shape, repeating: 1) }, affine.shift.map { Tensor(shape: $0.shape, repeating: 0) }].compactMap { $0 }
        default:
            let current = layer.parameters
            let weight = current[0]
            let bound = 1 / Double(weight.count / max(weight.shape.first ?? 1, 1)).squareRoot()  // 1/√fan-in
            return current.map { Tensor.uniform(shape: $0.shape, in: -bound, bound, using: &generator) }
        }
    }

    /// Spearman's ρ: the Pearson correlation of the mid-ranks; NaN (undefined) if either has
    /// no spread — a map that is zero everywhere ranks nothing, so it can be neither like nor
    /// unlike another.
    public static func spearman(_ a: [Double], _ b: [Double]) -> Double {
        let (ra, rb) = (RankStatistics.midRanks(a), RankStatistics.midRanks(b))
        let n = Double(a.count)
        let (ma, mb) = (ra.reduce(0, +) / n, rb.reduce(0, +) / n)
        var (covariance, va, vb) = (0.0, 0.0, 0.0)
        for i in ra.indices {
            covariance += (ra[i] - ma) * (rb[i] - mb)
            va += (ra[i] - ma) * (ra[i] - ma)
            vb += (rb[i] - mb) * (rb[i] - mb)
        }
        return va > 0 && vb > 0 ? covariance / (va * vb).squareRoot() : .nan
    }
}

extension Randomization {
    /// The randomization check's parameters.
    public struct Settings: Configurable {
        /// The re-drawn weights' seed.
        public var seed: UInt64 = 0
        /// The explained F.
        public var output = OutputKind.probability
        /// The defaults.
        public static var defaults: Settings { Settings() }
        /// `seed`, `output`.
        public static let parameters: [Parameter<Settings>] = [
            .seed("seed", \.seed, help: "the re-drawn weights' seed"),
            .choice("output", \.output, help: "the explained F"),
        ]
    }

    /// `randomization`: the score is the last stage's ρ (every parametric layer re-drawn).
    public static let registration = MetricRegistration(
        name: "randomization", summary: "Spearman ρ of the absolute maps as layers are re-initialized from the last (Adebayo et al.); takes --method",
        settings: Settings.self, needs: [.model, .method], direction: .lowerIsBetter
    ) { settings, context in
        guard let method = context.method else { throw EvaluationError("the randomization check re-runs a method: give the method") }
        let stages = try Randomization(method: method, seed: settings.seed)
            .evaluate(input: context.input, network: try context.requireNetwork(), target: context.target, kind: settings.output)
        let stagesJSON = JSONValue.array(stages.map { stage in
            .object([.init("layer", .number(Double(stage.layer))), .init("kind", .string(stage.kind)), .init("spearman", stage.spearman.isFinite ? .number(stage.spearman) : .null)])
        })
        guard let last = stages.last else { return MetricScore(score: nil, skipped: "the model has no parametric layer to re-draw", members: [.init("stages", stagesJSON)]) }
        guard last.spearman.isFinite else {
            return MetricScore(
                score: nil, skipped: "a map is constant (zero everywhere on this input, say), so Spearman's ρ is undefined", members: [.init("stages", stagesJSON)])
        }
        return MetricScore(score: last.spearman, members: [.init("stages", stagesJSON)])
    }
}
