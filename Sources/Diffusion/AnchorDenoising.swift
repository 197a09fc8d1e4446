import Foundation
import Tensors

/// How DDPath turns an anchor a_i of the base path into a path point p_i: at which diffusion
/// time τ_i, and by which classifier-guided denoising rule. **Both are reconstructions**: the
/// paper (seed 000) says that each path point is sampled from N(μ_θ, Σ_θ) with the classifier-
/// guided mean and that a scaling scheme with a ∈ {0.5, 1, 2} "acts on the sampling mean and
/// variance" (and a reversed scheme gives noisier maps), but not how the anchor enters the
/// diffusion model, at which time, or what "scaling" is. Walkthrough 06 and DESIGN.md
/// ("DDPath's reconstructed choices") give the numbers by which the defaults were chosen; on
/// 30 digits test images with T = 50 (share of steps on which p(label) falls; mean
/// |Σ A − ΔF|; insertion − deletion):
///
///     rule     sampling     falls   gap     ins − del
///     step     stochastic   42.7%   3.1     0.148
///     step     shared        6.9%   0.036   0.420     ← the defaults
///     step     mean          3.3%   0.004   0.338
///     renoise  stochastic   46.5%   11      −0.021
///     renoise  shared       11.5%   0.14    0.235
///     renoise  mean         17.3%   0.14    0.426
///     ddim     (none)       48.5%   0.88    0.265
///     IG's straight line from the same noise: 2.2%, 0.006, 0.337; from black: 0.0%, 0.009, 0.852
public struct AnchorDenoising: Sendable, Equatable {
    /// The denoising rules compared.
    public enum Rule: String, Sendable, CaseIterable {
        /// One guided DDPM reverse step from the anchor taken as u_τ:
        /// p = μ_guided(u, τ) + σ_τ z (z ~ N(0, I); z = 0 with mean sampling, and at τ = 1).
        /// The paper's words read most literally: a sample of N(μ_θ + s Σ ∇log p, Σ).
        case step
        /// The guided clean estimate x̂_0 from u at τ, clipped to [−1, 1], re-noised to the
        /// previous level: p = √ᾱ_{τ−1} x̂_0 + √(1 − ᾱ_{τ−1}) ε, with ε = z (stochastic or
        /// shared sampling) or ε = ε̂′, the guided noise estimate (mean sampling: then the step
        /// is DDIM's, with x̂_0 clipped).
        case renoise
        /// A short guided DDIM chain from u at τ to time 0 in at most 4 deterministic steps
        /// (times round(τ(1 − j/4)), j = 0…4): a guided clean image near the anchor. It injects
        /// no noise, so every sampling mode gives the same path.
        case ddim
    }

    /// Where the noise of a sampled point comes from.
    public enum Sampling: String, Sendable, CaseIterable {
        /// Fresh noise z_i for every point: each point is an independent sample of its
        /// Gaussian, the paper's words read literally.
        case stochastic
        /// One noise image z drawn per path and used at every point (scaled by each point's
        /// σ): each point is still a sample of its Gaussian, but neighbouring points move
        /// together, so the path is as smooth as its anchors and times. A reconstruction.
        case shared
        /// No noise: each point is its Gaussian's mean; the path is deterministic.
        case mean
    }

    /// The rule.
    public var rule: Rule
    /// a, the exponent of the time schedule.
    public var scaling: Double
    /// The reversed schedule: noisy near the input instead of near the baseline.
    public var reversed: Bool
    /// s, the guidance scale.
    public var guidanceScale: Double
    /// Fresh, shared or no noise where the rule draws it.
    public var sampling: Sampling

    /// A configuration; the defaults are DDPath's reconstructed ones, chosen by walkthrough
    /// 06's ablation: one guided reverse step, a = 1, the forward schedule, s = 4, one shared
    /// noise image per path.
    public init(rule: Rule = .step, scaling: Double = 1, reversed: Bool = false, guidanceScale: Double = 4, sampling: Sampling = .shared) {
        self.rule = rule
        self.scaling = scaling
        self.reversed = reversed
        self.guidanceScale = guidanceScale
        self.sampling = sampling
    }

    /// τ_i for interior anchor i of T (0 < i < T): round(T_d (1 − i/T)^a), or with the reversed
    /// scheme round(T_d (i/T)^a), kept in 1…T_d. The forward scheme follows the base path:
    /// its anchors near the noisy baseline are denoised from a high noise level, those near the
    /// input from a low one; a < 1 keeps the noise level high for longer, a > 1 drops it faster.
    public func time(anchor i: Int, of steps: Int, diffusionSteps: Int) -> Int {
        // (T − i)/T rather than 1 − i/T: exact, so the reversed schedule at i is bit for bit the
        // forward one at T − i (1 − 110/200 is 0.45 − 2⁻⁵⁴, which rounds a tie the other way).
        let level = reversed ? Double(i) / Double(steps) : Double(steps - i) / Double(steps)
        let tau = (Double(diffusionSteps) * pow(level, scaling)).rounded()
        return min(diffusionSteps, max(1, Int(tau)))
    }

    /// The denoised points of `anchors` (data scale, each of the model's input shape) at
    /// `times`, guided toward `target`; noise comes from `generator`: D normals per anchor
    /// that draws, in anchor order (stochastic), or D normals once (shared).
    /// - Throws: ``DiffusionError`` from the model (a shape or class that does not fit).
    public func denoise(
        _ anchors: [[Double]], times: [Int], target: Int, model: DiffusionModel, using generator: inout Xoshiro256StarStar
    ) throws(DiffusionError) -> [[Double]] {
        guard !anchors.isEmpty else { return [] }
        var denoiser = Denoiser(self, target: target, model: model, generator: generator)
        let result = try denoiser.denoise(anchors, times: times)
        generator = denoiser.generator
        return result
    }

    /// A path's anchors denoised a chunk at a time, in order, with the noise drawn as one call
    /// of ``AnchorDenoising/denoise(_:times:target:model:using:)`` over all of them would
    /// draw it: the shared noise image first, then each drawing point's noise in anchor order.
    /// The model answers every row with the bits it gets alone, so the chunks change no bit,
    /// and memory holds one chunk's activations however long the path.
    public struct Denoiser {
        /// The rule, schedule and guidance.
        public let configuration: AnchorDenoising
        /// The class guided toward.
        public let target: Int
        /// The diffusion model.
        public let model: DiffusionModel
        /// The noise source, after the draws so far.
        public private(set) var generator: Xoshiro256StarStar
        /// The shared noise image (shared sampling).
        let shared: [Double]

        /// A denoiser; with shared sampling it draws the shared noise image now.
        public init(_ configuration: AnchorDenoising, target: Int, model: DiffusionModel, generator: Xoshiro256StarStar) {
            self.configuration = configuration
            self.target = target
            self.model = model
            var generator = generator
            shared = configuration.sampling == .shared ? (0..<model.featureCount).map { _ in generator.nextNormal() } : []
            self.generator = generator
        }

        /// The next anchors denoised at their times.
        /// - Throws: ``DiffusionError`` from the model.
        public mutating func denoise(_ anchors: [[Double]], times: [Int]) throws(DiffusionError) -> [[Double]] {
            guard !anchors.isEmpty else { return [] }
            let (rule, sampling, guidanceScale, model, target) = (configuration.rule, configuration.sampling, configuration.guidanceScale, model, target)
            let features = model.featureCount
            let batch = Tensor(shape: [anchors.count] + model.inputShape, scalars: anchors.flatMap { $0 })
            let u = model.diffusionScale(batch)
            let classes: [Int?] = Array(repeating: target, count: anchors.count)
            let schedule = model.schedule
            let shared = self.shared
            var generator = self.generator
            defer { self.generator = generator }
            /// Noise for feature i of a point that draws.
            func noise(_ i: Int) -> Double { sampling == .shared ? shared[i] : generator.nextNormal() }
            var result: Tensor
            switch rule {
            case .step:
                result = try model.guidedMean(u, times: times, classes: classes, scale: guidanceScale)
                if sampling != .mean {
                    for (b, t) in times.enumerated() where t > 1 {
                        let deviation = schedule.posteriorVariance(t).squareRoot()
                        for i in 0..<features { result.scalars[b * features + i] += deviation * noise(i) }
                    }
                }
            case .renoise:
                let (guidedNoise, clean) = try model.guidedCleanEstimate(u, times: times, classes: classes, scale: guidanceScale)
                result = Tensor(zeros: u.shape)
                for (b, t) in times.enumerated() {
                    let previous = schedule.alphaBar(t - 1)
                    let (signal, spread) = (previous.squareRoot(), (1 - previous).squareRoot())
                    for i in (b * features)..<((b + 1) * features) {
                        let x0 = min(1, max(-1, clean.scalars[i]))
                        let epsilon = sampling == .mean ? guidedNoise.scalars[i] : noise(i - b * features)
                        result.scalars[i] = signal * x0 + spread * epsilon
                    }
                }
            case .ddim:
                result = u
                for j in 0..<4 {
                    let from = times.map { (Double($0) * (1 - Double(j) / 4)).rounded() }.map(Int.init)
                    let to = times.map { (Double($0) * (1 - Double(j + 1) / 4)).rounded() }.map(Int.init)
                    let moving = times.indices.filter { from[$0] > to[$0] && from[$0] >= 1 }
                    guard !moving.isEmpty else { continue }
                    let subset = Tensor(
                        shape: [moving.count] + model.inputShape,
                        scalars: moving.flatMap { Array(result.scalars[($0 * features)..<(($0 + 1) * features)]) })
                    let stepped = try model.ddimStep(
                        subset, times: moving.map { from[$0] }, to: moving.map { to[$0] }, classes: moving.map { _ in target }, scale: guidanceScale)
                    for (row, b) in moving.enumerated() {
                        for i in 0..<features { result.scalars[b * features + i] = stepped.scalars[row * features + i] }
                    }
                }
            }
            let data = model.dataScale(result)
            return (0..<anchors.count).map { Array(data.scalars[($0 * features)..<(($0 + 1) * features)]) }
        }
    }
}
