import Tensors

/// The model's side of every attribution method's contract (DESIGN.md): for a batch of
/// points, the value of the scalar being explained, F, and its gradient ∇F at each point.
///
/// Path methods ask for whole batches — every point of a path segment at once, in chunks of
/// bounded size — so an implementation should make a batch cheaper than its points one by
/// one. Every implementation in this library returns, for each point of a batch, exactly
/// the bits it returns for that point alone (batched kernels compute each row the same way).
///
/// Conformers: the analytic functions (exact oracles with closed-form gradients) and
/// ``ClassifierOutput`` (one class's logit, probability or log-probability of a network).
public protocol DifferentiableFunction: Sendable {
    /// The shape of one point, without the batch axis: `[n]` for a vector, `[C, H, W]` for an image.
    var inputShape: [Int] { get }

    /// F at each point of `points`, a batch of shape `[B] + inputShape`.
    /// - Throws: ``ModelError`` if the batch does not have that shape.
    func values(at points: Tensor) throws(ModelError) -> [Double]

    /// F and ∇F at each point of `points`, a batch of shape `[B] + inputShape`; the gradients
    /// have the batch's shape.
    /// - Throws: ``ModelError`` if the batch does not have that shape.
    func valuesAndGradients(at points: Tensor) throws(ModelError) -> ValuesAndGradients
}

/// F at each point of a batch and ∇F at each point (shaped like the batch).
public struct ValuesAndGradients: Sendable, Equatable {
    /// F(x_b) for each point b.
    public var values: [Double]
    /// ∇F(x_b), stacked like the points.
    public var gradients: Tensor

    /// Bundles values and gradients.
    public init(values: [Double], gradients: Tensor) {
        self.values = values
        self.gradients = gradients
    }
}

extension DifferentiableFunction {
    /// The number of features of one point (the product of ``inputShape``).
    public var featureCount: Int { Tensor.elementCount(of: inputShape) }

    /// Checks that `points` is a batch of this function's points.
    public func validateBatch(_ points: Tensor) throws(ModelError) {
        guard points.rank == inputShape.count + 1, points.pointShape == inputShape else {
            throw ModelError(
                "expected a batch of shape [B] + \(inputShape), got \(points.shape); "
                    + "a single point of shape \(inputShape) must be reshaped to [1] + \(inputShape)")
        }
    }

    /// F at one point of shape ``inputShape``.
    public func value(at point: Tensor) throws(ModelError) -> Double {
        try values(at: point.reshaped([1] + point.shape))[0]
    }

    /// ∇F at one point of shape ``inputShape``.
    public func gradient(at point: Tensor) throws(ModelError) -> Tensor {
        try valuesAndGradients(at: point.reshaped([1] + point.shape)).gradients.reshaped(point.shape)
    }
}

/// A problem with a model, its files, or the data given to it, stated so a user can fix it.
public struct ModelError: Error, CustomStringConvertible, Equatable {
    /// What is wrong and how to fix it.
    public var description: String

    /// An error with the given message.
    public init(_ description: String) { self.description = description }
}
