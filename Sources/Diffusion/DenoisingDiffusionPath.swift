import Attribution
import Foundation
import Tensors

/// DDPath (seed 000: "Denoising Diffusion Path: Attribution Noise Reduction with Pixel-Wise
/// Diffusion"): a path transformer. It takes the anchor points of a base path — IG's straight
/// line, BlurIG's blur levels, Guided IG's walk — from a baseline x′ to the input x, replaces
/// every interior anchor a_i by a classifier-guided denoised point p_i at a diffusion time τ_i,
/// keeps p_0 = x′ and p_T = x, and integrates ∇F along the polyline through them:
///
///     path          A = Σ_{k<T} g_k ⊙ (p_{k+1} − p_k),  g_k = ∇F(p_k)      (complete up to discretisation)
///     algorithm-1   A = (x − x′) ⊙ (1/T) Σ_{k<T} g_k                        (the paper's Algorithm 1, literally)
///     idgi          A = Σ_k g_k² (F(p_{k+1}) − F(p_k)) / ‖g_k‖²            (exactly complete per step)
///
/// What the paper fixes and this code follows: a noisy (Gaussian) baseline; a frozen diffusion
/// model and a classifier trained on noisy images guiding the sampling mean (Dhariwal &
/// Nichol 2021); T path steps; a piecewise-linear path from x′ to x; a scaling exponent a;
/// a reversed scheme; composition with IG, BlurIG and Guided IG. **Reconstructed here** (the
/// paper's code was never released), each named where it is made: how an anchor is denoised
/// and at which time (``AnchorDenoising``); the left-endpoint gradients on each segment
/// (``PolylinePath``); BlurIG's path starting at the most blurred input rather than at x′;
/// Guided IG's anchors being its own walk's points; the noise baseline x′ = LO + (z + 1)(HI − LO)/2,
/// z ~ N(0, I), pure diffusion noise mapped to the data's scale. The defaults — one guided
/// reverse step per anchor, one noise image shared along the path, a = 1, s = 4 — were chosen
/// by walkthrough 06's ablation (its numbers are on ``AnchorDenoising``): fresh noise at every
/// point, the literal reading, makes p(label) fall on 43% of the steps and the Riemann sum
/// miss ΔF by 3.1 on average on digits.
///
/// Exploratory options, each changing one ingredient to test why DDPath scores as it does:
/// the exact denoiser of a data set in place of the learned one (``DenoiserKind/empirical``,
/// class-conditional with the references' labels), SNR-matched anchor times
/// (``AnchorDenoising/Times/snr``) and path points clamped to the data's range
/// (``AnchorDenoising/clip``).
///
/// Properties: with `--attribution path` the Riemann sum's completeness gap shrinks as the
/// segments do; with IDGI every step is exactly complete (the hyperplane property), so the
/// whole attribution sums to F(x) − F(x′) up to round-off; `algorithm-1` is not complete
/// unless the path is straight. The path depends on the target class (the guidance), on the
/// seed (stochastic sampling and the noise baseline) and on nothing else: the same seed gives
/// the same bits whatever the thread count.
public struct DenoisingDiffusionPath: ConfigurableMethod, SeededMethod {
    /// The base path whose anchors are denoised.
    public enum Base: String, Sendable, CaseIterable, Equatable {
        /// IG's straight line.
        case ig
        /// BlurIG's blur levels (the path starts at blur(x, σ_max)).
        case blurIG = "blur-ig"
        /// Guided IG's adaptive walk.
        case guidedIG = "guided-ig"
    }

    /// Where the path starts (IG and Guided IG bases).
    public enum Start: Sendable {
        /// All zeros (black).
        case zeros
        /// Pure diffusion noise in the data's scale, drawn from the seed.
        case noise
        /// A given point.
        case point(Tensor)
    }

    /// Which denoiser makes the path points.
    public enum DenoiserKind: String, Sendable, CaseIterable, Equatable {
        /// The diffusion directory's network, guided by its noisy classifier (the paper's).
        case learned
        /// The exact denoiser of a finite data set (``EmpiricalDenoiser``): the limit a learned
        /// denoiser tends to; class-conditional, with no guidance scale, when labels are given.
        case empirical
    }

    /// The frozen diffusion model (denoiser and noisy classifier); required: the empirical
    /// denoiser takes its schedule and data range.
    public var model: DiffusionModel?
    /// The learned denoiser or the exact one.
    public var denoiser: DenoiserKind
    /// The exact denoiser's data set, [N] + the input's shape in the data's scale.
    public var references: Tensor?
    /// One class per reference: the exact denoiser then averages over the explained class's.
    public var referenceLabels: [Int]?
    /// The base path.
    public var base: Base
    /// T, the path's steps (gradient evaluations along it).
    public var steps: Int
    /// The anchor times and denoising rule.
    public var denoising: AnchorDenoising
    /// x′ for the IG and Guided IG bases.
    public var start: Start
    /// Seeds the noise baseline (stream 0) and the stochastic sampling (stream 1).
    public var seed: UInt64
    /// The Riemann term (ignored by IDGI).
    public var term: PolylinePath.Term
    /// Riemann sum or IDGI.
    public var integrator: any Integrator
    /// BlurIG base: σ_max.
    public var maxSigma: Double
    /// Guided IG base: the fraction of features moved per pass and the distance they may lead.
    public var fraction: Double, maxDistance: Double

    /// A DDPath.
    public init(
        model: DiffusionModel? = nil, denoiser: DenoiserKind = .learned, references: Tensor? = nil, referenceLabels: [Int]? = nil, base: Base = .ig, steps: Int = 200, denoising: AnchorDenoising = AnchorDenoising(), start: Start = .noise, seed: UInt64 = 0,
        term: PolylinePath.Term = .path, integrator: any Integrator = RiemannSum(), maxSigma: Double = 50, fraction: Double = 0.25,
        maxDistance: Double = 0.02
    ) {
        self.model = model
        self.denoiser = denoiser
        self.references = references
        self.referenceLabels = referenceLabels
        self.base = base
        self.steps = steps
        self.denoising = denoising
        self.start = start
        self.seed = seed
        self.term = term
        self.integrator = integrator
        self.maxSigma = maxSigma
        self.fraction = fraction
        self.maxDistance = maxDistance
    }

    /// `ddpath`
    public var name: String { "ddpath" }

    /// x′: the chosen start for IG and Guided IG, blur(x, σ_max) for BlurIG.
    public func startPoint(for input: Tensor) throws(AttributionError) -> Tensor {
        switch base {
        case .blurIG:
            let (c, h, w) = (input.shape[0], input.shape[1], input.shape[2])
            return Tensor(shape: input.shape, scalars: GaussianBlur.blur(input.scalars, height: h, width: w, channels: c, sigma: maxSigma))
        case .ig, .guidedIG:
            switch start {
            case .zeros: return Tensor(zeros: input.shape)
            case .point(let point):
                try Validate.matching(point, input, name: "baseline")
                return point
            case .noise:
                var generator = Xoshiro256StarStar(seed: seed).derived(0)
                let z = Tensor(shape: input.shape, scalars: (0..<input.count).map { _ in generator.nextNormal() })
                guard let model else { throw AttributionError(parameter: "diffusion", "DDPath needs its diffusion model: give `diffusion`") }
                return model.dataScale(z)
            }
        }
    }

    /// One walk: anchors, denoising, the polyline's integral (``DiffusionPathWalk``).
    public func plan(for input: Tensor) throws(AttributionError) -> AttributionPlan {
        try validate()
        guard let model else { throw AttributionError(parameter: "diffusion", "DDPath needs its diffusion model: give `diffusion`") }
        guard input.shape == model.inputShape else {
            throw AttributionError("the diffusion model's images have shape \(model.inputShape) but the input has \(input.shape); give the diffusion directory trained on this data")
        }
        if base == .blurIG {
            guard input.rank == 3 else { throw AttributionError("BlurIG blurs images: the input must have shape [channels, height, width], got \(input.shape)") }
            try Validate.within(maxSigma, 0...1e6, "max sigma")
        }
        let start = try startPoint(for: input)
        let empirical = try empiricalDenoiser(model)
        let walk = DiffusionPathWalk(method: self, model: model, empirical: empirical, input: input.scalars, start: start.scalars, shape: input.shape)
        return AttributionPlan(walks: [walk]) { results in
            var result = results[0]
            result.attribution = result.attribution.reshaped(input.shape)
            return result
        }
    }

    /// The exact denoiser of ``references`` under `model`'s schedule and scale, or nil for the learned one.
    func empiricalDenoiser(_ model: DiffusionModel) throws(AttributionError) -> EmpiricalDenoiser? {
        guard denoiser == .empirical, let references else { return nil }
        do {
            return try EmpiricalDenoiser(references: references, labels: referenceLabels, model: model)
        } catch {
            throw AttributionError(parameter: "references", "the empirical denoiser cannot use the references: \(error.description)")
        }
    }

    /// The reconstructed defaults: IG's anchors, 200 steps, ``AnchorDenoising``'s defaults, a
    /// noise baseline, the path's Riemann term; no diffusion model.
    public static var defaults: DenoisingDiffusionPath { DenoisingDiffusionPath() }

    /// `base`, `diffusion`, `denoiser`, `references` and `reference-labels` (empirical),
    /// `steps`, `guidance-scale` (learned), `anchor-times`, `scaling` and `reversed` (schedule
    /// times), `anchor-rule`, `sampling`, `clip`, `integrator`, `attribution`, `baseline` (not
    /// with BlurIG), `seed`.
    public static let parameters: [Parameter<DenoisingDiffusionPath>] = [
        .choice("base", \.base, help: "the path whose anchors are denoised"),
        Parameter(
            "diffusion", .resource(.diffusionDirectory), help: "the diffusion directory (Fixtures/diffusion/digits, …/shapes)",
            absentDefault: "none (required)", read: nil
        ) { method, value throws(AttributionError) in
            guard case .resource(let resource, _) = value, let model = resource as? DiffusionModel else {
                throw AttributionError(parameter: "diffusion", "`diffusion` must be a loaded diffusion model, got \(value.text)")
            }
            method.model = model
        },
        .choice("denoiser", \.denoiser, help: "learned: the diffusion directory's network with classifier guidance; empirical: the exact denoiser of `references`"),
        Parameter(
            "references", .array(.stack), help: "the empirical denoiser's data set in the data's scale (the classifier's training images)",
            absentDefault: "none (required with `denoiser` empirical)", read: nil
        ) { method, value throws(AttributionError) in
            guard case .array(let references, _) = value else { throw AttributionError(parameter: "references", "`references` must be \(ParameterKind.array(.stack).accepted), got \(value.text)") }
            method.references = references
        }.only("with `denoiser` empirical") { $0.denoiser == .empirical },
        Parameter(
            "reference-labels", .array(.classes), help: "one class per reference: the empirical denoiser then averages over the explained class's references",
            absentDefault: "none (unconditional)", read: nil
        ) { method, value throws(AttributionError) in
            guard case .array(let labels, _) = value else { throw AttributionError(parameter: "reference-labels", "`reference-labels` must be \(ParameterKind.array(.classes).accepted), got \(value.text)") }
            method.referenceLabels = labels.scalars.map { Int($0) }
        }.only("with `denoiser` empirical") { $0.denoiser == .empirical },
        .integer("steps", \.steps, in: 1...10_000_000, help: "gradient evaluations along the path"),
        .number("guidance-scale", \.denoising.guidanceScale, in: 0...1e6, help: "s, the classifier guidance's scale")
            .only("with `denoiser` learned: the empirical denoiser conditions on the class exactly") { $0.denoiser == .learned },
        .choice("anchor-times", \.denoising.times, help: "schedule: T_d·(1 − i/T)^a; snr: the time whose ᾱ/(1 − ᾱ) is the anchor's own α²/((1 − α)² m)"),
        .number("scaling", \.denoising.scaling, in: 0...64, excludingLowerBound: true, help: "a: anchor i of T is denoised at diffusion time T_d·(1 − i/T)^a")
            .only("with `anchor-times` schedule") { $0.denoising.times == .schedule },
        .flag("reversed", \.denoising.reversed, help: "the reversed schedule T_d·(i/T)^a: noisy near the input")
            .only("with `anchor-times` schedule") { $0.denoising.times == .schedule },
        .choice("anchor-rule", \.denoising.rule, help: "how an anchor is denoised: one guided reverse step, x̂_0 re-noised, or a short DDIM chain"),
        .choice("sampling", \.denoising.sampling, help: "stochastic: fresh noise at each point; shared: one noise image for the path; mean: none (deterministic)"),
        .flag("clip", \.denoising.clip, help: "clamp every path point to the data's range [LO, HI]"),
        .integrator(\.integrator),
        .choice("attribution", \.term, help: "the Riemann term: g_k ⊙ (p_{k+1} − p_k), or Algorithm 1's (x − x′)/T ⊙ g_k"),
        Parameter(
            "baseline", .baseline(words: ["noise", "zeros"]), help: "x′ for `base` ig and guided-ig (BlurIG starts at the blurred input)",
            read: { method in
                switch method.start {
                case .noise: return .word("noise")
                case .zeros: return .word("zeros")
                case .point: return nil
                }
            }
        ) { method, value throws(AttributionError) in
            switch value {
            case .word("noise"): method.start = .noise
            case .word("zeros"): method.start = .zeros
            case .array(let point, _): method.start = .point(point)
            default: throw AttributionError(parameter: "baseline", "`baseline` must be \(ParameterKind.baseline(words: ["noise", "zeros"]).accepted), got \(value.text)")
            }
        }.only("with `base` ig or guided-ig: BlurIG's path starts at the blurred input") { $0.base != .blurIG },
        .seed("seed", \.seed, help: "seeds the noise baseline and the stochastic sampling"),
    ]

    /// The diffusion model is required; the empirical denoiser needs its references, one label
    /// per reference when labels are given; SNR-matched times need anchors that carry noise.
    public func validateCombination() throws(AttributionError) {
        if model == nil { throw AttributionError(parameter: "diffusion", "`diffusion` is required: the diffusion directory trained on the model's data") }
        if denoiser == .empirical {
            guard let references else {
                throw AttributionError(parameter: "references", "`references` is required with `denoiser` empirical: the training images, [N] + the input's shape")
            }
            if let referenceLabels, referenceLabels.count != references.batchCount {
                throw AttributionError(
                    parameter: "reference-labels", "\(referenceLabels.count) reference labels for \(references.batchCount) references; give one class per reference")
            }
        }
        if denoising.times == .snr && base == .blurIG {
            throw AttributionError(parameter: "anchor-times", "`anchor-times` snr applies only with `base` ig or guided-ig: BlurIG's anchors carry no noise to match")
        }
    }

    /// The method `ddpath`.
    public static let registration = MethodRegistration(
        DenoisingDiffusionPath.self,
        summary: "DDPath: a base path's anchors replaced by classifier-guided denoised points of a diffusion model (seed 000)",
        capabilities: [.walksPath, .randomized, .keepsLedger, .needsNetwork, .reportsAnchors],
        quickConfigurations: [["steps": "6"], ["steps": "6", "integrator": "idgi", "base": "blur-ig"], ["steps": "4", "base": "guided-ig", "baseline": "zeros"]])
}

extension ResourceKind {
    /// A diffusion directory (``DiffusionModel/load(_:)``).
    public static let diffusionDirectory = ResourceKind(name: "diffusion directory", placeholder: "DIR")
}
