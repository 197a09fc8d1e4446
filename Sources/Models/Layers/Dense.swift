import Tensors

/// A fully connected layer, PyTorch's `nn.Linear`: weight W [out, in], bias b [out].
///
///     forward           y = x Wᵀ + b                 [B, out]
///     input gradient    ∂L/∂x = ∂L/∂y · W             [B, in]
///     weight gradient   ∂L/∂W = (∂L/∂y)ᵀ · x          [out, in]
///     bias gradient     ∂L/∂b = Σ_b ∂L/∂y[b, ·]        [out]
///
/// The layer also keeps Wᵀ [in, out], refreshed whenever W changes, so that the forward pass
/// is a plain product x · (Wᵀ) read along rows: a product with a transposed operand would
/// copy W into that order on every call, which profiling showed cost more than the product.
public struct Dense: Layer {
    /// W, shape [out, in].
    public var weight: Tensor {
        didSet { transposedWeight = Dense.transpose(weight) }
    }
    /// Wᵀ, shape [in, out], kept in step with `weight`.
    private var transposedWeight: [Double]
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
        self.weight = weight
        self.transposedWeight = Dense.transpose(weight)
        self.bias = bias
    }

    /// A layer with PyTorch's default initialisation: weight and bias uniform in ±1/√in.
    public init<G: RandomNumberGenerator>(inputs: Int, outputs: Int, using generator: inout G) {
        let bound = 1 / Double(inputs).squareRoot()
        weight = Tensor.uniform(shape: [outputs, inputs], in: -bound, bound, using: &generator)
        transposedWeight = Dense.transpose(weight)
        bias = Tensor.uniform(shape: [outputs], in: -bound, bound, using: &generator)
    }

    private static func transpose(_ w: Tensor) -> [Double] {
        let (rows, columns) = (w.shape[0], w.shape[1])
        var t = [Double](repeating: 0, count: w.count)
        for r in 0..<rows {
            for c in 0..<columns { t[c * rows + r] = w.scalars[r * columns + c] }
        }
        return t
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
        let (n, k) = (outputCount, inputCount)
        // Uninitialised: the product writes every element (see withOutput).
        var output = [Double](unsafeUninitializedCapacity: batch * n) { _, initialized in initialized = batch * n }
        input.scalars.withUnsafeBufferPointer { x in
            transposedWeight.withUnsafeBufferPointer { wT in
                output.withUnsafeMutableBufferPointer { y in
                    // x [B, in] · Wᵀ [in, out]: the same sums as x · Wᵀ by the A·Bᵀ form, bit for bit.
                    MatrixProduct.fast(.plain, m: batch, n: n, k: k, a: x.baseAddress!, b: wT.baseAddress!, c: y.baseAddress!, accumulate: false)
                    if let bias {
                        for row in 0..<batch {
                            for j in 0..<n { y[row * n + j] += bias.scalars[j] }
                        }
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
            weight.scalars.withUnsafeBufferPointer { w in
                MatrixProduct.fast(.plain, m: batch, n: inputCount, k: outputCount, a: dy, b: w.baseAddress!, c: dx, accumulate: false)
            }
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
