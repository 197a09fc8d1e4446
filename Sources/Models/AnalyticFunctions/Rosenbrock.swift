/// The Rosenbrock function F(x) = Σ_{i<n−1} (a − x_i)² + b (x_{i+1} − x_i²)²
/// (Rosenbrock 1960; a = 1, b = 100 by default): a curved valley, a hard case for paths.
///
///     ∂_i F = −2(a − x_i) − 4b x_i (x_{i+1} − x_i²)   [i < n − 1]
///           + 2b (x_i − x_{i−1}²)                       [i > 0]
public struct Rosenbrock: AnalyticFunction {
    /// n ≥ 2
    public var dimension: Int
    /// a
    public var a: Double
    /// b
    public var b: Double

    /// The Rosenbrock function on ℝ^dimension.
    public init(dimension: Int = 2, a: Double = 1, b: Double = 100) {
        precondition(dimension >= 2, "the Rosenbrock function needs at least two variables")
        self.dimension = dimension
        self.a = a
        self.b = b
    }

    /// Σ_{i<n−1} (a − x_i)² + b (x_{i+1} − x_i²)²
    public func value(_ x: [Double]) -> Double {
        var sum = 0.0
        for i in 0..<(dimension - 1) {
            let valley = x[i + 1] - x[i] * x[i]
            sum += (a - x[i]) * (a - x[i]) + b * valley * valley
        }
        return sum
    }

    /// The partials in the type's comment.
    public func gradient(_ x: [Double]) -> [Double] {
        var g = [Double](repeating: 0, count: dimension)
        for i in 0..<dimension {
            if i < dimension - 1 {
                g[i] += -2 * (a - x[i]) - 4 * b * x[i] * (x[i + 1] - x[i] * x[i])
            }
            if i > 0 {
                g[i] += 2 * b * (x[i] - x[i - 1] * x[i - 1])
            }
        }
        return g
    }
}
