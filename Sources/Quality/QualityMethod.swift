import Attribution
import Catalogue
import Diffusion
import Models
import Tensors

/// One attribution method as `bench quality` runs it: a name for the tables, and how to build
/// it for a model from the registry, with the budgets the papers set.
///
/// Budgets: 200 gradient evaluations for the path methods (IG, BlurIG, Guided IG, DDPath; the
/// IDGI and DDPath papers' setting), 20 references for EG and LPI (LPI: R = 20 sub-clusters ×
/// k = 5 points; EG: K = 20 draws — LPI's paper compares them at 20 references), 20 AGI steps
/// per false class, 25 noisy copies for SmoothGrad.
///
/// Reconstructed choices, named as such: "noisy X" — DDPath's Table 4 adds plain noise to
/// IG, BlurIG and Guided IG, without saying how — is SmoothGrad over X (Gaussian noise of
/// σ = 0.15 of the input's range on x) with 10 copies of X at 20 steps: the same 200
/// gradients as X and as DDPath-X.
public struct QualityMethod: Sendable, Equatable {
    /// A method's name in the tables, typed.
    public typealias ID = Identifier<QualityMethod>

    /// The identifier.
    public var id: ID { ID(name) }

    /// The name in the tables ("ig", "ig+idgi", "ddpath-ig", "lpi-random", "random", …).
    public let name: String
    /// The registry's method name; nil for the random floor.
    public let registryName: String?
    /// Parameter values for the registry (the budget and the variant); what else it reads (a
    /// reference set, a diffusion model) follows from its parameters' kinds.
    public let values: [String: String]

    /// The path's start x′ when it is not the registry's default (black): one per image.
    public let baseline: Baseline?

    /// A per-image baseline x′ — the evaluation choice IG's papers fix silently (black).
    public enum Baseline: String, Sendable, Equatable, CaseIterable {
        /// Each channel at x's mean over the image.
        case mean
        /// x blurred with a Gaussian of σ = 5 px (BlurIG's and RISE's blur).
        case blur
        /// Uniform noise in [0, 1), from the image's seed.
        case uniform
        /// DDPath's own start for the image and seed, x′ = 0.5 + z/2 with z the noise
        /// DDPath-IG draws: X started from it is DDPath-X's matched control.
        case diffusionNoise = "noise"

        /// The baselines that are evaluation choices (every claim on IG is ruled again from
        /// each); DDPath's noise start is a control's, not a choice.
        public static let evaluationChoices: [Baseline] = [.mean, .blur, .uniform]
    }

    /// The only metrics this method is scored on (the variants that exist for one claim);
    /// nil for every metric.
    public let scoredOn: Set<String>?

    /// The explained output: the target's probability, or its logit where a paper's code
    /// explains the logit (LPI's).
    public let output: OutputKind

    /// A control: the map set to 0 wherever the feature did not move along the path
    /// (x_i = x′_i, x′ black), which is where IDGI, unlike IG, can still give credit.
    public let movedOnly: Bool

    /// Parameters the run leaves unset rather than fill from the model (the references'
    /// labels, for the unconditional exact denoiser).
    public let leftUnset: Set<String>

    /// The models it runs on; nil for every default model (and, for the methods IDGI's claims
    /// compare, the background-swapped ones: ``runs(on:)``).
    public let models: Set<String>?

    /// A denoiser checkpoint (its Adam steps) used instead of the final diffusion model.
    public let denoiserCheckpoint: Int?

    /// A method as the run builds it; see the properties for each part.
    public init(
        _ name: String, registryName: String?, values: [String: String] = [:], baseline: Baseline? = nil, scoredOn: Set<String>? = nil,
        output: OutputKind = .probability, movedOnly: Bool = false, leftUnset: Set<String> = [], models: Set<String>? = nil,
        denoiserCheckpoint: Int? = nil
    ) {
        self.leftUnset = leftUnset
        self.models = models
        self.denoiserCheckpoint = denoiserCheckpoint
        self.name = name
        self.registryName = registryName
        self.values = values
        self.baseline = baseline
        self.scoredOn = scoredOn
        self.output = output
        self.movedOnly = movedOnly
    }

    /// True when the method draws random numbers at attribution time (its seed, a noise
    /// baseline, the random floor): the run attributes it once per run seed, each image with
    /// its own seed (``ImageSeeds``).
    public var isRandomized: Bool {
        if registryName == nil || baseline == .uniform || baseline == .diffusionNoise { return true }
        guard let registration = Catalogue.methods.registration(named: registryName!) else { return false }
        return registration.capabilities.contains(.randomized)
    }

    /// The budgets of LPI's ablation: gradient evaluations per input, equal across methods.
    public static let budgets = [20, 60, 100, 140]

    /// LPI, LPI with random density, EG and IG at each of ``budgets`` gradient evaluations
    /// ("lpi·20", "expected-gradients·140", …): LPI at R = 20 references × k = B/20 points,
    /// EG at K = B draws, IG at B steps. Scored on DiffID only — the metric of LPI's claim
    /// that it stays best as the budget grows.
    public static let budgetVariants: [QualityMethod] = budgets.flatMap { budget -> [QualityMethod] in
        [
            QualityMethod("lpi·\(budget)", registryName: "lpi", values: ["density": "cluster", "samples-per-reference": "\(budget / 20)"], scoredOn: ["diffid"]),
            QualityMethod("lpi-random·\(budget)", registryName: "lpi", values: ["density": "random", "samples-per-reference": "\(budget / 20)"], scoredOn: ["diffid"]),
            QualityMethod("expected-gradients·\(budget)", registryName: "expected-gradients", values: ["samples": "\(budget)"], scoredOn: ["diffid"]),
            QualityMethod("ig·\(budget)", registryName: "ig", values: ["steps": "\(budget)"], scoredOn: ["diffid"]),
        ]
    }

    /// IG and IDGI-IG from the other baselines: "ig@mean", "ig+idgi@blur", … — what IDGI's
    /// claim on IG looks like when the baseline is not black.
    public static let baselineVariants: [QualityMethod] = ["ig", "ig+idgi"].flatMap { name in
        Baseline.evaluationChoices.map { baseline in
            let method = all.first { $0.name == name }!
            return QualityMethod(
                "\(name)@\(baseline.rawValue)", registryName: method.registryName, values: method.values, baseline: baseline,
                scoredOn: ["insertion", "insertion-ratio", "sic-compressed", "sic-ms-ssim", "aic-compressed", "aic-ms-ssim", "localization-f1",
                           "localization-auc", "localization-mae", "pointing-game"])
        }
    }

    /// The random attribution, the floor every method should beat: independent uniform
    /// numbers in [0, 1) per feature, seeded per image.
    public static let random = QualityMethod("random", registryName: nil)

    /// Every method the three seeds compare, with the papers' budgets.
    public static let all: [QualityMethod] = {
        var methods: [QualityMethod] = [
            .random,
            QualityMethod("gradient", registryName: "gradient"),
            QualityMethod("input-x-gradient", registryName: "input-x-gradient"),
            QualityMethod("guided-backprop", registryName: "guided-backprop"),
            QualityMethod("smoothgrad", registryName: "smoothgrad", values: ["samples": "25"]),
        ]
        for base in pathBases {
            methods.append(QualityMethod(base, registryName: base, values: ["steps": "200"]))
            methods.append(QualityMethod("\(base)+idgi", registryName: base, values: ["steps": "200", "integrator": "idgi"]))
            methods.append(
                QualityMethod("noisy-\(base)", registryName: "smoothgrad", values: ["base": base, "samples": "10", "steps": "20", "seed": "0"]))
        }
        for base in pathBases {
            methods.append(QualityMethod("ddpath-\(base)", registryName: "ddpath", values: ["base": base, "steps": "200"]))
            methods.append(
                QualityMethod("ddpath-\(base)+idgi", registryName: "ddpath", values: ["base": base, "steps": "200", "integrator": "idgi"]))
        }
        methods += [
            QualityMethod("expected-gradients", registryName: "expected-gradients", values: ["samples": "20"]),
            QualityMethod("lpi", registryName: "lpi", values: ["density": "cluster"]),
            QualityMethod("lpi-uniform", registryName: "lpi", values: ["density": "uniform"]),
            QualityMethod("lpi-random", registryName: "lpi", values: ["density": "random"]),
            QualityMethod("agi", registryName: "agi", values: ["max-iterations": "20"]),
        ]
        return methods
    }()

    /// The matched controls, each isolating one ingredient of a claim:
    /// - "ig@noise", "guided-ig@noise": X started from DDPath's own noise baseline (per image
    ///   and seed) — DDPath-X minus this is the path's effect at an equal start;
    /// - "ddpath-ig@black", "ddpath-guided-ig@black": DDPath started from black — against X
    ///   (from black) the path's effect at the other start;
    /// - "ig+idgi·moved", "guided-ig+idgi·moved": IDGI with its credit on features that did not
    ///   move (x_i = 0) removed — tests whether that credit is what IDGI loses on localization.
    /// (BlurIG's start is the blurred input for DDPath too, so its comparison is matched already.)
    public static let controls: [QualityMethod] = {
        var methods: [QualityMethod] = []
        for base in ["ig", "guided-ig"] {
            methods.append(QualityMethod("\(base)@noise", registryName: base, values: ["steps": "200"], baseline: .diffusionNoise))
            methods.append(QualityMethod("ddpath-\(base)@black", registryName: "ddpath", values: ["base": base, "steps": "200", "baseline": "zeros"]))
            methods.append(QualityMethod("\(base)+idgi·moved", registryName: base, values: ["steps": "200", "integrator": "idgi"], movedOnly: true))
        }
        return methods
    }()

    /// LPI's comparisons as its paper and official code run them: the logit explained, LPI with
    /// 20 references × 1 point (20 gradients), EG with 20 draws, IG with 20 steps, AGI and
    /// input × gradient on the logit.
    public static let paperBudget: [QualityMethod] = [
        QualityMethod("lpi·paper", registryName: "lpi", values: ["density": "cluster", "samples-per-reference": "1"], output: .logit),
        QualityMethod("lpi-random·paper", registryName: "lpi", values: ["density": "random", "samples-per-reference": "1"], output: .logit),
        QualityMethod("expected-gradients·paper", registryName: "expected-gradients", values: ["samples": "20"], output: .logit),
        QualityMethod("ig·paper", registryName: "ig", values: ["steps": "20"], output: .logit),
        QualityMethod("agi·paper", registryName: "agi", values: ["max-iterations": "20"], output: .logit),
        QualityMethod("input-x-gradient·paper", registryName: "input-x-gradient", output: .logit),
    ]

    /// The three paths IDGI and DDPath compose with.
    public static let pathBases = ["ig", "blur-ig", "guided-ig"]

    /// `--quick`'s methods: one of each kind the claims compare.
    public static let quick: [QualityMethod] = all.filter {
        ["random", "gradient", "input-x-gradient", "ig", "ig+idgi", "ddpath-ig", "noisy-ig", "expected-gradients", "lpi", "lpi-random", "agi"].contains($0.name)
    }

    /// The method by table name (the baseline and budget variants, controls and experiments included).
    public static func named(_ name: String) -> QualityMethod? {
        (all + baselineVariants + budgetVariants + controls + paperBudget + ddpathExperiments).first { $0.name == name }
    }

    /// The methods IDGI's claims compare, which also run on the background-swapped models.
    public static let idgiComparisons: Set<String> = Set(["random", "gradient"] + pathBases.flatMap { [$0, "\($0)+idgi"] } + ["ig+idgi·moved", "guided-ig+idgi·moved"])

    /// Whether the run gives this method to `model`: the models it names, else every default
    /// model, and on a background-swapped model only IDGI's comparisons.
    public func runs(on model: String) -> Bool {
        if let models { return models.contains(model) }
        if QualityModel.swappedBackgroundNames.contains(model) { return Self.idgiComparisons.contains(name) }
        return true
    }

    /// The models DDPath's experiments run on: one per data set (digits-mlp shares digits-cnn's
    /// diffusion model, so it would repeat the same paths under another classifier).
    public static let experimentModels: Set<String> = ["digits-cnn", "shapes-cnn"]

    /// The experiments behind DDPath's verdict: DDPath-IG with one ingredient changed at a
    /// time, each judged against IG from the same noise start (``controls``' `ig@noise`) and
    /// against DDPath-IG itself:
    /// - the denoiser: the exact denoiser of the training images, without a class
    ///   (`ddpath-ig-empirical`) and over the explained class's images (`…-empirical-class`,
    ///   the exact class-conditional denoiser that guidance approximates);
    /// - the guidance scale s ∈ {0, 1, 4, 16, 64} (`ddpath-ig-s16`, …);
    /// - SNR-matched anchor times (`ddpath-ig-snr`) and path points clipped to the data's
    ///   range (`ddpath-ig-clip`);
    /// - the dose–response: the digits denoiser saved after 200, 1,000 and 4,000 of its 12,000
    ///   steps (`ddpath-ig-step200`, …), digits-cnn only.
    public static let ddpathExperiments: [QualityMethod] = {
        let ig = ["base": "ig", "steps": "200"]
        func with(_ values: [String: String]) -> [String: String] { ig.merging(values) { _, new in new } }
        var methods = [
            QualityMethod("ddpath-ig-empirical", registryName: "ddpath", values: with(["denoiser": "empirical"]), leftUnset: ["reference-labels"], models: experimentModels),
            QualityMethod("ddpath-ig-empirical-class", registryName: "ddpath", values: with(["denoiser": "empirical"]), models: experimentModels),
        ]
        for scale in guidanceSweep {
            methods.append(QualityMethod("ddpath-ig-s\(scale)", registryName: "ddpath", values: with(["guidance-scale": "\(scale)"]), models: experimentModels))
        }
        methods += [
            QualityMethod("ddpath-ig-snr", registryName: "ddpath", values: with(["anchor-times": "snr"]), models: experimentModels),
            QualityMethod("ddpath-ig-clip", registryName: "ddpath", values: with(["clip": "true"]), models: experimentModels),
        ]
        for steps in denoiserCheckpoints {
            methods.append(QualityMethod("ddpath-ig-step\(steps)", registryName: "ddpath", values: ig, models: ["digits-cnn"], denoiserCheckpoint: steps))
        }
        return methods
    }()

    /// The guidance sweep's scales.
    public static let guidanceSweep = [0, 1, 4, 16, 64]

    /// The dose–response's denoiser checkpoints (Adam steps of the digits denoiser's 12,000).
    public static let denoiserCheckpoints = [200, 1000, 4000]

    /// The method by identifier.
    public static func named(_ id: ID) -> QualityMethod? { named(id.rawValue) }

    /// This method built for `model` by the registry's one builder, with `values` overriding
    /// the budget (tests use fewer steps), and `baseline` as its path's start when it has a
    /// per-image baseline. What the method reads is given by its parameters' kinds, where they
    /// apply: a reference set (the model's training images — all of them, with their labels,
    /// for a method that also takes the references' classes), a diffusion directory (the
    /// model's diffusion model, with the guidance scale chosen for it unless the method names
    /// one), a baseline.
    /// - Throws: the registry's error when a parameter does not apply.
    func build(for model: QualityModel, overriding overrides: [String: String] = [:], baseline: Tensor? = nil) throws -> (any AttributionMethod)? {
        guard let registryName else { return nil }
        let methods = Catalogue.methods
        let values = self.values.merging(overrides.filter { self.values[$0.key] != nil }) { _, new in new }
        var specification = try methods.specification(registryName, text: values)
        if let registration = methods.registration(named: registryName),
            registration.parameters.contains(where: { $0.kind == .resource(.diffusionDirectory) }), specification.values["guidance-scale"] == nil,
            registration.applies("guidance-scale", given: specification.values)
        {
            guard let diffusion = model.diffusion else { throw QualityError("\(name) needs a diffusion model, and \(model.name) has none") }
            specification = specification.replacing("guidance-scale", with: .number(diffusion.guidanceScale))
        }
        for (scope, registration, inner) in methods.registrations(of: specification) {
            let fills = registration.parameters.filter {
                inner.values[$0.name] == nil && !leftUnset.contains(scope + $0.name) && registration.applies($0.name, given: inner.values)
            }
            let takesClasses = registration.parameters.contains { $0.kind == .array(.classes) && registration.applies($0.name, given: inner.values) }
            for parameter in fills {
                switch parameter.kind {
                case .array(.stack):
                    let references = takesClasses ? model.training.inputs : model.references
                    specification = specification.replacing(scope + parameter.name, with: .array(references, source: "the training images"))
                case .array(.classes):
                    let labels = Tensor(shape: [model.training.count], scalars: model.training.labels.map(Double.init))
                    specification = specification.replacing(scope + parameter.name, with: .array(labels, source: "the training labels"))
                case .resource(.diffusionDirectory):
                    if let steps = denoiserCheckpoint {
                        guard let checkpoint = model.denoiserCheckpoints.first(where: { $0.steps == steps }) else {
                            throw QualityError("\(name) needs the denoiser checkpoint after \(steps) steps, and \(model.name) has none; restore it with `git checkout Fixtures/diffusion`")
                        }
                        specification = specification.replacing(scope + parameter.name, with: .resource(checkpoint.model, source: "\(model.name) step \(steps)"))
                    } else if let diffusion = model.diffusion {
                        specification = specification.replacing(scope + parameter.name, with: .resource(diffusion.model, source: model.name))
                    }
                case .baseline:
                    if let baseline { specification = specification.replacing(scope + parameter.name, with: .array(baseline, source: "the image's baseline")) }
                default: break
                }
            }
        }
        return try methods.build(specification, network: model.network)
    }
}

/// An error of a quality run a user can cause (a model without data, a bad option).
public struct QualityError: Error, CustomStringConvertible, Equatable {
    /// What is wrong and how to fix it.
    public var description: String
    /// An error with its message.
    public init(_ description: String) { self.description = description }
}
