import Models
import Tensors

/// Gradient × input (Shrikumar et al., "Not Just a Black Box", 2016): the gradient scaled by
/// the feature's value.
///
///     A(x) = x ⊙ ∇F(x)
///
/// Equals Integrated Gradients with a zero baseline when F is linear (more generally,
/// homogeneous of degree 1 along the ray, such as a bias-free ReLU network); otherwise
/// completeness fails. Sensitivity (b) holds. Cost: one gradient evaluation.
public struct InputTimesGradient: AttributionMethod {
    /// Gradient × input.
    public init() {}

    /// "input-x-gradient"
    public var name: String { "input-x-gradient" }

    /// x ⊙ ∇F(x)
    public func attribute(_ input: Tensor, of function: some DifferentiableFunction) throws(AttributionError) -> AttributionResult {
        var result = try VanillaGradient().attribute(input, of: function)
        result.attribution = input * result.attribution
        return result
    }
}
