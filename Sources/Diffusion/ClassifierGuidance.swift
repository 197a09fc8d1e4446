import Models
import Tensors

/// One reverse step of DDPM, guided by the noisy classifier (Dhariwal & Nichol, "Diffusion
/// Models Beat GANs on Image Synthesis", NeurIPS 2021), in the three forms `attribute
/// denoise` answers. With ε̂ = ε_θ(u_t, t), g = ∇_u log p_φ(y | u_t, t) and scale s:
///
///     mean   μ(u_t, t) = (u_t − β_t/√(1 − ᾱ_t) · ε̂) / √α_t             (Ho et al., eq. 11)
///            guided:  μ + s σ_t² g                                      (Dhariwal & Nichol, Alg. 1)
///     x0     ε̂′ = ε̂ − s √(1 − ᾱ_t) g                                     (Dhariwal & Nichol, Alg. 2)
///            x̂_0 = (u_t − √(1 − ᾱ_t) ε̂′) / √ᾱ_t
///     ddim   u_{t′} = √ᾱ_{t′} x̂_0 + √(1 − ᾱ_{t′}) ε̂′,  0 ≤ t′ < t        (Song et al. 2021, η = 0)
///
/// with σ_t² = β_t (1 − ᾱ_{t−1})/(1 − ᾱ_t). No clipping of x̂_0: the formulas exactly as
/// written, so another implementation of the diffusion directory can be checked step by step.
/// s = 0 is the unguided step (the classifier is not run).
public enum DenoisingVariant: String, Sendable, CaseIterable {
    /// The guided posterior mean, u_{t−1}'s expectation.
    case mean
    /// The guided estimate of the clean image.
    case x0
    /// The deterministic DDIM step to an earlier time t′.
    case ddim
}

extension DiffusionModel {
    /// g for the guided images (zero where s = 0 or no class is given).
    func guidance(_ u: Tensor, times: [Int], classes: [Int?], scale: Double) throws(DiffusionError) -> Tensor {
        guard scale != 0 else { return Tensor(zeros: u.shape) }
        guard scale.isFinite else { throw DiffusionError("the guidance scale must be finite, got \(scale)") }
        let guided = classes.indices.filter { classes[$0] != nil }
        var scalars = [Double](repeating: 0, count: u.count)
        guard !guided.isEmpty else { return Tensor(shape: u.shape, scalars: scalars) }
        let features = featureCount
        let subset = Tensor(shape: [guided.count] + inputShape, scalars: guided.flatMap { Array(u.scalars[($0 * features)..<(($0 + 1) * features)]) })
        let g = try classifierGuidance(subset, times: guided.map { times[$0] }, classes: guided.map { classes[$0]! })
        for (row, b) in guided.enumerated() {
            for i in 0..<features { scalars[b * features + i] = g.scalars[row * features + i] }
        }
        return Tensor(shape: u.shape, scalars: scalars)
    }

    /// The guided posterior mean μ + s σ_t² g for each image of `u` (diffusion scale).
    public func guidedMean(_ u: Tensor, times: [Int], classes: [Int?], scale: Double) throws(DiffusionError) -> Tensor {
        let noise = try predictedNoise(u, times: times)
        let g = try guidance(u, times: times, classes: classes, scale: scale)
        let features = featureCount
        var scalars = [Double](repeating: 0, count: u.count)
        for b in times.indices {
            let t = times[b]
            let coefficient = schedule.beta(t) / (1 - schedule.alphaBar(t)).squareRoot()
            let rootAlpha = schedule.alpha(t).squareRoot()
            let variance = schedule.posteriorVariance(t)
            for i in (b * features)..<((b + 1) * features) {
                scalars[i] = (u.scalars[i] - coefficient * noise.scalars[i]) / rootAlpha + scale * variance * g.scalars[i]
            }
        }
        return Tensor(shape: u.shape, scalars: scalars)
    }

    /// The guided noise estimate ε̂′ = ε̂ − s √(1 − ᾱ_t) g and the clean-image estimate
    /// x̂_0 = (u_t − √(1 − ᾱ_t) ε̂′)/√ᾱ_t (diffusion scale).
    public func guidedCleanEstimate(_ u: Tensor, times: [Int], classes: [Int?], scale: Double) throws(DiffusionError) -> (noise: Tensor, clean: Tensor) {
        let noise = try predictedNoise(u, times: times)
        let g = try guidance(u, times: times, classes: classes, scale: scale)
        let features = featureCount
        var guidedNoise = [Double](repeating: 0, count: u.count)
        var clean = [Double](repeating: 0, count: u.count)
        for b in times.indices {
            let t = times[b]
            let rootOneMinus = (1 - schedule.alphaBar(t)).squareRoot()
            let rootAlphaBar = schedule.alphaBar(t).squareRoot()
            for i in (b * features)..<((b + 1) * features) {
                guidedNoise[i] = noise.scalars[i] - scale * rootOneMinus * g.scalars[i]
                clean[i] = (u.scalars[i] - rootOneMinus * guidedNoise[i]) / rootAlphaBar
            }
        }
        return (Tensor(shape: u.shape, scalars: guidedNoise), Tensor(shape: u.shape, scalars: clean))
    }

    /// The deterministic DDIM step from t to t′ < t: √ᾱ_{t′} x̂_0 + √(1 − ᾱ_{t′}) ε̂′.
    public func ddimStep(_ u: Tensor, times: [Int], to targetTimes: [Int], classes: [Int?], scale: Double) throws(DiffusionError) -> Tensor {
        guard targetTimes.count == times.count else { throw DiffusionError("\(times.count) images but \(targetTimes.count) target times") }
        for (t, target) in zip(times, targetTimes) where !(0..<t).contains(target) {
            throw DiffusionError("a DDIM step goes to an earlier time: t′ = \(target) is not in 0…\(t - 1) for t = \(t)")
        }
        let (noise, clean) = try guidedCleanEstimate(u, times: times, classes: classes, scale: scale)
        // The forward process from x̂_0 with ε̂′ to t′.
        return noised(clean, times: targetTimes, noise: noise)
    }

    /// One denoising request in the data's scale, as `attribute denoise` makes it: `x` is
    /// [B] + inputShape in [LO, HI]'s units, mapped to u, denoised by `variant`, mapped back.
    /// `toTimes` is used by `.ddim` only.
    public func denoise(
        _ x: Tensor, times: [Int], classes: [Int?], scale: Double, variant: DenoisingVariant, toTimes: [Int]? = nil
    ) throws(DiffusionError) -> Tensor {
        let u = diffusionScale(x)
        let result: Tensor
        switch variant {
        case .mean: result = try guidedMean(u, times: times, classes: classes, scale: scale)
        case .x0: result = try guidedCleanEstimate(u, times: times, classes: classes, scale: scale).clean
        case .ddim:
            guard let toTimes else { throw DiffusionError("a DDIM step needs the time to step to") }
            result = try ddimStep(u, times: times, to: toTimes, classes: classes, scale: scale)
        }
        return dataScale(result)
    }

    /// The forward process's sample u_t = √ᾱ_t u_0 + √(1 − ᾱ_t) ε for given noise ε
    /// (diffusion scale); t = 0 returns u_0.
    public func noised(_ u0: Tensor, times: [Int], noise: Tensor) -> Tensor {
        let features = featureCount
        var scalars = [Double](repeating: 0, count: u0.count)
        for b in times.indices {
            let a = schedule.alphaBar(times[b])
            let (signal, spread) = (a.squareRoot(), (1 - a).squareRoot())
            for i in (b * features)..<((b + 1) * features) { scalars[i] = signal * u0.scalars[i] + spread * noise.scalars[i] }
        }
        return Tensor(shape: u0.shape, scalars: scalars)
    }

    /// The guided posterior mean with x̂_0 clipped to [−1, 1] first, DDPM's sampling practice
    /// (Ho et al.'s code, `clip_denoised`): μ = c₁ clip(x̂_0) + c₂ u_t + s σ_t² g, with
    /// c₁ = √ᾱ_{t−1} β_t/(1 − ᾱ_t), c₂ = √α_t (1 − ᾱ_{t−1})/(1 − ᾱ_t) and x̂_0 from the
    /// unguided ε̂. Where no clipping happens it equals ``guidedMean(_:times:classes:scale:)``
    /// up to rounding; it keeps an imperfect denoiser's chain from drifting outside the data.
    public func clippedGuidedMean(_ u: Tensor, times: [Int], classes: [Int?], scale: Double) throws(DiffusionError) -> Tensor {
        let noise = try predictedNoise(u, times: times)
        let g = try guidance(u, times: times, classes: classes, scale: scale)
        let features = featureCount
        var scalars = [Double](repeating: 0, count: u.count)
        for b in times.indices {
            let t = times[b]
            let (alphaBar, previous, beta) = (schedule.alphaBar(t), schedule.alphaBar(t - 1), schedule.beta(t))
            let c1 = previous.squareRoot() * beta / (1 - alphaBar)
            let c2 = (1 - beta).squareRoot() * (1 - previous) / (1 - alphaBar)
            let (rootAlphaBar, rootOneMinus) = (alphaBar.squareRoot(), (1 - alphaBar).squareRoot())
            let variance = schedule.posteriorVariance(t)
            for i in (b * features)..<((b + 1) * features) {
                let clean = min(1, max(-1, (u.scalars[i] - rootOneMinus * noise.scalars[i]) / rootAlphaBar))
                scalars[i] = c1 * clean + c2 * u.scalars[i] + scale * variance * g.scalars[i]
            }
        }
        return Tensor(shape: u.shape, scalars: scalars)
    }

    /// Samples by the full guided reverse chain from pure noise: u_{T_d} ~ N(0, I), then
    /// u_{t−1} = μ_guided(u_t, t) + σ_t z for t = T_d…1 (no noise at t = 1), with the clipped
    /// mean by default (``clippedGuidedMean(_:times:classes:scale:)``). Image b draws its
    /// noise from `Xoshiro256StarStar(seed: seed).derived(b)`, so its bits do not depend on
    /// the batch. Returns images in the data's scale, clamped to [LO, HI] when clipping.
    /// `classes[b] = nil` samples image b unguided.
    public func sample(classes: [Int?], scale: Double, seed: UInt64, clipping: Bool = true) throws(DiffusionError) -> Tensor {
        let source = Xoshiro256StarStar(seed: seed)
        var generators = classes.indices.map { source.derived($0) }
        let features = featureCount
        var scalars = [Double](repeating: 0, count: classes.count * features)
        for b in classes.indices { for i in 0..<features { scalars[b * features + i] = generators[b].nextNormal() } }
        var u = Tensor(shape: [classes.count] + inputShape, scalars: scalars)
        for t in stride(from: schedule.steps, through: 1, by: -1) {
            let times = Array(repeating: t, count: classes.count)
            var mean = clipping
                ? try clippedGuidedMean(u, times: times, classes: classes, scale: scale)
                : try guidedMean(u, times: times, classes: classes, scale: scale)
            if t > 1 {
                let deviation = schedule.posteriorVariance(t).squareRoot()
                for b in classes.indices { for i in 0..<features { mean.scalars[b * features + i] += deviation * generators[b].nextNormal() } }
            }
            u = mean
        }
        if clipping { u.scalars = u.scalars.map { min(1, max(-1, $0)) } }
        return dataScale(u)
    }
}
