import Foundation
import Tensors

/// DDPM's forward process (Ho et al., "Denoising Diffusion Probabilistic Models", NeurIPS
/// 2020) with a linear variance schedule over T_d steps:
///
///     β_t = b0 + (b1 − b0)(t − 1)/(T_d − 1),  t = 1…T_d      (β_1 = b0, β_{T_d} = b1)
///     α_t = 1 − β_t,   ᾱ_t = Π_{s ≤ t} α_s,   ᾱ_0 = 1
///     q(u_t | u_0) = N(√ᾱ_t u_0, (1 − ᾱ_t) I)
///
/// and the quantities the reverse process needs: the posterior variance
/// σ_t² = β_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t) (Ho et al.'s β̃_t; σ_1² = 0). ᾱ is the running
/// product in t order (as `torch.cumprod`), so another implementation gets the same bits.
public struct NoiseSchedule: Sendable, Equatable {
    /// b0 = β_1
    public let betaStart: Double
    /// b1 = β_{T_d}
    public let betaEnd: Double
    /// T_d, the number of diffusion steps.
    public let steps: Int
    /// β_1…β_{T_d} at indices 0…T_d − 1.
    public let betas: [Double]
    /// ᾱ_0…ᾱ_{T_d} at indices 0…T_d (ᾱ_0 = 1).
    public let alphaBars: [Double]

    /// The linear schedule.
    /// - Throws: ``DiffusionError`` unless 0 < b0 ≤ b1 < 1 and T_d ≥ 2.
    public init(betaStart: Double, betaEnd: Double, steps: Int) throws(DiffusionError) {
        guard steps >= 2 else { throw DiffusionError("the schedule needs at least 2 steps, got \(steps)") }
        guard betaStart > 0, betaStart <= betaEnd, betaEnd < 1, betaStart.isFinite, betaEnd.isFinite else {
            throw DiffusionError("the schedule needs 0 < betaStart ≤ betaEnd < 1, got \(betaStart) and \(betaEnd)")
        }
        self.betaStart = betaStart
        self.betaEnd = betaEnd
        self.steps = steps
        betas = (1...steps).map { t in betaStart + (betaEnd - betaStart) * Double(t - 1) / Double(steps - 1) }
        var products = [1.0]
        for beta in betas { products.append(products.last! * (1 - beta)) }
        alphaBars = products
    }

    /// β_t, t in 1…T_d.
    public func beta(_ t: Int) -> Double { betas[t - 1] }
    /// α_t = 1 − β_t.
    public func alpha(_ t: Int) -> Double { 1 - betas[t - 1] }
    /// ᾱ_t, t in 0…T_d.
    public func alphaBar(_ t: Int) -> Double { alphaBars[t] }

    /// Checks one time per image of a batch `u`, each in 1…T_d, and that `u` is finite: what
    /// every denoiser needs of its input besides the image shape.
    func check(_ u: Tensor, times: [Int]) throws(DiffusionError) {
        guard times.count == u.batchCount else { throw DiffusionError("\(u.batchCount) images but \(times.count) times") }
        if let bad = times.first(where: { !(1...steps).contains($0) }) {
            throw DiffusionError("time \(bad) is outside 1…\(steps), the model's diffusion steps")
        }
        if let bad = u.scalars.firstIndex(where: { !$0.isFinite }) {
            throw DiffusionError("element \(bad) of the image batch is \(u.scalars[bad]); values must be finite")
        }
    }

    /// σ_t² = β_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t), the variance of one reverse step to t − 1.
    public func posteriorVariance(_ t: Int) -> Double {
        beta(t) * (1 - alphaBar(t - 1)) / (1 - alphaBar(t))
    }
}

/// What went wrong with a diffusion model or a denoising request; says how to fix it.
public struct DiffusionError: Error, CustomStringConvertible, Equatable {
    /// The message.
    public var description: String
    /// An error with `description`.
    public init(_ description: String) { self.description = description }
}
