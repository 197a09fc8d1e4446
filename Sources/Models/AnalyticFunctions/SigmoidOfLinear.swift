import Tensors

/// F(x) = σ(w·x + b) with σ the logistic function: a one-neuron classifier.
///
///     ∇F = σ(z)(1 − σ(z)) · w,  z = w·x + b
///
/// Monotone along any line, smooth, saturating: a gentle first test of the rules on a
/// function whose gradient vanishes far from the decision boundary.
public struct SigmoidOfLinear: AnalyticFunction {
    /// w
    public var weights: [Double]
    /// b
    public var bias: Double

    /// F(x) = σ(weights·x + bias).
    public init(weights: [Double], bias: Double = 0) {
        self.weights = weights
        self.bias = bias
    }

    /// n, the number of weights.
    public var dimension: Int { weights.count }

    private func preactivation(_ x: [Double]) -> Double {
        var z = bias
        for i in weights.indices { z += weights[i] * x[i] }
        return z
    }

    /// σ(w·x + b)
    public func value(_ x: [Double]) -> Double { Activation.logistic(preactivation(x)) }

    /// σ(z)(1 − σ(z)) · w
    public func gradient(_ x: [Double]) -> [Double] {
        let s = Activation.logistic(preactivation(x))
        return weights.map { s * (1 - s) * $0 }
    }
}
