/// Central finite differences, the independent check of every hand-written gradient.
///
///     ∂f/∂x_i ≈ (f(x + h e_i) − f(x − h e_i)) / 2h,   h = step · max(1, |x_i|)
///
/// The truncation error is h²/6 · ∂³f/∂x_i³ and the round-off about ε|f|/h; with the default
/// step 10⁻⁶ both are ~10⁻¹⁰ of the function's scale, far below the 10⁻⁶ the gradient tests
/// allow. For piecewise-linear functions (ReLU networks, max pooling) the central difference
/// is exact within a linear piece; a kink closer than h to x can spoil one coordinate, which
/// at h = 10⁻⁶ happens with probability ~10⁻⁶ per unit and coordinate.
public enum FiniteDifferences {
    /// The central-difference gradient of `f` at `x`.
    public static func gradient(at x: [Double], step: Double = 1e-6, _ f: ([Double]) throws -> Double) rethrows -> [Double] {
        var point = x
        var gradient = [Double](repeating: 0, count: x.count)
        for i in x.indices {
            let h = step * max(1, abs(x[i]))
            point[i] = x[i] + h
            let forward = try f(point)
            point[i] = x[i] - h
            let backward = try f(point)
            point[i] = x[i]
            gradient[i] = (forward - backward) / (2 * h)
        }
        return gradient
    }
}
