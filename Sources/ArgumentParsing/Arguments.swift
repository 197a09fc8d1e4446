import Foundation

/// A mistake in a command line (exit status 2): what is wrong and how to fix it, on one line.
public struct UsageError: Error, CustomStringConvertible, Equatable {
    /// The message.
    public var description: String
    /// A usage error.
    public init(_ description: String) { self.description = description }
}

/// How a named option is written: followed by a value (`--steps 50`, `--steps=50`), or alone (`--quick`).
public enum OptionShape: Sendable {
    /// `--name VALUE` or `--name=VALUE`.
    case value
    /// `--name`.
    case flag
}

/// One option an executable declares: its name, how it is written, the placeholder and one
/// line of help.
public struct OptionSpec: Sendable {
    /// The name without dashes.
    public let name: String
    /// Value or flag.
    public let shape: OptionShape
    /// The value's placeholder in help ("N", "DIR"); empty for a flag.
    public let placeholder: String
    /// One line of help.
    public let help: String

    /// An option taking a value.
    public static func value(_ name: String, _ placeholder: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, shape: .value, placeholder: placeholder, help: help)
    }

    /// A flag.
    public static func flag(_ name: String, _ help: String) -> OptionSpec { OptionSpec(name: name, shape: .flag, placeholder: "", help: help) }

    /// The options as a help section: one line each, the usage padded to `width`.
    public static func help(_ options: [OptionSpec], width: Int = 22) -> String {
        options.map { option in
            let usage = "--\(option.name)" + (option.placeholder.isEmpty ? "" : " \(option.placeholder)")
            return "  \(usage.padding(toLength: max(width, usage.count + 1), withPad: " ", startingAt: 0)) \(option.help)"
        }.joined(separator: "\n")
    }
}

/// A command line parsed strictly — the one parser every executable of the package uses.
///
/// Options are `--name VALUE`, `--name=VALUE` or a flag `--name`; `-h` is `--help`, which is
/// always known. An unknown name, a name given twice, a value missing, a value given to a
/// flag, or more positional words than the command takes is a ``UsageError``; nothing is
/// read or written before the whole line has parsed.
public struct Arguments: Sendable {
    /// The command's name, for messages.
    public let command: String
    /// Values by option name.
    public private(set) var values: [String: String] = [:]
    /// The flags given.
    public private(set) var flags: Set<String> = []
    /// Words that are not options, in order.
    public private(set) var positionals: [String] = []

    /// Parses `words` for `command`; `shape` says how option `name` is written, nil for an
    /// option the command does not know; at most `positionalLimit` positional words.
    public init(_ words: [String], command: String, positionalLimit: Int = 0, shape: (String) -> OptionShape?) throws(UsageError) {
        self.command = command
        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            if word == "-h" || word == "--help" {
                flags.insert("help")
                continue
            }
            guard word.hasPrefix("-") && word != "-" && Double(word) == nil else {
                positionals.append(word)
                guard positionals.count <= positionalLimit else { throw UsageError("unexpected argument '\(word)'") }
                continue
            }
            guard word.hasPrefix("--") else { throw UsageError("unknown option '\(word)'") }
            var name = String(word.dropFirst(2))
            var inline: String? = nil
            if let equals = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            switch shape(name) {
            case .flag:
                guard inline == nil else { throw UsageError("option '--\(name)' takes no value") }
                guard flags.insert(name).inserted else { throw UsageError("option '--\(name)' is given twice") }
            case .value:
                guard values[name] == nil else { throw UsageError("option '--\(name)' is given twice") }
                if let inline {
                    values[name] = inline
                } else {
                    guard index < words.count else { throw UsageError("option '--\(name)' needs a value") }
                    values[name] = words[index]
                    index += 1
                }
            case nil:
                throw UsageError("unknown option '--\(name)'")
            }
        }
    }

    /// Parses `words` against a fixed list of options.
    public init(_ words: [String], command: String, options: [OptionSpec], positionalLimit: Int = 0) throws(UsageError) {
        let shapes = Dictionary(options.map { ($0.name, $0.shape) }, uniquingKeysWith: { first, _ in first })
        try self.init(words, command: command, positionalLimit: positionalLimit) { shapes[$0] }
    }

    /// Whether `--help` (or `-h`) was given.
    public var wantsHelp: Bool { flags.contains("help") }

    /// Whether flag `name` was given.
    public func has(_ name: String) -> Bool { flags.contains(name) }

    /// The value of a required option.
    public func required(_ name: String, _ what: String = "") throws(UsageError) -> String {
        guard let value = values[name], !value.isEmpty else {
            throw UsageError("missing required option '--\(name)'\(what.isEmpty ? "" : " (\(what))")")
        }
        return value
    }

    /// An option's value, or nil; an empty value is refused.
    public func text(_ name: String) throws(UsageError) -> String? {
        guard let value = values[name] else { return nil }
        guard !value.isEmpty else { throw UsageError("'--\(name)' needs a value, got an empty one") }
        return value
    }

    /// A whole number in `range`, or nil when absent.
    public func integer(_ name: String, in range: ClosedRange<Int>) throws(UsageError) -> Int? {
        guard let text = values[name] else { return nil }
        guard let value = Int(text), range.contains(value) else {
            let bound = range.upperBound == Int.max ? "≥ \(range.lowerBound)" : "in \(range.lowerBound)…\(range.upperBound)"
            throw UsageError("'--\(name) \(text)' must be an integer \(bound)")
        }
        return value
    }

    /// A finite number in `range`, or nil when absent.
    public func number(_ name: String, in range: ClosedRange<Double>) throws(UsageError) -> Double? {
        guard let text = values[name] else { return nil }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw UsageError("'--\(name) \(text)' must be a number in [\(format(range.lowerBound)), \(format(range.upperBound))]")
        }
        return value
    }

    /// A whole number in 0…2⁶⁴ − 1, or nil when absent.
    public func unsigned(_ name: String) throws(UsageError) -> UInt64? {
        guard let text = values[name] else { return nil }
        guard let value = UInt64(text) else { throw UsageError("'--\(name) \(text)' must be a whole number in 0…18446744073709551615") }
        return value
    }

    /// One of `choices`, or nil when absent.
    public func choice(_ name: String, from choices: [String]) throws(UsageError) -> String? {
        guard let value = values[name] else { return nil }
        guard choices.contains(value) else { throw UsageError("'--\(name) \(value)' is not one of: \(choices.joined(separator: ", "))") }
        return value
    }

    /// A comma-separated list of distinct, non-empty items, each one of `choices`, or nil when absent.
    public func list(_ name: String, from choices: [String]) throws(UsageError) -> [String]? {
        guard let text = values[name] else { return nil }
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !text.isEmpty, !items.contains(where: \.isEmpty) else {
            throw UsageError("'--\(name) \(text)' must name at least one of: \(choices.joined(separator: ", ")), separated by commas")
        }
        for item in items where !choices.contains(item) {
            throw UsageError("--\(name): unknown '\(item)'; choose from \(choices.joined(separator: ", "))")
        }
        var seen: Set<String> = []
        for item in items where !seen.insert(item).inserted { throw UsageError("--\(name) names '\(item)' twice") }
        return items
    }

    private func format(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x) }
}

/// A message for a terminal: one line (line breaks become spaces), with control and format
/// characters — from a corrupt file, say — written as `\u{…}` escapes, never passed through.
public func oneLine(_ message: String) -> String {
    var line = ""
    for scalar in message.split(whereSeparator: \.isNewline).joined(separator: " ").unicodeScalars {
        if scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format {
            line += "\\u{\(String(scalar.value, radix: 16))}"
        } else {
            line.unicodeScalars.append(scalar)
        }
    }
    return line
}
