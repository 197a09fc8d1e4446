/// A method by name with the values of its parameters: what a builder turns into a method.
///
/// An aggregation's base is the value of its ``ParameterKind/method`` parameter: a nested
/// specification with the base's own values. Written as text, a base's parameter is scoped by
/// the aggregation's parameter name — `base.samples` — so SmoothGrad over Expected Gradients
/// can set both methods' `samples`; an unscoped name that only one of the two has is that
/// one's (``MethodRegistry/specification(_:text:)``).
public struct MethodSpecification: Sendable {
    /// The method's registered name.
    public var name: String
    /// Given parameter values by name; a parameter not given takes its default.
    public var values: [String: ParameterValue]

    /// Method `name` with `values`.
    public init(_ name: String, _ values: [String: ParameterValue] = [:]) {
        self.name = name
        self.values = values
    }

    /// The base's specification, for an aggregation whose base was given.
    public func nested(_ parameter: String) -> MethodSpecification? {
        if case .method(let specification) = values[parameter] { return specification }
        return nil
    }

    /// Every file-kind value with its scoped parameter name (`references`, `base.references`),
    /// outermost first.
    public var fileValues: [(parameter: String, value: ParameterValue)] {
        var found: [(String, ParameterValue)] = []
        for key in values.keys.sorted() {
            switch values[key]! {
            case .path, .array, .resource: found.append((key, values[key]!))
            case .method(let inner): found += inner.fileValues.map { ("\(key).\($0.parameter)", $0.value) }
            default: break
            }
        }
        return found
    }

    /// This specification with the value at scoped name `parameter` (`base.references`) replaced.
    public func replacing(_ parameter: String, with value: ParameterValue) -> MethodSpecification {
        var copy = self
        let parts = parameter.split(separator: ".", maxSplits: 1).map(String.init)
        if parts.count == 2, case .method(let inner) = values[parts[0]] {
            copy.values[parts[0]] = .method(inner.replacing(parts[1], with: value))
        } else {
            copy.values[parameter] = value
        }
        return copy
    }
}
