import Foundation

/// The sinusoidal embedding of a diffusion time (Vaswani et al. 2017, as DDPM uses it), the
/// conditioning the denoiser and the noisy classifier read beside the image:
///
///     ω_k = maxPeriod^(−k/(d/2)),  k = 0…d/2 − 1
///     e(t)_k = sin(t·ω_k),   e(t)_{d/2+k} = cos(t·ω_k)
///
/// d is even. The networks see [flatten(u_t), e(t)] as one vector.
public struct TimeEmbedding: Sendable, Equatable {
    /// d, even.
    public let dimension: Int
    /// The longest period (10,000 as in the Transformer).
    public let maxPeriod: Double

    /// An embedding of `dimension` numbers.
    /// - Throws: ``DiffusionError`` unless d is even and ≥ 2 and maxPeriod > 1.
    public init(dimension: Int, maxPeriod: Double = 10_000) throws(DiffusionError) {
        guard dimension >= 2, dimension % 2 == 0 else { throw DiffusionError("the time embedding's dimension must be even and ≥ 2, got \(dimension)") }
        guard maxPeriod > 1, maxPeriod.isFinite else { throw DiffusionError("the time embedding's maxPeriod must be > 1, got \(maxPeriod)") }
        self.dimension = dimension
        self.maxPeriod = maxPeriod
    }

    /// ω_k, k = 0…d/2 − 1.
    public var frequencies: [Double] {
        let half = dimension / 2
        return (0..<half).map { k in Foundation.pow(maxPeriod, -Double(k) / Double(half)) }
    }

    /// e(t).
    public func embedding(_ t: Int) -> [Double] {
        let angles = frequencies.map { Double(t) * $0 }
        return angles.map { Foundation.sin($0) } + angles.map { Foundation.cos($0) }
    }
}
