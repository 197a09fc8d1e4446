import ArrayFormats
import Testing
import Tensors
import _TestSupport

@Suite("JSON values: parse, print, and reject", .tags(.formats))
struct JSONValueTests {
    @Test("A document with every kind of value parses to the expected tree and prints back the same")
    func parseAndPrint() throws {
        let text = #"{"a":[1,-2.5,1e-05,true,false,null],"b":{"c":"x\"\\\n\u00e9\ud83d\ude00"},"d":[]}"#
        let value = try JSONValue.parse(text)
        #expect(value["a"] == .array([.number(1), .number(-2.5), .number(1e-5), .bool(true), .bool(false), .null]))
        #expect(value["b"]?["c"]?.stringValue == "x\"\\\né😀")
        #expect(value.keys == ["a", "b", "d"])
        #expect(try JSONValue.parse(value.description) == value)
        #expect(try JSONValue.parse(value.prettyPrinted) == value)
    }

    @Test("Numbers print in a form that parses back to the same Double")
    func numberRoundTrip() throws {
        var generator = Seeds.generator(700)
        var numbers: [Double] = [0, -0.0, 1, -1, 0.1, 1e300, -1e-300, Double.leastNonzeroMagnitude, 123456789012345, 1e15, 0.5]
        numbers += (0..<500).map { _ in generator.nextNormal() * pow10(generator.nextIndex(below: 40) - 20) }
        for x in numbers {
            let parsed = try JSONValue.parse(JSONValue.format(x)).doubleValue
            #expect(parsed?.bitPattern == x.bitPattern, "\(x) printed as \(JSONValue.format(x))")
        }
    }

    @Test("JSON has no NaN or infinity: the writer puts null and never traps")
    func nonFinite() throws {
        #expect(JSONValue.format(.nan) == "null" && JSONValue.format(-.infinity) == "null")
        #expect(try JSONValue.parse(JSONValue.array([.number(1), .number(.infinity)]).description) == .array([.number(1), .null]))
    }

    @Test("Integers are recognised only when exact")
    func integers() throws {
        #expect(try JSONValue.parse("3").intValue == 3)
        #expect(try JSONValue.parse("3.0").intValue == 3)
        #expect(try JSONValue.parse("3.5").intValue == nil)
        #expect(try JSONValue.parse("1e300").intValue == nil)
        #expect(try JSONValue.parse("true").intValue == nil)
    }

    static let invalid: [(String, String)] = [
        ("", "unexpected end"), ("{", "expected a member name"), ("[1,]", "unexpected character"), ("[1 2]", "expected ','"),
        ("{\"a\" 1}", "expected ':'"), ("{\"a\":1,\"a\":2}", "duplicate"), ("01", "unexpected text"), ("1.", "decimal point"),
        ("1e", "exponent"), ("-", "ends too early"), ("\"abc", "unterminated string"), ("\"\\x\"", "invalid escape"),
        ("\"\\ud800\"", "surrogate"), ("tru", "invalid literal"), ("1e999", "out of range"), ("[1] 2", "unexpected text"),
        (String(repeating: "[", count: 100), "nesting deeper"), ("\"a\nb\"", "control character"),
    ]

    @Test("Invalid JSON is rejected with a positioned message", arguments: invalid)
    func rejects(text: String, phrase: String) {
        do {
            _ = try JSONValue.parse(text)
            Issue.record("\(text.debugDescription) was accepted")
        } catch {
            #expect(error.description.contains(phrase), "\(error.description)")
            #expect(error.description.contains("line"))
        }
    }
}

private func pow10(_ k: Int) -> Double {
    var x = 1.0
    for _ in 0..<abs(k) { x *= 10 }
    return k < 0 ? 1 / x : x
}
