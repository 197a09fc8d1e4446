import Tensors

/// A fully connected layer, PyTorch's `nn.Linear`: weight W [out, in], bias b [out].
///
///     forward           y = x Wᵀ + b                 [B, out]
///     input gradient    ∂L/∂x = ∂L/∂y · W             [B, in]
///     weight gradient   ∂L/∂W = (∂L/∂y)ᵀ · x          [out, in]
///     bias gradient     ∂L/∂b = Σ_b ∂L/∂y[b, ·]        [out]
///
/// The layer also keeps Wᵀ [in, out] and W [out, in] packed for ``MatrixProduct``'s kernel,
/// refreshed whenever W changes: both passes are then plain products whose right operand is
/// already in the order the kernel reads. Packing on every call cost about a tenth of IG's
/// time on `digits-mlp` (profiled); a product with a transposed operand, copying W on every
/// call, cost more than the product itself.
public struct Dense: Layer {
    /// W, shape [out, in].
    public var weight: Tensor {
        didSet {
            let packed = Dense.pack(weight)
            packedTransposedWeight = packed.transposedWeight
            packedWeight = packed.weight
        }
    }
    /// Wᵀ [in, out] and W [out, in] packed, kept in step with `weight`.
    private var packedTransposedWeight: MatrixProduct.PackedOperand
    private var packedWeight: MatrixProduct.PackedOperand
    /// b, shape [out], or nil for a layer without bias.
    public var bias: Tensor?

    /// "dense"
    public var kind: String { "dense" }
    /// in
    public var inputCount: Int { weight.shape[1] }
    /// out
    public var outputCount: Int { weight.shape[0] }

    /// A layer with the given parameters.
    /// - Throws: ``ModelError`` if the weight is not rank 2 or the bias does not match it.
    public init(weight: Tensor, bias: Tensor?) throws(ModelError) {
        guard weight.rank == 2, weight.shape.allSatisfy({ $0 > 0 }) else {
            throw ModelError("dense weight must have shape [out, in] with both positive, got \(weight.shape)")
        }
        if let bias, bias.shape != [weight.shape[0]] {
            throw ModelError("dense bias must have shape [\(weight.shape[0])] to match weight \(weight.shape), got \(bias.shape)")
        }
        let packed = Dense.pack(weight)
        self.weight = weight
        packedTransposedWeight = packed.transposedWeight
        packedWeight = packed.weight
        self.bias = bias
    }

    /// A layer with PyTorch's default initialisation: weight and bias uniform in ±1/√in.
    public init<G: RandomNumberGenerator>(inputs: Int, outputs: Int, using generator: inout G) {
        let bound = 1 / Double(inputs).squareRoot()
        let weight = Tensor.uniform(shape: [outputs, inputs], in: -bound, bound, using: &generator)
        let packed = Dense.pack(weight)
        self.weight = weight
        packedTransposedWeight = packed.transposedWeight
        packedWeight = packed.weight
        bias = Tensor.uniform(shape: [outputs], in: -bound, bound, using: &generator)
    }

    /// Wᵀ as B [in, out] (read from W [out, in] as a transposed operand) and W as B [out, in].
    private static func pack(_ w: Tensor) -> (transposedWeight: MatrixProduct.PackedOperand, weight: MatrixProduct.PackedOperand) {
        let (outputs, inputs) = (w.shape[0], w.shape[1])
        return (
            MatrixProduct.PackedOperand(w.scalars, rows: inputs, columns: outputs, transposed: true),
            MatrixProduct.PackedOperand(w.scalars, rows: outputs, columns: inputs))
    }

    /// [out], for an input of shape [in].
    public func outputShape(for inputShape: [Int]) throws(ModelError) -> [Int] {
        guard inputShape == [inputCount] else {
            throw ModelError(
                "dense layer expects \(inputCount) input features (weight \(weight.shape)), got shape \(inputShape)"
                    + (inputShape.count > 1 ? "; add a flatten layer before it" : ""))
        }
        return [outputCount]
    }

    /// y = x Wᵀ + b
    public func forward(_ input: Tensor) -> Tensor {
        let batch = input.batchCount
        let n = outputCount
        // Uninitialised: the product writes every element (see withOutput).
        var output = [Double](unsafeUninitializedCapacity: batch * n) { _, initialized in initialized = batch * n }
        input.scalars.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                // x [B, in] · Wᵀ [in, out]: the same sums as x · Wᵀ by the A·Bᵀ form, bit for bit.
                MatrixProduct.fast(m: batch, a: x.baseAddress!, packed: packedTransposedWeight, c: y.baseAddress!, accumulate: false)
                if let bias {
                    for row in 0..<batch {
                        for j in 0..<n { y[row * n + j] += bias.scalars[j] }
                    }
                }
            }
        }
        return Tensor(shape: [batch, n], scalars: output)
    }

    /// ∂L/∂x = ∂L/∂y · W
    public func inputGradient(input: Tensor, output: Tensor, outputGradient: Tensor, rule: BackwardRule) -> Tensor {
        let batch = input.batchCount
        let dx = withOutput(outputGradient, count: batch * inputCount) { dy, dx in
            MatrixProduct.fast(m: batch, a: dy, packed: packedWeight, c: dx, accumulate: false)
        }
        return Tensor(shape: input.shape, scalars: dx)
    }

    /// [W, b] (or [W] without bias).
    public var parameters: [Tensor] {
        get { bias.map { [weight, $0] } ?? [weight] }
        set {
            precondition(newValue.count == (bias == nil ? 1 : 2) && newValue[0].shape == weight.shape, "dense parameters do not match")
            weight = newValue[0]
            if bias != nil { bias = newValue[1] }
        }
    }

    /// [(∂L/∂y)ᵀ x, Σ_b ∂L/∂y], summed over the batch.
    public func parameterGradients(input: Tensor, outputGradient: Tensor) -> [Tensor] {
        let batch = input.batchCount
        let dw = withOutput(outputGradient, count: outputCount * inputCount) { dy, dw in
            input.scalars.withUnsafeBufferPointer { x in
                MatrixProduct.fast(.transposedA, m: outputCount, n: inputCount, k: batch, a: dy, b: x.baseAddress!, c: dw, accumulate: false)
            }
        }
        let weightGradient = Tensor(shape: weight.shape, scalars: dw)
        guard bias != nil else { return [weightGradient] }
        let db = outputGradient.scalars.withUnsafeBufferPointer { dy in
            Reductions.columnSumsFast(dy.baseAddress!, rows: batch, columns: outputCount)
        }
        return [weightGradient, Tensor(shape: [outputCount], scalars: db)]
    }
}
