import Datasets
import Evaluation
import FixtureModels
import Models
import Tensors

/// ROAR and DiffROAR: remove the pixels a method ranks highest (or lowest), retrain the model
/// from scratch on the modified training images, and see how much the test accuracy on images
/// modified the same way falls.
///
/// - ROAR (Hooker et al., NeurIPS 2019; google-research `interpretability_benchmark`): for
///   each fraction k, the top k of every image's pixels — ranked by the method's map (|A|
///   summed over channels, ties by index) — are replaced by the training set's per-channel
///   mean, in the training and the test images alike; the model is retrained with its own
///   recipe and seed; a good ranking makes the accuracy fall fastest. The per-image number is
///   the image's correctness averaged over the fractions (lower is better).
/// - DiffROAR (Shah et al., NeurIPS 2021): the accuracy of the model retrained on the top k
///   kept (the bottom 1 − k removed) minus that of the model retrained on the bottom k kept;
///   with the fractions k = 0.1 … 0.9 symmetric about ½ this is the mean over k of
///   correct(bottom k removed) − correct(top k removed) per image (higher is better).
///
/// Retraining is what makes the test fair — a model never sees images with holes otherwise —
/// and what makes it costly: two trainings per fraction and method.
public struct RemoveAndRetrain: Sendable {
    /// The fractions k of pixels removed.
    public let fractions: [Double]

    /// The fractions removed: 0.1, 0.2, …, 0.9 (LPI's paper's ROAR grid).
    public static let standardFractions = (1...9).map { Double($0) / 10 }

    /// The test at `fractions` (each in (0, 1)).
    public init(fractions: [Double] = RemoveAndRetrain.standardFractions) {
        precondition(fractions.allSatisfy { $0 > 0 && $0 < 1 }, "fractions must lie in (0, 1)")
        self.fractions = fractions
    }

    /// Which end of the ranking is removed.
    public enum End: String, Sendable { case top, bottom }

    /// `image` with the `fraction` of its pixels at `end` of `attribution`'s ranking replaced
    /// by `channelMeans`: round(fraction · P) pixels, all channels of each.
    public static func removing(_ end: End, fraction: Double, of image: Tensor, ranking attribution: Tensor, channelMeans: [Double]) throws -> Tensor {
        removing(end, fraction: fraction, of: image, order: try pixelOrder(image, attribution), channelMeans: channelMeans)
    }

    /// The pixels of `image` from the highest |A| (summed over channels) to the lowest, ties
    /// by index: the ranking every fraction removes from.
    static func pixelOrder(_ image: Tensor, _ attribution: Tensor) throws -> [Int] {
        PixelGrid.order(try PixelGrid(shape: image.shape).saliency(attribution, ranking: .absolute))
    }

    /// `image` with the `fraction` of its pixels at `end` of `order` replaced by `channelMeans`.
    static func removing(_ end: End, fraction: Double, of image: Tensor, order: [Int], channelMeans: [Double]) -> Tensor {
        let pixelCount = order.count, channels = image.count / max(1, pixelCount)
        let count = Int((fraction * Double(pixelCount)).rounded())
        let removed = end == .top ? order.prefix(count) : order.suffix(count)
        var result = image
        for pixel in removed {
            for c in 0..<channels { result.scalars[c * pixelCount + pixel] = channelMeans[c] }
        }
        return result
    }

    /// The per-channel means of a stack of images [N, C, …].
    public static func channelMeans(_ images: Tensor) -> [Double] {
        let channels = images.shape[1]
        let plane = images.count / max(1, images.shape[0] * channels)
        var sums = [Double](repeating: 0, count: channels)
        for n in 0..<images.shape[0] {
            for c in 0..<channels {
                let start = (n * channels + c) * plane
                sums[c] += images.scalars[start..<start + plane].reduce(0, +)
            }
        }
        return sums.map { $0 / Double(images.shape[0] * plane) }
    }

    /// What one method's retrainings give.
    public struct Outcome: Sendable {
        /// Per fraction: each test image's correctness (1 or 0) after removing the top.
        public var topRemoved: [[Double]]
        /// The same after removing the bottom.
        public var bottomRemoved: [[Double]]
        /// Per test image: ROAR's number (its correctness averaged over the fractions).
        public var roar: [Double]
        /// Per test image: DiffROAR's number (bottom-removed minus top-removed correctness, averaged).
        public var diffROAR: [Double]
        /// The outcome of per-fraction correctness: ROAR and DiffROAR are its per-image means.
        public init(topRemoved: [[Double]], bottomRemoved: [[Double]]) {
            self.topRemoved = topRemoved
            self.bottomRemoved = bottomRemoved
            let n = topRemoved.first?.count ?? 0, f = Double(topRemoved.count)
            roar = (0..<n).map { i in topRemoved.map { $0[i] }.reduce(0, +) / f }
            diffROAR = (0..<n).map { i in zip(bottomRemoved, topRemoved).map { $0[i] - $1[i] }.reduce(0, +) / f }
        }

        /// Per fraction: the test accuracy after removing the top.
        public var topAccuracy: [Double] { topRemoved.map { $0.reduce(0, +) / Double(max(1, $0.count)) } }
        /// Per fraction: the test accuracy after removing the bottom.
        public var bottomAccuracy: [Double] { bottomRemoved.map { $0.reduce(0, +) / Double(max(1, $0.count)) } }
    }

    /// Retrains `recipe`'s model on `train` with each fraction removed from each end of
    /// `trainMaps`' rankings, and scores the test images (ranked by `testMaps`).
    public func run(
        recipe: FixtureRecipe, train: LabeledData, trainMaps: [Tensor], test: [Tensor], testLabels: [Int], testMaps: [Tensor],
        epochs: Int? = nil
    ) throws -> Outcome {
        let means = Self.channelMeans(train.inputs)
        // Each image ranked once; every fraction and end removes from the same order.
        let trainImages = (0..<train.count).map { train.inputs.point($0) }
        let trainOrders = try trainImages.indices.map { try Self.pixelOrder(trainImages[$0], trainMaps[$0]) }
        let testOrders = try test.indices.map { try Self.pixelOrder(test[$0], testMaps[$0]) }
        var top: [[Double]] = [], bottom: [[Double]] = []
        for fraction in fractions {
            for end in [End.top, .bottom] {
                let modified = trainImages.indices.map { Self.removing(end, fraction: fraction, of: trainImages[$0], order: trainOrders[$0], channelMeans: means) }
                var generator = Xoshiro256StarStar(seed: recipe.seed)
                var network = try recipe.makeNetwork(&generator)
                var optimizer = Adam(learningRate: recipe.learningRate)
                Training.train(
                    &network, inputs: Tensor.stacking(modified), labels: train.labels, epochs: epochs ?? recipe.epochs, batchSize: recipe.batchSize,
                    optimizer: &optimizer, seed: recipe.seed)
                let testImages = test.indices.map { Self.removing(end, fraction: fraction, of: test[$0], order: testOrders[$0], channelMeans: means) }
                let predictions = test.isEmpty ? [] : try network.predictions(for: Tensor.stacking(testImages))
                let correct = zip(predictions, testLabels).map { $0 == $1 ? 1.0 : 0.0 }
                if end == .top { top.append(correct) } else { bottom.append(correct) }
            }
        }
        return Outcome(topRemoved: top, bottomRemoved: bottom)
    }
}

extension Array where Element == RemoveAndRetrain.Outcome {
    /// Per fraction: the test accuracy after removing the top, averaged over the retrainings.
    public var topAccuracy: [Double] { averaged(map(\.topAccuracy)) }
    /// Per fraction: the test accuracy after removing the bottom, averaged over the retrainings.
    public var bottomAccuracy: [Double] { averaged(map(\.bottomAccuracy)) }

    private func averaged(_ rows: [[Double]]) -> [Double] {
        guard let first = rows.first else { return [] }
        return first.indices.map { k in rows.map { $0[k] }.reduce(0, +) / Double(rows.count) }
    }
}
