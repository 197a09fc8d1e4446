import Tensors

/// Minibatch training of a classifier with softmax cross-entropy, deterministically.
///
/// Each epoch visits the training points in an order drawn from a generator derived from
/// (seed, epoch), in minibatches of a fixed size (the last may be smaller); every
/// minibatch's gradient is the exact gradient of its mean loss, and the optimiser updates
/// the parameters once per minibatch. Nothing depends on the thread count (the kernels'
/// chunking is fixed), so the same seed gives bit-identical weights on every run.
public enum Training {
    /// What one epoch did.
    public struct EpochReport: Sendable {
        /// 1-based epoch number.
        public var epoch: Int
        /// The mean of the minibatch losses.
        public var meanLoss: Double
        /// The fraction of training points classified correctly in their minibatch's forward pass.
        public var trainingAccuracy: Double
    }

    /// Trains `network` in place.
    /// - Parameters:
    ///   - inputs: the training points, [N] + the network's input shape.
    ///   - labels: one class per point.
    ///   - epochs: passes over the data.
    ///   - batchSize: points per minibatch (≥ 1).
    ///   - optimizer: updates the parameters from each minibatch's gradient.
    ///   - seed: seeds the visiting order.
    ///   - progress: called after every epoch.
    public static func train(
        _ network: inout Sequential, inputs: Tensor, labels: [Int], epochs: Int, batchSize: Int,
        optimizer: inout some Optimizer, seed: UInt64, progress: (EpochReport) -> Void = { _ in }
    ) {
        precondition(inputs.shape.first == labels.count && inputs.pointShape == network.inputShape, "inputs must be [N] + \(network.inputShape) with one label each")
        precondition(batchSize >= 1 && epochs >= 0, "batch size ≥ 1, epochs ≥ 0")
        let orderSource = Xoshiro256StarStar(seed: seed)
        let pointSize = Tensor.elementCount(of: network.inputShape)
        for epoch in stride(from: 1, through: epochs, by: 1) {
            var shuffler = orderSource.derived(epoch)
            let order = shuffler.permutation(labels.count)
            var totalLoss = 0.0
            var batches = 0
            var correct = 0
            for start in stride(from: 0, to: order.count, by: batchSize) {
                let indices = Array(order[start ..< min(start + batchSize, order.count)])
                var scalars: [Double] = []
                scalars.reserveCapacity(indices.count * pointSize)
                for index in indices { scalars.append(contentsOf: inputs.scalars[index * pointSize ..< (index + 1) * pointSize]) }
                let batch = Tensor(shape: [indices.count] + network.inputShape, scalars: scalars)
                let batchLabels = indices.map { labels[$0] }

                let activations = network.activations(for: batch)
                let logits = activations.last!
                let (loss, logitGradient) = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: batchLabels)
                correct += zip(predictedClasses(logits), batchLabels).filter { $0 == $1 }.count
                totalLoss += loss
                batches += 1

                var parameters = network.parameters
                optimizer.update(&parameters, gradients: network.gradients(activations: activations, logitGradient: logitGradient).parameters)
                network.parameters = parameters
            }
            progress(EpochReport(epoch: epoch, meanLoss: totalLoss / Double(batches), trainingAccuracy: Double(correct) / Double(labels.count)))
        }
    }

    /// How many points `network` classifies correctly, evaluated in batches of `batchSize`.
    public static func correctCount(of network: Sequential, inputs: Tensor, labels: [Int], batchSize: Int = 256) throws(ModelError) -> Int {
        let pointSize = Tensor.elementCount(of: network.inputShape)
        var correct = 0
        for start in stride(from: 0, to: labels.count, by: batchSize) {
            let end = min(start + batchSize, labels.count)
            let batch = Tensor(shape: [end - start] + network.inputShape, scalars: Array(inputs.scalars[start * pointSize ..< end * pointSize]))
            let predictions = predictedClasses(try network.logits(for: batch))
            correct += zip(predictions, labels[start..<end]).filter { $0 == $1 }.count
        }
        return correct
    }

    /// The index of the largest logit in each row of [B, classes].
    public static func predictedClasses(_ logits: Tensor) -> [Int] {
        let classes = logits.shape[1]
        return (0..<logits.shape[0]).map { Reductions.indexOfMaximum(logits.scalars[$0 * classes ..< ($0 + 1) * classes]) }
    }
}
