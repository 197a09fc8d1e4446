import Models
import Tensors

/// Gradient × input (Shrikumar et al., "Not Just a Black Box", 2016): the gradient scaled by
/// the feature's value.
///
///     A(x) = x ⊙ ∇F(x)
///
/// Equals Integrated Gradients with a zero baseline when F is linear (or, more generally,
/// homogeneous of degree 1 along the ray, such as a bias-free ReLU network); otherwise
/// completeness fails. Sensitivity (b) holds. Cost: one gradient evaluation.
public enum InputTimesGradient {
    /// x ⊙ ∇F(x) at `input` (shape `function.inputShape`).
    public static func attribute(_ input: Tensor, of function: some DifferentiableFunction) throws(ModelError) -> Tensor {
        input * (try function.gradient(at: input))
    }
}
