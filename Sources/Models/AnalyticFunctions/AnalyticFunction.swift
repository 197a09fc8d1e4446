import Tensors

/// A function of a vector x ∈ ℝⁿ whose value and gradient are known in closed form.
///
/// These are the exact oracles of the test suites: their gradients are derived by hand (and
/// checked against finite differences), and some have a closed-form Integrated Gradients
/// (``ClosedFormIntegratedGradients``). Conformers implement one point; batches come free.
public protocol AnalyticFunction: DifferentiableFunction {
    /// The dimension n.
    var dimension: Int { get }
    /// F(x) for one point (x has `dimension` entries).
    func value(_ x: [Double]) -> Double
    /// ∇F(x) for one point.
    func gradient(_ x: [Double]) -> [Double]
}

/// An analytic function whose Integrated Gradients along the straight line has a closed form:
///
///     IG_i(x, x′) = (x_i − x′_i) · ∫₀¹ ∂_i F(x′ + α(x − x′)) dα
public protocol ClosedFormIntegratedGradients: AnalyticFunction {
    /// IG(x, x′) exactly.
    func integratedGradients(input: [Double], baseline: [Double]) -> [Double]
}

extension AnalyticFunction {
    /// [n]: analytic functions take vectors.
    public var inputShape: [Int] { [dimension] }

    /// F at each row of a batch [B, n], one point at a time.
    public func values(at points: Tensor) throws(ModelError) -> [Double] {
        try validateBatch(points)
        return (0..<points.batchCount).map { value(row($0, of: points)) }
    }

    /// F and ∇F at each row of a batch [B, n], one point at a time.
    public func valuesAndGradients(at points: Tensor) throws(ModelError) -> ValuesAndGradients {
        try validateBatch(points)
        var values: [Double] = []
        var gradients: [Double] = []
        values.reserveCapacity(points.batchCount)
        gradients.reserveCapacity(points.count)
        for b in 0..<points.batchCount {
            let x = row(b, of: points)
            values.append(value(x))
            gradients.append(contentsOf: gradient(x))
        }
        return ValuesAndGradients(values: values, gradients: Tensor(shape: points.shape, scalars: gradients))
    }

    private func row(_ b: Int, of points: Tensor) -> [Double] {
        Array(points.scalars[b * dimension ..< (b + 1) * dimension])
    }
}
