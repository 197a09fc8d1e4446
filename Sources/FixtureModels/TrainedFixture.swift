import ArrayFormats
import Datasets
import Foundation
import Models
import Tensors

/// A trained model with the numbers that describe it.
public struct TrainedFixture: Sendable {
    /// The recipe it came from.
    public var recipe: FixtureRecipe
    /// The trained network.
    public var network: Sequential
    /// Correctly classified training points, and the training set's size.
    public var trainCorrect: Int, trainCount: Int
    /// Correctly classified test points, and the test set's size.
    public var testCorrect: Int, testCount: Int
    /// The first test points (up to 64), kept as a check for other implementations.
    public var checkInputs: Tensor

    /// Training accuracy, trainCorrect / trainCount.
    public var trainAccuracy: Double { Double(trainCorrect) / Double(trainCount) }
    /// Test accuracy, testCorrect / testCount.
    public var testAccuracy: Double { Double(testCorrect) / Double(testCount) }

    /// Trains `recipe`'s network on its data.
    /// - Parameter progress: called after each epoch.
    public static func train(_ recipe: FixtureRecipe, progress: (Training.EpochReport) -> Void = { _ in }) throws -> TrainedFixture {
        let data = try recipe.data()
        var generator = Xoshiro256StarStar(seed: recipe.seed)
        var network = try recipe.makeNetwork(&generator)
        if recipe.batchNormCalibrationCount > 0 {
            let count = min(recipe.batchNormCalibrationCount, data.train.count)
            network = try Training.calibratingBatchNormalization(network, on: data.train.subset(Array(0..<count)).inputs)
        }
        var optimizer = Adam(learningRate: recipe.learningRate)
        Training.train(
            &network, inputs: data.train.inputs, labels: data.train.labels, epochs: recipe.epochs, batchSize: recipe.batchSize,
            optimizer: &optimizer, seed: recipe.seed, progress: progress)
        let checkCount = min(64, data.test.count)
        return TrainedFixture(
            recipe: recipe, network: network,
            trainCorrect: try Training.correctCount(of: network, inputs: data.train.inputs, labels: data.train.labels),
            trainCount: data.train.count,
            testCorrect: try Training.correctCount(of: network, inputs: data.test.inputs, labels: data.test.labels),
            testCount: data.test.count,
            checkInputs: data.test.subset(Array(0..<checkCount)).inputs)
    }

    /// metrics.json: what was trained, how, and how well.
    public var metrics: JSONValue {
        .object([
            .init("model", .string(recipe.name)),
            .init("architecture", .string(recipe.architecture)),
            .init("data", .string(recipe.dataDescription)),
            .init("optimizer", .string("Adam, learning rate \(recipe.learningRate), batch \(recipe.batchSize), \(recipe.epochs) epochs, seed \(recipe.seed)")),
            .init("trainAccuracy", .number(trainAccuracy)),
            .init("testAccuracy", .number(testAccuracy)),
            .init("trainCorrect", .number(Double(trainCorrect))),
            .init("trainCount", .number(Double(trainCount))),
            .init("testCorrect", .number(Double(testCorrect))),
            .init("testCount", .number(Double(testCount))),
        ])
    }

    /// Writes the model directory, metrics.json, and check/inputs.npy with check/logits.npy
    /// (the first test points and this library's logits for them, for checking other
    /// implementations), plus example-input.npy (the first test point alone), and the ONNX
    /// files when the recipe asks for them.
    public func write(to directory: URL) throws {
        try ModelDirectory.save(network, to: directory)
        let check = directory.appendingPathComponent("check")
        try FileManager.default.createDirectory(at: check, withIntermediateDirectories: true)
        try NPY.write(checkInputs, to: check.appendingPathComponent("inputs.npy"))
        try NPY.write(try network.logits(for: checkInputs), to: check.appendingPathComponent("logits.npy"))
        try NPY.write(checkInputs.point(0), to: directory.appendingPathComponent("example-input.npy"))
        try AtomicFile.write(metrics.prettyPrinted, to: directory.appendingPathComponent("metrics.json"))
        if recipe.writesONNX {
            try ONNXExport.write(network, to: directory.appendingPathComponent("model.onnx"))
            try ONNXExport.write(network, to: directory.appendingPathComponent("model-float32.onnx"), elementType: .float32)
        }
    }

    /// `Fixtures/models` of the checkout this library was built from (or under the working directory).
    public static var modelsDirectory: URL {
        let checkout = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/models")
        if FileManager.default.fileExists(atPath: checkout.deletingLastPathComponent().path) { return checkout }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Fixtures/models")
    }
}
