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
public struct InputTimesGradient: ConfigurableMethod {
    /// Gradient × input.
    public init() {}

    /// "input-x-gradient"
    public var name: String { "input-x-gradient" }

    /// x ⊙ ∇F(x)
    public func plan(for input: Tensor) throws(AttributionError) -> AttributionPlan {
        AttributionPlan.gradient(at: input).mapResult { result in
            var result = result
            result.attribution = input * result.attribution
            return result
        }
    }

    /// No parameters.
    public static var defaults: InputTimesGradient { InputTimesGradient() }
    /// No parameters.
    public static var parameters: [Parameter<InputTimesGradient>] { [] }

    /// The method `input-x-gradient`.
    public static let registration = MethodRegistration(InputTimesGradient.self, summary: "x ⊙ ∇F(x) (Shrikumar et al. 2016)")
}
