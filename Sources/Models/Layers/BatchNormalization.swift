import Tensors

/// Inference-mode batch normalization over the channels (axis 0 of the point): PyTorch's
/// `BatchNorm2d`/`BatchNorm1d` in eval mode, ONNX's `BatchNormalization` with
/// `training_mode = 0`. The statistics μ and σ² are constants; γ and β are the parameters.
///
///     forward          y[c, …] = γ_c · (x[c, …] − μ_c)/√(σ²_c + ε) + β_c
///     input gradient   ∂L/∂x[c, …] = ∂L/∂y[c, …] · γ_c/√(σ²_c + ε)
///     γ gradient       ∂L/∂γ_c = Σ_{batch, c's elements} ∂L/∂y · (x − μ_c)/√(σ²_c + ε)
///     β gradient       ∂L/∂β_c = Σ_{batch, c's elements} ∂L/∂y
///
/// It is affine, so a network with it stays piecewise linear; the ONNX loader folds one that
/// directly follows a convolution or dense layer into that layer instead.
public struct BatchNormalization: Layer {
    /// γ, shape [C].
    public var scale: Tensor
    /// β, shape [C].
    public var shift: Tensor
    /// μ, shape [C] (a constant).
    public var mean: Tensor
    /// σ², shape [C] (a constant, ≥ 0).
    public var variance: Tensor
    /// ε > 0.
    public let epsilon: Double

    /// A batch normalization. - Throws: ``ModelError`` for mismatched lengths, a negative
    /// variance or ε ≤ 0.
    public init(scale: Tensor, shift: Tensor, mean: Tensor, variance: Tensor, epsilon: Double = 1e-5) throws(ModelError) {
        let channels = scale.count
        guard channels > 0, [scale, shift, mean, variance].allSatisfy({ $0.shape == [channels] }) else {
            throw ModelError("batchnorm needs scale, shift, mean and variance of one shape [channels], got \([scale, shift, mean, variance].map(\.shape))")
        }
        guard variance.scalars.allSatisfy({ $0 >= 0 }), epsilon > 0, epsilon.isFinite else {
            throw ModelError("batchnorm needs variances ≥ 0 and ε > 0, got ε = \(epsilon)")
        }
        self.scale = scale
        self.shift = shift
        self.mean = mean
        self.variance = variance
        self.epsilon = epsilon
    }

    /// The identity's statistics for `channels` channels: γ = 1, β = 0, μ = 0, σ² = 1.
    public init(channels: Int, epsilon: Double = 1e-5) {
        scale = Tensor(shape: [channels], repeating: 1)
        shift = Tensor(shape: [channels], repeating: 0)
        mean = Tensor(shape: [channels], repeating: 0)
        variance = Tensor(shape: [channels], repeating: 1)
        self.epsilon = epsilon
    }

    /// "batchnorm"
    public var kind: String { "batchnorm" }

    /// The shape is unchanged; its first axis must be the channels.
    public func outputShape(for inputShape: [Int]) throws(ModelError) -> [Int] {
        guard inputShape.first == scale.count else {
            throw ModelError("batchnorm has \(scale.count) channels but points of shape \(inputShape) have \(inputShape.first ?? 0) on their first axis")
        }
        return inputShape
    }

    /// 1/√(σ²_c + ε) per channel.
    private var inverseDeviation: [Double] { variance.scalars.map { 1 / ($0 + epsilon).squareRoot() } }

    /// Calls `body(c, range)` for each channel's elements in a batch of `input`'s shape.
    private func forEachChannelBlock(_ input: Tensor, _ body: (Int, Range<Int>) -> Void) {
        let channels = scale.count
        let per = Tensor.elementCount(of: input.pointShape) / channels
        for n in 0..<input.batchCount {
            for c in 0..<channels { body(c, (n * channels + c) * per ..< (n * channels + c + 1) * per) }
        }
    }

    /// γ (x − μ)/√(σ² + ε) + β
    public func forward(_ input: Tensor) -> Tensor {
        let inverse = inverseDeviation
        var y = input.scalars
        forEachChannelBlock(input) { c, block in
            for i in block { y[i] = scale.scalars[c] * ((y[i] - mean.scalars[c]) * inverse[c]) + shift.scalars[c] }
        }
        return Tensor(shape: input.shape, scalars: y)
    }

    /// ∂L/∂y · γ/√(σ² + ε)
    public func inputGradient(input: Tensor, output: Tensor, outputGradient: Tensor, rule: BackwardRule) -> Tensor {
        let inverse = inverseDeviation
        var dx = outputGradient.scalars
        forEachChannelBlock(input) { c, block in
            for i in block { dx[i] = scale.scalars[c] * (dx[i] * inverse[c]) }
        }
        return Tensor(shape: input.shape, scalars: dx)
    }

    /// [γ, β]
    public var parameters: [Tensor] {
        get { [scale, shift] }
        set {
            precondition(newValue.count == 2 && newValue[0].shape == scale.shape && newValue[1].shape == shift.shape, "batchnorm parameters do not match")
            scale = newValue[0]
            shift = newValue[1]
        }
    }

    /// [∂L/∂γ, ∂L/∂β], summed over the batch.
    public func parameterGradients(input: Tensor, outputGradient: Tensor) -> [Tensor] {
        let inverse = inverseDeviation
        var dScale = [Double](repeating: 0, count: scale.count)
        var dShift = [Double](repeating: 0, count: scale.count)
        forEachChannelBlock(input) { c, block in
            for i in block {
                dScale[c] += outputGradient.scalars[i] * ((input.scalars[i] - mean.scalars[c]) * inverse[c])
                dShift[c] += outputGradient.scalars[i]
            }
        }
        return [Tensor(shape: scale.shape, scalars: dScale), Tensor(shape: shift.shape, scalars: dShift)]
    }

    /// This layer with μ and σ² set to the per-channel mean and (biased) variance of `inputs`,
    /// a batch of the points it reads: the statistics a model in training mode would use for
    /// that batch. γ and β are kept.
    public func calibrated(on inputs: Tensor) -> BatchNormalization {
        let channels = scale.count
        var sums = [Double](repeating: 0, count: channels)
        var counts = [Double](repeating: 0, count: channels)
        forEachChannelBlock(inputs) { c, block in
            for i in block { sums[c] += inputs.scalars[i] }
            counts[c] += Double(block.count)
        }
        let means = (0..<channels).map { sums[$0] / counts[$0] }
        var squares = [Double](repeating: 0, count: channels)
        forEachChannelBlock(inputs) { c, block in
            for i in block { squares[c] += (inputs.scalars[i] - means[c]) * (inputs.scalars[i] - means[c]) }
        }
        var result = self
        result.mean = Tensor(shape: [channels], scalars: means)
        result.variance = Tensor(shape: [channels], scalars: (0..<channels).map { squares[$0] / counts[$0] })
        return result
    }
}
