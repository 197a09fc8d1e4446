import Models
import Tensors

/// A problem with what an attribution method was asked to do — a shape, a value, a
/// parameter out of range, or the model's own error — stated so a user can fix it.
public struct AttributionError: Error, CustomStringConvertible, Equatable {
    /// What is wrong and how to fix it.
    public var description: String

    /// An error with the given message.
    public init(_ description: String) { self.description = description }

    /// The model's error, passed through.
    public init(_ error: ModelError) { self.description = error.description }
}

/// Checks shared by every method's entry point.
enum Validate {
    /// `point` has the function's input shape and only finite values.
    static func input(_ point: Tensor, for function: some DifferentiableFunction, name: String = "input") throws(AttributionError) {
        guard point.shape == function.inputShape else {
            throw AttributionError("the \(name) has shape \(point.shape) but the model takes \(function.inputShape)")
        }
        if let bad = point.firstNonFiniteIndex {
            throw AttributionError("the \(name) has a non-finite value (\(point.scalars[bad])) at feature \(bad); inputs must be finite numbers")
        }
    }

    /// `value` is a whole number ≥ `minimum`.
    static func atLeast(_ value: Int, _ minimum: Int, _ name: String) throws(AttributionError) {
        guard value >= minimum else { throw AttributionError("\(name) must be ≥ \(minimum), got \(value)") }
    }

    /// `value` is finite and in `range`.
    static func within(_ value: Double, _ range: ClosedRange<Double>, _ name: String) throws(AttributionError) {
        guard value.isFinite, range.contains(value) else {
            throw AttributionError("\(name) must lie in [\(range.lowerBound), \(range.upperBound)], got \(value)")
        }
    }
}

extension DifferentiableFunction {
    /// `valuesAndGradients` with the model's error as an attribution error.
    func evaluate(_ points: Tensor) throws(AttributionError) -> ValuesAndGradients {
        do { return try valuesAndGradients(at: points) } catch { throw AttributionError(error) }
    }

    /// `values` with the model's error as an attribution error.
    func evaluateValues(_ points: Tensor) throws(AttributionError) -> [Double] {
        do { return try values(at: points) } catch { throw AttributionError(error) }
    }
}
