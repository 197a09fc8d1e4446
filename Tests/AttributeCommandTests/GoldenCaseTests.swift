import ArrayFormats
import AttributeCommand
import Foundation
import Tensors
import Testing
import _TestSupport

/// Replays every case of Fixtures/goldens/cases.json through the `attribute` command and
/// compares with the reference attribution from Captum, PAIR saliency or the official IDGI
/// function (Fixtures/reference/export_attribution_goldens.py says which, and why each
/// tolerance is what it is: 1e-9 where both sides compute in float64, looser where the peer
/// rounds to float32 as shipped).
@Suite("Goldens from Captum, PAIR saliency and the official IDGI code, through the CLI", .tags(.golden, .commandLine))
struct GoldenCaseTests {
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var arguments: [String]
        var golden: String
        var tolerance: Double
        var source: String
        var description: String { name }
    }

    static func cases() throws -> [Case] {
        let text = try String(contentsOf: FixturePaths.url("goldens/cases.json"), encoding: .utf8)
        let entries = try #require(try JSONValue.parse(text)["cases"]?.arrayValue)
        return try entries.map { entry in
            let model = try #require(entry["model"]?.stringValue)
            let input = try #require(entry["input"]?.stringValue)
            return Case(
                name: try #require(entry["name"]?.stringValue),
                arguments: ["--model", FixturePaths.url(model).path, "--input", FixturePaths.url(input).path]
                    + (try #require(entry["arguments"]?.arrayValue)).compactMap(\.stringValue),
                golden: try #require(entry["golden"]?.stringValue),
                tolerance: try #require(entry["tolerance"]?.doubleValue),
                source: try #require(entry["source"]?.stringValue))
        }
    }

    @Test("Every golden case matches within its stated tolerance; the worst error per method is printed")
    func everyCase() throws {
        let scratch = try FixturePaths.temporaryDirectory("goldens")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let cases = try Self.cases()
        #expect(cases.count >= 80)
        var worst: [String: Double] = [:]
        for testCase in cases {
            let out = scratch.appendingPathComponent("a.npy")
            let outcome = AttributeCommand.run(testCase.arguments + ["--out", out.path])
            #expect(outcome.status == 0, "\(testCase): \(outcome.standardError)")
            guard outcome.status == 0 else { continue }
            let ours = try NPY.read(contentsOf: out)
            let reference = try NPY.read(contentsOf: FixturePaths.url(testCase.golden))
            #expect(ours.shape == reference.shape)
            let error = normwiseRelativeError(ours.scalars, reference.scalars)
            #expect(error <= testCase.tolerance, "\(testCase): relative error \(error) > \(testCase.tolerance) (\(testCase.source))")
            // Group by method: the case name without its model.
            let method = String(testCase.name.split(separator: " ").dropFirst().joined(separator: " "))
            worst[method] = max(worst[method] ?? 0, error)
        }
        for (method, error) in worst.sorted(by: { $0.key < $1.key }) {
            print("golden \(method): worst normwise relative error \(error)")
        }
    }
}
