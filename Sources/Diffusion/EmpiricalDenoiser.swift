import Foundation
import Tensors

/// The exact denoiser of a finite data set: the Bayes-optimal x̂₀ under the forward process
/// when u₀ is drawn uniformly from the references.
///
/// With q(u_t | u₀) = N(√ᾱ_t u₀, (1 − ᾱ_t) I) and u₀ uniform over references u_1 … u_N (the data
/// mapped to [−1, 1] as the diffusion model maps it), the posterior mean is
///
///     x̂₀(u_t) = E[u₀ | u_t] = Σ_i w_i u_i,   w_i = softmax_i(−‖u_t − √ᾱ_t u_i‖² / (2(1 − ᾱ_t))).
///
/// A denoiser trained to convergence on the references tends to it, so it is the limit the
/// learned denoiser is measured against. Restricted to the references of class y it is the
/// exact class-conditional denoiser E[u₀ | u_t, y] — what classifier guidance approximates —
/// and takes no guidance scale. DDPM's reverse mean from it (ᾱ₀ = 1):
///
///     μ(u_t) = √ᾱ_{t−1} β_t / (1 − ᾱ_t) · x̂₀ + √α_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · u_t.
///
/// Properties: x̂₀ is a convex combination of the references, so it lies in their hull (in
/// [−1, 1] for data in range) at every t; as t → 1 the weight concentrates on the nearest
/// reference (scaled by √ᾱ_t); as ᾱ_t → 0 the weights become uniform and x̂₀ the references'
/// mean. The weights are computed by log-sum-exp (the exponents reach −10⁴ at t = 1), each
/// image from start to end on one thread, so a batch gives the same bits on any thread count.
public struct EmpiricalDenoiser: Sendable {
    /// The references in the diffusion scale, one row of `featureCount` numbers each.
    public let references: [[Double]]
    /// Each reference's class, or nil when none were given.
    public let labels: [Int]?
    /// The forward process.
    public let schedule: NoiseSchedule

    /// The denoiser of `references` (in the diffusion scale u ∈ [−1, 1], [N] + shape) under
    /// `schedule`, with `labels` (one class per reference) for the class-conditional form.
    /// - Throws: ``DiffusionError`` for an empty set, a label count that differs from N, or a
    ///   value that is not finite.
    public init(references: Tensor, labels: [Int]? = nil, schedule: NoiseSchedule) throws(DiffusionError) {
        guard references.rank >= 2, references.batchCount > 0, references.count > 0 else {
            throw DiffusionError("the empirical denoiser needs at least one reference image ([N] + shape), got shape \(references.shape)")
        }
        if let bad = references.scalars.firstIndex(where: { !$0.isFinite }) {
            throw DiffusionError("element \(bad) of the references is \(references.scalars[bad]); values must be finite")
        }
        if let labels, labels.count != references.batchCount {
            throw DiffusionError("\(labels.count) reference labels for \(references.batchCount) references; give one label per reference")
        }
        let features = references.count / references.batchCount
        self.references = (0..<references.batchCount).map { Array(references.scalars[($0 * features)..<(($0 + 1) * features)]) }
        self.labels = labels
        self.schedule = schedule
    }

    /// The denoiser of `model`'s data: `references` in the data's scale ([N] + the model's
    /// input shape) mapped to u as the model maps them.
    public init(references: Tensor, labels: [Int]? = nil, model: DiffusionModel) throws(DiffusionError) {
        guard references.rank == model.inputShape.count + 1, references.pointShape == model.inputShape else {
            throw DiffusionError("the references must have shape [N] + \(model.inputShape), got \(references.shape)")
        }
        try self.init(references: model.diffusionScale(references), labels: labels, schedule: model.schedule)
    }

    /// The number of numbers per image.
    public var featureCount: Int { references[0].count }

    /// The references a class-conditional call averages over: every one without a class,
    /// class y's with one.
    func members(of target: Int?) throws(DiffusionError) -> [Int] {
        guard let target else { return Array(references.indices) }
        guard let labels else { throw DiffusionError("a class-conditional denoiser needs the references' labels; give them with the references") }
        let members = labels.indices.filter { labels[$0] == target }
        guard !members.isEmpty else { throw DiffusionError("no reference has class \(target); give a class the references contain") }
        return members
    }

    /// The softmax weights w_i over `members` for one image u_t at time t (log-sum-exp).
    public func weights(_ u: [Double], time t: Int, members: [Int]) -> [Double] {
        let alphaBar = schedule.alphaBar(t)
        let (scale, variance) = (alphaBar.squareRoot(), 1 - alphaBar)
        let exponents = u.withUnsafeBufferPointer { image in
            members.map { i in
                references[i].withUnsafeBufferPointer { -Self.squaredDistance(image, $0, scale: scale) / (2 * variance) }
            }
        }
        let largest = exponents.max()!
        let unnormalized = exponents.map { Foundation.exp($0 - largest) }
        let total = unnormalized.reduce(0, +)
        return unnormalized.map { $0 / total }
    }

    /// y += w·r, eight lanes at a time; each element's sum is in reference order, as a scalar loop's.
    static func accumulate(_ w: Double, _ r: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        let count = r.count
        let (source, target) = (UnsafeRawPointer(r.baseAddress!), UnsafeMutableRawPointer(y.baseAddress!))
        let stride = MemoryLayout<Double>.stride
        var k = 0
        while k + 8 <= count {
            let sum = target.loadUnaligned(fromByteOffset: k * stride, as: SIMD8<Double>.self)
                + w * source.loadUnaligned(fromByteOffset: k * stride, as: SIMD8<Double>.self)
            target.storeBytes(of: sum, toByteOffset: k * stride, as: SIMD8<Double>.self)
            k += 8
        }
        while k < count {
            y[k] += w * r[k]
            k += 1
        }
    }

    /// ‖u − s·r‖², eight lanes at a time (the hot loop: N references × D features per image).
    static func squaredDistance(_ u: UnsafeBufferPointer<Double>, _ r: UnsafeBufferPointer<Double>, scale s: Double) -> Double {
        let count = u.count
        var lanes = SIMD8<Double>.zero
        var k = 0
        let (image, reference) = (UnsafeRawPointer(u.baseAddress!), UnsafeRawPointer(r.baseAddress!))
        let stride = MemoryLayout<Double>.stride
        while k + 8 <= count {
            let difference = image.loadUnaligned(fromByteOffset: k * stride, as: SIMD8<Double>.self)
                - s * reference.loadUnaligned(fromByteOffset: k * stride, as: SIMD8<Double>.self)
            lanes += difference * difference
            k += 8
        }
        var total = lanes.sum()
        while k < count {
            let difference = u[k] - s * r[k]
            total += difference * difference
            k += 1
        }
        return total
    }

    /// x̂₀ = Σ_i w_i u_i for each image of a batch [B] + shape in the diffusion scale, at
    /// `times` (one per image, each in 1…T_d), over class `target`'s references (or all).
    /// - Throws: ``DiffusionError`` for a shape, time or class that does not fit.
    public func predictedStart(_ u: Tensor, times: [Int], target: Int? = nil) throws(DiffusionError) -> Tensor {
        try predictedStart(u, times: times, targets: Array(repeating: target, count: times.count))
    }

    /// x̂₀ for each image of a batch, image b over class `targets[b]`'s references (all of them
    /// where it is nil). Each image's bits are the ones it gets alone.
    /// - Throws: ``DiffusionError`` for a shape, time or class that does not fit.
    public func predictedStart(_ u: Tensor, times: [Int], targets: [Int?]) throws(DiffusionError) -> Tensor {
        try check(u, times: times)
        guard targets.count == times.count else { throw DiffusionError("\(times.count) images but \(targets.count) classes") }
        var membersOf: [Int?: [Int]] = [:]
        for target in targets where membersOf[target] == nil { membersOf[target] = try members(of: target) }
        let features = featureCount
        var result = [Double](repeating: 0, count: u.count)
        let references = self.references
        result.withUnsafeMutableBufferPointer { output in
            // Image b writes only its own rows of the output.
            Parallelism.forEachChunk(times.count) { b in
                let members = membersOf[targets[b]]!
                let image = Array(u.scalars[(b * features)..<((b + 1) * features)])
                let weights = self.weights(image, time: times[b], members: members)
                // A weight that underflowed to 0 adds nothing: skipping it changes no bit.
                let row = UnsafeMutableBufferPointer(rebasing: output[(b * features)..<((b + 1) * features)])
                for (weight, i) in zip(weights, members) where weight != 0 {
                    references[i].withUnsafeBufferPointer { Self.accumulate(weight, $0, into: row) }
                }
            }
        }
        return Tensor(shape: u.shape, scalars: result)
    }

    /// DDPM's reverse mean μ = √ᾱ_{t−1} β_t/(1 − ᾱ_t) · x̂₀ + √α_t (1 − ᾱ_{t−1})/(1 − ᾱ_t) · u_t from
    /// this denoiser's x̂₀, for each image of a batch in the diffusion scale.
    /// - Throws: ``DiffusionError`` as ``predictedStart(_:times:target:)``.
    public func posteriorMean(_ u: Tensor, times: [Int], target: Int? = nil) throws(DiffusionError) -> Tensor {
        try posteriorMean(u, times: times, targets: Array(repeating: target, count: times.count))
    }

    /// The reverse mean for each image of a batch, image b over class `targets[b]`'s references.
    /// - Throws: ``DiffusionError`` as ``predictedStart(_:times:targets:)``.
    public func posteriorMean(_ u: Tensor, times: [Int], targets: [Int?]) throws(DiffusionError) -> Tensor {
        let start = try predictedStart(u, times: times, targets: targets)
        let features = featureCount
        var result = u.scalars
        for (b, t) in times.enumerated() {
            let (alphaBar, previous, beta) = (schedule.alphaBar(t), schedule.alphaBar(t - 1), schedule.beta(t))
            let startWeight = previous.squareRoot() * beta / (1 - alphaBar)
            let inputWeight = schedule.alpha(t).squareRoot() * (1 - previous) / (1 - alphaBar)
            for k in (b * features)..<((b + 1) * features) {
                result[k] = startWeight * start.scalars[k] + inputWeight * u.scalars[k]
            }
        }
        return Tensor(shape: u.shape, scalars: result)
    }

    /// x̂₀ and the noise it implies, ε̂ = (u_t − √ᾱ_t x̂₀)/√(1 − ᾱ_t), for each image of a batch,
    /// image b over class `targets[b]`'s references (all of them where it is nil): the pair a
    /// learned denoiser's ε-prediction gives, for the rules that read both.
    /// - Throws: ``DiffusionError`` as ``predictedStart(_:times:targets:)``.
    public func estimates(_ u: Tensor, times: [Int], targets: [Int?]) throws(DiffusionError) -> (noise: Tensor, clean: Tensor) {
        let start = try predictedStart(u, times: times, targets: targets)
        let features = featureCount
        var result = u.scalars
        for (b, t) in times.enumerated() {
            let alphaBar = schedule.alphaBar(t)
            let (signal, spread) = (alphaBar.squareRoot(), (1 - alphaBar).squareRoot())
            for k in (b * features)..<((b + 1) * features) { result[k] = (u.scalars[k] - signal * start.scalars[k]) / spread }
        }
        return (Tensor(shape: u.shape, scalars: result), start)
    }

    /// The noise x̂₀ implies for each image of a batch over all references: what a learned
    /// denoiser's ε-prediction is compared with (``estimates(_:times:targets:)``).
    /// - Throws: ``DiffusionError`` as ``predictedStart(_:times:targets:)``.
    public func predictedNoise(_ u: Tensor, times: [Int]) throws(DiffusionError) -> Tensor {
        try estimates(u, times: times, targets: Array(repeating: nil, count: times.count)).noise
    }

    /// Checks a batch [B] + shape with B times in 1…T_d and finite values.
    func check(_ u: Tensor, times: [Int]) throws(DiffusionError) {
        guard u.rank >= 2, u.count == u.batchCount * featureCount else {
            throw DiffusionError("expected a batch of images of \(featureCount) numbers each, got shape \(u.shape)")
        }
        try schedule.check(u, times: times)
    }
}
