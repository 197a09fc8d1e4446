/// `--name value` / `--name=value` options, parsed strictly: an unknown name, a repeated
/// name or a missing value is a ``UsageError`` (exit status 2).
struct CommandLineOptions {
    private(set) var values: [String: String] = [:]
    private(set) var flags: Set<String> = []
    /// Positional words (a subcommand such as `verify`).
    private(set) var positionals: [String] = []

    /// Parses `arguments` given the option names that take a value and those that do not.
    init(_ arguments: [String], valued: Set<String>, flags allowedFlags: Set<String>) throws(UsageError) {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("-") && argument != "-" else {
                positionals.append(argument)
                continue
            }
            if argument == "-h" {
                flags.insert("help")
                continue
            }
            guard argument.hasPrefix("--") else { throw UsageError("unknown option '\(argument)'") }
            var name = String(argument.dropFirst(2))
            var inlineValue: String? = nil
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            if allowedFlags.contains(name) {
                guard inlineValue == nil else { throw UsageError("option '--\(name)' takes no value") }
                flags.insert(name)
            } else if valued.contains(name) {
                guard values[name] == nil else { throw UsageError("option '--\(name)' is given twice") }
                if let inlineValue {
                    values[name] = inlineValue
                } else {
                    guard index < arguments.count else { throw UsageError("option '--\(name)' needs a value") }
                    values[name] = arguments[index]
                    index += 1
                }
            } else {
                let known = (valued.union(allowedFlags)).sorted().map { "--\($0)" }.joined(separator: ", ")
                throw UsageError("unknown option '--\(name)' (known: \(known))")
            }
        }
    }

    /// The value of a required option.
    func required(_ name: String) throws(UsageError) -> String {
        guard let value = values[name], !value.isEmpty else { throw UsageError("missing required option '--\(name)'") }
        return value
    }

    /// The value of an option that must be one of `choices`, or `defaultValue`.
    func choice(_ name: String, from choices: [String], default defaultValue: String? = nil) throws(UsageError) -> String? {
        guard let value = values[name] else { return defaultValue }
        guard choices.contains(value) else {
            throw UsageError("'--\(name) \(value)' is not one of: \(choices.joined(separator: ", "))")
        }
        return value
    }

    /// A finite number option in `range`, or nil when absent.
    func number(_ name: String, in range: ClosedRange<Double>, expected: String? = nil) throws(UsageError) -> Double? {
        guard let text = values[name] else { return nil }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw UsageError("'--\(name) \(text)' must be \(expected ?? "a number in [\(range.lowerBound), \(range.upperBound)]")")
        }
        return value
    }

    /// A non-negative whole number below 2⁶⁴ (a seed), or nil when absent.
    func unsigned(_ name: String) throws(UsageError) -> UInt64? {
        guard let text = values[name] else { return nil }
        guard let value = UInt64(text) else { throw UsageError("'--\(name) \(text)' must be a whole number ≥ 0") }
        return value
    }

    /// An integer option in `range`, or nil when absent.
    func integer(_ name: String, in range: ClosedRange<Int>) throws(UsageError) -> Int? {
        guard let text = values[name] else { return nil }
        guard let value = Int(text), range.contains(value) else {
            let bound = range.upperBound == Int.max ? "≥ \(range.lowerBound)" : "in \(range.lowerBound)…\(range.upperBound)"
            throw UsageError("'--\(name) \(text)' must be an integer \(bound)")
        }
        return value
    }
}

/// A mistake in the command line itself (exit status 2).
struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
