import Tensors

/// F(x) = σ(w·x + b) with σ the logistic function: a one-neuron classifier.
///
///     ∇F = σ(z)(1 − σ(z)) · w,  z = w·x + b
///
/// Along the line x′ + α(x − x′) the pre-activation z moves linearly from z₀ to z₁, so
///
///     IG_i = (x_i − x′_i) w_i (σ(z₁) − σ(z₀)) / (z₁ − z₀)     (σ′(z₀) when z₁ = z₀)
///
/// Monotone along any line, smooth, saturating and not a polynomial: the integrand has
/// every derivative, so each quadrature rule shows its true order of convergence on it.
public struct SigmoidOfLinear: ClosedFormIntegratedGradients {
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

    /// (x − x′) ⊙ w · (σ(z₁) − σ(z₀)) / (z₁ − z₀)
    public func integratedGradients(input: [Double], baseline: [Double]) -> [Double] {
        let (z0, z1) = (preactivation(baseline), preactivation(input))
        let slope: Double
        if z1 == z0 {
            let s = Activation.logistic(z0)
            slope = s * (1 - s)
        } else {
            slope = (Activation.logistic(z1) - Activation.logistic(z0)) / (z1 - z0)
        }
        return weights.indices.map { (input[$0] - baseline[$0]) * weights[$0] * slope }
    }
}
