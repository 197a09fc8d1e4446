import Attribution

/// How far a path's target probability is from rising monotonically — DDPath's claim that
/// along its path "the target's softmax rises (nearly) monotonically, unlike IG and
/// SmoothGrad" (seed 000, Fig. 1c), made a number:
///
///     decrease = Σ_k max(0, −ΔF_k) / Σ_k |ΔF_k|,   ΔF_k = F(end of step k) − F(start of step k)
///
/// over the steps of the method's ledger (for an aggregation of path methods, every copy's
/// steps). 0 for a path along which F never falls, 1 for one along which it only falls; the
/// share of the path's total movement of F that goes the wrong way. Lower is better. Methods
/// without a path (gradient, SmoothGrad over the gradient, …) have no value; a path along
/// which F does not move at all has none either.
public enum PathMonotonicity {
    /// The decrease share of `ledger`'s steps; nil when F never moves.
    public static func decrease(_ ledger: Ledger) -> Double? {
        var falling = 0.0, total = 0.0
        for step in ledger.steps {
            let delta = step.deltaValue
            total += abs(delta)
            if delta < 0 { falling -= delta }
        }
        return total > 0 ? falling / total : nil
    }
}
