import Tensors

/// The blur path of BlurIG (Xu, Venugopalan & Sundararajan, "Attribution in Scale and
/// Space", CVPR 2020; PAIR saliency `blur_ig.py`): from the fully blurred image
/// blur(x, σ_max) to x itself, through blur levels σ_i = i·σ_max/n, i = n…0.
///
/// Level i (i = 0…n−1) gives the segment from σ_{i+1} (its start, the baseline side) to σ_i
/// (its end); the gradient is taken at blur(x, σ_i), and the Riemann term is
///
///     r_i = −(σ_{i+1} − σ_i) · (d_i ⊙ g_i),   d_i ≈ ∂blur(x, σ)/∂σ at σ_i
///
/// with d_i PAIR's forward difference (blur(x, σ_i + h) − blur(x, σ_i))/h (h = `gradientStep`,
/// default 0.01) or the exact derivative of the blur (``GaussianBlur``). Summing r_i gives
/// PAIR's BlurIG (PAIR accumulates Δσ (d ⊙ g) and negates at the end, which is the same).
/// The path's ends are blur(x, σ_max) and x, so the completeness target is
/// F(x) − F(blur(x, σ_max)).
///
/// Steps are handed over in path order, from the blurred end to the input: step k is level
/// i = n − 1 − k (PAIR sums the levels from i = 0 up; the totals differ by round-off).
public struct BlurPath: StaticPath {
    /// How d_i = ∂blur/∂σ is computed.
    public enum Derivative: String, Sendable, CaseIterable {
        /// PAIR's forward difference with step `gradientStep`.
        case finiteDifference = "finite-difference"
        /// The exact derivative of the truncated, normalised kernel.
        case analytic
    }

    /// x, flattened.
    public let input: [Double]
    /// [C, H, W]
    public let pointShape: [Int]
    /// σ_max ≥ 0
    public let maxSigma: Double
    /// n ≥ 1
    public let stepCount: Int
    /// h > 0, the finite-difference step in σ.
    public let gradientStep: Double
    /// The path derivative used in the Riemann terms.
    public let derivative: Derivative

    /// The blur path of `input` (shape [C, H, W]).
    /// - Throws: ``AttributionError`` for other shapes, steps < 1, σ_max < 0, or h ≤ 0.
    public init(
        input: Tensor, maxSigma: Double = 50, steps: Int = 100, gradientStep: Double = 0.01,
        derivative: Derivative = .finiteDifference
    ) throws(AttributionError) {
        guard input.rank == 3, input.shape.allSatisfy({ $0 > 0 }) else {
            throw AttributionError("BlurIG blurs images: the input must have shape [channels, height, width], got \(input.shape)")
        }
        try Validate.atLeast(steps, 1, "steps")
        try Validate.within(maxSigma, 0...1e6, "max sigma")
        guard gradientStep.isFinite, gradientStep > 0 else {
            throw AttributionError("the gradient step must be a positive number, got \(gradientStep)")
        }
        self.input = input.scalars
        self.pointShape = input.shape
        self.maxSigma = maxSigma
        self.stepCount = steps
        self.gradientStep = gradientStep
        self.derivative = derivative
    }

    /// σ_i = i·σ_max/n, as PAIR computes it.
    public func sigma(_ i: Int) -> Double { Double(i) * maxSigma / Double(stepCount) }

    /// σ from σ_max (the blurred baseline) to 0 (the input).
    public var parameterRange: (start: Double, end: Double) { (maxSigma, 0) }
    /// Step k is level i = n − 1 − k: from σ_{i+1} to σ_i.
    public func segment(_ k: Int) -> (start: Double, end: Double) {
        let i = level(k)
        return (sigma(i + 1), sigma(i))
    }
    /// σ_i of step k's level.
    public func gradientParameter(_ k: Int) -> Double { sigma(level(k)) }
    /// The blur level of step k.
    public func level(_ k: Int) -> Int { stepCount - 1 - k }

    /// blur(x, σ)
    public func point(at sigma: Double) -> [Double] {
        GaussianBlur.blur(input, height: pointShape[1], width: pointShape[2], channels: pointShape[0], sigma: sigma)
    }

    /// d_i = ∂blur/∂σ at σ_i, by the chosen method.
    public func pathDerivative(_ i: Int) -> [Double] {
        let (c, h, w) = (pointShape[0], pointShape[1], pointShape[2])
        switch derivative {
        case .finiteDifference:
            let here = point(at: sigma(i))
            let ahead = GaussianBlur.blur(input, height: h, width: w, channels: c, sigma: sigma(i) + gradientStep)
            return zip(ahead, here).map { ($0 - $1) / gradientStep }
        case .analytic:
            return GaussianBlur.derivative(input, height: h, width: w, channels: c, sigma: sigma(i))
        }
    }

    /// −(σ_{i+1} − σ_i) · (d_i ⊙ g_i) for step k's level i.
    public func riemannTerm(_ k: Int, gradient: [Double]) -> [Double] {
        let i = level(k)
        let step = sigma(i + 1) - sigma(i)
        let d = pathDerivative(i)
        return gradient.indices.map { -(step * (d[$0] * gradient[$0])) }
    }
}
