import ArrayFormats
import Datasets
import Diffusion
import Foundation
import Models
import Tensors

/// How one shipped diffusion model is made: data, schedule, the two networks, their
/// training, and the checks recorded in its metrics.json. Everything is fixed here, seeds
/// included, so `train-fixtures` rebuilds the committed files bit for bit.
///
/// Both networks are MLPs on [flatten(u_t), e(t)] with SiLU activations: small enough to
/// train in a minute or two on two cores at 8×8 and 16×16, large enough that guided samples
/// are recognised by the shipped classifiers (metrics.json records how often).
public struct DiffusionRecipe: Sendable {
    /// The folder name under `Fixtures/diffusion/`.
    public var name: String
    /// The data set in words.
    public var dataDescription: String
    /// Loads or generates the training and test data (images in [0, 1]).
    public var data: @Sendable () throws(DatasetError) -> DataSplit
    /// The shipped classifier (under `Fixtures/models/`) that judges the samples.
    public var judge: String
    /// The linear schedule: b0, b1, T_d.
    public var betaStart: Double, betaEnd: Double, diffusionSteps: Int
    /// d, the time embedding's dimension.
    public var embeddingDimension: Int
    /// Hidden widths of the denoiser and of the noisy classifier.
    public var denoiserWidths: [Int], classifierWidths: [Int]
    /// Adam steps, minibatch size, learning rate.
    public var denoiserSteps: Int, classifierSteps: Int, batchSize: Int, learningRate: Double
    /// Seeds the initial weights and the training draws.
    public var seed: UInt64
    /// The guidance scales whose sample accuracy metrics.json records, and the one chosen.
    public var guidanceScales: [Double], chosenGuidanceScale: Double
    /// Guided samples per class for the accuracy check.
    public var samplesPerClass: Int
    /// Adam steps after which the denoiser is also saved (with the final classifier) under
    /// `Fixtures/diffusion/NAME-checkpoints/step-S`: denoisers of increasing quality from one
    /// training run, for DDPath's dose–response.
    public var denoiserCheckpoints: [Int] = []

    /// An MLP [D + d] → widths (SiLU) → outputs.
    static func mlp(inputs: Int, widths: [Int], outputs: Int, using generator: inout Xoshiro256StarStar) throws(ModelError) -> Sequential {
        var layers: [any Layer] = []
        var width = inputs
        for hidden in widths {
            layers.append(Dense(inputs: width, outputs: hidden, using: &generator))
            layers.append(ActivationLayer(.silu))
            width = hidden
        }
        layers.append(Dense(inputs: width, outputs: outputs, using: &generator))
        return try Sequential(inputShape: [inputs], layers: layers)
    }

    /// The untrained model.
    public func makeModel(inputShape: [Int], classCount: Int) throws -> DiffusionModel {
        var generator = Xoshiro256StarStar(seed: seed)
        let features = Tensor.elementCount(of: inputShape)
        let denoiser = try Self.mlp(inputs: features + embeddingDimension, widths: denoiserWidths, outputs: features, using: &generator)
        let classifier = try Self.mlp(inputs: features + embeddingDimension, widths: classifierWidths, outputs: classCount, using: &generator)
        return try DiffusionModel(
            inputShape: inputShape, classCount: classCount, dataRange: 0...1,
            schedule: try NoiseSchedule(betaStart: betaStart, betaEnd: betaEnd, steps: diffusionSteps),
            embedding: try TimeEmbedding(dimension: embeddingDimension), denoiser: denoiser, classifier: classifier)
    }

    /// The network layouts in words, for metrics.json.
    public var architecture: String {
        func describe(_ widths: [Int], _ output: String) -> String { (["[D + \(embeddingDimension)]"] + widths.map { "\($0) silu" } + [output]).joined(separator: " → ") }
        return "denoiser " + describe(denoiserWidths, "D (ε̂)") + "; classifier " + describe(classifierWidths, "K logits")
    }
}

extension DiffusionRecipe {
    /// `Fixtures/diffusion/digits`: on the 1,437 training digits.
    public static let digits = DiffusionRecipe(
        name: "digits", dataDescription: "UCI/scikit-learn 8×8 digits, 1,437 train / 360 test (Fixtures/data)",
        data: { () throws(DatasetError) in try Datasets.digits() }, judge: "digits-cnn",
        betaStart: 5e-4, betaEnd: 0.1, diffusionSteps: 200, embeddingDimension: 32,
        denoiserWidths: [256, 256, 256], classifierWidths: [128, 128],
        denoiserSteps: 12_000, classifierSteps: 6_000, batchSize: 128, learningRate: 1e-3, seed: 21,
        guidanceScales: [1, 2, 4, 8], chosenGuidanceScale: 4, samplesPerClass: 100, denoiserCheckpoints: [200, 1000, 4000])

    /// `Fixtures/diffusion/shapes`: on the 4,000 generated training shapes.
    public static let shapes = DiffusionRecipe(
        name: "shapes",
        dataDescription: "synthetic shapes: train Datasets.shapes(count: \(FixtureRecipe.shapesTrain.count), seed: \(FixtureRecipe.shapesTrain.seed)), "
            + "test Datasets.shapes(count: \(FixtureRecipe.shapesTest.count), seed: \(FixtureRecipe.shapesTest.seed))",
        data: { () throws(DatasetError) in
            DataSplit(
                train: Datasets.shapes(count: FixtureRecipe.shapesTrain.count, seed: FixtureRecipe.shapesTrain.seed).images,
                test: Datasets.shapes(count: FixtureRecipe.shapesTest.count, seed: FixtureRecipe.shapesTest.seed).images)
        },
        judge: "shapes-cnn",
        betaStart: 5e-4, betaEnd: 0.1, diffusionSteps: 200, embeddingDimension: 32,
        denoiserWidths: [384, 384, 384], classifierWidths: [256, 256],
        denoiserSteps: 8_000, classifierSteps: 4_000, batchSize: 128, learningRate: 1e-3, seed: 22,
        guidanceScales: [2, 4, 8, 16], chosenGuidanceScale: 8, samplesPerClass: 100)

    /// Every shipped diffusion model.
    public static let all: [DiffusionRecipe] = [.digits, .shapes]
}

/// A trained diffusion model with the numbers that describe it.
public struct TrainedDiffusion: Sendable {
    /// The recipe.
    public var recipe: DiffusionRecipe
    /// The model.
    public var model: DiffusionModel
    /// metrics.json's members.
    public var metrics: [JSONValue.Member]
    /// The denoiser after each of the recipe's checkpoint steps, with the final classifier, and
    /// its denoising loss on the test and on the training images (the same draws as the final
    /// model's test loss).
    public var checkpoints: [(step: Int, model: DiffusionModel, testLoss: Double, trainLoss: Double)] = []
    /// The final denoiser's and the exact denoiser's (``EmpiricalDenoiser`` over the training
    /// images) losses on the training images, and the exact one's on the test images; nil
    /// without checkpoints. On the training images the exact denoiser is the Bayes-optimal
    /// one, the minimum of the training objective that more training tends to; on test images
    /// it snaps to the nearest training image, so its test loss is large.
    public var limits: (finalTrainLoss: Double, exactTrainLoss: Double, exactTestLoss: Double)? = nil

    /// Trains `recipe`'s networks and measures them; `log` gets a line per report.
    public static func train(_ recipe: DiffusionRecipe, log: (String) -> Void = { _ in }) throws -> TrainedDiffusion {
        let data = try recipe.data()
        var model = try recipe.makeModel(inputShape: data.train.pointShape, classCount: data.train.classCount)
        let trainU = model.diffusionScale(data.train.inputs)
        let testU = model.diffusionScale(data.test.inputs)
        var denoiserOptimizer = Adam(learningRate: recipe.learningRate)
        var snapshots: [(step: Int, denoiser: Sequential)] = []
        try DiffusionTraining.trainDenoiser(
            &model, data: trainU, steps: recipe.denoiserSteps, batchSize: recipe.batchSize, optimizer: &denoiserOptimizer,
            seed: recipe.seed, reportEvery: 1000, progress: { log(String(format: "   %@ denoiser step %6d  loss %.5f", recipe.name, $0.step, $0.meanLoss)) },
            checkpoints: Set(recipe.denoiserCheckpoints), checkpoint: { snapshots.append(($0, $1)) })
        var classifierOptimizer = Adam(learningRate: recipe.learningRate)
        try DiffusionTraining.trainClassifier(
            &model, data: trainU, labels: data.train.labels, steps: recipe.classifierSteps, batchSize: recipe.batchSize,
            optimizer: &classifierOptimizer, seed: recipe.seed + 1, reportEvery: 1000
        ) { log(String(format: "   %@ classifier step %6d  loss %.5f", recipe.name, $0.step, $0.meanLoss)) }

        // The checks metrics.json records.
        let testLoss = try DiffusionTraining.denoisingLoss(model, data: testU, draws: 4, seed: 7)
        let T = recipe.diffusionSteps
        let checkTimes = [1, T / 10, T / 4, T / 2, 3 * T / 4, T]
        let noisyAccuracy = try DiffusionTraining.noisyAccuracy(model, data: testU, labels: data.test.labels, times: checkTimes, seed: 8)
        log(String(format: "   %@ test denoising loss %.5f; noisy classifier accuracy %@ at t = %@", recipe.name, testLoss,
                   noisyAccuracy.map { String(format: "%.3f", $0) }.joined(separator: ", "), checkTimes.map(String.init).joined(separator: ", ")))
        let judge = try ModelDirectory.load(TrainedFixture.modelsDirectory.appendingPathComponent(recipe.judge))
        let classes = model.classCount
        var accuracies: [JSONValue] = []
        for scale in recipe.guidanceScales {
            let wanted = (0..<classes).flatMap { Array(repeating: $0, count: recipe.samplesPerClass) }
            let samples = try model.sample(classes: wanted.map { $0 }, scale: scale, seed: 100)
            let predicted = try judge.predictions(for: samples)
            let accuracy = Double(zip(predicted, wanted).filter { $0 == $1 }.count) / Double(wanted.count)
            log(String(format: "   %@ guided samples at scale %.2f: %.3f recognised by %@", recipe.name, scale, accuracy, recipe.judge))
            accuracies.append(.object([.init("scale", .number(scale)), .init("accuracy", .number(accuracy))]))
        }
        let unguided = try model.sample(classes: Array(repeating: nil, count: classes * recipe.samplesPerClass), scale: 0, seed: 101)
        var histogram = [Int](repeating: 0, count: classes)
        for k in try judge.predictions(for: unguided) { histogram[k] += 1 }
        log("   \(recipe.name) unguided samples by \(recipe.judge)'s class: \(histogram)")
        let metrics: [JSONValue.Member] = [
            .init("model", .string(recipe.name)),
            .init("architecture", .string(recipe.architecture)),
            .init("data", .string(recipe.dataDescription)),
            .init("schedule", .string("linear β from \(recipe.betaStart) to \(recipe.betaEnd) over \(T) steps")),
            .init("training", .string("Adam, learning rate \(recipe.learningRate), batch \(recipe.batchSize); denoiser \(recipe.denoiserSteps) steps (seed \(recipe.seed)), classifier \(recipe.classifierSteps) steps (seed \(recipe.seed + 1))")),
            .init("testDenoisingLoss", .number(testLoss)),
            .init("noisyClassifierAccuracy", .array(zip(checkTimes, noisyAccuracy).map { .object([.init("t", .number(Double($0))), .init("accuracy", .number($1))]) })),
            .init("judge", .string(recipe.judge)),
            .init("guidedSampleAccuracy", .array(accuracies)),
            .init("samplesPerClass", .number(Double(recipe.samplesPerClass))),
            .init("chosenGuidanceScale", .number(recipe.chosenGuidanceScale)),
            .init("unguidedClassHistogram", .array(histogram.map { .number(Double($0)) })),
        ]
        var trained = TrainedDiffusion(recipe: recipe, model: model, metrics: metrics)
        for (step, denoiser) in snapshots {
            let checkpoint = try DiffusionModel(
                inputShape: model.inputShape, classCount: model.classCount, dataRange: model.dataRange, schedule: model.schedule,
                embedding: model.embedding, denoiser: denoiser, classifier: model.classifier)
            let loss = try DiffusionTraining.denoisingLoss(checkpoint, data: testU, draws: 4, seed: 7)
            let trainLoss = try DiffusionTraining.denoisingLoss(checkpoint, data: trainU, draws: 4, seed: 7)
            log(String(format: "   %@ checkpoint at step %d: denoising loss %.5f test, %.5f train", recipe.name, step, loss, trainLoss))
            trained.checkpoints.append((step, checkpoint, loss, trainLoss))
        }
        if !snapshots.isEmpty {
            let exact = try EmpiricalDenoiser(references: trainU, schedule: model.schedule)
            func exactLoss(_ data: Tensor) throws(DiffusionError) -> Double {
                try DiffusionTraining.denoisingLoss(model, data: data, draws: 4, seed: 7) { u, times throws(DiffusionError) in try exact.predictedNoise(u, times: times) }
            }
            let limits = (try DiffusionTraining.denoisingLoss(model, data: trainU, draws: 4, seed: 7), try exactLoss(trainU), try exactLoss(testU))
            log(String(format: "   %@ train denoising loss %.5f; exact denoiser of the training images: %.5f train, %.5f test", recipe.name,
                       limits.0, limits.1, limits.2))
            trained.limits = limits
        }
        return trained
    }

    /// Writes the diffusion directory and metrics.json; the checkpoints, if any, go to the
    /// sibling folder NAME-checkpoints: one diffusion directory per step (its metrics.json
    /// holds the step, its test loss and the chosen guidance scale), and a metrics.json that
    /// lists them with the final model's and the exact denoiser's losses.
    public func write(to directory: URL) throws {
        try model.save(to: directory)
        try AtomicFile.write(JSONValue.object(metrics).prettyPrinted, to: directory.appendingPathComponent("metrics.json"))
        guard !checkpoints.isEmpty else { return }
        let folder = Self.checkpointsDirectory(of: directory)
        let finalLoss = metrics.first(where: { $0.key == "testDenoisingLoss" })?.value ?? .null
        var rows: [JSONValue] = []
        for (step, checkpoint, loss, trainLoss) in checkpoints {
            let stepDirectory = folder.appendingPathComponent("step-\(step)")
            try checkpoint.save(to: stepDirectory)
            let members: [JSONValue.Member] = [
                .init("model", .string("\(recipe.name) after \(step) of \(recipe.denoiserSteps) denoiser steps, with the final classifier")),
                .init("denoiserSteps", .number(Double(step))), .init("testDenoisingLoss", .number(loss)), .init("trainDenoisingLoss", .number(trainLoss)),
                .init("chosenGuidanceScale", .number(recipe.chosenGuidanceScale)),
            ]
            try AtomicFile.write(JSONValue.object(members).prettyPrinted, to: stepDirectory.appendingPathComponent("metrics.json"))
            rows.append(.object([.init("denoiserSteps", .number(Double(step))), .init("testDenoisingLoss", .number(loss)), .init("trainDenoisingLoss", .number(trainLoss))]))
        }
        let summary: [JSONValue.Member] = [
            .init("model", .string(recipe.name)),
            .init("lossDraws", .string("‖ε̂ − ε‖²/D over 4 seeded (t, ε) draws per image, seed 7, as the final model's testDenoisingLoss")),
            .init("checkpoints", .array(rows)),
            .init("final", .object([
                .init("denoiserSteps", .number(Double(recipe.denoiserSteps))), .init("testDenoisingLoss", finalLoss),
                .init("trainDenoisingLoss", limits.map { .number($0.finalTrainLoss) } ?? .null),
            ])),
            .init("exactDenoiser", .object([
                .init("model", .string("the posterior mean over the training images (the Bayes-optimal denoiser of the training set)")),
                .init("testDenoisingLoss", limits.map { .number($0.exactTestLoss) } ?? .null),
                .init("trainDenoisingLoss", limits.map { .number($0.exactTrainLoss) } ?? .null),
            ])),
        ]
        try AtomicFile.write(JSONValue.object(summary).prettyPrinted, to: folder.appendingPathComponent("metrics.json"))
    }

    /// NAME-checkpoints beside the diffusion directory NAME.
    public static func checkpointsDirectory(of directory: URL) -> URL {
        directory.deletingLastPathComponent().appendingPathComponent(directory.lastPathComponent + "-checkpoints")
    }

    /// `Fixtures/diffusion` of this checkout.
    public static var diffusionDirectory: URL {
        TrainedFixture.modelsDirectory.deletingLastPathComponent().appendingPathComponent("diffusion")
    }
}
