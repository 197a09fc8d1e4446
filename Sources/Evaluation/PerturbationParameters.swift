import Attribution
import Tensors

/// The parameters every perturbation metric shares (infidelity, max-sensitivity): S seeded
/// draws, or perturbations given outright — in which case `samples` and `seed` do not apply.
extension Parameter {
    /// `samples` (S, 1…10⁶) and `seed` of the drawn perturbations, then `perturbations`
    /// ([S] + the input's shape, given instead).
    static func perturbationDraws(
        samples: WritableKeyPath<Root, Int> & Sendable, seed: WritableKeyPath<Root, UInt64> & Sendable,
        given: WritableKeyPath<Root, [Tensor]?> & Sendable
    ) -> [Parameter] {
        let drawn = "without `perturbations`, which gives them"
        return [
            Parameter.integer("samples", samples, in: 1...1_000_000, help: "S, the number of perturbations drawn").only(drawn) { $0[keyPath: given] == nil },
            Parameter.seed("seed", seed, help: "the perturbations' seed").only(drawn) { $0[keyPath: given] == nil },
            Parameter("perturbations", .array(.stack), help: "[S] + inputShape: given perturbations instead of drawn ones", read: nil) { root, value throws(AttributionError) in
                guard case .array(let stack, _) = value, stack.rank >= 2 else {
                    throw AttributionError(parameter: "perturbations", "`perturbations` must be an array [S] + the input's shape")
                }
                root[keyPath: given] = (0..<stack.batchCount).map { stack.point($0) }
            },
        ]
    }
}
