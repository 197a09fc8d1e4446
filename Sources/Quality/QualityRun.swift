import Attribution
import Catalogue
import Evaluation
import FixtureModels
import Foundation
import Models
import Tensors

/// What a quality run computes: which models, images, methods and metrics.
public struct QualityConfiguration: Sendable {
    /// The models run, of ``QualityModel/defaultNames``.
    public var models: [String]
    /// The first `images` test images of each model (before leaving out misclassified ones); nil for all.
    public var images: Int?
    /// EG's and LPI's reference set: the first `references` training images; nil for all of
    /// them (the papers' choice). Tests take fewer, for the debug build's speed.
    public var references: Int?
    /// The methods run on every model.
    public var methods: [QualityMethod]
    /// The metrics every map is scored on (a mask metric only where the data has masks).
    public var metrics: [QualityMetric]
    /// Option values that replace a method's budget where it has that option (tests use
    /// fewer steps); empty in real runs.
    public var budgetOverrides: [String: String]
    /// The intervals' resamples, seed and coverage.
    public var bootstrap: Bootstrap
    /// The randomization check and max-sensitivity run on the first `randomizationImages`
    /// explained images of each model (they re-run the method several times per image).
    public var randomizationImages: Int
    /// ROAR and DiffROAR (``RemoveAndRetrain``): on which models, for which methods, at which
    /// fractions, and (tests only) how many epochs; nil to skip them.
    public var removeAndRetrain: RemoveAndRetrainSettings?

    /// Where and how ROAR and DiffROAR run.
    public struct RemoveAndRetrainSettings: Sendable {
        /// The models retrained.
        public var models: [String]
        /// The methods whose rankings are tested (``QualityMethod`` names).
        public var methods: [String]
        /// The fractions k of pixels removed.
        public var fractions: [Double]
        /// Epochs of each retraining; nil for the model's own recipe.
        public var epochs: Int?

        /// Settings from their parts.
        public init(models: [String], methods: [String], fractions: [Double] = RemoveAndRetrain.standardFractions, epochs: Int? = nil) {
            self.models = models
            self.methods = methods
            self.fractions = fractions
            self.epochs = epochs
        }

        /// The full run's: every model (one retraining takes about a second on the digits
        /// models, about ten on shapes-cnn), the methods LPI's claims compare (random density
        /// included) and the floors, k = 0.1 … 0.9.
        public static let full = RemoveAndRetrainSettings(
            models: QualityModel.defaultNames,
            methods: ["random", "gradient", "input-x-gradient", "ig", "expected-gradients", "lpi", "lpi-random", "agi"])
    }

    /// A configuration; the defaults are the full run's models, the standard methods and metrics, 2,000 resamples, no ROAR.
    public init(
        models: [String] = QualityModel.defaultNames, images: Int? = nil, references: Int? = nil, methods: [QualityMethod] = QualityMethod.all,
        metrics: [QualityMetric] = QualityMetric.all, budgetOverrides: [String: String] = [:], bootstrap: Bootstrap = Bootstrap(),
        removeAndRetrain: RemoveAndRetrainSettings? = nil, randomizationImages: Int = 50
    ) {
        self.removeAndRetrain = removeAndRetrain
        self.randomizationImages = randomizationImages
        self.models = models
        self.images = images
        self.references = references
        self.methods = methods
        self.metrics = metrics
        self.budgetOverrides = budgetOverrides
        self.bootstrap = bootstrap
    }

    /// The full run: every model, method and metric on every test image, with the
    /// evaluation-choice variants (other baselines, substrates and rankings).
    public static let full = QualityConfiguration(
        methods: QualityMethod.all + QualityMethod.baselineVariants + QualityMethod.budgetVariants, metrics: QualityMetric.all + QualityMetric.choiceVariants,
        removeAndRetrain: .full)

    /// `--quick`: digits-cnn and shapes-cnn, 12 test images each, the methods and metrics the
    /// claims need most — about a minute.
    public static let quick = QualityConfiguration(
        models: ["digits-cnn", "shapes-cnn"], images: 12, methods: QualityMethod.quick, metrics: QualityMetric.quick,
        removeAndRetrain: RemoveAndRetrainSettings(
            models: ["digits-cnn"], methods: ["random", "input-x-gradient", "ig", "expected-gradients", "lpi", "lpi-random", "agi"], fractions: [0.1, 0.5, 0.9]))
}

/// Every per-image number of a quality run.
public struct QualityResults: Sendable {
    /// One model's part.
    public struct ModelResults: Sendable {
        /// The model's name.
        public let model: String
        /// The explained images' test-split indices.
        public let imageIndices: [Int]
        /// Test images left out because the model misclassifies them.
        public let misclassified: Int
        /// Test images considered before leaving those out.
        public let considered: Int
        /// Method name → one ``ImageScores`` per explained image.
        public var scores: [String: [ImageScores]]
        /// Method name → seconds spent attributing all images.
        public var attributionSeconds: [String: Double]
        /// Method name → its maps of the first few explained images (for the figures).
        public var exampleMaps: [String: [Tensor]] = [:]
        /// The first few explained images.
        public var exampleInputs: [Tensor] = []
        /// Method name → its ROAR and DiffROAR retrainings, where they ran.
        public var removeAndRetrain: [String: RemoveAndRetrain.Outcome] = [:]
    }

    /// What was run.
    public let configuration: QualityConfiguration
    /// One part per model, in the configuration's order.
    public var models: [ModelResults]
    /// Wall time of the whole run.
    public var seconds: Double
}

/// Runs a ``QualityConfiguration``: every method attributes every image of every model
/// (all images of a model in one batched call), and every metric scores every map — the
/// images' metrics spread over threads, each image's on one thread, so the numbers do not
/// depend on the thread count.
public enum QualityRun {
    /// Runs `configuration`; `progress` gets one line per finished method (images done, time left).
    public static func run(_ configuration: QualityConfiguration, progress: (String) -> Void = { _ in }) throws -> QualityResults {
        let start = Date()
        var modelResults: [QualityResults.ModelResults] = []
        let totalSteps = configuration.models.count * configuration.methods.count
        var done = 0
        for name in configuration.models {
            let model = try QualityModel.load(name, limit: configuration.images, references: configuration.references)
            var results = QualityResults.ModelResults(
                model: name, imageIndices: model.images.map(\.index), misclassified: model.misclassified, considered: model.considered,
                scores: [:], attributionSeconds: [:])
            results.exampleInputs = model.images.prefix(QualityFigures.exampleCount).map(\.input)
            let metrics = configuration.metrics.filter { !$0.needsMask || model.images.first?.mask != nil }
            for method in configuration.methods {
                let scorer = try MetricScorer(metrics: metrics.filter { method.scoredOn?.contains($0.name) ?? true }, network: model.network)
                let methodStart = Date()
                // Built once per model (LPI clusters its references when built); a per-image
                // baseline builds one method per image instead.
                let built = method.baseline == nil ? try method.build(for: model, overriding: configuration.budgetOverrides) : nil
                let computed = try attributions(method, built: built, images: model.images, model: model, overrides: configuration.budgetOverrides)
                results.attributionSeconds[method.name] = Date().timeIntervalSince(methodStart)
                results.exampleMaps[method.name] = computed.prefix(QualityFigures.exampleCount).map(\.attribution)
                var scores = try score(computed.map(\.attribution), model: model, scorer: scorer)
                if metrics.contains(where: { $0.name == "path-decrease" }), method.scoredOn == nil {
                    for (i, result) in computed.enumerated() {
                        if let ledger = result.ledger, let decrease = PathMonotonicity.decrease(ledger) { scores[i].values["path-decrease"] = decrease }
                    }
                }
                if method.scoredOn == nil, let built {
                    // The two metrics that re-run the method per image, on the first images only.
                    for name in ["randomization", "max-sensitivity"] where metrics.contains(where: { $0.name == name }) {
                        let values = try rerunning(name, built, model: model, count: configuration.randomizationImages)
                        for (i, value) in values.enumerated() where value.isFinite { scores[i].values[name] = value }
                    }
                }
                if let settings = configuration.removeAndRetrain, settings.models.contains(name), settings.methods.contains(method.name) {
                    let outcome = try retrain(
                        method, built: built, model: model, testMaps: computed.map(\.attribution), settings: settings, overrides: configuration.budgetOverrides)
                    for i in scores.indices {
                        scores[i].values["roar"] = outcome.roar[i]
                        scores[i].values["diffroar"] = outcome.diffROAR[i]
                    }
                    results.removeAndRetrain[method.name] = outcome
                }
                results.scores[method.name] = scores
                done += 1
                let elapsed = Date().timeIntervalSince(start)
                let left = elapsed / Double(done) * Double(totalSteps - done)
                progress(
                    "\(name) \(method.name): \(model.images.count) images in \(String(format: "%.1f", Date().timeIntervalSince(methodStart))) s"
                        + " (\(done)/\(totalSteps) done, about \(Int(left.rounded())) s left)")
            }
            modelResults.append(results)
        }
        return QualityResults(configuration: configuration, models: modelResults, seconds: Date().timeIntervalSince(start))
    }

    /// The method's results for `images` of `model`, each for the image's label, with the
    /// per-step ledger where the method walks a path (for ``PathMonotonicity``). `built` is
    /// the method built for `model`; nil for the random floor, and for a per-image baseline,
    /// which builds one method per image.
    static func attributions(
        _ method: QualityMethod, built: (any AttributionMethod)?, images: [QualityModel.Image], model: QualityModel, overrides: [String: String]
    ) throws -> [AttributionResult] {
        guard !images.isEmpty else { return [] }
        if let choice = method.baseline {
            return try images.map { image in
                let baseline = try Self.baseline(choice, for: image)
                let method = try method.build(for: model, overriding: overrides, baseline: baseline)!
                let output = try ClassifierOutput(network: model.network, target: image.label, kind: .probability)
                return try method.attribute(image.input, of: output, options: RunOptions(recordsLedger: true))
            }
        }
        guard let built else {
            // The random floor: uniform numbers in [0, 1), one generator per image (its index).
            return images.map { image in
                var generator = Xoshiro256StarStar(seed: UInt64(image.index))
                return AttributionResult(attribution: Tensor.uniform(shape: image.input.shape, in: 0, 1, using: &generator), gradientEvaluations: 0, valueEvaluations: 0)
            }
        }
        let output = try ClassifierOutput(network: model.network, target: images[0].label, kind: .probability)
        let functions = try ExplainedFunctions(output, targets: images.map(\.label))
        return try built.attribute(images.map(\.input), of: functions, options: RunOptions(recordsLedger: true))
    }

    /// ROAR and DiffROAR for `method` (`built` for `model`): its maps of every training image,
    /// each for its label (numbered from 1,000,000, apart from the test indices that seed the
    /// random floor), then the retrainings.
    static func retrain(
        _ method: QualityMethod, built: (any AttributionMethod)?, model: QualityModel, testMaps: [Tensor],
        settings: QualityConfiguration.RemoveAndRetrainSettings, overrides: [String: String]
    ) throws -> RemoveAndRetrain.Outcome {
        let training = model.training
        let trainImages = (0..<training.count).map {
            QualityModel.Image(index: 1_000_000 + $0, input: training.inputs.point($0), label: training.labels[$0], mask: nil)
        }
        let trainMaps = try attributions(method, built: built, images: trainImages, model: model, overrides: overrides).map(\.attribution)
        return try RemoveAndRetrain(fractions: settings.fractions).run(
            recipe: model.recipe, train: training, trainMaps: trainMaps, test: model.images.map(\.input), testLabels: model.images.map(\.label),
            testMaps: testMaps, epochs: settings.epochs)
    }

    /// A metric that re-runs the method, for the first `count` images (images over threads):
    /// "randomization", the randomization check's last stage (every parametric layer
    /// re-drawn), the Spearman ρ of |A| with the trained model's |A|; "max-sensitivity",
    /// Captum's defaults (10 uniform perturbations of radius 0.02).
    static func rerunning(_ metric: String, _ method: any AttributionMethod, model: QualityModel, count: Int) throws -> [Double] {
        let scorer = try Catalogue.metrics.scorer(metric)
        return try perImage(Array(model.images.prefix(count)), model: model, doing: metric) { _, image in
            let context = MetricContext(input: image.input, network: model.network, target: image.label, method: method)
            return try scorer.score(context, screening: false).score ?? .nan
        }
    }

    /// `body(i, images[i])` for every image, images spread over threads (each image on one
    /// thread, so the results do not depend on the thread count); the first image's error, if
    /// any, is thrown with the image and what was being done.
    static func perImage<Value>(
        _ images: [QualityModel.Image], model: QualityModel, doing what: String, _ body: (Int, QualityModel.Image) throws -> Value
    ) throws -> [Value] {
        var values = [Value?](repeating: nil, count: images.count)
        var failures = [String?](repeating: nil, count: images.count)
        values.withUnsafeMutableBufferPointer { valueBuffer in
            failures.withUnsafeMutableBufferPointer { failureBuffer in
                let (valueOut, failureOut) = (UncheckedPointer(valueBuffer), UncheckedPointer(failureBuffer))
                Parallelism.forEachChunk(images.count) { i in
                    do {
                        valueOut.buffer[i] = try body(i, images[i])
                    } catch {
                        failureOut.buffer[i] = "\(error)"
                    }
                }
            }
        }
        if let (i, failure) = failures.enumerated().first(where: { $0.element != nil }).map({ ($0.offset, $0.element!) }) {
            throw QualityError("\(model.name), test image \(images[i].index), \(what): \(failure)")
        }
        return values.map { $0! }
    }

    /// The baseline x′ a per-image choice gives for `image`.
    static func baseline(_ choice: QualityMethod.Baseline, for image: QualityModel.Image) throws -> Tensor {
        let grid = try PixelGrid(shape: image.input.shape)
        switch choice {
        case .mean:
            return try InsertionDeletion(substrate: .mean).substrateImage(for: image.input, grid: grid)
        case .blur:
            return try InsertionDeletion(substrate: .blur(sigma: 5)).substrateImage(for: image.input, grid: grid)
        case .uniform:
            var generator = Xoshiro256StarStar(seed: 0x5EED_0000 &+ UInt64(image.index))
            return Tensor.uniform(shape: image.input.shape, in: 0, 1, using: &generator)
        }
    }

    /// Every image's scores, images spread over threads.
    static func score(_ maps: [Tensor], model: QualityModel, scorer: MetricScorer) throws -> [ImageScores] {
        try perImage(model.images, model: model, doing: "scoring") { i, image in
            try scorer.scores(input: image.input, attribution: maps[i], target: image.label, mask: image.mask)
        }
    }
}

/// A buffer handed to the chunks of a parallel loop, each writing only its own elements.
struct UncheckedPointer<Element>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Element>
    init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }
}
