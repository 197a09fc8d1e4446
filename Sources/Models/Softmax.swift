import Foundation

/// The softmax of a logit vector, computed without overflow.
///
///     m = max_i z_i,  e_i = exp(z_i − m),  S = Σ e_i
///     p_i = e_i / S,  log p_i = z_i − m − log S
///
/// Subtracting the maximum makes every exponent ≤ 0, so nothing overflows, and S ≥ 1, so
/// log S is finite: log-probabilities stay accurate even where p_i underflows to 0.
public enum Softmax {
    /// p and log p for one logit vector (non-empty, finite).
    public static func probabilities(_ logits: ArraySlice<Double>) -> (probabilities: [Double], logProbabilities: [Double]) {
        let m = logits.max()!
        var exponentials = logits.map { exp($0 - m) }
        var total = 0.0
        for e in exponentials { total += e }
        let logTotal = log(total)
        let logProbabilities = logits.map { $0 - m - logTotal }
        for i in exponentials.indices { exponentials[i] /= total }
        return (exponentials, logProbabilities)
    }
}
