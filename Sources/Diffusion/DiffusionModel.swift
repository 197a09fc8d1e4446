import ArrayFormats
import Foundation
import Models
import Tensors

/// A trained diffusion model for images of one shape: the DDPM noise schedule, the time
/// embedding, a denoiser ε_θ(u_t, t) and a noisy classifier p_φ(y | u_t, t), both plain
/// ``Sequential`` networks reading [flatten(u_t), e(t)] (``TimeEmbedding``).
///
/// The model works on u ∈ [−1, 1]: data x in [LO, HI] maps to u = 2(x − LO)/(HI − LO) − 1
/// and back; every public operation that takes or returns images in the data's scale says so.
///
/// On disk it is a *diffusion directory* (DESIGN.md, "The diffusion directory"):
///
///     diffusion.json   {"format": "pathattribution.diffusion", "version": 1,
///                       "inputShape": [C, H, W], "classes": K, "dataRange": [LO, HI],
///                       "schedule": {"kind": "linear", "betaStart": b0, "betaEnd": b1, "steps": T_d},
///                       "timeEmbedding": {"dimension": d, "maxPeriod": 10000},
///                       "denoiser": "denoiser", "classifier": "classifier"}
///     denoiser/        a model directory: input [C·H·W + d], output C·H·W numbers (ε̂)
///     classifier/      a model directory: input [C·H·W + d], output K logits
public struct DiffusionModel: Sendable {
    /// [C, H, W] (or any shape) of one image.
    public let inputShape: [Int]
    /// K, the noisy classifier's classes.
    public let classCount: Int
    /// [LO, HI], the data's range.
    public let dataRange: ClosedRange<Double>
    /// The forward process.
    public let schedule: NoiseSchedule
    /// e(t).
    public let embedding: TimeEmbedding
    /// ε_θ
    public let denoiser: Sequential
    /// p_φ (logits)
    public let classifier: Sequential

    /// D = C·H·W, the number of pixels.
    public var featureCount: Int { Tensor.elementCount(of: inputShape) }

    /// A model from its parts.
    /// - Throws: ``DiffusionError`` when a network does not read [D + d] numbers or does not
    ///   give D (denoiser) or K (classifier) numbers, or the data range is empty.
    public init(
        inputShape: [Int], classCount: Int, dataRange: ClosedRange<Double>, schedule: NoiseSchedule, embedding: TimeEmbedding,
        denoiser: Sequential, classifier: Sequential
    ) throws(DiffusionError) {
        let features = Tensor.elementCount(of: inputShape)
        guard !inputShape.isEmpty, features > 0 else { throw DiffusionError("inputShape must be non-empty, got \(inputShape)") }
        guard classCount >= 2 else { throw DiffusionError("the classifier needs at least 2 classes, got \(classCount)") }
        guard dataRange.lowerBound < dataRange.upperBound, dataRange.lowerBound.isFinite, dataRange.upperBound.isFinite else {
            throw DiffusionError("dataRange must be [LO, HI] with LO < HI, got \(dataRange)")
        }
        let conditioned = [features + embedding.dimension]
        for (name, network, outputs) in [("denoiser", denoiser, features), ("classifier", classifier, classCount)] {
            guard network.inputShape == conditioned else {
                throw DiffusionError("the \(name) must read \(conditioned) numbers (the image's \(features) and the time embedding's \(embedding.dimension)), it reads \(network.inputShape)")
            }
            guard network.layerOutputShapes.last! == [outputs] else {
                throw DiffusionError("the \(name) must output [\(outputs)] numbers, it outputs \(network.layerOutputShapes.last!)")
            }
        }
        self.inputShape = inputShape
        self.classCount = classCount
        self.dataRange = dataRange
        self.schedule = schedule
        self.embedding = embedding
        self.denoiser = denoiser
        self.classifier = classifier
    }

    // MARK: Scales

    /// u = 2(x − LO)/(HI − LO) − 1, elementwise.
    public func diffusionScale(_ x: Tensor) -> Tensor {
        let (low, width) = (dataRange.lowerBound, dataRange.upperBound - dataRange.lowerBound)
        return Tensor(shape: x.shape, scalars: x.scalars.map { 2 * ($0 - low) / width - 1 })
    }

    /// x = LO + (u + 1)(HI − LO)/2, elementwise.
    public func dataScale(_ u: Tensor) -> Tensor {
        let (low, width) = (dataRange.lowerBound, dataRange.upperBound - dataRange.lowerBound)
        return Tensor(shape: u.shape, scalars: u.scalars.map { low + ($0 + 1) * width / 2 })
    }

    // MARK: The networks

    /// The networks' input rows [flatten(u_b), e(t_b)] for a batch [B] + inputShape.
    func conditioned(_ u: Tensor, times: [Int]) -> Tensor {
        let features = featureCount
        var scalars: [Double] = []
        scalars.reserveCapacity(times.count * (features + embedding.dimension))
        for b in times.indices {
            scalars.append(contentsOf: u.scalars[(b * features)..<((b + 1) * features)])
            scalars.append(contentsOf: embedding.embedding(times[b]))
        }
        return Tensor(shape: [times.count, features + embedding.dimension], scalars: scalars)
    }

    /// Checks a batch [B] + inputShape with B times, each in 1…T_d.
    func check(_ u: Tensor, times: [Int]) throws(DiffusionError) {
        guard u.rank == inputShape.count + 1, u.pointShape == inputShape else {
            throw DiffusionError("expected a batch of shape [B] + \(inputShape), got \(u.shape)")
        }
        try schedule.check(u, times: times)
    }

    /// ε̂ = ε_θ(u_t, t) for each image of a batch [B] + inputShape in the diffusion scale.
    public func predictedNoise(_ u: Tensor, times: [Int]) throws(DiffusionError) -> Tensor {
        try check(u, times: times)
        let output = denoiser.activations(for: conditioned(u, times: times)).last!
        return Tensor(shape: u.shape, scalars: output.scalars)
    }

    /// The noisy classifier's logits [B, K].
    public func classifierLogits(_ u: Tensor, times: [Int]) throws(DiffusionError) -> Tensor {
        try check(u, times: times)
        return classifier.activations(for: conditioned(u, times: times)).last!
    }

    /// ∇_u log p_φ(y_b | u_b, t_b) for each image: the classifier's backward pass seeded with
    /// ∂ log softmax(z)_y / ∂z = e_y − softmax(z), read at the image's D inputs (the time
    /// embedding's are dropped).
    public func classifierGuidance(_ u: Tensor, times: [Int], classes: [Int]) throws(DiffusionError) -> Tensor {
        try check(u, times: times)
        guard classes.count == times.count else { throw DiffusionError("\(times.count) images but \(classes.count) classes") }
        if let bad = classes.first(where: { !(0..<classCount).contains($0) }) {
            throw DiffusionError("class \(bad) is outside 0…\(classCount - 1), the noisy classifier's classes")
        }
        let activations = classifier.activations(for: conditioned(u, times: times))
        let logits = activations.last!
        var seed = [Double](repeating: 0, count: logits.count)
        for b in classes.indices {
            let probabilities = Softmax.probabilities(logits.scalars[(b * classCount)..<((b + 1) * classCount)]).probabilities
            for k in 0..<classCount { seed[b * classCount + k] = (k == classes[b] ? 1 : 0) - probabilities[k] }
        }
        let gradient = classifier.inputGradient(activations: activations, logitGradient: Tensor(shape: logits.shape, scalars: seed))
        let width = featureCount + embedding.dimension
        var scalars: [Double] = []
        scalars.reserveCapacity(u.count)
        for b in classes.indices { scalars.append(contentsOf: gradient.scalars[(b * width)..<(b * width + featureCount)]) }
        return Tensor(shape: u.shape, scalars: scalars)
    }

    // MARK: The diffusion directory

    /// Reads a diffusion directory.
    /// - Throws: ``DiffusionError`` naming the file and what is wrong with it.
    public static func load(_ directory: URL) throws(DiffusionError) -> DiffusionModel {
        let manifest = directory.appendingPathComponent("diffusion.json")
        guard FileManager.default.fileExists(atPath: manifest.path) else {
            throw DiffusionError("\(directory.path): no diffusion.json; give a diffusion directory (train one with `swift run -c release train-fixtures`)")
        }
        let json: JSONValue
        do {
            json = try JSONValue.parse(String(contentsOf: manifest, encoding: .utf8))
        } catch {
            throw DiffusionError("\(manifest.path): \(error)")
        }
        func fail(_ problem: String) -> DiffusionError { DiffusionError("\(manifest.path): \(problem)") }
        let known: Set<String> = ["format", "version", "inputShape", "classes", "dataRange", "schedule", "timeEmbedding", "denoiser", "classifier"]
        if let unknown = json.keys.first(where: { !known.contains($0) }) { throw fail("unknown member \"\(unknown)\"") }
        guard json["format"]?.stringValue == "pathattribution.diffusion" else { throw fail("\"format\" must be \"pathattribution.diffusion\"") }
        guard json["version"]?.intValue == 1 else { throw fail("\"version\" must be 1") }
        guard let shape = json["inputShape"]?.arrayValue?.compactMap(\.intValue), shape.count == json["inputShape"]?.arrayValue?.count,
              !shape.isEmpty, shape.allSatisfy({ $0 > 0 })
        else { throw fail("\"inputShape\" must be a list of positive integers such as [1, 8, 8]") }
        guard let classes = json["classes"]?.intValue else { throw fail("\"classes\" must be an integer") }
        guard let range = json["dataRange"]?.arrayValue?.compactMap(\.doubleValue), range.count == 2, range[0] < range[1] else {
            throw fail("\"dataRange\" must be [LO, HI] with LO < HI")
        }
        guard let schedule = json["schedule"], schedule["kind"]?.stringValue == "linear",
              let b0 = schedule["betaStart"]?.doubleValue, let b1 = schedule["betaEnd"]?.doubleValue, let steps = schedule["steps"]?.intValue
        else { throw fail("\"schedule\" must be {\"kind\": \"linear\", \"betaStart\": b0, \"betaEnd\": b1, \"steps\": T}") }
        guard let timeEmbedding = json["timeEmbedding"], let dimension = timeEmbedding["dimension"]?.intValue,
              let maxPeriod = timeEmbedding["maxPeriod"]?.doubleValue
        else { throw fail("\"timeEmbedding\" must be {\"dimension\": d, \"maxPeriod\": P}") }
        guard let denoiserName = json["denoiser"]?.stringValue, let classifierName = json["classifier"]?.stringValue else {
            throw fail("\"denoiser\" and \"classifier\" must name the model directories beside diffusion.json")
        }
        func network(_ name: String) throws(DiffusionError) -> Sequential {
            do { return try ModelDirectory.load(directory.appendingPathComponent(name)) } catch { throw DiffusionError("\(name): \(error)") }
        }
        return try DiffusionModel(
            inputShape: shape, classCount: classes, dataRange: range[0]...range[1],
            schedule: try NoiseSchedule(betaStart: b0, betaEnd: b1, steps: steps),
            embedding: try TimeEmbedding(dimension: dimension, maxPeriod: maxPeriod),
            denoiser: try network(denoiserName), classifier: try network(classifierName))
    }

    /// diffusion.json's contents.
    public var manifest: JSONValue {
        .object([
            .init("format", .string("pathattribution.diffusion")), .init("version", .number(1)),
            .init("inputShape", .array(inputShape.map { .number(Double($0)) })), .init("classes", .number(Double(classCount))),
            .init("dataRange", .array([.number(dataRange.lowerBound), .number(dataRange.upperBound)])),
            .init("schedule", .object([
                .init("kind", .string("linear")), .init("betaStart", .number(schedule.betaStart)),
                .init("betaEnd", .number(schedule.betaEnd)), .init("steps", .number(Double(schedule.steps))),
            ])),
            .init("timeEmbedding", .object([.init("dimension", .number(Double(embedding.dimension))), .init("maxPeriod", .number(embedding.maxPeriod))])),
            .init("denoiser", .string("denoiser")), .init("classifier", .string("classifier")),
        ])
    }

    /// Writes the diffusion directory (diffusion.json, denoiser/, classifier/).
    public func save(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try ModelDirectory.save(denoiser, to: directory.appendingPathComponent("denoiser"))
        try ModelDirectory.save(classifier, to: directory.appendingPathComponent("classifier"))
        try AtomicFile.write(manifest.prettyPrinted, to: directory.appendingPathComponent("diffusion.json"))
    }
}
