import ArrayFormats
import AttributeCommand
import Foundation
import Testing
import _TestSupport

/// The README's recipe "Check your model against Captum or PAIR", run as written on the files
/// its Python wrote (`Fixtures/onnx/recipe/`, from `Fixtures/onnx/make_recipe_fixture.py`,
/// which runs the README's own Python): a torch ResNet block exported to ONNX, and Captum's IG.
@Suite("README: the Captum recipe's commands run as written", .tags(.commandLine))
struct ReadmeRecipeTests {
    /// The shell block of the README's section `title`.
    static func block(_ title: String) throws -> String {
        let readme = try String(contentsOf: FixturePaths.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "## \(title)").dropFirst().first)
        let afterFence = try #require(section.components(separatedBy: "```sh\n").dropFirst().first)
        return try #require(afterFence.components(separatedBy: "\n```").first)
    }

    @Test("The recipe's attribute verify line passes on what the recipe wrote: Captum's IG within the default tolerance")
    func verifyLine() throws {
        let block = try Self.block("Check your model against Captum or PAIR")
        let line = try #require(block.split(separator: "\n").first { $0.hasPrefix(".build/release/attribute ") })
        let folder = FixturePaths.url("onnx/recipe").path
        let arguments = line.replacingOccurrences(of: "$chk", with: folder).split(separator: " ").dropFirst().map(String.init)
        #expect(arguments.first == "verify" && arguments.contains("--model") && arguments.contains("\(folder)/model.onnx"))
        let outcome = AttributeCommand.run(arguments)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let lines = outcome.standardOutput.split(separator: "\n")
        #expect(lines.count == 2)
        for text in lines {
            let json = try JSONValue.parse(String(text))
            #expect(json["pass"]?.boolValue == true)
            // Captum's float32 nodes and weights: ~1e-9 of the map here, far inside 1e-6.
            #expect((json["maxRelativeDifference"]?.doubleValue ?? 1) < 1e-7, "\(text)")
        }
    }
}
