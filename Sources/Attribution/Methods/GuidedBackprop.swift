import Models
import Tensors

/// Guided backprop (Springenberg et al., "Striving for Simplicity: The All Convolutional
/// Net", ICLR 2015 workshop), as Captum's `GuidedBackprop`: the backward pass of the
/// explained output with every ReLU's rule replaced by
///
///     ∂L/∂x = ∂L/∂y ⊙ [x > 0] ⊙ [∂L/∂y > 0]
///
/// (only positive signal flows back, only through active units). Other layers backpropagate
/// normally. It is not a gradient of anything, so no completeness; it is known to be
/// largely independent of the higher layers' weights (Adebayo et al., "Sanity Checks for
/// Saliency Maps", 2018). Defined for network outputs (``ClassifierOutput``) only: the run
/// fails with a message for any other function. Cost: one backward pass.
public struct GuidedBackprop: ConfigurableMethod {
    /// Guided backprop.
    public init() {}

    /// "guided-backprop"
    public var name: String { "guided-backprop" }

    /// The guided-backprop signal at `input`: one backward pass with ``BackwardRule/guidedBackprop``.
    public func plan(for input: Tensor) throws(AttributionError) -> AttributionPlan { .gradient(at: input, rule: .guidedBackprop) }

    /// No parameters.
    public static var defaults: GuidedBackprop { GuidedBackprop() }
    /// No parameters.
    public static var parameters: [Parameter<GuidedBackprop>] { [] }

    /// The method `guided-backprop`.
    public static let registration = MethodRegistration(
        GuidedBackprop.self, summary: "the backward pass with ReLUs passing only positive signal (Springenberg et al. 2015)", capabilities: .needsNetwork)
}
