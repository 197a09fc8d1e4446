import Tensors

/// The perturbations infidelity and max-sensitivity draw: given ones, checked, or seeded
/// noise — sample k from its own generator derived from the seed and k, so each sample's bits
/// do not depend on how many are drawn or in what order.
enum PerturbationDraws {
    /// `tensors`, each checked to have `shape`.
    static func given(_ tensors: [Tensor], shape: [Int]) throws(EvaluationError) -> [Tensor] {
        guard !tensors.isEmpty else { throw EvaluationError("no perturbations were given") }
        for tensor in tensors { try PixelGrid.check(tensor, matches: shape, name: "perturbation") }
        return tensors
    }

    /// `samples` tensors of `shape`, element by element from `draw` on sample k's generator.
    static func seeded(
        samples: Int, seed: UInt64, shape: [Int], draw: (inout Xoshiro256StarStar) -> Double
    ) throws(EvaluationError) -> [Tensor] {
        guard samples >= 1 else { throw EvaluationError("samples must be ≥ 1, got \(samples)") }
        let source = Xoshiro256StarStar(seed: seed)
        return (0..<samples).map { k in
            var generator = source.derived(k)
            return Tensor(shape: shape, scalars: (0..<Tensor.elementCount(of: shape)).map { _ in draw(&generator) })
        }
    }
}
