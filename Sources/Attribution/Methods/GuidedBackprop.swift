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
/// Saliency Maps", 2018). Defined for network outputs (``ClassifierOutput``) only.
/// Cost: one backward pass.
public struct GuidedBackprop: AttributionMethod {
    /// Guided backprop.
    public init() {}

    /// "guided-backprop"
    public var name: String { "guided-backprop" }

    /// The guided-backprop signal at `input`.
    /// - Throws: ``AttributionError`` if `function` is not a network's output.
    public func attribute(_ input: Tensor, of function: some DifferentiableFunction) throws(AttributionError) -> AttributionResult {
        guard let output = function as? ClassifierOutput else {
            throw AttributionError("guided backprop changes a network's ReLU backward passes; it needs a network output, not \(type(of: function))")
        }
        let guided: ClassifierOutput
        do {
            guided = try ClassifierOutput(network: output.network, target: output.target, kind: output.kind, rule: .guidedBackprop)
        } catch {
            throw AttributionError(error)
        }
        return try VanillaGradient().attribute(input, of: guided)
    }
}
