import Tensors

/// What values a parameter takes, and how help states them. A parameter's kind is declared once,
/// with the parameter; parsing text, range checks and help all read it.
public enum ParameterKind: Sendable, Equatable {
    /// A whole number in the range.
    case integer(ClosedRange<Int>)
    /// A finite number in the range; with `excludingLowerBound`, the lower bound itself is refused.
    case number(ClosedRange<Double>, excludingLowerBound: Bool)
    /// One of the words.
    case choice([String])
    /// A whole number in 0…2⁶⁴ − 1 (a random generator's seed).
    case seed
    /// On or off.
    case flag
    /// Two finite numbers `LO,HI` with LO < HI (a data range).
    case range
    /// Finite numbers `T1,T2,…`, strictly increasing, each in the range (SIC's thresholds).
    case increasingNumbers(ClosedRange<Double>)
    /// One of the words (a built-in start point), or an array of the input's shape read from a file.
    case baseline(words: [String])
    /// An array read from a file, of the shape ``ArrayShape`` names.
    case array(ArrayShape)
    /// Something a loader above the library reads from a path (a diffusion directory).
    case resource(ResourceKind)
    /// Another registered method that is not itself an aggregation (an aggregation's base),
    /// whose own parameters are scoped under this parameter's name (`base.samples`).
    case method
    /// A path the run writes (a PNG): never one of the run's inputs.
    case outputFile(extension: String)

    /// The shapes an array parameter takes.
    public enum ArrayShape: String, Sendable, Equatable {
        /// One point of the input's shape.
        case point
        /// M ≥ 1 points, [M] + the input's shape.
        case stack
        /// [H, W], or one per input [N, H, W], of 0 and 1.
        case mask
        /// [M] whole numbers ≥ 0: one class per point of a stack.
        case classes
    }

    /// The accepted values, as help and error messages state them.
    public var accepted: String {
        switch self {
        case .integer(let range):
            return range.upperBound == Int.max ? "an integer ≥ \(range.lowerBound)" : "an integer in \(range.lowerBound)…\(range.upperBound)"
        case .number(let range, let excluding):
            if range.upperBound == .greatestFiniteMagnitude {
                return excluding ? "a number > \(Self.format(range.lowerBound))" : "a number ≥ \(Self.format(range.lowerBound))"
            }
            let low = excluding ? "(\(Self.format(range.lowerBound))" : "[\(Self.format(range.lowerBound))"
            return "a number in \(low), \(Self.format(range.upperBound))]"
        case .choice(let words): return "one of: \(words.joined(separator: ", "))"
        case .seed: return "a whole number in 0…18446744073709551615"
        case .flag: return "on or off"
        case .range: return "two numbers LO,HI with LO < HI"
        case .increasingNumbers(let range):
            return "increasing numbers in [\(Self.format(range.lowerBound)), \(Self.format(range.upperBound))] separated by commas"
        case .baseline(let words): return "one of: \((words + ["FILE.npy"]).joined(separator: ", ")) (a file's name ends in .npy)"
        case .array(let shape):
            switch shape {
            case .point: return "an .npy file of the input's shape"
            case .stack: return "an .npy file of shape [M] + the input's shape, M ≥ 1"
            case .mask: return "an .npy file of shape [H, W] or [N, H, W] holding 0 and 1"
            case .classes: return "an .npy file of shape [M] holding whole numbers ≥ 0, one class per reference"
            }
        case .resource(let kind): return "the path of a \(kind.name)"
        case .method: return "a method name"
        case .outputFile(let suffix): return "the path of a .\(suffix) file to write"
        }
    }

    /// The placeholder help shows after the option ("N", "X", "WORD", "FILE").
    public var placeholder: String {
        switch self {
        case .integer, .seed: return "N"
        case .number: return "X"
        case .choice: return "WORD"
        case .flag: return ""
        case .range: return "LO,HI"
        case .increasingNumbers: return "T1,T2,…"
        case .baseline: return "B"
        case .array: return "FILE"
        case .resource(let kind): return kind.placeholder
        case .method: return "M"
        case .outputFile(let suffix): return "F.\(suffix)"
        }
    }

    /// Whether the value is read from or written to a file (the command layer loads it, or
    /// keeps it apart from the inputs).
    public var isFile: Bool {
        switch self {
        case .baseline, .array, .resource, .outputFile: return true
        default: return false
        }
    }

    /// `text` as a value of this kind; nil when it is not one. A file kind's text is a
    /// ``ParameterValue/path(_:)`` (the baseline's words excepted): loading it is the caller's.
    public func parse(_ text: String) -> ParameterValue? {
        switch self {
        case .integer: return Int(text).map { .integer($0) }
        case .number: return Double(text).map { .number($0) }
        case .choice: return .word(text)
        case .seed: return UInt64(text).map { .seed($0) }
        case .flag:
            switch text {
            case "true": return .flag(true)
            case "false": return .flag(false)
            default: return nil
            }
        case .range:
            let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 2, let low = parts[0], let high = parts[1], low.isFinite, high.isFinite, low < high else { return nil }
            return .range(low...high)
        case .increasingNumbers:
            let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard !text.isEmpty, parts.allSatisfy({ $0 != nil }) else { return nil }
            return .numbers(parts.map { $0! })
        case .baseline(let words):
            if words.contains(text) { return .word(text) }
            return text.hasSuffix(".npy") ? .path(text) : nil
        case .array: return text.hasSuffix(".npy") ? .path(text) : nil
        case .resource, .outputFile: return text.isEmpty ? nil : .path(text)
        case .method: return .word(text)
        }
    }

    /// Why `value` is not a value of this kind, or nil when it is one.
    public func problem(with value: ParameterValue) -> String? {
        switch (self, value) {
        case (.integer(let range), .integer(let n)): return range.contains(n) ? nil : "must be \(accepted)"
        case (.number(let range, let excluding), .number(let x)):
            let valid = x.isFinite && range.contains(x) && !(excluding && x == range.lowerBound)
            return valid ? nil : "must be \(accepted)"
        case (.choice(let words), .word(let word)): return words.contains(word) ? nil : "must be \(accepted)"
        case (.seed, .seed), (.flag, .flag): return nil
        case (.range, .range(let range)):
            return range.lowerBound.isFinite && range.upperBound.isFinite && range.lowerBound < range.upperBound ? nil : "must be \(accepted)"
        case (.increasingNumbers(let range), .numbers(let values)):
            guard !values.isEmpty, values.allSatisfy({ $0.isFinite && range.contains($0) }) else { return "must be \(accepted)" }
            return zip(values, values.dropFirst()).allSatisfy({ $0 < $1 }) ? nil : "must be strictly increasing (\(accepted))"
        case (.baseline(let words), .word(let word)): return words.contains(word) ? nil : "must be \(accepted)"
        case (.baseline, .array), (.array, .array), (.resource, .resource), (.method, .method), (.method, .attributionMethod), (.method, .word): return nil
        case (.baseline, .path), (.array, .path), (.resource, .path): return "names a file that was not loaded; load it first (the command line does)"
        case (.outputFile, .path): return nil
        default: return "must be \(accepted)"
        }
    }

    /// `text` as a value of parameter `name`, or the error saying what it accepts — the one
    /// place text becomes a parameter's value.
    public func value(of name: String, from text: String) throws(AttributionError) -> ParameterValue {
        guard let value = parse(text) else { throw AttributionError(parameter: name, "`\(name)` must be \(accepted), got \(text)") }
        return value
    }

    /// The error for `value` of parameter `name` outside this kind, or nil — the one wording of
    /// a range check, for the registry's early check and every `validate`.
    public func error(for value: ParameterValue, of name: String) -> AttributionError? {
        problem(with: value).map { AttributionError(parameter: name, "`\(name)` \($0), got \(value.text)") }
    }

    static func format(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
    }
}

/// Something a parameter names that a loader above the library reads (a diffusion directory):
/// the library only knows what to call it.
public struct ResourceKind: Sendable, Hashable {
    /// What it is, in messages ("diffusion directory").
    public let name: String
    /// The placeholder help shows ("DIR").
    public let placeholder: String

    /// A resource kind.
    public init(name: String, placeholder: String) {
        self.name = name
        self.placeholder = placeholder
    }
}
