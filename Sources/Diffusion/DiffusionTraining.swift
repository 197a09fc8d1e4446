import Models
import Tensors

/// Training of the two networks of a ``DiffusionModel``, deterministically: every step draws
/// its minibatch, times and noise from a generator derived from (seed, step), so the same
/// seed gives the same weights on any machine and thread count.
///
/// - The denoiser minimises DDPM's simple loss (Ho et al. 2020, eq. 14),
///   E_{u_0, t, ε} ‖ε − ε_θ(√ᾱ_t u_0 + √(1 − ᾱ_t) ε, t)‖² / D, t ~ U{1…T_d}, ε ~ N(0, I).
/// - The noisy classifier minimises softmax cross-entropy of the label given the same noised
///   image and its time (Dhariwal & Nichol 2021, §4: a classifier trained on noisy images).
public enum DiffusionTraining {
    /// What a block of training steps did.
    public struct Report: Sendable {
        /// The last step's 1-based number.
        public var step: Int
        /// The mean loss over the block.
        public var meanLoss: Double
    }

    /// One minibatch of noised training images: indices, times, noise and the network input.
    static func minibatch(
        _ model: DiffusionModel, data u0: Tensor, batchSize: Int, generator: inout Xoshiro256StarStar
    ) -> (indices: [Int], times: [Int], noise: Tensor, input: Tensor) {
        let count = u0.batchCount
        let features = model.featureCount
        let indices = (0..<batchSize).map { _ in generator.nextIndex(below: count) }
        let times = (0..<batchSize).map { _ in 1 + generator.nextIndex(below: model.schedule.steps) }
        let noise = Tensor(shape: [batchSize] + model.inputShape, scalars: (0..<(batchSize * features)).map { _ in generator.nextNormal() })
        let clean = Tensor(shape: [batchSize] + model.inputShape, scalars: indices.flatMap { Array(u0.scalars[($0 * features)..<(($0 + 1) * features)]) })
        let noised = model.noised(clean, times: times, noise: noise)
        return (indices, times, noise, model.conditioned(noised, times: times))
    }

    /// Trains `model`'s denoiser in place on clean images `u0` ([N] + inputShape, diffusion
    /// scale) for `steps` Adam steps; `progress` gets a report every `reportEvery` steps, and
    /// `checkpoint` the denoiser after each step of `checkpoints` (the same weights a run of
    /// that many steps ends with).
    public static func trainDenoiser(
        _ model: inout DiffusionModel, data u0: Tensor, steps: Int, batchSize: Int, optimizer: inout some Optimizer, seed: UInt64,
        reportEvery: Int = 1000, progress: (Report) -> Void = { _ in }, checkpoints: Set<Int> = [], checkpoint: (Int, Sequential) -> Void = { _, _ in }
    ) throws(DiffusionError) {
        var network = model.denoiser
        train(
            &network, model, data: u0, steps: steps, batchSize: batchSize, optimizer: &optimizer, seed: seed, reportEvery: reportEvery, progress: progress,
            checkpoints: checkpoints, checkpoint: checkpoint
        ) {
            output, batch in
            // L = Σ (ε̂ − ε)² / (B·D): the mean over pixels and images.
            let scale = 2 / Double(output.count)
            var loss = 0.0
            var gradient = [Double](repeating: 0, count: output.count)
            for i in 0..<output.count {
                let error = output.scalars[i] - batch.noise.scalars[i]
                loss += error * error
                gradient[i] = scale * error
            }
            return (loss / Double(output.count), Tensor(shape: output.shape, scalars: gradient))
        }
        model = try DiffusionModel(
            inputShape: model.inputShape, classCount: model.classCount, dataRange: model.dataRange, schedule: model.schedule,
            embedding: model.embedding, denoiser: network, classifier: model.classifier)
    }

    /// Trains `model`'s noisy classifier in place on `u0` with `labels`.
    public static func trainClassifier(
        _ model: inout DiffusionModel, data u0: Tensor, labels: [Int], steps: Int, batchSize: Int, optimizer: inout some Optimizer,
        seed: UInt64, reportEvery: Int = 1000, progress: (Report) -> Void = { _ in }
    ) throws(DiffusionError) {
        var network = model.classifier
        train(&network, model, data: u0, steps: steps, batchSize: batchSize, optimizer: &optimizer, seed: seed, reportEvery: reportEvery, progress: progress) {
            logits, batch in
            SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: batch.indices.map { labels[$0] })
        }
        model = try DiffusionModel(
            inputShape: model.inputShape, classCount: model.classCount, dataRange: model.dataRange, schedule: model.schedule,
            embedding: model.embedding, denoiser: model.denoiser, classifier: network)
    }

    /// The loop both networks train by: step s draws its minibatch from the generator derived
    /// from (seed, s), `loss` gives the step's loss and the gradient at the network's output,
    /// Adam updates the weights, and every `reportEvery` steps (and at the last) `progress`
    /// gets the block's mean loss.
    private static func train(
        _ network: inout Sequential, _ model: DiffusionModel, data u0: Tensor, steps: Int, batchSize: Int, optimizer: inout some Optimizer,
        seed: UInt64, reportEvery: Int, progress: (Report) -> Void, checkpoints: Set<Int> = [], checkpoint: (Int, Sequential) -> Void = { _, _ in },
        loss: (_ output: Tensor, _ batch: (indices: [Int], times: [Int], noise: Tensor, input: Tensor)) -> (Double, Tensor)
    ) {
        let source = Xoshiro256StarStar(seed: seed)
        var total = 0.0
        for step in 1...max(steps, 1) where steps > 0 {
            var generator = source.derived(step)
            let batch = minibatch(model, data: u0, batchSize: batchSize, generator: &generator)
            let activations = network.activations(for: batch.input)
            let (stepLoss, outputGradient) = loss(activations.last!, batch)
            total += stepLoss
            var parameters = network.parameters
            optimizer.update(&parameters, gradients: network.gradients(activations: activations, logitGradient: outputGradient).parameters)
            network.parameters = parameters
            if checkpoints.contains(step) { checkpoint(step, network) }
            if step % reportEvery == 0 || step == steps {
                progress(Report(step: step, meanLoss: total / Double(step % reportEvery == 0 ? reportEvery : step % reportEvery)))
                total = 0
            }
        }
    }

    /// The denoising loss on `u0`: each image noised at `draws` seeded (t, ε) pairs.
    public static func denoisingLoss(_ model: DiffusionModel, data u0: Tensor, draws: Int, seed: UInt64) throws(DiffusionError) -> Double {
        try denoisingLoss(model, data: u0, draws: draws, seed: seed) { u, times throws(DiffusionError) in try model.predictedNoise(u, times: times) }
    }

    /// The denoising loss of any noise predictor under `model`'s schedule, on the same seeded
    /// draws: ‖ε̂ − ε‖²/D averaged over images and draws (the exact denoiser's ε̂ is
    /// ``EmpiricalDenoiser/predictedNoise(_:times:)``).
    public static func denoisingLoss(
        _ model: DiffusionModel, data u0: Tensor, draws: Int, seed: UInt64, predictor: (Tensor, [Int]) throws(DiffusionError) -> Tensor
    ) throws(DiffusionError) -> Double {
        let source = Xoshiro256StarStar(seed: seed)
        var total = 0.0
        var count = 0
        for draw in 0..<draws {
            var generator = source.derived(draw)
            let features = model.featureCount
            let times = (0..<u0.batchCount).map { _ in 1 + generator.nextIndex(below: model.schedule.steps) }
            let noise = Tensor(shape: u0.shape, scalars: (0..<u0.count).map { _ in generator.nextNormal() })
            let predicted = try predictor(model.noised(u0, times: times, noise: noise), times)
            for i in 0..<(u0.batchCount * features) {
                let error = predicted.scalars[i] - noise.scalars[i]
                total += error * error
            }
            count += u0.count
        }
        return total / Double(count)
    }

    /// The noisy classifier's accuracy on `u0` noised to each of `times` (seeded noise).
    public static func noisyAccuracy(_ model: DiffusionModel, data u0: Tensor, labels: [Int], times: [Int], seed: UInt64) throws(DiffusionError) -> [Double] {
        let source = Xoshiro256StarStar(seed: seed)
        var accuracies: [Double] = []
        for (index, t) in times.enumerated() {
            var generator = source.derived(index)
            let noise = Tensor(shape: u0.shape, scalars: (0..<u0.count).map { _ in generator.nextNormal() })
            let batchTimes = Array(repeating: t, count: u0.batchCount)
            let noisedImages = t == 0 ? u0 : model.noised(u0, times: batchTimes, noise: noise)
            let logits = try model.classifierLogits(noisedImages, times: batchTimes.map { max($0, 1) })
            let predictions = Training.predictedClasses(logits)
            accuracies.append(Double(zip(predictions, labels).filter { $0 == $1 }.count) / Double(labels.count))
        }
        return accuracies
    }
}
