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
public struct VanillaGradient: ConfigurableMethod {
    /// The vanilla gradient.
    public init() {}

    /// "gradient"
    public var name: String { "gradient" }

    /// ∇F at `input`.
    public func plan(for input: Tensor) throws(AttributionError) -> AttributionPlan { .gradient(at: input) }

    /// No parameters.
    public static var defaults: VanillaGradient { VanillaGradient() }
    /// No parameters.
    public static var parameters: [Parameter<VanillaGradient>] { [] }

    /// The method `gradient`.
    public static let registration = MethodRegistration(VanillaGradient.self, summary: "the gradient ∇F(x) (Simonyan et al. 2014)")
}
