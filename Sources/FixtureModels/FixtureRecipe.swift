import Datasets
import Models
import Tensors

/// How one shipped model is made: its data, its architecture, and its training schedule.
///
/// Everything is fixed here — seeds included — so `train-fixtures` rebuilds the committed
/// files bit for bit, and the test that retrains a model uses this very recipe.
public struct FixtureRecipe: Sendable {
    /// The model's folder name under `Fixtures/models/`.
    public var name: String
    /// The architecture in words, for people and for metrics.json.
    public var architecture: String
    /// The data set in words.
    public var dataDescription: String
    /// Passes over the training data.
    public var epochs: Int
    /// Points per minibatch.
    public var batchSize: Int
    /// Adam's step size.
    public var learningRate: Double
    /// Seeds the initial weights (and, derived, the visiting order).
    public var seed: UInt64
    /// Loads or generates the training and test data.
    public var data: @Sendable () throws(DatasetError) -> DataSplit
    /// Builds the untrained network from a generator seeded with ``seed``.
    public var makeNetwork: @Sendable (inout Xoshiro256StarStar) throws(ModelError) -> Sequential
    /// The first this many training points set every BatchNorm's statistics before training
    /// (``Training/calibratingBatchNormalization(_:on:)``); 0 for networks without BatchNorm.
    public var batchNormCalibrationCount = 0
    /// Whether the model directory also gets `model.onnx` (float64, the network's bits) and
    /// `model-float32.onnx` (for runtimes without double kernels), written by ``ONNXExport``.
    public var writesONNX = false
}

extension FixtureRecipe {
    /// The generated data sets (count, seed) the shapes and moons models use.
    public static let shapesTrain = (count: 4000, seed: UInt64(1))
    /// The shapes test set.
    public static let shapesTest = (count: 1000, seed: UInt64(2))
    /// The moons training set.
    public static let moonsTrain = (count: 1000, seed: UInt64(1))
    /// The moons test set.
    public static let moonsTest = (count: 1000, seed: UInt64(2))
    /// The moons' noise σ.
    public static let moonsNoise = 0.15

    /// `digits-mlp`: flatten → 64-128-128-10 with ReLU, on the real digits.
    public static let digitsMLP = FixtureRecipe(
        name: "digits-mlp", architecture: "flatten → dense 64→128 → relu → dense 128→128 → relu → dense 128→10",
        dataDescription: "UCI/scikit-learn 8×8 digits, 1,437 train / 360 test (Fixtures/data)",
        epochs: 40, batchSize: 32, learningRate: 1e-3, seed: 11,
        data: { () throws(DatasetError) in try Datasets.digits() },
        makeNetwork: { (g: inout Xoshiro256StarStar) throws(ModelError) in
            try Sequential(inputShape: [1, 8, 8], layers: [
                Flatten(), Dense(inputs: 64, outputs: 128, using: &g), ActivationLayer(.relu),
                Dense(inputs: 128, outputs: 128, using: &g), ActivationLayer(.relu), Dense(inputs: 128, outputs: 10, using: &g),
            ])
        })

    /// `digits-cnn`: conv → relu → conv → relu → maxpool → dense, on the real digits.
    public static let digitsCNN = FixtureRecipe(
        name: "digits-cnn",
        architecture: "conv 1→8 3×3 pad 1 → relu → conv 8→16 3×3 pad 1 → relu → maxpool 2 → flatten → dense 256→10",
        dataDescription: "UCI/scikit-learn 8×8 digits, 1,437 train / 360 test (Fixtures/data)",
        epochs: 25, batchSize: 32, learningRate: 3e-3, seed: 12,
        data: { () throws(DatasetError) in try Datasets.digits() },
        makeNetwork: { (g: inout Xoshiro256StarStar) throws(ModelError) in
            try Sequential(inputShape: [1, 8, 8], layers: [
                Conv2D(inChannels: 1, outChannels: 8, kernelSize: 3, padding: 1, using: &g), ActivationLayer(.relu),
                Conv2D(inChannels: 8, outChannels: 16, kernelSize: 3, padding: 1, using: &g), ActivationLayer(.relu),
                MaxPool2D(size: 2, stride: 2), Flatten(), Dense(inputs: 256, outputs: 10, using: &g),
            ])
        })

    /// `shapes-cnn`: a small CNN on the synthetic shapes (4 classes, 16×16).
    public static let shapesCNN = FixtureRecipe(
        name: "shapes-cnn",
        architecture: "conv 1→8 3×3 pad 1 → relu → maxpool 2 → conv 8→16 3×3 pad 1 → relu → maxpool 2 → flatten → dense 256→4",
        dataDescription: "synthetic shapes: train Datasets.shapes(count: \(shapesTrain.count), seed: \(shapesTrain.seed)), "
            + "test Datasets.shapes(count: \(shapesTest.count), seed: \(shapesTest.seed))",
        epochs: 20, batchSize: 32, learningRate: 2e-3, seed: 13,
        data: { () throws(DatasetError) in
            DataSplit(
                train: Datasets.shapes(count: shapesTrain.count, seed: shapesTrain.seed).images,
                test: Datasets.shapes(count: shapesTest.count, seed: shapesTest.seed).images)
        },
        makeNetwork: { (g: inout Xoshiro256StarStar) throws(ModelError) in
            try Sequential(inputShape: [1, 16, 16], layers: [
                Conv2D(inChannels: 1, outChannels: 8, kernelSize: 3, padding: 1, using: &g), ActivationLayer(.relu),
                MaxPool2D(size: 2, stride: 2),
                Conv2D(inChannels: 8, outChannels: 16, kernelSize: 3, padding: 1, using: &g), ActivationLayer(.relu),
                MaxPool2D(size: 2, stride: 2), Flatten(), Dense(inputs: 256, outputs: 4, using: &g),
            ])
        })

    /// `moons-mlp`: 2-16-16-2 with softplus, smooth so that paths in the plane have no kinks.
    public static let moonsMLP = FixtureRecipe(
        name: "moons-mlp", architecture: "dense 2→16 → softplus → dense 16→16 → softplus → dense 16→2",
        dataDescription: "two moons: train Datasets.moons(count: \(moonsTrain.count), noise: \(moonsNoise), seed: \(moonsTrain.seed)), "
            + "test Datasets.moons(count: \(moonsTest.count), noise: \(moonsNoise), seed: \(moonsTest.seed))",
        epochs: 150, batchSize: 50, learningRate: 1e-2, seed: 14,
        data: { () throws(DatasetError) in
            DataSplit(
                train: Datasets.moons(count: moonsTrain.count, noise: moonsNoise, seed: moonsTrain.seed),
                test: Datasets.moons(count: moonsTest.count, noise: moonsNoise, seed: moonsTest.seed))
        },
        makeNetwork: { (g: inout Xoshiro256StarStar) throws(ModelError) in
            try Sequential(inputShape: [2], layers: [
                Dense(inputs: 2, outputs: 16, using: &g), ActivationLayer(.softplus),
                Dense(inputs: 16, outputs: 16, using: &g), ActivationLayer(.softplus), Dense(inputs: 16, outputs: 2, using: &g),
            ])
        })

    /// The seeds of the textures under the training and the test digits (``texturedDigits``).
    public static let texturedDigitsSeeds = (train: UInt64(3), test: UInt64(4))

    /// The digits on the shapes' texture: the same split, each image composited onto its own texture.
    public static func texturedDigits() throws(DatasetError) -> DataSplit {
        let digits = try Datasets.digits()
        return DataSplit(
            train: Datasets.texturedDigits(digits.train, seed: texturedDigitsSeeds.train),
            test: Datasets.texturedDigits(digits.test, seed: texturedDigitsSeeds.test))
    }

    /// `digits-textured-cnn`: digits-cnn's architecture, schedule and seed on the digits
    /// composited onto the shapes' texture (``Datasets/texturedDigits(_:seed:)``). With
    /// `shapes-black-cnn` it swaps which data set has a black background, the explanation the
    /// project gives for IDGI's verdicts.
    public static let digitsTexturedCNN: FixtureRecipe = {
        var recipe = digitsCNN
        recipe.name = "digits-textured-cnn"
        recipe.dataDescription = "the digits' split composited onto the shapes' texture: Datasets.texturedDigits(train, seed: "
            + "\(texturedDigitsSeeds.train)), test seed \(texturedDigitsSeeds.test)"
        recipe.data = { () throws(DatasetError) in try texturedDigits() }
        return recipe
    }()

    /// `shapes-black-cnn`: shapes-cnn's architecture, schedule and seed on the same shapes
    /// painted on black (``ShapesBackground/black``).
    public static let shapesBlackCNN: FixtureRecipe = {
        var recipe = shapesCNN
        recipe.name = "shapes-black-cnn"
        recipe.dataDescription = "the synthetic shapes on black: train Datasets.shapes(count: \(shapesTrain.count), seed: \(shapesTrain.seed), "
            + "background: .black), test Datasets.shapes(count: \(shapesTest.count), seed: \(shapesTest.seed), background: .black)"
        recipe.data = { () throws(DatasetError) in
            DataSplit(
                train: Datasets.shapes(count: shapesTrain.count, seed: shapesTrain.seed, background: .black).images,
                test: Datasets.shapes(count: shapesTest.count, seed: shapesTest.seed, background: .black).images)
        }
        return recipe
    }()

    /// One BasicBlock (He et al., "Deep Residual Learning", 2016): conv 3×3 (stride s) → BN →
    /// relu → conv 3×3 → BN, added to the block's input — through a 1×1 convolution of stride s
    /// and a BN when the shape changes — then relu. `source` is the node the block reads; the
    /// layers are appended with the nodes they read.
    static func basicBlock(
        _ layers: inout [any Layer], _ inputs: inout [[Int]], source: Int, inChannels: Int, outChannels: Int, stride: Int,
        using g: inout Xoshiro256StarStar
    ) {
        func append(_ layer: any Layer, reading reads: [Int]? = nil) -> Int {
            inputs.append(reads ?? [layers.count])
            layers.append(layer)
            return layers.count  // the node of its output
        }
        _ = append(Conv2D(inChannels: inChannels, outChannels: outChannels, kernelSize: 3, stride: stride, padding: 1, using: &g), reading: [source])
        _ = append(BatchNormalization(channels: outChannels, epsilon: batchNormEpsilon))
        _ = append(ActivationLayer(.relu))
        _ = append(Conv2D(inChannels: outChannels, outChannels: outChannels, kernelSize: 3, padding: 1, using: &g))
        let residual = append(BatchNormalization(channels: outChannels, epsilon: batchNormEpsilon))
        var shortcut = source
        if stride != 1 || inChannels != outChannels {
            _ = append(Conv2D(inChannels: inChannels, outChannels: outChannels, kernelSize: 1, stride: stride, using: &g), reading: [source])
            shortcut = append(BatchNormalization(channels: outChannels, epsilon: batchNormEpsilon))
        }
        _ = append(Add(), reading: [residual, shortcut])
        _ = append(ActivationLayer(.relu))
    }

    /// BatchNorm's ε in `shapes-resnet`: 2⁻¹⁷ ≈ 7.6e-6 (PyTorch's default is 1e-5), chosen to be
    /// exact in float32, the type ONNX stores ε in, so the ONNX file is the network bit for bit.
    static let batchNormEpsilon = 1.0 / 131_072

    /// `shapes-resnet`: a small ResNet on the synthetic shapes — a stem, three BasicBlocks (the
    /// second downsampling with a 1×1 projection), BatchNorm, global average pooling.
    public static let shapesResNet = FixtureRecipe(
        name: "shapes-resnet",
        architecture: "stem conv 1→8 3×3 pad 1 → BN → relu; BasicBlock 8→8; BasicBlock 8→16 stride 2 (1×1 stride-2 projection + BN); "
            + "BasicBlock 16→16; global average pool → flatten → dense 16→4. BasicBlock: conv 3×3 → BN → relu → conv 3×3 → BN, "
            + "+ shortcut, relu. BN in inference form (ε = 2⁻¹⁷): statistics set from the first 512 training images before training, γ and β trained",
        dataDescription: shapesCNN.dataDescription,
        epochs: 12, batchSize: 32, learningRate: 2e-3, seed: 15,
        data: shapesCNN.data,
        makeNetwork: { (g: inout Xoshiro256StarStar) throws(ModelError) in
            var layers: [any Layer] = [Conv2D(inChannels: 1, outChannels: 8, kernelSize: 3, padding: 1, using: &g), BatchNormalization(channels: 8, epsilon: batchNormEpsilon), ActivationLayer(.relu)]
            var inputs: [[Int]] = [[0], [1], [2]]
            basicBlock(&layers, &inputs, source: layers.count, inChannels: 8, outChannels: 8, stride: 1, using: &g)
            basicBlock(&layers, &inputs, source: layers.count, inChannels: 8, outChannels: 16, stride: 2, using: &g)
            basicBlock(&layers, &inputs, source: layers.count, inChannels: 16, outChannels: 16, stride: 1, using: &g)
            for layer in [try AvgPool2D(size: 8, stride: 8), Flatten(), Dense(inputs: 16, outputs: 4, using: &g)] as [any Layer] {
                inputs.append([layers.count])
                layers.append(layer)
            }
            return try Sequential(inputShape: [1, 16, 16], layers: layers, inputs: inputs)
        },
        batchNormCalibrationCount: 512, writesONNX: true)

    /// Every shipped model, smallest training job last among the originals; the two
    /// background-swapped models after them, then the residual network.
    public static let all: [FixtureRecipe] = [.digitsMLP, .digitsCNN, .shapesCNN, .moonsMLP, .digitsTexturedCNN, .shapesBlackCNN, .shapesResNet]
}
