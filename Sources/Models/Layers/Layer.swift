import Tensors

/// One differentiable stage of a ``Sequential`` network, with a hand-written backward pass.
///
/// A layer maps a batch `[B] + inShape` to `[B] + outShape`. Its backward pass takes the
/// forward pass's input and output and ∂L/∂y and returns ∂L/∂x (and, for training, ∂L/∂θ
/// for each parameter). Each layer's doc comment states its forward formula next to its
/// local chain rule.
public protocol Layer: Sendable {
    /// The layer's name in `model.json` ("dense", "conv2d", "relu", …).
    var kind: String { get }

    /// The output shape for one point of shape `inputShape`.
    /// - Throws: ``ModelError`` saying why the layer cannot take that shape.
    func outputShape(for inputShape: [Int]) throws(ModelError) -> [Int]

    /// y = layer(x) for a batch.
    func forward(_ input: Tensor) -> Tensor

    /// ∂L/∂x given the forward pass's `input` and `output` and ∂L/∂y. `rule` changes only
    /// ReLU (``BackwardRule/guidedBackprop``).
    func inputGradient(input: Tensor, output: Tensor, outputGradient: Tensor, rule: BackwardRule) -> Tensor

    /// The trainable tensors (weight, then bias), empty for parameter-free layers.
    var parameters: [Tensor] { get set }

    /// ∂L/∂θ for each of ``parameters``, in the same order.
    func parameterGradients(input: Tensor, outputGradient: Tensor) -> [Tensor]
}

extension Layer {
    /// None, for parameter-free layers.
    public var parameters: [Tensor] {
        get { [] }
        set { precondition(newValue.isEmpty, "\(kind) has no parameters") }
    }

    /// None, for parameter-free layers.
    public func parameterGradients(input: Tensor, outputGradient: Tensor) -> [Tensor] { [] }
}

/// How a backward pass treats ReLU.
public enum BackwardRule: String, Sendable, CaseIterable {
    /// The true gradient (the chain rule).
    case gradient
    /// Guided backprop (Springenberg et al., "Striving for Simplicity", 2015; Captum
    /// `GuidedBackprop`): at every ReLU, pass the incoming gradient only where the forward
    /// input is > 0 and the incoming gradient is > 0. Other layers are unchanged.
    case guidedBackprop
}

/// Calls `body` with pointers to a tensor's scalars and a new, *uninitialised* buffer of
/// `count` scalars, which `body` must write in full. Every kernel the layers call writes its
/// whole output (the gradient kernels that accumulate zero their buffer first), so zero-filling
/// it beforehand — 5% of a CNN's path attribution — would be wasted.
@inline(__always)
func withOutput(
    _ input: Tensor, count: Int, _ body: (UnsafePointer<Double>, UnsafeMutablePointer<Double>) -> Void
) -> [Double] {
    [Double](unsafeUninitializedCapacity: count) { output, initialized in
        input.scalars.withUnsafeBufferPointer { x in body(x.baseAddress!, output.baseAddress!) }
        initialized = count
    }
}
