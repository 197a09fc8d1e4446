import Tensors

/// x ⊙ a + b with constant tensors a and b broadcast over the point (NumPy rules): an
/// inference-mode BatchNormalization that follows no convolution or dense layer
/// (a = γ/√(σ² + ε), b = β − μ·a, both [C, 1, 1]), or an ONNX `Mul`, `Add`, `Sub` or `Div` by
/// a constant.
///
///     forward          y = x ⊙ a + b
///     input gradient   ∂L/∂x = ∂L/∂y ⊙ a
///     scale gradient   ∂L/∂a = Σ_{batch, broadcast} ∂L/∂y ⊙ x
///     shift gradient   ∂L/∂b = Σ_{batch, broadcast} ∂L/∂y
public struct ElementwiseAffine: Layer {
    /// a, or nil for 1.
    public var scale: Tensor?
    /// b, or nil for 0.
    public var shift: Tensor?

    /// An affine map by constants. - Throws: ``ModelError`` when neither is given.
    public init(scale: Tensor?, shift: Tensor?) throws(ModelError) {
        guard scale != nil || shift != nil else { throw ModelError("affine needs a scale, a shift or both") }
        // A scalar (rank 0) broadcasts as a vector of one.
        self.scale = scale.map { $0.rank == 0 ? $0.reshaped([1]) : $0 }
        self.shift = shift.map { $0.rank == 0 ? $0.reshaped([1]) : $0 }
    }

    /// "affine"
    public var kind: String { "affine" }

    /// The input's shape, which the constants must broadcast to.
    public func outputShape(for inputShape: [Int]) throws(ModelError) -> [Int] {
        for constant in [scale, shift].compactMap({ $0 }) {
            guard constant.rank <= inputShape.count, Broadcasting.shape([inputShape, constant.shape]) == inputShape else {
                throw ModelError("affine constant of shape \(constant.shape) does not broadcast to points of shape \(inputShape)")
            }
        }
        return inputShape
    }

    /// x ⊙ a + b
    public func forward(_ input: Tensor) -> Tensor {
        let pointShape = input.pointShape
        let count = Tensor.elementCount(of: pointShape)
        let a = scale.map { ($0.scalars, Broadcasting.sourceIndices(of: $0.shape, in: pointShape)) }
        let b = shift.map { ($0.scalars, Broadcasting.sourceIndices(of: $0.shape, in: pointShape)) }
        return Tensor(shape: input.shape, scalars: withOutput(input, count: input.count) { x, y in
            for n in 0..<input.batchCount {
                for k in 0..<count {
                    var value = x[n * count + k]
                    if case let (values, indices)? = a { value *= values[indices[k]] }
                    if case let (values, indices)? = b { value += values[indices[k]] }
                    y[n * count + k] = value
                }
            }
        })
    }

    /// ∂L/∂y ⊙ a
    public func inputGradient(input: Tensor, output: Tensor, outputGradient: Tensor, rule: BackwardRule) -> Tensor {
        guard let scale else { return outputGradient }
        let count = Tensor.elementCount(of: input.pointShape)
        let indices = Broadcasting.sourceIndices(of: scale.shape, in: input.pointShape)
        return Tensor(shape: input.shape, scalars: withOutput(outputGradient, count: input.count) { dy, dx in
            for n in 0..<input.batchCount {
                for k in 0..<count { dx[n * count + k] = dy[n * count + k] * scale.scalars[indices[k]] }
            }
        })
    }

    /// [a, b] (those present).
    public var parameters: [Tensor] {
        get { [scale, shift].compactMap { $0 } }
        set {
            var remaining = newValue[...]
            if scale != nil { scale = remaining.removeFirst() }
            if shift != nil { shift = remaining.removeFirst() }
            precondition(remaining.isEmpty, "affine parameters do not match")
        }
    }

    /// [∂L/∂a, ∂L/∂b] (those present), summed over the batch and the broadcast.
    public func parameterGradients(input: Tensor, outputGradient: Tensor) -> [Tensor] {
        let pointShape = input.pointShape
        var gradients: [Tensor] = []
        if let scale {
            let product = outputGradient * input
            let summed = Broadcasting.reduce(product, to: scale.shape, indices: Broadcasting.sourceIndices(of: scale.shape, in: pointShape))
            gradients.append(Self.sumOverBatch(summed, shape: scale.shape))
        }
        if let shift {
            let summed = Broadcasting.reduce(outputGradient, to: shift.shape, indices: Broadcasting.sourceIndices(of: shift.shape, in: pointShape))
            gradients.append(Self.sumOverBatch(summed, shape: shift.shape))
        }
        return gradients
    }

    private static func sumOverBatch(_ batch: Tensor, shape: [Int]) -> Tensor {
        let count = Tensor.elementCount(of: shape)
        var sum = [Double](repeating: 0, count: count)
        for n in 0..<batch.batchCount {
            for k in 0..<count { sum[k] += batch.scalars[n * count + k] }
        }
        return Tensor(shape: shape, scalars: sum)
    }
}
