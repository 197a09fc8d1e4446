import Models
import Tensors

/// What the `exact` rule needs and does, for every method that integrates straight lines
/// (Integrated Gradients, and Expected Gradients' and LPI's reference lines): the network it
/// partitions (``LinePartition``), the tolerance of a softmax head's per-piece integrals, and
/// the plan that integrates one line exactly (``ExactLineIntegration``).
public struct ExactLines: Sendable {
    /// The explained network.
    public var network: Sequential
    /// The relative tolerance (``ExactLineIntegration``).
    public var tolerance: Double

    /// Exact lines through `network`.
    public init(network: Sequential, tolerance: Double) {
        self.network = network
        self.tolerance = tolerance
    }

    /// Exact lines through `network`, which a method built without its network does not have.
    /// - Throws: ``AttributionError`` on `rule` when `network` is nil.
    public init(required network: Sequential?, tolerance: Double) throws(AttributionError) {
        guard let network else {
            throw AttributionError(parameter: "rule", "`rule` exact needs the network it integrates; build the method with the network")
        }
        self.init(network: network, tolerance: tolerance)
    }

    /// `rule` exact's check of a method's combination: the network, when known, must be a
    /// chain of piecewise-linear layers.
    /// - Throws: ``AttributionError`` on `rule` naming the layer that is not.
    public static func check(_ network: Sequential?) throws(AttributionError) {
        guard let network else { return }
        do { try LinePartition.checkPiecewiseLinear(network) } catch { throw AttributionError(parameter: "rule", "`rule` exact: \(error.description)") }
    }

    /// The pieces of the line from `start` to `end`.
    public func partition(from start: Tensor, to end: Tensor) throws(AttributionError) -> LinePartition {
        do { return try LinePartition(network: network, from: start.scalars, to: end.scalars) } catch { throw AttributionError(error) }
    }

    /// The line from `start` to `end` integrated exactly by `integrator`, its result shaped like `end`.
    public func plan(from start: Tensor, to end: Tensor, integrator: some Integrator) throws(AttributionError) -> AttributionPlan {
        let partition = try partition(from: start, to: end)
        return .single(
            ExactLineIntegration(from: start.scalars, to: end.scalars, partition: partition, integrator: integrator, tolerance: tolerance),
            shape: end.shape)
    }
}
