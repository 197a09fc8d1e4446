import Tensors

/// Clamps every element to [lo, hi] (ONNX `Clip`; PyTorch `clamp`, and `ReLU6` = clip to [0, 6]).
///
///     forward   y = min(max(x, lo), hi)
///     backward  ∂L/∂x = ∂L/∂y ⊙ [lo ≤ x ≤ hi]
///
/// The gradient passes at the bounds themselves, as `torch.clamp`'s backward does (PyTorch's
/// `ReLU6` module, through `hardtanh`, stops it there instead; the two differ only on inputs
/// exactly at a bound). Piecewise linear with breakpoints at lo and hi.
public struct Clip: Layer {
    /// lo, or −∞.
    public let minimum: Double
    /// hi, or +∞.
    public let maximum: Double

    /// A clip to [minimum, maximum]. - Throws: ``ModelError`` if minimum > maximum or either is NaN.
    public init(minimum: Double = -.infinity, maximum: Double = .infinity) throws(ModelError) {
        guard !minimum.isNaN, !maximum.isNaN, minimum <= maximum else {
            throw ModelError("clip needs min ≤ max, got min \(minimum) and max \(maximum)")
        }
        self.minimum = minimum
        self.maximum = maximum
    }

    /// "clip"
    public var kind: String { "clip" }

    /// Elementwise: the shape is unchanged.
    public func outputShape(for inputShape: [Int]) throws(ModelError) -> [Int] { inputShape }

    /// min(max(x, lo), hi)
    public func forward(_ input: Tensor) -> Tensor {
        Tensor(shape: input.shape, scalars: withOutput(input, count: input.count) { x, y in
            for i in 0..<input.count { y[i] = Swift.min(Swift.max(x[i], minimum), maximum) }
        })
    }

    /// ∂L/∂y where lo ≤ x ≤ hi, else 0.
    public func inputGradient(input: Tensor, output: Tensor, outputGradient: Tensor, rule: BackwardRule) -> Tensor {
        Tensor(shape: input.shape, scalars: withOutput(outputGradient, count: input.count) { dy, dx in
            input.scalars.withUnsafeBufferPointer { x in
                for i in 0..<input.count { dx[i] = x[i] >= minimum && x[i] <= maximum ? dy[i] : 0 }
            }
        })
    }
}
