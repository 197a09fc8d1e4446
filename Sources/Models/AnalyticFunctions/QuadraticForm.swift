/// F(x) = xᵀAx + bᵀx + c for a square matrix A (not necessarily symmetric).
///
///     ∇F(x) = (A + Aᵀ)x + b
///     IG(x, x′) = (x − x′) ⊙ [(A + Aᵀ)(x + x′)/2 + b]
///
/// (the gradient is affine in α along the line, so its integral is its value at the
/// midpoint). A second-order rule (midpoint, trapezoid) is exact on it; first-order rules
/// err by O(1/N), which the convergence tests measure.
public struct QuadraticForm: ClosedFormIntegratedGradients {
    /// A, row-major, n × n.
    public var matrix: [[Double]]
    /// b
    public var linear: [Double]
    /// c
    public var constant: Double

    /// F(x) = xᵀ·matrix·x + linear·x + constant.
    /// - Precondition: `matrix` is n × n and `linear` has n entries.
    public init(matrix: [[Double]], linear: [Double], constant: Double = 0) {
        precondition(matrix.allSatisfy { $0.count == matrix.count } && linear.count == matrix.count,
                     "a quadratic form needs an n × n matrix and n linear coefficients")
        self.matrix = matrix
        self.linear = linear
        self.constant = constant
    }

    /// n
    public var dimension: Int { linear.count }

    /// xᵀAx + bᵀx + c
    public func value(_ x: [Double]) -> Double {
        var sum = constant
        for i in 0..<dimension {
            var row = 0.0
            for j in 0..<dimension { row += matrix[i][j] * x[j] }
            sum += x[i] * row + linear[i] * x[i]
        }
        return sum
    }

    /// (A + Aᵀ)x + b
    public func gradient(_ x: [Double]) -> [Double] {
        (0..<dimension).map { i in
            var sum = linear[i]
            for j in 0..<dimension { sum += (matrix[i][j] + matrix[j][i]) * x[j] }
            return sum
        }
    }

    /// (x − x′) ⊙ ∇F((x + x′)/2): the gradient is affine along the line.
    public func integratedGradients(input: [Double], baseline: [Double]) -> [Double] {
        let midpoint = (0..<dimension).map { (input[$0] + baseline[$0]) / 2 }
        let g = gradient(midpoint)
        return (0..<dimension).map { (input[$0] - baseline[$0]) * g[$0] }
    }
}
