import Attribution
import Evaluation
import Models
import Tensors
import Testing
import _TestSupport

@testable import Evaluation

/// ROAD's noisy linear imputation against a direct solve and against values known exactly,
/// and its curves on a linear model.
@Suite("ROAD: noisy linear imputation and the MoRF / LeRF curves")
struct RemoveAndDebiasTests {
    /// Solves A v = b by Gaussian elimination with partial pivoting on the dense matrix — an
    /// independent route to the same system (built here from the definition, not from the code's
    /// sparse rows).
    static func denseSolve(_ channel: [Double], height: Int, width: Int, removed: [Bool]) -> [Double] {
        let unknowns = (0..<(height * width)).filter { removed[$0] }
        let n = unknowns.count
        var a = [[Double]](repeating: [Double](repeating: 0, count: n + 1), count: n)
        for (k, p) in unknowns.enumerated() {
            let (y, x) = (p / width, p % width)
            for dy in -1...1 {
                for dx in -1...1 where (dy, dx) != (0, 0) {
                    let (ny, nx) = (y + dy, x + dx)
                    guard (0..<height).contains(ny), (0..<width).contains(nx) else { continue }
                    let w = dy == 0 || dx == 0 ? 1.0 / 6 : 1.0 / 12
                    let q = ny * width + nx
                    a[k][k] += w
                    if let j = unknowns.firstIndex(of: q) { a[k][j] -= w } else { a[k][n] += w * channel[q] }
                }
            }
        }
        for column in 0..<n {
            let pivot = (column..<n).max { abs(a[$0][column]) < abs(a[$1][column]) }!
            a.swapAt(column, pivot)
            for row in (column + 1)..<n {
                let factor = a[row][column] / a[column][column]
                for j in column...n { a[row][j] -= factor * a[column][j] }
            }
        }
        var v = [Double](repeating: 0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            var sum = a[row][n]
            for j in (row + 1)..<n { sum -= a[row][j] * v[j] }
            v[row] = sum / a[row][row]
        }
        return v
    }

    @Test("Conjugate gradients agree with a dense direct solve on a 7×6 image with 60% of its pixels removed, to 1e-12")
    func againstDirectSolve() throws {
        var generator = Seeds.generator(2201)
        let (height, width) = (7, 6)
        let grid = try PixelGrid(shape: [1, height, width])
        for trial in 0..<5 {
            let channel = (0..<(height * width)).map { _ in generator.nextUniform() }
            let removed = (0..<(height * width)).map { _ in generator.nextUniform() < 0.6 }
            let unknowns = removed.indices.filter { removed[$0] }
            let iterative = NoisyLinearImputation.interpolate(channel, grid: grid, removed: removed, unknowns: unknowns)
            let direct = Self.denseSolve(channel, height: height, width: width, removed: removed)
            // Values in [0, 1] and a well-conditioned system (diagonally dominant): CG's 1e-12
            // relative residual leaves errors of that order; 1e-12 absolute with 1e-10 relative
            // allows the condition number (≤ ~100 at this size).
            for k in unknowns.indices {
                expectClose(iterative[k], direct[k], Tolerance(relative: 1e-10, absolute: 1e-12), "trial \(trial), unknown \(k)")
            }
        }
    }

    @Test("Exact cases: a constant image stays constant; removed pixels off the border of a linear ramp get the ramp's values")
    func exactCases() throws {
        let grid = try PixelGrid(shape: [1, 6, 6])
        var generator = Seeds.generator(2202)
        let removed: [Bool] = (0..<36).map { (p: Int) -> Bool in
            let (row, column) = (p / 6, p % 6)
            return (1...4).contains(row) && (1...4).contains(column) && (p * 7) % 3 != 0
        }
        let constant = Tensor(shape: [1, 6, 6], scalars: Array(repeating: 0.375, count: 36))
        let filled = NoisyLinearImputation(noise: 0).impute(constant, grid: grid, removed: removed, using: &generator)
        for p in 0..<36 { #expect(abs(filled.scalars[p] - 0.375) < 1e-14) }
        // Every neighbourhood of an interior pixel is symmetric, so the weighted mean of a linear
        // function is its value: the ramp solves the system exactly.
        let values: [Double] = (0..<36).map { (p: Int) -> Double in 0.1 + 0.05 * Double(p / 6) - 0.02 * Double(p % 6) }
        let ramp = Tensor(shape: [1, 6, 6], scalars: values)
        let imputed = NoisyLinearImputation(noise: 0).impute(ramp, grid: grid, removed: removed, using: &generator)
        for p in 0..<36 { #expect(abs(imputed.scalars[p] - ramp.scalars[p]) < 1e-13, "pixel \(p)") }
    }

    @Test("The noise is σ·ε from the seeded generator, added to the noise-free fill; kept pixels are untouched")
    func noise() throws {
        let grid = try PixelGrid(shape: [2, 4, 4])
        var draw = Seeds.generator(2203)
        let image = Tensor(shape: [2, 4, 4], scalars: (0..<32).map { _ in draw.nextUniform() })
        let removed = (0..<16).map { $0 % 3 == 0 }
        var quiet = Xoshiro256StarStar(seed: 5), noisy = Xoshiro256StarStar(seed: 5), reference = Xoshiro256StarStar(seed: 5)
        let clean = NoisyLinearImputation(noise: 0).impute(image, grid: grid, removed: removed, using: &quiet)
        let filled = NoisyLinearImputation(noise: 0.01).impute(image, grid: grid, removed: removed, using: &noisy)
        for c in 0..<2 {
            for p in 0..<16 {
                let i = c * 16 + p
                if removed[p] {
                    #expect(abs(filled.scalars[i] - (clean.scalars[i] + 0.01 * reference.nextNormal())) < 1e-15)
                } else {
                    #expect(filled.scalars[i] == image.scalars[i])
                }
            }
        }
    }

    @Test("On a linear logit with a perfect map, MoRF falls and LeRF stays high; reversing the map swaps them and negates ROAD")
    func curvesOnLinearModel() throws {
        // F = Σ w·x with the weight on the left half only; the map is w ⊙ x (exact for a linear model).
        let (height, width) = (4, 4)
        let weights = (0..<16).map { $0 % 4 < 2 ? 1.0 : 0.0 }
        let x = Tensor(shape: [1, height, width], scalars: (0..<16).map { 0.5 + 0.03 * Double($0) })
        let output = try ClassifierOutput(network: try linearClassifier(weights: weights, bias: 0, height: height, width: width), target: 0, kind: .logit)
        // Distinct values (no ties), so the reversed map ranks the pixels in exactly the reverse order.
        let map = Tensor(shape: [1, height, width], scalars: (0..<16).map { weights[$0] * x.scalars[$0] + 1e-3 * Double($0) })
        let road = RemoveAndDebias(imputation: NoisyLinearImputation(noise: 0))
        let good = try road.evaluate(input: x, attribution: map, output: output)
        let reversed = try road.evaluate(input: x, attribution: map.map { 1 - $0 }, output: output)
        #expect(good.score > 0)
        for i in good.fractions.indices {
            #expect(abs(reversed.mostRelevantFirst[i] - good.leastRelevantFirst[i]) < 1e-12)
            #expect(abs(reversed.leastRelevantFirst[i] - good.mostRelevantFirst[i]) < 1e-12)
        }
        #expect(abs(reversed.score + good.score) < 1e-12)
    }
}
