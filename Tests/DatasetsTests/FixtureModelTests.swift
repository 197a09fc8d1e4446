import ArrayFormats
import Datasets
import FixtureModels
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

/// The shipped models under Fixtures/models.
@Suite("Shipped models: accuracy and reproducibility", .tags(.fixtures))
struct FixtureModelTests {
    static let names = FixtureRecipe.all.map(\.name)

    @Test("Each committed model reproduces its recorded test accuracy exactly, and its check logits bit for bit", arguments: names)
    func recordedAccuracy(name: String) throws {
        let recipe = try #require(FixtureRecipe.all.first { $0.name == name })
        let directory = TrainedFixture.modelsDirectory.appendingPathComponent(name)
        let network = try ModelDirectory.load(directory)
        let text = try String(contentsOf: directory.appendingPathComponent("metrics.json"), encoding: .utf8)
        let metrics = try JSONValue.parse(text)
        let test = try recipe.data().test
        let correct = try Training.correctCount(of: network, inputs: test.inputs, labels: test.labels)
        #expect(metrics["testCount"]?.intValue == test.count)
        #expect(metrics["testCorrect"]?.intValue == correct)
        #expect(metrics["testAccuracy"]?.doubleValue == Double(correct) / Double(test.count))
        // The acceptance lines of the fixtures issue.
        let minimum = ["digits-mlp": 0.96, "digits-cnn": 0.97, "shapes-cnn": 0.98, "moons-mlp": 0.97, "digits-textured-cnn": 0.97, "shapes-black-cnn": 0.98, "shapes-resnet": 0.98][name]!
        #expect(Double(correct) / Double(test.count) >= minimum)

        let checkInputs = try NPY.read(contentsOf: directory.appendingPathComponent("check/inputs.npy"))
        let checkLogits = try NPY.read(contentsOf: directory.appendingPathComponent("check/logits.npy"))
        #expect(checkInputs == test.subset(Array(0..<checkInputs.batchCount)).inputs)
        #expect(try network.logits(for: checkInputs) == checkLogits)
    }

    @Test("Retraining the smallest model from its recipe writes byte-identical files", .tags(.slow, .determinism))
    func retrainSmallest() throws {
        let recipe = FixtureRecipe.moonsMLP
        let directory = try FixturePaths.temporaryDirectory("retrain")
        defer { try? FileManager.default.removeItem(at: directory) }
        try TrainedFixture.train(recipe).write(to: directory)
        let committed = TrainedFixture.modelsDirectory.appendingPathComponent(recipe.name)
        let files = try FileManager.default.subpathsOfDirectory(atPath: committed.path).filter { $0.hasSuffix(".npy") || $0.hasSuffix(".json") }.sorted()
        #expect(files.count >= 8)
        #expect(try FileManager.default.subpathsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".npy") || $0.hasSuffix(".json") }.sorted() == files)
        for file in files {
            let ours = try Data(contentsOf: directory.appendingPathComponent(file))
            let theirs = try Data(contentsOf: committed.appendingPathComponent(file))
            #expect(ours == theirs, "\(file) differs from the committed one")
        }
    }
}
