import ArrayFormats
import Tensors

/// A parameter's value, typed: parsed once from text (by the parameter's ``ParameterKind``) or
/// given directly by a library caller.
public enum ParameterValue: Sendable {
    /// A whole number.
    case integer(Int)
    /// A number.
    case number(Double)
    /// A word (a choice, a built-in baseline, a method's name).
    case word(String)
    /// A seed.
    case seed(UInt64)
    /// On or off.
    case flag(Bool)
    /// [LO, HI].
    case range(ClosedRange<Double>)
    /// A list of numbers.
    case numbers([Double])
    /// An array and where it came from (a file's path, or a caller's description).
    case array(Tensor, source: String)
    /// A loaded resource and where it came from.
    case resource(any Sendable, source: String)
    /// A path not yet loaded (what text parsing gives for a file kind), or an output's path.
    case path(String)
    /// A method to build (an aggregation's base, with its own parameters).
    case method(MethodSpecification)
    /// A built method.
    case attributionMethod(any AttributionMethod)

    /// The value as a report shows it: numbers as numbers, the rest as text.
    public var json: JSONValue {
        switch self {
        case .integer(let n): return .number(Double(n))
        case .number(let x): return .number(x)
        case .seed(let s): return .number(Double(s))
        case .word(let word): return .string(word)
        case .flag(let on): return .string(on ? "true" : "false")
        case .range(let range): return .string("\(ParameterKind.format(range.lowerBound)),\(ParameterKind.format(range.upperBound))")
        case .numbers(let values): return .array(values.map { .number($0) })
        case .array(_, let source), .resource(_, let source): return .string(source)
        case .path(let path): return .string(path)
        case .method(let specification): return .string(specification.name)
        case .attributionMethod(let method): return .string(method.name)
        }
    }

    /// The value as help and messages show it.
    public var text: String {
        if case .number(let x) = self, !x.isFinite { return "\(x)" }
        switch json {
        case .string(let text): return text
        default: return json.description
        }
    }
}
