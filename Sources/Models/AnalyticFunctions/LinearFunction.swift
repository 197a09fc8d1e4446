/// F(x) = w·x + b.
///
///     ∇F = w          IG(x, x′) = (x − x′) ⊙ w
///
/// Every quadrature rule that weights the gradient with total weight 1 is exact here, which
/// makes it the first test of a rule's weights (and exposes Captum's trapezoid bias).
public struct LinearFunction: ClosedFormIntegratedGradients {
    /// w
    public var weights: [Double]
    /// b
    public var bias: Double

    /// F(x) = weights·x + bias.
    public init(weights: [Double], bias: Double = 0) {
        self.weights = weights
        self.bias = bias
    }

    /// n, the number of weights.
    public var dimension: Int { weights.count }

    /// w·x + b
    public func value(_ x: [Double]) -> Double {
        var sum = bias
        for i in weights.indices { sum += weights[i] * x[i] }
        return sum
    }

    /// w, everywhere.
    public func gradient(_ x: [Double]) -> [Double] { weights }

    /// (x − x′) ⊙ w
    public func integratedGradients(input: [Double], baseline: [Double]) -> [Double] {
        weights.indices.map { (input[$0] - baseline[$0]) * weights[$0] }
    }
}
