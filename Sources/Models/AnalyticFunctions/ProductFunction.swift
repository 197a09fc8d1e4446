/// F(x) = x_i · x_j, the product of two chosen features of x ∈ ℝⁿ (by default x₁x₂ in ℝ²).
///
///     ∂_i F = x_j,  ∂_j F = x_i,  every other partial 0
///     IG_i = (x_i − x′_i)(x_j + x′_j)/2,  IG_j = (x_j − x′_j)(x_i + x′_i)/2
///
/// Symmetric in x_i and x_j: with a symmetric input and baseline, IG gives them equal shares
/// (the symmetry-preservation axiom); the other features get exactly 0 (sensitivity b).
public struct ProductFunction: ClosedFormIntegratedGradients {
    /// n
    public var dimension: Int
    /// The two multiplied features, i ≠ j.
    public var first: Int, second: Int

    /// F(x) = x[first] · x[second] on ℝ^dimension.
    public init(dimension: Int = 2, first: Int = 0, second: Int = 1) {
        precondition(first != second && (0..<dimension).contains(first) && (0..<dimension).contains(second),
                     "the two features must be distinct indices below the dimension")
        self.dimension = dimension
        self.first = first
        self.second = second
    }

    /// x_i · x_j
    public func value(_ x: [Double]) -> Double { x[first] * x[second] }

    /// x_j at i, x_i at j, 0 elsewhere.
    public func gradient(_ x: [Double]) -> [Double] {
        var g = [Double](repeating: 0, count: dimension)
        g[first] = x[second]
        g[second] = x[first]
        return g
    }

    /// (x_i − x′_i)(x_j + x′_j)/2 at i, symmetrically at j, 0 elsewhere.
    public func integratedGradients(input: [Double], baseline: [Double]) -> [Double] {
        var ig = [Double](repeating: 0, count: dimension)
        ig[first] = (input[first] - baseline[first]) * (input[second] + baseline[second]) / 2
        ig[second] = (input[second] - baseline[second]) * (input[first] + baseline[first]) / 2
        return ig
    }
}
