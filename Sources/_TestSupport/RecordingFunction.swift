import Foundation
import Models
import Tensors

/// Wraps a function and records every point it is evaluated at, so tests can check where a
/// path went (Guided IG's band around the straight line, the blur path's levels).
public final class RecordingFunction<Base: DifferentiableFunction>: DifferentiableFunction, @unchecked Sendable {
    /// The wrapped function.
    public let base: Base
    private let lock = NSLock()
    private var recorded: [[Double]] = []

    /// Records `base`'s evaluations.
    public init(_ base: Base) { self.base = base }

    /// The points evaluated with gradients, in order.
    public var gradientPoints: [[Double]] { lock.withLock { recorded } }

    /// The wrapped function's input shape.
    public var inputShape: [Int] { base.inputShape }

    /// The wrapped function's values (not recorded: only gradient evaluations are path points).
    public func values(at points: Tensor) throws(ModelError) -> [Double] { try base.values(at: points) }

    /// Records the points, then evaluates the wrapped function.
    public func valuesAndGradients(at points: Tensor) throws(ModelError) -> ValuesAndGradients {
        lock.withLock {
            for b in 0..<points.batchCount { recorded.append(points.point(b).scalars) }
        }
        return try base.valuesAndGradients(at: points)
    }
}
