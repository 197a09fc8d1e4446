/// One option of a registered method: its command-line name, what values it takes, its
/// default and one line of help. The registry checks given values against ``kind`` before a
/// method is built, so builders read values that are known to parse.
public struct MethodOption: Sendable {
    /// What values an option takes.
    public enum Kind: Sendable, Equatable {
        /// A whole number in the range.
        case integer(ClosedRange<Int>)
        /// A finite number in the range; with `excludingLowerBound`, the lower bound itself is refused.
        case number(ClosedRange<Double>, excludingLowerBound: Bool)
        /// One of the words.
        case choice([String])
        /// A whole number in 0…2⁶⁴ − 1 (a random generator's seed).
        case seed
        /// One of the words (a built-in baseline), or the path of a `.npy` file of the input's shape.
        case baseline(words: [String])
        /// The name of another registered method that is not itself an aggregation (an aggregation's base).
        case method
        /// The path of a `.npy` array (a reference set), read by the caller into the arguments' tensors.
        case array
        /// Two numbers `LO,HI` with LO < HI (a data range).
        case range
        /// On or off: given without a value on the command line (`--reversed`), "true" or
        /// "false" through the library.
        case flag
        /// The path of something the registration's `loadResource` reads (a diffusion
        /// directory); the caller loads it into the arguments' resources. The text names it
        /// in help ("DIR").
        case resource(String)
    }

    /// The default value: a fixed text, or one that depends on other options (IG's rule
    /// depends on the integrator).
    public enum Default: Sendable {
        /// This value.
        case value(String)
        /// Described by the text in help; computed from the other options.
        case depending(String, @Sendable (MethodArguments) -> String)
    }

    /// The name without dashes ("steps").
    public let name: String
    /// The values it takes.
    public let kind: Kind
    /// Its default.
    public let defaultValue: Default
    /// One line of help.
    public let help: String

    /// An option.
    public init(_ name: String, _ kind: Kind, default defaultValue: Default, help: String) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.help = help
    }

    /// An option with a fixed default.
    public init(_ name: String, _ kind: Kind, default defaultValue: String, help: String) {
        self.init(name, kind, default: .value(defaultValue), help: help)
    }

    /// The default as help shows it.
    public var defaultDescription: String {
        switch defaultValue {
        case .value(let text): return text
        case .depending(let text, _): return text
        }
    }

    /// The accepted values, as help and error messages show them.
    public var accepted: String {
        switch kind {
        case .integer(let range):
            return range.upperBound == Int.max ? "an integer ≥ \(range.lowerBound)" : "an integer in \(range.lowerBound)…\(range.upperBound)"
        case .number(let range, let excluding):
            let low = excluding ? "(\(Self.format(range.lowerBound))" : "[\(Self.format(range.lowerBound))"
            if range.upperBound == .greatestFiniteMagnitude {
                return excluding ? "a number > \(Self.format(range.lowerBound))" : "a number ≥ \(Self.format(range.lowerBound))"
            }
            return "a number in \(low), \(Self.format(range.upperBound))]"
        case .choice(let words): return words.joined(separator: " | ")
        case .seed: return "a whole number in 0…18446744073709551615"
        case .baseline(let words): return (words + ["FILE.npy"]).joined(separator: " | ")
        case .method: return "a method name"
        case .array: return "FILE.npy"
        case .range: return "LO,HI with LO < HI"
        case .flag: return "on when given"
        case .resource(let placeholder): return "the path of a \(placeholder)"
        }
    }

    /// The placeholder help shows after the option ("N", "X", "WORD", "FILE").
    public var placeholder: String {
        switch kind {
        case .integer, .seed: return "N"
        case .number: return "X"
        case .choice: return "WORD"
        case .baseline: return "B"
        case .method: return "M"
        case .array: return "FILE"
        case .range: return "LO,HI"
        case .flag: return ""
        case .resource(let placeholder): return placeholder
        }
    }

    /// Checks that `text` is a value of this option.
    /// - Throws: ``MethodArgumentError`` saying what is accepted.
    public func check(_ text: String) throws(MethodArgumentError) {
        let valid: Bool
        switch kind {
        case .integer(let range): valid = Int(text).map(range.contains) ?? false
        case .number(let range, let excluding):
            valid = Double(text).map { $0.isFinite && range.contains($0) && !(excluding && $0 == range.lowerBound) } ?? false
        case .choice(let words): valid = words.contains(text)
        case .seed: valid = UInt64(text) != nil
        case .baseline(let words): valid = words.contains(text) || text.hasSuffix(".npy")
        case .method: valid = true  // checked against the registry
        case .array: valid = text.hasSuffix(".npy")
        case .range:
            let parts = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            valid = parts.count == 2 && parts.allSatisfy { $0?.isFinite == true } && parts[0]! < parts[1]!
        case .flag: valid = text == "true" || text == "false"
        case .resource: valid = !text.isEmpty
        }
        guard valid else {
            if case .choice = kind {
                throw MethodArgumentError("'--\(name) \(text)' is not one of: \(accepted.replacingOccurrences(of: " | ", with: ", "))")
            }
            if case .baseline = kind {
                throw MethodArgumentError("'--\(name) \(text)' is not one of: \(accepted.replacingOccurrences(of: " | ", with: ", ")) (a file's name must end in .npy)")
            }
            throw MethodArgumentError("'--\(name) \(text)' must be \(accepted)")
        }
    }

    static func format(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
    }
}

/// A mistake in a method's options: an option that does not apply, a value out of range.
/// (The command line reports it as a usage error.)
public struct MethodArgumentError: Error, CustomStringConvertible, Equatable {
    /// What is wrong and how to fix it.
    public var description: String
    /// An error with the given message.
    public init(_ description: String) { self.description = description }
}

extension MethodOption {
    /// `--integrator riemann | idgi` (default riemann), shared by the path methods.
    public static let integrator = MethodOption(
        "integrator", .choice(["riemann", "idgi"]), default: "riemann",
        help: "riemann: the base method's own sum; idgi: IDGI's important direction on the same segments")

    /// `--steps N`, with the method's default.
    public static func steps(default value: Int, help: String = "gradient evaluations along the path") -> MethodOption {
        MethodOption("steps", .integer(1...10_000_000), default: String(value), help: help)
    }

    /// `--baseline zeros | FILE.npy` (default zeros).
    public static let baseline = MethodOption(
        "baseline", .baseline(words: ["zeros"]), default: "zeros", help: "the path's start x′: all zeros, or an .npy file of the input's shape")
}
