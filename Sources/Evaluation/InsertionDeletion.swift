import ArrayFormats
import Attribution
import Models
import Tensors

/// Insertion and deletion (Petsiuk, Das & Saenko, "RISE", BMVC 2018; the IDGI paper §4.3
/// uses them with a black substrate and the "probability ratio"; DDPath's Table 1 reports
/// insertion − deletion as "overall").
///
/// With the pixels ordered by descending saliency (``PixelGrid``), P pixels and n steps,
/// m_k = ⌊k·P/n⌋ pixels (k = 0…n):
///
///     insertion image k: the top m_k pixels from x, the rest from the substrate z
///     deletion image k:  the top m_k pixels from z, the rest from x
///     y_k = F(image_k)            (divided by F(x) when normalized)
///     AUC = (1/n) (Σ_{k=0…n} y_k − (y_0 + y_n)/2)       (the trapezoid rule on k/n)
///     overall = insertion AUC − deletion AUC
///
/// The substrate is zeros, the per-channel mean of x, or x blurred (``GaussianBlur``).
/// Insertion rewards maps whose top pixels alone restore F (high is good); deletion rewards
/// maps whose top pixels' removal destroys F (low is good). Both depend on the substrate: a
/// zero substrate favours pixels that are far from zero.
/// Cost: 2(n + 1) forward passes, in one batch.
public struct InsertionDeletion: Sendable {
    /// What revealed-from or removed-to pixels take their values from.
    public enum Substrate: Sendable, Equatable {
        /// All zeros.
        case zeros
        /// The per-channel mean of x.
        case mean
        /// x blurred with a Gaussian of this σ (pixels).
        case blur(sigma: Double)
    }

    /// n ≥ 1
    public var steps: Int
    /// z
    public var substrate: Substrate
    /// Divide every y_k by F(x) (IDGI's probability ratio).
    public var normalize: Bool
    /// Signed or absolute pixel saliency.
    public var ranking: PixelGrid.Ranking

    /// The metric with its options (defaults: 20 steps, zero substrate, unnormalized, signed).
    public init(steps: Int = 20, substrate: Substrate = .zeros, normalize: Bool = false, ranking: PixelGrid.Ranking = .signed) {
        self.steps = steps
        self.substrate = substrate
        self.normalize = normalize
        self.ranking = ranking
    }

    /// One curve: x_k = k/n, y_k, and its AUC.
    public struct Curve: Sendable, Equatable {
        /// k/n, k = 0…n
        public var x: [Double]
        /// y_k
        public var y: [Double]
        /// (1/n)(Σ y_k − (y_0 + y_n)/2)
        public var auc: Double
    }

    /// Both curves and their difference.
    public struct Result: Sendable, Equatable {
        /// Revealing the top pixels on the substrate.
        public var insertion: Curve
        /// Removing the top pixels to the substrate.
        public var deletion: Curve
        /// insertion AUC − deletion AUC
        public var overall: Double { insertion.auc - deletion.auc }
    }

    /// The substrate image z for x.
    public func substrateImage(for x: Tensor, grid: PixelGrid) throws(EvaluationError) -> Tensor {
        switch substrate {
        case .zeros:
            return Tensor(zeros: x.shape)
        case .mean:
            var z = x
            for c in 0..<grid.channels {
                let plane = x.scalars[(c * grid.pixelCount)..<((c + 1) * grid.pixelCount)]
                let mean = plane.reduce(0, +) / Double(grid.pixelCount)
                for p in 0..<grid.pixelCount { z.scalars[c * grid.pixelCount + p] = mean }
            }
            return z
        case .blur(let sigma):
            guard sigma.isFinite, sigma >= 0 else { throw EvaluationError("the substrate's blur σ must be a number ≥ 0, got \(sigma)") }
            return Tensor(shape: x.shape, scalars: GaussianBlur.blur(x.scalars, height: grid.height, width: grid.width, channels: grid.channels, sigma: sigma))
        }
    }

    /// Insertion and deletion of `attribution` for `output` at `input`.
    /// - Throws: ``EvaluationError`` for mismatched shapes, steps < 1, or F(x) = 0 when normalizing.
    public func evaluate(input: Tensor, attribution: Tensor, output: ClassifierOutput) throws -> Result {
        guard steps >= 1 else { throw EvaluationError("steps must be ≥ 1, got \(steps)") }
        try PixelGrid.check(attribution, matches: input.shape, name: "attribution")
        let grid = try PixelGrid(shape: input.shape)
        let order = PixelGrid.order(grid.saliency(attribution, ranking: ranking))
        let z = try substrateImage(for: input, grid: grid)
        var images: [Tensor] = []
        for k in 0...steps {
            let revealed = grid.mask(firstOf: order, count: k * grid.pixelCount / steps)
            images.append(grid.composite(input, z, fromFirst: revealed))
        }
        for k in 0...steps {
            let removed = grid.mask(firstOf: order, count: k * grid.pixelCount / steps)
            images.append(grid.composite(z, input, fromFirst: removed))
        }
        var values = try output.values(at: Tensor.stacking(images + [input]))
        let reference = values.removeLast()
        if normalize {
            guard reference != 0 else { throw EvaluationError("F(x) is 0, so the curves cannot be normalized by it; leave out normalization") }
            values = values.map { $0 / reference }
        }
        let x = (0...steps).map { Double($0) / Double(steps) }
        let insertion = Array(values[0...steps])
        let deletion = Array(values[(steps + 1)...])
        return Result(
            insertion: Curve(x: x, y: insertion, auc: Self.area(insertion)),
            deletion: Curve(x: x, y: deletion, auc: Self.area(deletion)))
    }

    /// (1/n)(Σ_{k=0…n} y_k − (y_0 + y_n)/2) for n + 1 equally spaced values.
    public static func area(_ y: [Double]) -> Double {
        let n = Double(y.count - 1)
        return (y.reduce(0, +) - (y.first! + y.last!) / 2) / n
    }
}

extension InsertionDeletion {
    /// The substrate by name, its σ apart (a parameter each).
    public enum SubstrateName: String, Sendable, CaseIterable {
        /// ``Substrate/zeros``
        case zeros
        /// ``Substrate/mean``
        case mean
        /// ``Substrate/blur(sigma:)``
        case blur
    }

    /// Insertion and deletion's parameters: the metric's own (defaults from its initializer)
    /// and the explained output.
    public struct Settings: Configurable {
        /// n, the curve's steps.
        public var steps = InsertionDeletion().steps
        /// The substrate's kind.
        public var substrate = SubstrateName.zeros
        /// The blurred substrate's σ in pixels.
        public var substrateSigma = 5.0
        /// Divide by F(x).
        public var normalize = InsertionDeletion().normalize
        /// Signed or absolute pixel saliency.
        public var rank = InsertionDeletion().ranking
        /// The explained output F.
        public var output = OutputKind.probability

        /// The metric these settings describe.
        public var metric: InsertionDeletion {
            let chosen: Substrate
            switch substrate {
            case .zeros: chosen = .zeros
            case .mean: chosen = .mean
            case .blur: chosen = .blur(sigma: substrateSigma)
            }
            return InsertionDeletion(steps: steps, substrate: chosen, normalize: normalize, ranking: rank)
        }

        /// The defaults.
        public static var defaults: Settings { Settings() }

        /// `steps`, `substrate`, `substrate-sigma` (blur only), `normalize` (probability only), `rank`, `output`.
        public static let parameters: [Parameter<Settings>] = [
            .integer("steps", \.steps, in: 1...100_000, help: "the curve's steps n"),
            .choice("substrate", \.substrate, help: "what revealed or removed pixels take their values from"),
            Parameter.number("substrate-sigma", \.substrateSigma, in: 0...1e6, help: "the blurred substrate's σ in pixels")
                .only("with `substrate` blur") { $0.substrate == .blur },
            Parameter.flag("normalize", \.normalize, help: "divide the curve by F(x) (IDGI's probability ratio)")
                .only("with `output` probability: it divides by F(x), which only a probability keeps positive") { $0.output == .probability },
            .choice("rank", \.rank, help: "pixel saliency Σ_c A (signed) or Σ_c |A| (absolute)"),
            .choice("output", \.output, help: "the explained F"),
        ]
    }

    /// Both curves for the settings.
    static func evaluate(_ settings: Settings, _ context: MetricContext) throws -> Result {
        let network = try context.requireNetwork()
        return try settings.metric.evaluate(
            input: context.input, attribution: try context.requireAttribution(),
            output: try ClassifierOutput(network: network, target: context.target, kind: settings.output))
    }

    /// `insertion`: RISE's insertion AUC.
    public static let insertionRegistration = MetricRegistration(
        name: "insertion", summary: "RISE insertion: AUC of F as the top pixels are revealed on the substrate", settings: Settings.self,
        needs: [.model, .attribution], direction: .higherIsBetter
    ) { settings, context in
        let result = try evaluate(settings, context).insertion
        return MetricScore(
            score: result.auc, members: [.init("curve", MetricScore.curveJSON(x: result.x, y: result.y))], curves: ["curve": (result.x, result.y)])
    }

    /// `deletion`: RISE's deletion AUC.
    public static let deletionRegistration = MetricRegistration(
        name: "deletion", summary: "RISE deletion: AUC of F as the top pixels are removed to the substrate", settings: Settings.self,
        needs: [.model, .attribution], direction: .lowerIsBetter
    ) { settings, context in
        let result = try evaluate(settings, context).deletion
        return MetricScore(
            score: result.auc, members: [.init("curve", MetricScore.curveJSON(x: result.x, y: result.y))], curves: ["curve": (result.x, result.y)])
    }

    /// `insertion-deletion`: both, and DDPath's overall = insertion − deletion.
    public static let bothRegistration = MetricRegistration(
        name: "insertion-deletion", summary: "both, and overall = insertion − deletion (DDPath)", settings: Settings.self,
        needs: [.model, .attribution], direction: .higherIsBetter,
        components: [MetricComponent("insertion", .higherIsBetter), MetricComponent("deletion", .lowerIsBetter)]
    ) { settings, context in
        let result = try evaluate(settings, context)
        let (insertion, deletion) = (result.insertion, result.deletion)
        return MetricScore(
            score: result.overall,
            members: [
                .init("insertion", .number(insertion.auc)), .init("deletion", .number(deletion.auc)), .init("overall", .number(result.overall)),
                .init("insertionCurve", MetricScore.curveJSON(x: insertion.x, y: insertion.y)),
                .init("deletionCurve", MetricScore.curveJSON(x: deletion.x, y: deletion.y)),
            ],
            curves: ["insertion": (insertion.x, insertion.y), "deletion": (deletion.x, deletion.y)],
            components: ["insertion": insertion.auc, "deletion": deletion.auc])
    }
}
