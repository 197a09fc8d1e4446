import Tensors

/// ROAD's noisy linear imputation (Rong et al., "A Consistent and Efficient Evaluation
/// Strategy for Attribution Methods", ICML 2022; `tleemann/road_evaluation`,
/// `road/imputations.py`, `NoisyLinearImputer`): every removed pixel becomes the weighted mean
/// of its in-image 8-neighbours — direct neighbours weight 1/6, diagonal ones 1/12 — where a
/// neighbour may itself be removed, so all removed pixels of a channel are solved together:
///
///     (Σ_{q ∈ N(p)} w_pq) x_p − Σ_{q ∈ N(p), removed} w_pq x_q = Σ_{q ∈ N(p), kept} w_pq x_q
///
/// for each removed p, then x_p += σ·ε_p with ε_p ~ N(0, 1) (σ = 0.01, absolute, as the
/// official code). Why: replacing pixels by a constant leaves the mask's shape in the image
/// (a retrained or even a fixed model can read the class off the hole); a smooth fill from the
/// neighbours carries almost none of it.
///
/// The system is symmetric (w_pq = w_qp) and, with at least one pixel kept, positive definite:
/// every connected block of removed pixels borders a kept one, which makes its rows strictly
/// diagonally dominant there. It is solved by conjugate gradients to a relative residual of
/// 1e-12 (at most one iteration per unknown in exact arithmetic); the tests check it against a
/// direct dense solve. With no pixel kept there is nothing to interpolate from: the image's
/// per-channel mean is used (it has no official counterpart: the official code's system is
/// singular there).
public struct NoisyLinearImputation: Sendable {
    /// σ, the standard deviation of the noise added to each imputed value.
    public var noise: Double

    /// The official code's σ = 0.01.
    public init(noise: Double = 0.01) { self.noise = noise }

    /// The neighbour offsets (row, column) and weights: 1/6 for the four direct neighbours,
    /// 1/12 for the four diagonal ones (they sum to 1).
    public static let neighbours: [(dy: Int, dx: Int, weight: Double)] = [
        (1, 1, 1.0 / 12), (0, 1, 1.0 / 6), (-1, 1, 1.0 / 12), (1, -1, 1.0 / 12), (0, -1, 1.0 / 6), (-1, -1, 1.0 / 12), (1, 0, 1.0 / 6), (-1, 0, 1.0 / 6),
    ]

    /// `image` with the pixels where `removed` is true imputed (every channel), noise drawn
    /// from `generator` in channel-major, pixel-ascending order.
    public func impute(_ image: Tensor, grid: PixelGrid, removed: [Bool], using generator: inout Xoshiro256StarStar) -> Tensor {
        var out = image
        let unknowns = (0..<grid.pixelCount).filter { removed[$0] }
        guard !unknowns.isEmpty else { return out }
        for c in 0..<grid.channels {
            let channel = Array(image.scalars[c * grid.pixelCount..<(c + 1) * grid.pixelCount])
            let values = Self.interpolate(channel, grid: grid, removed: removed, unknowns: unknowns)
            for (k, p) in unknowns.enumerated() { out.scalars[c * grid.pixelCount + p] = values[k] + noise * generator.nextNormal() }
        }
        return out
    }

    /// The noise-free interpolated values of one channel at `unknowns` (ascending pixel indices).
    static func interpolate(_ channel: [Double], grid: PixelGrid, removed: [Bool], unknowns: [Int]) -> [Double] {
        if unknowns.count == grid.pixelCount {
            let mean = channel.reduce(0, +) / Double(channel.count)
            return [Double](repeating: mean, count: unknowns.count)
        }
        let system = LinearSystem(channel, grid: grid, removed: removed, unknowns: unknowns)
        return system.solve()
    }

    /// The sparse system A v = b over the removed pixels of one channel.
    struct LinearSystem {
        /// A's diagonal: the weight of p's in-image neighbours.
        var diagonal: [Double]
        /// A's off-diagonal entries by row: (column, −w).
        var offDiagonal: [[(column: Int, value: Double)]]
        /// b: the kept neighbours' weighted values.
        var rightHandSide: [Double]

        init(_ channel: [Double], grid: PixelGrid, removed: [Bool], unknowns: [Int]) {
            var variable = [Int](repeating: -1, count: grid.pixelCount)
            for (k, p) in unknowns.enumerated() { variable[p] = k }
            diagonal = [Double](repeating: 0, count: unknowns.count)
            offDiagonal = [[(column: Int, value: Double)]](repeating: [], count: unknowns.count)
            rightHandSide = [Double](repeating: 0, count: unknowns.count)
            for (k, p) in unknowns.enumerated() {
                let (y, x) = (p / grid.width, p % grid.width)
                for (dy, dx, w) in NoisyLinearImputation.neighbours {
                    let (ny, nx) = (y + dy, x + dx)
                    guard ny >= 0, ny < grid.height, nx >= 0, nx < grid.width else { continue }
                    let q = ny * grid.width + nx
                    diagonal[k] += w
                    if removed[q] { offDiagonal[k].append((variable[q], -w)) } else { rightHandSide[k] += w * channel[q] }
                }
            }
        }

        /// A·v
        func apply(_ v: [Double]) -> [Double] {
            var out = [Double](repeating: 0, count: v.count)
            for k in v.indices {
                var sum = diagonal[k] * v[k]
                for entry in offDiagonal[k] { sum += entry.value * v[entry.column] }
                out[k] = sum
            }
            return out
        }

        /// Conjugate gradients from v = 0 to ‖b − Av‖ ≤ 1e-12 ‖b‖ (or 1e-300 when b = 0).
        func solve() -> [Double] {
            let n = diagonal.count
            var v = [Double](repeating: 0, count: n)
            var residual = rightHandSide
            var direction = residual
            var squared = dot(residual, residual)
            let target = max(1e-24 * squared, 1e-300)
            var iteration = 0
            // In exact arithmetic CG ends within n iterations; rounding can need a few more.
            while squared > target && iteration < 4 * n + 10 {
                let image = apply(direction)
                let step = squared / dot(direction, image)
                for k in 0..<n {
                    v[k] += step * direction[k]
                    residual[k] -= step * image[k]
                }
                let next = dot(residual, residual)
                let ratio = next / squared
                for k in 0..<n { direction[k] = residual[k] + ratio * direction[k] }
                squared = next
                iteration += 1
            }
            return v
        }

        func dot(_ a: [Double], _ b: [Double]) -> Double {
            var sum = 0.0
            for k in a.indices { sum += a[k] * b[k] }
            return sum
        }
    }
}
