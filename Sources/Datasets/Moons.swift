import Foundation
import Tensors

extension Datasets {
    /// Two interleaving half circles in the plane, as scikit-learn's `make_moons`:
    ///
    ///     class 0: (cos t, sin t),             t ∈ [0, π]
    ///     class 1: (1 − cos t, 1/2 − sin t),   t ∈ [0, π]
    ///
    /// with ⌊count/2⌋ points of class 0 and the rest of class 1, t evenly spaced on each
    /// arc, independent N(0, noise²) added to both coordinates, and the points shuffled.
    /// Not linearly separable; a small smooth MLP separates them (noise ≤ 0.2).
    public static func moons(count: Int, noise: Double, seed: UInt64) -> LabeledData {
        precondition(count >= 2 && noise >= 0, "moons need count ≥ 2 and noise ≥ 0")
        let outer = count / 2
        let inner = count - outer
        var points: [(Double, Double, Int)] = []
        for k in 0..<outer {
            let t = outer == 1 ? 0 : Double.pi * Double(k) / Double(outer - 1)
            points.append((cos(t), sin(t), 0))
        }
        for k in 0..<inner {
            let t = inner == 1 ? 0 : Double.pi * Double(k) / Double(inner - 1)
            points.append((1 - cos(t), 0.5 - sin(t), 1))
        }
        let generator = Xoshiro256StarStar(seed: seed)
        var scalars = [Double](repeating: 0, count: 2 * count)
        var labels = [Int](repeating: 0, count: count)
        var shuffler = generator.derived(-1)
        for (position, index) in shuffler.permutation(count).enumerated() {
            var jitter = generator.derived(index)
            scalars[2 * position] = points[index].0 + noise * jitter.nextNormal()
            scalars[2 * position + 1] = points[index].1 + noise * jitter.nextNormal()
            labels[position] = points[index].2
        }
        return LabeledData(inputs: Tensor(shape: [count, 2], scalars: scalars), labels: labels, classCount: 2)
    }
}
