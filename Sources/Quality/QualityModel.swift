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

    /// Loads model `name` and its data; `limit` takes the first images of the test split only,
    /// `references` the first images of the training split only.
    /// - Throws: when the model, its data or its diffusion directory cannot be read.
    public static func load(_ name: String, limit: Int? = nil, references: Int? = nil) throws -> QualityModel {
        let network = try ShippedModels.network(name)
        let split: DataSplit
        var masks: Tensor? = nil
        switch name {
        case "digits-cnn", "digits-mlp":
            split = try Datasets.digits()
        case "shapes-cnn":
            let train = Datasets.shapes(count: FixtureRecipe.shapesTrain.count, seed: FixtureRecipe.shapesTrain.seed)
            let test = Datasets.shapes(count: FixtureRecipe.shapesTest.count, seed: FixtureRecipe.shapesTest.seed)
            split = DataSplit(train: train.images, test: test.images)
            masks = test.masks
        default:
            throw QualityError("bench quality runs on digits-cnn, digits-mlp and shapes-cnn (their test splits and masks); '\(name)' is not one of them")
        }
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
        let family = name.hasPrefix("digits") ? "digits" : "shapes"
        let directory = ShippedModels.fixturesDirectory.appendingPathComponent("diffusion/\(family)")
        let model = try DiffusionModel.load(directory)
        let scale = try chosenGuidanceScale(directory)
        return QualityModel(
            name: name, network: network, images: images, misclassified: count - images.count, considered: count,
            references: references.map { split.train.subset(Array(0..<min($0, split.train.count))).inputs } ?? split.train.inputs,
            training: split.train, recipe: FixtureRecipe.all.first { $0.name == name }!, diffusion: (model, scale))
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
