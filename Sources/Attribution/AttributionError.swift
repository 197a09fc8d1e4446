import Models
import Tensors

/// A problem with what an attribution method was asked to do — a shape, a value, a
/// parameter out of range, or the model's own error — stated so a user can fix it.
///
/// Messages name parameters in backticks (`` `steps` ``), never as command-line flags: the
/// command layer maps a parameter to its flag. An error about one parameter's value (out of
/// range, not applicable, missing) says which in ``parameter``, so a caller can tell a
/// mistake in the options from a problem with the data.
public struct AttributionError: Error, CustomStringConvertible, Equatable {
    /// What is wrong and how to fix it.
    public var description: String
    /// The parameter whose value is wrong (`base.samples` for an aggregation's base), or nil.
    public var parameter: String?

    /// An error with the given message.
    public init(_ description: String) { self.description = description }

    /// An error about the value of `parameter`.
    public init(parameter: String, _ description: String) {
        self.description = description
        self.parameter = parameter
    }

    /// The model's error, passed through.
    public init(_ error: ModelError) { self.description = error.description }

    /// The same error raised inside the parameter `scope` (an aggregation's base): every
    /// backticked parameter name gains the prefix (`` `steps` `` → `` `base.steps` ``).
    public func scoped(to scope: String) -> AttributionError {
        var parts = description.split(separator: "`", omittingEmptySubsequences: false).map(String.init)
        for i in stride(from: 1, to: parts.count, by: 2) where !parts[i].isEmpty { parts[i] = "\(scope).\(parts[i])" }
        var error = AttributionError(parts.joined(separator: "`"))
        error.parameter = parameter.map { "\(scope).\($0)" }
        return error
    }
}

/// Checks shared by every method's entry point, public so that a path, integrator or method
/// written outside this module reports problems the same way.
public enum Validate {
    /// `point` has the shape `shape` and only finite values.
    public static func point(_ point: Tensor, shape: [Int], name: String = "input") throws(AttributionError) {
        guard point.shape == shape else {
            throw AttributionError("the \(name) has shape \(point.shape) but the model takes \(shape)")
        }
        try finite(point, name: name)
    }

    /// `tensor` holds only finite values.
    public static func finite(_ tensor: Tensor, name: String) throws(AttributionError) {
        if let bad = tensor.firstNonFiniteIndex {
            throw AttributionError("the \(name) has a non-finite value (\(tensor.scalars[bad])) at feature \(bad); inputs must be finite numbers")
        }
    }

    /// `other` has the shape of `input` and only finite values (a baseline, a reference).
    public static func matching(_ other: Tensor, _ input: Tensor, name: String) throws(AttributionError) {
        guard other.shape == input.shape else {
            throw AttributionError("the \(name) has shape \(other.shape) but the input has \(input.shape); they must match")
        }
        try finite(other, name: name)
    }

    /// `value` is a whole number ≥ `minimum`.
    public static func atLeast(_ value: Int, _ minimum: Int, _ name: String) throws(AttributionError) {
        guard value >= minimum else { throw AttributionError("\(name) must be ≥ \(minimum), got \(value)") }
    }

    /// `value` is finite and in `range`.
    public static func within(_ value: Double, _ range: ClosedRange<Double>, _ name: String) throws(AttributionError) {
        guard value.isFinite, range.contains(value) else {
            throw AttributionError("\(name) must lie in [\(range.lowerBound), \(range.upperBound)], got \(value)")
        }
    }
}
