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
/// Saliency Maps", 2018). Cost: one backward pass.
public enum GuidedBackprop {
    /// The guided-backprop signal of `output`'s network and target at `input`.
    public static func attribute(_ input: Tensor, of output: ClassifierOutput) throws(ModelError) -> Tensor {
        let guided = try ClassifierOutput(network: output.network, target: output.target, kind: output.kind, rule: .guidedBackprop)
        return try guided.gradient(at: input)
    }
}
