import Foundation

/// Diffusion times that fit the anchors: each anchor gets the time whose signal-to-noise
/// ratio is the anchor's own. An exploratory alternative to the schedule's times.
///
/// The forward process at time t is u_t = √ᾱ_t u_0 + √(1 − ᾱ_t) ε with ε ~ N(0, I): signal
/// coefficient √ᾱ_t, noise of mean square 1 − ᾱ_t per feature, so SNR(t) = ᾱ_t/(1 − ᾱ_t). An
/// anchor of a base path at progress α from the baseline (diffusion scale, u_b the baseline)
///
///     u = α u_x + (1 − α) u_b
///
/// has signal coefficient α and a deviation (1 − α) u_b of mean square (1 − α)² m, with
/// m = ‖u_b‖²/D, so its own ratio is
///
///     SNR(α) = α² / ((1 − α)² m).
///
/// For DDPath's noise baseline u_b = z ~ N(0, I), m ≈ 1 (the drawn z's mean square is used);
/// for black, u_b = −1 in every feature and m = 1 exactly: both give α²/(1 − α)², so α = ½ has
/// SNR 1 where the schedule's τ = T_d/2 has 0.29 on the shipped models. The time chosen is
/// the t in 1…T_d whose log SNR is nearest log SNR(α): α = 0 (the baseline) gets T_d, α = 1
/// or m = 0 gets 1. Only the time is matched: the anchor's overall scale, √(α² + (1 − α)² m),
/// is not the forward process's √(ᾱ + (1 − ᾱ)) = 1, and is left as it is.
///
/// Progress α: i/T on IG's straight line; on Guided IG's walk, which moves features unevenly,
/// the share of the L1 distance covered, 1 − ‖a_i − x‖₁/‖x′ − x‖₁. BlurIG's anchors carry no
/// noise to measure, so the option does not apply to them.
public enum SignalMatchedTimes {
    /// SNR(α) = α² / ((1 − α)² m); +∞ at α = 1 or m = 0.
    public static func anchorRatio(progress alpha: Double, baselineMeanSquare m: Double) -> Double {
        let noise = (1 - alpha) * (1 - alpha) * m
        return noise > 0 ? alpha * alpha / noise : .infinity
    }

    /// For each ratio, the time t ∈ 1…T_d with log(ᾱ_t/(1 − ᾱ_t)) nearest its log (the earlier on
    /// a tie); the schedule's log SNRs are computed once for all of them.
    public static func times(matching ratios: [Double], schedule: NoiseSchedule) -> [Int] {
        let logRatios = (1...schedule.steps).map { t in log(schedule.alphaBar(t) / (1 - schedule.alphaBar(t))) }
        return ratios.map { ratio in
            if ratio == .infinity { return 1 }
            if ratio <= 0 { return schedule.steps }
            let target = log(ratio)
            var best = (time: 1, distance: Double.infinity)
            for (index, logRatio) in logRatios.enumerated() where abs(logRatio - target) < best.distance {
                best = (index + 1, abs(logRatio - target))
            }
            return best.time
        }
    }

    /// The mean square m = ‖u_b‖²/D of a baseline in the diffusion scale.
    public static func meanSquare(_ u: [Double]) -> Double {
        u.isEmpty ? 0 : u.reduce(0) { $0 + $1 * $1 } / Double(u.count)
    }

    /// The progress α of `anchor` from `start` to `input`: 1 − ‖a − x‖₁/‖x′ − x‖₁ (1 when x′ = x).
    public static func progress(of anchor: [Double], from start: [Double], to input: [Double]) -> Double {
        var (left, total) = (0.0, 0.0)
        for k in input.indices {
            left += abs(anchor[k] - input[k])
            total += abs(start[k] - input[k])
        }
        return total > 0 ? min(1, max(0, 1 - left / total)) : 1
    }
}
