import ArrayFormats
import Datasets
import Diffusion
import FixtureModels
import Foundation
import Models
import Tensors

/// One shipped model with the images `bench quality` explains on it: its test split, each
/// image explained for its true label when the model classifies it correctly (misclassified
/// images are counted and left out, as the papers do); its training images as the reference
/// set of EG and LPI; the object masks where the data has them (shapes); its diffusion model.
public struct QualityModel: Sendable {
    /// "digits-cnn", "digits-mlp", "shapes-cnn".
    public let name: String
    /// The trained model.
    public let network: Sequential
    /// The explained images: correctly classified test images.
    public let images: [Image]
    /// Test images left out because the model misclassifies them.
    public let misclassified: Int
    /// The test images considered (before leaving out the misclassified ones).
    public let considered: Int
    /// The training images, stacked [M] + input shape: EG's and LPI's references.
    public let references: Tensor
    /// The whole training split (ROAR retrains on it) and the recipe the model was trained with.
    public let training: LabeledData
    /// How the model was trained (ROAR retrains with it).
    public let recipe: FixtureRecipe
    /// The diffusion model trained on the same data and its chosen guidance scale; nil if none.
    public let diffusion: (model: DiffusionModel, guidanceScale: Double)?
    /// The diffusion model with its denoiser saved earlier in training, by step: the
    /// dose–response's denoisers (empty where none were saved).
    public let denoiserCheckpoints: [Checkpoint]

    /// A diffusion model whose denoiser stopped after `steps` Adam steps, and its test denoising loss.
    public struct Checkpoint: Sendable {
        /// Adam steps of the denoiser.
        public let steps: Int
        /// The model (the final noisy classifier).
        public let model: DiffusionModel
        /// Its test denoising loss, as train-fixtures recorded it.
        public let testLoss: Double

        /// The checkpoints saved beside the diffusion directory `directory` (NAME-checkpoints/step-S), by step.
        static func all(of directory: URL) throws -> [Checkpoint] {
            let folder = TrainedDiffusion.checkpointsDirectory(of: directory)
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
            return try names.compactMap { name -> Checkpoint? in
                guard name.hasPrefix("step-"), let steps = Int(name.dropFirst(5)) else { return nil }
                let stepDirectory = folder.appendingPathComponent(name)
                let text = try String(contentsOf: stepDirectory.appendingPathComponent("metrics.json"), encoding: .utf8)
                guard let loss = try JSONValue.parse(text)["testDenoisingLoss"]?.doubleValue else {
                    throw QualityError("\(stepDirectory.path)/metrics.json has no testDenoisingLoss; restore it with `git checkout Fixtures/diffusion`")
                }
                return Checkpoint(steps: steps, model: try DiffusionModel.load(stepDirectory), testLoss: loss)
            }.sorted { $0.steps < $1.steps }
        }
    }

    /// One explained image.
    public struct Image: Sendable {
        /// Its index in the test split.
        public let index: Int
        /// The image, of the model's input shape.
        public let input: Tensor
        /// The true label, also the predicted class.
        public let label: Int
        /// The object mask [H, W] of 0 and 1, where the data has one.
        public let mask: Tensor?
    }

    /// The models `bench quality` runs by default.
    public static let defaultNames = ["digits-cnn", "digits-mlp", "shapes-cnn"]

    /// The background-swapped models: the digits on texture and the shapes on black, trained
    /// as digits-cnn and shapes-cnn are. They have no diffusion model, and the run gives them
    /// only the methods IDGI's claims compare (``QualityMethod/runs(on:)``).
    public static let swappedBackgroundNames = ["digits-textured-cnn", "shapes-black-cnn"]

    /// The residual network, run when named (`--models shapes-resnet`): every method, DDPath
    /// with the shapes diffusion model, on the shapes' test images and masks.
    public static let graphNames = ["shapes-resnet"]

    /// Every model a run may name.
    public static let allNames = defaultNames + swappedBackgroundNames + graphNames

    /// Loads model `name` and its data; `limit` takes the first images of the test split only,
    /// `references` the first images of the training split only.
    /// - Throws: when the model, its data or its diffusion directory cannot be read.
    public static func load(_ name: String, limit: Int? = nil, references: Int? = nil) throws -> QualityModel {
        let network = try ShippedModels.network(name)
        guard allNames.contains(name), let recipe = FixtureRecipe.all.first(where: { $0.name == name }) else {
            throw QualityError(
                "bench quality runs on \(allNames.joined(separator: ", ")) (their test splits and masks); '\(name)' is not one of them")
        }
        let split = try recipe.data()
        // The shapes' masks do not depend on the background.
        let masks = name.hasPrefix("shapes") ? Datasets.shapes(count: FixtureRecipe.shapesTest.count, seed: FixtureRecipe.shapesTest.seed).masks : nil
        let count = min(limit ?? split.test.count, split.test.count)
        let inputs = (0..<count).map { split.test.inputs.point($0) }
        let predictions = count == 0 ? [] : try network.predictions(for: Tensor.stacking(inputs))
        var images: [Image] = []
        for i in 0..<count where predictions[i] == split.test.labels[i] {
            let mask = masks.map { m in
                let side = m.shape[2]
                return m.point(i).reshaped([side, m.shape[3]])
            }
            images.append(Image(index: i, input: inputs[i], label: split.test.labels[i], mask: mask))
        }
        var diffusion: (model: DiffusionModel, guidanceScale: Double)? = nil
        var checkpoints: [Checkpoint] = []
        if defaultNames.contains(name) || graphNames.contains(name) {
            let family = name.hasPrefix("digits") ? "digits" : "shapes"
            let directory = ShippedModels.fixturesDirectory.appendingPathComponent("diffusion/\(family)")
            diffusion = (try DiffusionModel.load(directory), try chosenGuidanceScale(directory))
            checkpoints = try Checkpoint.all(of: directory)
        }
        return QualityModel(
            name: name, network: network, images: images, misclassified: count - images.count, considered: count,
            references: references.map { split.train.subset(Array(0..<min($0, split.train.count))).inputs } ?? split.train.inputs,
            training: split.train, recipe: recipe, diffusion: diffusion, denoiserCheckpoints: checkpoints)
    }

    /// The guidance scale `train-fixtures` chose for the diffusion model (its metrics.json).
    static func chosenGuidanceScale(_ directory: URL) throws -> Double {
        let url = directory.appendingPathComponent("metrics.json")
        guard let text = try? String(contentsOf: url, encoding: .utf8),
            let scale = (try? JSONValue.parse(text))?["chosenGuidanceScale"]?.doubleValue
        else {
            throw QualityError("\(url.path) has no chosenGuidanceScale; restore it with `git checkout Fixtures/diffusion`")
        }
        return scale
    }
}
