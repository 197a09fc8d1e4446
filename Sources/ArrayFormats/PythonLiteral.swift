/// The subset of Python literal syntax that `.npy` headers use: strings, integers,
/// `True`/`False`/`None`, tuples, lists and dictionaries with string keys.
///
/// A small recursive-descent parser, written for hostile input: it never traps, bounds its
/// nesting depth, and reports the first problem with its position.
enum PythonLiteral: Equatable, CustomStringConvertible {
    case string(String)
    case integer(Int)
    case bool(Bool)
    case none
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    case dictionary([(key: String, value: PythonLiteral)])

    static func == (lhs: PythonLiteral, rhs: PythonLiteral) -> Bool {
        switch (lhs, rhs) {
        case let (.string(a), .string(b)): return a == b
        case let (.integer(a), .integer(b)): return a == b
        case let (.bool(a), .bool(b)): return a == b
        case (.none, .none): return true
        case let (.tuple(a), .tuple(b)), let (.list(a), .list(b)): return a == b
        case let (.dictionary(a), .dictionary(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    var description: String {
        switch self {
        case .string(let s): return "'\(s)'"
        case .integer(let n): return String(n)
        case .bool(let b): return b ? "True" : "False"
        case .none: return "None"
        case .tuple(let items): return "(" + items.map(\.description).joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .dictionary(let entries): return "{" + entries.map { "'\($0.key)': \($0.value)" }.joined(separator: ", ") + "}"
        }
    }

    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    /// Parses one literal; only white space may follow it.
    static func parse(_ text: String) throws(ParseError) -> PythonLiteral {
        var parser = Parser(characters: Array(text.unicodeScalars))
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.position == parser.characters.count else {
            throw ParseError(description: "unexpected text at character \(parser.position)")
        }
        return value
    }

    private struct Parser {
        let characters: [Unicode.Scalar]
        var position = 0
        static let maximumDepth = 16

        mutating func skipSpace() {
            while position < characters.count, characters[position].properties.isWhitespace { position += 1 }
        }

        func error(_ what: String) -> ParseError {
            ParseError(description: "\(what) at character \(position)")
        }

        mutating func value(depth: Int) throws(ParseError) -> PythonLiteral {
            guard depth < Parser.maximumDepth else { throw error("nesting too deep") }
            skipSpace()
            guard position < characters.count else { throw error("unexpected end") }
            switch characters[position] {
            case "'", "\"": return .string(try string())
            case "(":
                let (items, sawComma) = try sequence(closing: ")", depth: depth)
                // (x) is a parenthesised value, not a tuple; (x,) and () are tuples.
                return items.count == 1 && !sawComma ? items[0] : .tuple(items)
            case "[": return .list(try sequence(closing: "]", depth: depth).items)
            case "{": return try dictionary(depth: depth)
            case "-", "0"..."9": return .integer(try integer())
            default:
                for (word, literal) in [("True", PythonLiteral.bool(true)), ("False", .bool(false)), ("None", .none)]
                where matches(word) {
                    position += word.unicodeScalars.count
                    return literal
                }
                throw error("unexpected character '\(characters[position])'")
            }
        }

        func matches(_ word: String) -> Bool {
            let scalars = Array(word.unicodeScalars)
            guard position + scalars.count <= characters.count else { return false }
            return Array(characters[position ..< position + scalars.count]) == scalars
        }

        mutating func string() throws(ParseError) -> String {
            let quote = characters[position]
            position += 1
            var result = String.UnicodeScalarView()
            while position < characters.count, characters[position] != quote {
                if characters[position] == "\\" { throw error("escape sequences are not supported in header strings") }
                result.append(characters[position])
                position += 1
            }
            guard position < characters.count else { throw error("unterminated string") }
            position += 1
            return String(result)
        }

        mutating func integer() throws(ParseError) -> Int {
            var negative = false
            if characters[position] == "-" {
                negative = true
                position += 1
            }
            var value = 0
            var digits = 0
            while position < characters.count, ("0"..."9").contains(characters[position]) {
                let digit = Int(characters[position].value - 48)
                let (times10, o1) = value.multipliedReportingOverflow(by: 10)
                let (next, o2) = times10.addingReportingOverflow(digit)
                guard !o1 && !o2 else { throw error("integer too large") }
                value = next
                digits += 1
                position += 1
            }
            guard digits > 0 else { throw error("expected digits") }
            // Python 2 wrote long integers with an L suffix.
            if position < characters.count, characters[position] == "L" { position += 1 }
            return negative ? -value : value
        }

        mutating func sequence(closing: Unicode.Scalar, depth: Int) throws(ParseError) -> (items: [PythonLiteral], sawComma: Bool) {
            position += 1
            var items: [PythonLiteral] = []
            var sawComma = false
            while true {
                skipSpace()
                guard position < characters.count else { throw error("unterminated sequence") }
                if characters[position] == closing {
                    position += 1
                    return (items, sawComma)
                }
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard position < characters.count else { throw error("unterminated sequence") }
                if characters[position] == "," {
                    sawComma = true
                    position += 1
                } else if characters[position] != closing {
                    throw error("expected ',' or '\(closing)'")
                }
            }
        }

        mutating func dictionary(depth: Int) throws(ParseError) -> PythonLiteral {
            position += 1
            var entries: [(key: String, value: PythonLiteral)] = []
            while true {
                skipSpace()
                guard position < characters.count else { throw error("unterminated dictionary") }
                if characters[position] == "}" {
                    position += 1
                    return .dictionary(entries)
                }
                guard characters[position] == "'" || characters[position] == "\"" else { throw error("expected a string key") }
                let key = try string()
                guard !entries.contains(where: { $0.key == key }) else { throw error("duplicate key '\(key)'") }
                skipSpace()
                guard position < characters.count, characters[position] == ":" else { throw error("expected ':'") }
                position += 1
                entries.append((key, try value(depth: depth + 1)))
                skipSpace()
                guard position < characters.count else { throw error("unterminated dictionary") }
                if characters[position] == "," {
                    position += 1
                } else if characters[position] != "}" {
                    throw error("expected ',' or '}'")
                }
            }
        }
    }
}
