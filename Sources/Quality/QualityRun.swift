import Attribution
import Catalogue
import Diffusion
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
    /// Run seeds 0 … `seeds − 1`: a randomized method attributes every image once per run seed,
    /// image i of run seed s drawing from ``ImageSeeds/seed(run:image:)``; the intervals
    /// resample images with all their seeds, so the spread between seeds is in them.
    public var seeds: Int

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
        /// Retrainings per fraction and end, retraining r with the recipe's seed + r (and a
        /// randomized method's maps of run seed r): the retraining's own variance enters the
        /// intervals.
        public var seeds: Int

        /// Settings from their parts.
        public init(models: [String], methods: [String], fractions: [Double] = RemoveAndRetrain.standardFractions, epochs: Int? = nil, seeds: Int = 1) {
            self.models = models
            self.methods = methods
            self.fractions = fractions
            self.epochs = epochs
            self.seeds = seeds
        }

        /// The full run's: the digits models (one retraining takes about a second; shapes-cnn's
        /// ten would make the run's budget), LPI's comparisons at the paper's budget and the
        /// random floor, k = 0.1, 0.3, 0.5, 0.7, 0.9, five retrainings each.
        public static let full = RemoveAndRetrainSettings(
            models: ["digits-cnn", "digits-mlp"],
            methods: ["random", "input-x-gradient·paper", "ig·paper", "expected-gradients·paper", "lpi·paper", "lpi-random·paper", "agi·paper"],
            fractions: [0.1, 0.3, 0.5, 0.7, 0.9], seeds: 5)
    }

    /// A configuration; the defaults are the full run's models, the standard methods and metrics, 2,000 resamples, no ROAR.
    public init(
        models: [String] = QualityModel.defaultNames, images: Int? = nil, references: Int? = nil, methods: [QualityMethod] = QualityMethod.all,
        metrics: [QualityMetric] = QualityMetric.all, budgetOverrides: [String: String] = [:], bootstrap: Bootstrap = Bootstrap(),
        removeAndRetrain: RemoveAndRetrainSettings? = nil, randomizationImages: Int = 50, seeds: Int = 1
    ) {
        precondition(seeds >= 1, "a run needs at least one seed")
        self.seeds = seeds
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

    /// The full run: every model, method, control and metric, with the evaluation-choice
    /// variants (other baselines, substrates and rankings), DDPath's experiments (on
    /// digits-cnn and shapes-cnn), IDGI's comparisons on the background-swapped models, five
    /// run seeds, on the first 360 test images of each model — every test digit, and 360 of the
    /// 1,000 test shapes: shapes cost about twice a digit's time per image, and all 1,000 would
    /// take the run past 90 minutes on 2 cores.
    public static let full = QualityConfiguration(
        models: QualityModel.defaultNames + QualityModel.swappedBackgroundNames, images: 360,
        methods: QualityMethod.all + QualityMethod.baselineVariants + QualityMethod.budgetVariants + QualityMethod.controls + QualityMethod.paperBudget
            + QualityMethod.ddpathExperiments,
        metrics: QualityMetric.all + QualityMetric.choiceVariants, removeAndRetrain: .full, seeds: 5)

    /// `--quick`: digits-cnn and shapes-cnn, 12 test images each, the methods, controls and
    /// metrics the primary claims need, four of DDPath's experiments (the exact class
    /// denoiser, s = 16, SNR-matched times, the denoiser after 1,000 steps) and the two
    /// background-swapped models, two run seeds and two retrainings — a few minutes.
    public static let quick = QualityConfiguration(
        models: ["digits-cnn", "shapes-cnn"] + QualityModel.swappedBackgroundNames, images: 12,
        methods: QualityMethod.quick + QualityMethod.controls.filter { !$0.name.hasPrefix("guided-ig") && !$0.name.contains("guided-ig@") } + QualityMethod.paperBudget
            + QualityMethod.ddpathExperiments.filter { ["ddpath-ig-empirical-class", "ddpath-ig-s16", "ddpath-ig-snr", "ddpath-ig-step1000"].contains($0.name) },
        metrics: QualityMetric.quick + QualityMetric.choiceVariants.filter { ["insertion-abs", "overall-abs"].contains($0.name) },
        removeAndRetrain: RemoveAndRetrainSettings(
            models: ["digits-cnn"], methods: ["random", "input-x-gradient·paper", "ig·paper", "expected-gradients·paper", "lpi·paper", "lpi-random·paper", "agi·paper"],
            fractions: [0.1, 0.5, 0.9], seeds: 2),
        seeds: 2)
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
        /// Method name → one ``ImageScores`` per explained image (run seed 0 for a randomized
        /// method, retraining 0 for ROAR).
        public var scores: [String: [ImageScores]]
        /// Method name → the other run seeds' (and retrainings') scores, seed 1 first: a
        /// randomized method's every metric, a deterministic one's ROAR and DiffROAR only.
        public var replicates: [String: [[ImageScores]]] = [:]
        /// Method name → gradient evaluations per image (the mean over images and seeds).
        public var gradientEvaluations: [String: Double] = [:]

        /// Every replicate of `method`'s scores, seed 0 first; empty when it was not run.
        public func runs(_ method: String) -> [[ImageScores]] {
            guard let first = scores[method] else { return [] }
            return [first] + (replicates[method] ?? [])
        }
        /// Method name → seconds spent attributing all images.
        public var attributionSeconds: [String: Double]
        /// Method name → its maps of the first few explained images (for the figures).
        public var exampleMaps: [String: [Tensor]] = [:]
        /// The first few explained images.
        public var exampleInputs: [Tensor] = []
        /// Method name → its ROAR and DiffROAR retrainings, where they ran: one outcome per
        /// retraining seed.
        public var removeAndRetrain: [String: [RemoveAndRetrain.Outcome]] = [:]
    }

    /// What was run.
    public let configuration: QualityConfiguration
    /// One part per model, in the configuration's order.
    public var models: [ModelResults]
    /// Wall time of attributing, scoring and retraining (the intervals, computed afterwards
    /// and again by every `--report`, are not counted).
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
        let totalSteps = configuration.models.map { model in configuration.methods.filter { $0.runs(on: model) }.count }.reduce(0, +)
        var done = 0
        for name in configuration.models {
            let model = try QualityModel.load(name, limit: configuration.images, references: configuration.references)
            var results = QualityResults.ModelResults(
                model: name, imageIndices: model.images.map(\.index), misclassified: model.misclassified, considered: model.considered,
                scores: [:], attributionSeconds: [:])
            results.exampleInputs = model.images.prefix(QualityFigures.exampleCount).map(\.input)
            let metrics = configuration.metrics.filter { !$0.needsMask || model.images.first?.mask != nil }
            for method in configuration.methods where method.runs(on: name) {
                let scorer = try MetricScorer(metrics: metrics.filter { method.scoredOn?.contains($0.name) ?? true }, network: model.network)
                let methodStart = Date()
                // Built once per model (LPI clusters its references when built); a per-image
                // baseline builds one method per image instead.
                let built = method.baseline == nil ? try method.build(for: model, overriding: configuration.budgetOverrides) : nil
                let seeds = method.isRandomized ? configuration.seeds : 1
                var runs: [[ImageScores]] = []
                var evaluations = 0.0
                for seed in 0..<seeds {
                    let computed = try attributions(
                        method, built: built, images: model.images, model: model, overrides: configuration.budgetOverrides, runSeed: UInt64(seed))
                    evaluations += computed.reduce(0.0) { $0 + Double($1.gradientEvaluations) }
                    if seed == 0 { results.exampleMaps[method.name] = computed.prefix(QualityFigures.exampleCount).map(\.attribution) }
                    var scores = try score(computed.map(\.attribution), model: model, scorer: scorer)
                    if metrics.contains(where: { $0.name == "path-decrease" }), method.scoredOn == nil {
                        for (i, result) in computed.enumerated() {
                            if let ledger = result.ledger, let decrease = PathMonotonicity.decrease(ledger) { scores[i].values["path-decrease"] = decrease }
                        }
                    }
                    runs.append(scores)
                }
                results.gradientEvaluations[method.name] = evaluations / Double(max(1, seeds * model.images.count))
                results.attributionSeconds[method.name] = Date().timeIntervalSince(methodStart)
                if method.scoredOn == nil, let built {
                    // The two metrics that re-run the method per image, on the first images only.
                    for name in ["randomization", "max-sensitivity"] where metrics.contains(where: { $0.name == name }) {
                        let values = try rerunning(name, built, model: model, count: configuration.randomizationImages)
                        for (i, value) in values.enumerated() where value.isFinite { runs[0][i].values[name] = value }
                    }
                }
                if let settings = configuration.removeAndRetrain, settings.models.contains(name), settings.methods.contains(method.name) {
                    // A deterministic method's maps are the same for every retraining: made once.
                    var maps: [UInt64: (train: [Tensor], test: [Tensor])] = [:]
                    for retraining in 0..<settings.seeds {
                        let runSeed = UInt64(method.isRandomized ? retraining : 0)
                        if maps[runSeed] == nil {
                            maps[runSeed] = try removalMaps(method, built: built, model: model, overrides: configuration.budgetOverrides, runSeed: runSeed)
                        }
                        let outcome = try retrain(model: model, maps: maps[runSeed]!, settings: settings, retraining: retraining)
                        if retraining == runs.count { runs.append(model.images.map { _ in ImageScores() }) }
                        for i in runs[retraining].indices {
                            runs[retraining][i].values["roar"] = outcome.roar[i]
                            runs[retraining][i].values["diffroar"] = outcome.diffROAR[i]
                        }
                        results.removeAndRetrain[method.name, default: []].append(outcome)
                    }
                }
                results.scores[method.name] = runs[0]
                if runs.count > 1 { results.replicates[method.name] = Array(runs.dropFirst()) }
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
    /// which builds one method per image. A randomized method gives image i the seed
    /// ``ImageSeeds/seed(run:image:)`` of `runSeed` and its index.
    static func attributions(
        _ method: QualityMethod, built: (any AttributionMethod)?, images: [QualityModel.Image], model: QualityModel, overrides: [String: String],
        runSeed: UInt64
    ) throws -> [AttributionResult] {
        guard !images.isEmpty else { return [] }
        let options = RunOptions(recordsLedger: true)
        func explained(_ image: QualityModel.Image) throws -> ClassifierOutput {
            try ClassifierOutput(network: model.network, target: image.label, kind: method.output)
        }
        var results: [AttributionResult]
        if let choice = method.baseline {
            // DDPath-IG's own start comes from DDPath itself: built once, reseeded per image.
            let ddpath = choice == .diffusionNoise ? try QualityMethod.named("ddpath-ig")!.build(for: model) as? DenoisingDiffusionPath : nil
            if choice == .diffusionNoise && ddpath == nil { throw QualityError("ddpath-ig did not build as DDPath") }
            results = try images.map { image in
                let seed = ImageSeeds.seed(run: runSeed, image: image.index)
                let baseline = try Self.baseline(choice, for: image, seed: seed, ddpath: ddpath)
                let built = try method.build(for: model, overriding: overrides, baseline: baseline)!
                return try built.attribute(image.input, of: try explained(image), options: options)
            }
        } else if let built {
            if var seeded = built as? any SeededMethod {
                // One seed per image: the draws of one image are not shared by the others.
                results = try images.map { image in
                    seeded.seed = ImageSeeds.seed(run: runSeed, image: image.index)
                    return try seeded.attribute(image.input, of: try explained(image), options: options)
                }
            } else {
                let output = try explained(images[0])
                let functions = try ExplainedFunctions(output, targets: images.map(\.label))
                results = try built.attribute(images.map(\.input), of: functions, options: options)
            }
        } else {
            // The random floor: uniform numbers in [0, 1), from the image's seed.
            results = images.map { image in
                var generator = Xoshiro256StarStar(seed: ImageSeeds.seed(run: runSeed, image: image.index))
                return AttributionResult(attribution: Tensor.uniform(shape: image.input.shape, in: 0, 1, using: &generator), gradientEvaluations: 0, valueEvaluations: 0)
            }
        }
        if method.movedOnly {
            // The control's maps: credit only where x_i ≠ x′_i (x′ black: x_i ≠ 0).
            for (i, image) in images.enumerated() {
                results[i].attribution = Tensor(shape: image.input.shape, scalars: zip(results[i].attribution.scalars, image.input.scalars).map { $1 == 0 ? 0 : $0 })
            }
        }
        return results
    }

    /// The maps ROAR and DiffROAR rank by: `method`'s (`built` for `model`) maps of every
    /// training and test image, each for its label (training images numbered from 1,000,000,
    /// apart from the test indices), at run seed `runSeed`.
    static func removalMaps(
        _ method: QualityMethod, built: (any AttributionMethod)?, model: QualityModel, overrides: [String: String], runSeed: UInt64
    ) throws -> (train: [Tensor], test: [Tensor]) {
        let training = model.training
        let trainImages = (0..<training.count).map {
            QualityModel.Image(index: 1_000_000 + $0, input: training.inputs.point($0), label: training.labels[$0], mask: nil)
        }
        let train = try attributions(method, built: built, images: trainImages, model: model, overrides: overrides, runSeed: runSeed).map(\.attribution)
        let test = try attributions(method, built: built, images: model.images, model: model, overrides: overrides, runSeed: runSeed).map(\.attribution)
        return (train, test)
    }

    /// ROAR and DiffROAR, retraining `retraining`: the model retrained with its recipe's seed
    /// + `retraining` on images modified by `maps` (a randomized method's maps of run seed
    /// `retraining`).
    static func retrain(
        model: QualityModel, maps: (train: [Tensor], test: [Tensor]), settings: QualityConfiguration.RemoveAndRetrainSettings, retraining: Int
    ) throws -> RemoveAndRetrain.Outcome {
        var recipe = model.recipe
        recipe.seed &+= UInt64(retraining)
        return try RemoveAndRetrain(fractions: settings.fractions).run(
            recipe: recipe, train: model.training, trainMaps: maps.train, test: model.images.map(\.input), testLabels: model.images.map(\.label),
            testMaps: maps.test, epochs: settings.epochs)
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

    /// The baseline x′ a per-image choice gives for `image`, whose seed is `seed`; `ddpath`
    /// (DDPath-IG built for the model) gives the diffusion-noise start.
    static func baseline(_ choice: QualityMethod.Baseline, for image: QualityModel.Image, seed: UInt64, ddpath: DenoisingDiffusionPath?) throws -> Tensor {
        let grid = try PixelGrid(shape: image.input.shape)
        switch choice {
        case .mean:
            return try InsertionDeletion(substrate: .mean).substrateImage(for: image.input, grid: grid)
        case .blur:
            return try InsertionDeletion(substrate: .blur(sigma: 5)).substrateImage(for: image.input, grid: grid)
        case .uniform:
            var generator = Xoshiro256StarStar(seed: seed)
            return Tensor.uniform(shape: image.input.shape, in: 0, 1, using: &generator)
        case .diffusionNoise:
            guard var ddpath else { throw QualityError("the diffusion-noise baseline needs DDPath built for the model") }
            ddpath.seed = seed
            return try ddpath.startPoint(for: image.input)
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
