/// A JSON value (RFC 8259) with object members kept in order.
///
/// Written here rather than taken from Foundation for three reasons: members keep their
/// order, so files this library writes (model.json, ledgers, the CLI's stdout) are
/// byte-for-byte reproducible; numbers and booleans stay distinct (Foundation's
/// `JSONSerialization` returns both as `NSNumber` on Linux); and the parser reports the
/// position of the first problem and bounds its nesting depth, so hostile files fail cleanly.
public enum JSONValue: Sendable, Equatable, CustomStringConvertible {
    /// `null`
    case null
    /// `true` / `false`
    case bool(Bool)
    /// A finite number.
    case number(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object, members in order.
    case object([Member])

    /// One member of an object.
    public struct Member: Sendable, Equatable {
        /// The member's name.
        public var key: String
        /// The member's value.
        public var value: JSONValue
        /// A member.
        public init(_ key: String, _ value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    // MARK: Access

    /// The value of member `key` of an object; nil for a missing member or a non-object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// The member names of an object, in order (empty for other values).
    public var keys: [String] {
        guard case .object(let members) = self else { return [] }
        return members.map(\.key)
    }

    /// The number, if this is one.
    public var doubleValue: Double? {
        if case .number(let x) = self { return x }
        return nil
    }

    /// The number as an `Int`, if this is a number with no fractional part that fits.
    public var intValue: Int? {
        guard case .number(let x) = self, x.rounded() == x, abs(x) <= 9_007_199_254_740_992 else { return nil }
        return Int(x)
    }

    /// The string, if this is one.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The Boolean, if this is one.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// A short name of the value's type, for error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a Boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    // MARK: Writing

    /// Compact JSON text: no white space between tokens.
    public var description: String {
        var out = ""
        write(into: &out, indent: nil, level: 0)
        return out
    }

    /// JSON text indented by two spaces per level, one member or element per line.
    public var prettyPrinted: String {
        var out = ""
        write(into: &out, indent: "  ", level: 0)
        return out + "\n"
    }

    /// A number as JSON text: integers without a fraction, others in Swift's shortest
    /// round-trip form (so parsing the text gives back the same `Double`). JSON has no NaN or
    /// infinity: those are written as `null` (this library's own outputs never contain them;
    /// the writer is total so that a mistake cannot crash it).
    public static func format(_ x: Double) -> String {
        guard x.isFinite else { return "null" }
        if x == 0 && x.sign == .minus { return "-0.0" }
        if x.rounded() == x && abs(x) < 1e15 { return String(Int64(x)) }
        return String(x)
    }

    private func write(into out: inout String, indent: String?, level: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let x): out += JSONValue.format(x)
        case .string(let s): JSONValue.writeString(s, into: &out)
        case .array(let items):
            writeContainer(open: "[", close: "]", count: items.count, into: &out, indent: indent, level: level) { i, out in
                items[i].write(into: &out, indent: indent, level: level + 1)
            }
        case .object(let members):
            writeContainer(open: "{", close: "}", count: members.count, into: &out, indent: indent, level: level) { i, out in
                JSONValue.writeString(members[i].key, into: &out)
                out += indent == nil ? ":" : ": "
                members[i].value.write(into: &out, indent: indent, level: level + 1)
            }
        }
    }

    private func writeContainer(
        open: String, close: String, count: Int, into out: inout String, indent: String?, level: Int,
        element: (Int, inout String) -> Void
    ) {
        out += open
        guard count > 0 else {
            out += close
            return
        }
        // Arrays of numbers stay on one line even when pretty-printing: shapes and vectors read better.
        let inline = indent == nil || (open == "[" && isFlatArray)
        for i in 0..<count {
            if i > 0 { out += inline && indent != nil ? ", " : "," }
            if !inline, let indent { out += "\n" + String(repeating: indent, count: level + 1) }
            element(i, &out)
        }
        if !inline, let indent { out += "\n" + String(repeating: indent, count: level) }
        out += close
    }

    private var isFlatArray: Bool {
        guard case .array(let items) = self else { return false }
        return items.allSatisfy {
            switch $0 {
            case .array, .object: return false
            default: return true
            }
        }
    }

    private static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
