/// F(x) = 1 − ReLU(1 − x₁ − x₂), the example of Sundararajan, Taly & Yan, "Axiomatic
/// Attribution for Deep Networks" (ICML 2017, §2.1) that shows plain gradients break
/// sensitivity: at any point with x₁ + x₂ ≥ 1 the gradient is 0 although F
/// changed from F(0) = 0 to 1.
///
///     ∇F(x) = (1, 1) where x₁ + x₂ < 1, (0, 0) elsewhere (the kink takes ReLU′(0) = 0)
///
/// Along x′ + α(x − x′) the sum s(α) = s′ + α(s − s′) crosses 1 at most once, so
///
///     IG_i = (x_i − x′_i) · |{α ∈ [0, 1] : s(α) < 1}|
///
/// and IG satisfies completeness exactly: Σ IG = F(x) − F(x′).
public struct ReLUExample: ClosedFormIntegratedGradients {
    /// The example on ℝ².
    public init() {}

    /// 2
    public var dimension: Int { 2 }

    /// 1 − ReLU(1 − x₁ − x₂)
    public func value(_ x: [Double]) -> Double { 1 - max(0, 1 - x[0] - x[1]) }

    /// (1, 1) where x₁ + x₂ < 1, else (0, 0).
    public func gradient(_ x: [Double]) -> [Double] {
        1 - x[0] - x[1] > 0 ? [1, 1] : [0, 0]
    }

    /// (x − x′) times the length of {α ∈ [0, 1] : s(α) < 1}.
    public func integratedGradients(input: [Double], baseline: [Double]) -> [Double] {
        let s = input[0] + input[1]
        let s0 = baseline[0] + baseline[1]
        let measure: Double
        if s == s0 {
            measure = s0 < 1 ? 1 : 0
        } else {
            let crossing = min(max((1 - s0) / (s - s0), 0), 1)
            measure = s > s0 ? crossing : 1 - crossing
        }
        return [(input[0] - baseline[0]) * measure, (input[1] - baseline[1]) * measure]
    }
}
