import Models
import Tensors

/// The vanilla gradient (Simonyan, Vedaldi & Zisserman, "Deep Inside Convolutional
/// Networks", 2014): the saliency of feature i is ∂F/∂x_i at the input.
///
///     A(x) = ∇F(x)
///
/// Axioms: sensitivity (b) holds — a feature F does not depend on gets exactly 0 — but
/// sensitivity (a) and completeness fail: a saturated F (the ReLU example of
/// ``ReLUExample``) has zero gradient although the feature changed F.
/// Cost: one gradient evaluation.
public enum VanillaGradient {
    /// ∇F at `input` (shape `function.inputShape`).
    public static func attribute(_ input: Tensor, of function: some DifferentiableFunction) throws(ModelError) -> Tensor {
        try function.gradient(at: input)
    }
}
