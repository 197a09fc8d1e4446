import ArrayFormats
import Attribution
import Foundation
import Models
import Tensors

/// The computing part of a run: the model and inputs read, each input's target chosen, the
/// method built from the registry and run on all inputs at once.
struct Computation {
    let request: Request
    let network: Sequential
    /// The inputs, each of the model's input shape.
    let inputs: [Tensor]
    /// The input file's shape: the output file has it too.
    let fileShape: [Int]
    /// Whether the input file is a batch [N] + inputShape.
    let isBatch: Bool
    let logits: [[Double]]
    let predicted: [Int]
    let targets: [Int]
    /// F at each input.
    let values: [Double]
    let results: [AttributionResult]
    /// The method's effective options, for the report.
    let parameters: [JSONValue.Member]
    let seconds: Double

    init(_ request: Request) throws {
        self.request = request
        network = try ModelDirectory.load(request.modelDirectory)
        let shape = network.inputShape
        let input = try Self.read(request.inputFile, role: "input", modelShape: shape, allowBatch: true)
        fileShape = input.shape
        isBatch = input.shape.count == shape.count + 1
        inputs = isBatch ? (0..<input.shape[0]).map { input.point($0) } : [input]
        guard !inputs.isEmpty else {
            throw ModelError("\(request.inputFile.path): the batch holds no inputs (shape \(input.shape)); give at least one")
        }

        // Forward passes over the inputs go in chunks of the engine's batch size: a forward pass
        // keeps every layer's activations, so one pass over thousands of inputs would be the
        // run's peak memory.
        let classes = network.classCount
        let chunk = request.batchSize ?? AttributionEngine.automaticBatchSize(pointSize: Tensor.elementCount(of: shape))
        let (inputs, network) = (self.inputs, self.network)
        /// `body(stacked inputs start..<end, start..<end)` for consecutive chunks, results joined in order.
        func inChunks<T>(_ body: (Tensor, Range<Int>) throws -> [T]) throws -> [T] {
            var joined: [T] = []
            for start in stride(from: 0, to: inputs.count, by: chunk) {
                let range = start..<min(start + chunk, inputs.count)
                joined += try body(Tensor(shape: [range.count] + shape, scalars: inputs[range].flatMap(\.scalars)), range)
            }
            return joined
        }
        logits = try inChunks { stacked, range in
            let partLogits = try network.logits(for: stacked)
            return (0..<range.count).map { Array(partLogits.scalars[$0 * classes ..< ($0 + 1) * classes]) }
        }
        predicted = logits.map(Reductions.indexOfMaximum)
        targets = try Self.chooseTargets(target: request.target, file: request.targetsFile, count: inputs.count, predicted: predicted, classes: classes)
        let output = try ClassifierOutput(network: network, target: targets[0], kind: request.outputKind)
        let functions = try ExplainedFunctions(output, targets: targets)

        var tensors: [String: Tensor] = [:]
        if let baselineFile = request.baselineFile {
            tensors["baseline"] = try Self.read(baselineFile, role: "baseline", modelShape: shape, allowBatch: false).reshaped(shape)
        }
        for (name, file) in request.arrayFiles {
            let array = try NPY.read(contentsOf: file)
            guard array.rank == shape.count + 1, Array(array.shape.dropFirst()) == shape, array.shape[0] > 0 else {
                throw ModelError("\(file.path): --\(name) has shape \(array.shape); it must be [M] + the model's input shape \(shape), M ≥ 1")
            }
            if let bad = array.firstNonFiniteIndex { throw ModelError("\(file.path): element \(bad) is \(array.scalars[bad]); values must be finite") }
            tensors[name] = array
        }
        let checked = try request.registry.arguments(for: request.method, values: request.methodValues, tensors: tensors, network: network)
        let resources = try request.registry.loadResources(checked)
        let arguments = try request.registry.arguments(
            for: request.method, values: request.methodValues, tensors: tensors, network: network, resources: resources)
        let method = try arguments.registration.build(arguments)
        parameters = arguments.effectiveValues.map { name, value in
            switch value {
            case .number(let x): return JSONValue.Member(Self.camelCase(name), .number(x))
            case .text(let text): return JSONValue.Member(Self.camelCase(name), .string(text))
            }
        }

        let clock = ContinuousClock()
        let start = clock.now
        let options = request.runOptions
        let results = try Parallelism.$threadLimit.withValue(request.threads) {
            try method.attribute(inputs, of: functions, options: options)
        }
        let elapsed = clock.now - start
        seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        self.results = results
        for (b, result) in results.enumerated() {
            if let bad = result.attribution.firstNonFiniteIndex {
                throw ModelError("the attribution of input \(b) is not finite at feature \(bad) (\(result.attribution.scalars[bad])); the network's gradients overflow on this input")
            }
        }
        let needValues = results.contains { $0.endValue == nil }
        let targets = self.targets
        let computed = needValues ? try inChunks { stacked, range in try output.values(at: stacked, targets: Array(targets[range])) } : []
        values = results.enumerated().map { b, result in result.endValue ?? computed[b] }
    }

    /// Reads a point of the model's input shape (or [1] + it, or with `allowBatch` [N] + it).
    static func read(_ file: URL, role: String, modelShape: [Int], allowBatch: Bool) throws -> Tensor {
        let tensor = try NPY.read(contentsOf: file)
        if tensor.shape == modelShape || (tensor.shape.count == modelShape.count + 1 && Array(tensor.shape.dropFirst()) == modelShape
            && (allowBatch || tensor.shape[0] == 1))
        {
            return tensor
        }
        let expected = allowBatch
            ? "one input of shape \(modelShape), or a batch of shape [N] + \(modelShape)"
            : "a single point of shape \(modelShape) or [1] + \(modelShape)"
        var hint = ""
        if let order = channelsLastTransposition(tensor.shape, modelShape) {
            hint = "; it looks like height × width × channels, but the model takes channels first: save numpy.transpose(x, \(order)) instead"
        }
        throw ModelError("\(file.path): the \(role) has shape \(tensor.shape), but the model's input shape is \(modelShape) (\(expected) is expected)\(hint)")
    }

    /// The numpy axis order that turns a channels-last array of `shape` into the model's
    /// channels-first `modelShape` (or a batch of it), if one does.
    static func channelsLastTransposition(_ shape: [Int], _ modelShape: [Int]) -> String? {
        guard modelShape.count == 3 else { return nil }
        if shape.count == 3, [shape[2], shape[0], shape[1]] == modelShape { return "(2, 0, 1)" }
        if shape.count == 4, [shape[3], shape[1], shape[2]] == modelShape { return "(0, 3, 1, 2)" }
        return nil
    }

    /// --target for all, --targets one per input, or each input's predicted class.
    static func chooseTargets(target: Int?, file: URL?, count: Int, predicted: [Int], classes: Int) throws -> [Int] {
        if let target {
            guard target < classes else { throw ModelError("target class \(target) is out of range; the model has classes 0…\(classes - 1)") }
            return Array(repeating: target, count: count)
        }
        guard let file else { return predicted }
        let tensor = try NPY.read(contentsOf: file)
        guard tensor.count == count, tensor.rank <= 1 || tensor.shape.dropFirst().allSatisfy({ $0 == 1 }) else {
            throw ModelError("\(file.path): the targets have shape \(tensor.shape); give \(count) numbers, one class per input (shape [\(count)])")
        }
        return try tensor.scalars.enumerated().map { b, value in
            guard value == value.rounded(), value >= 0, value < Double(classes) else {
                throw ModelError("\(file.path): target \(b) is \(value); each target must be a whole number in 0…\(classes - 1)")
            }
            return Int(value)
        }
    }

    /// "max-sigma" → "maxSigma".
    static func camelCase(_ name: String) -> String {
        let parts = name.split(separator: "-")
        return ([String(parts[0])] + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }).joined()
    }

    /// One JSON report per input (README, "stdout").
    func reports() -> [[JSONValue.Member]] {
        results.enumerated().map { b, result in
            // A probability of 1 in double precision has no usable gradient: p(1 − p) underflows.
            var warnings: [JSONValue] = []
            let value = values[b]
            if request.outputKind == .probability && (1 - value <= 1e-12 || value == 0) {
                warnings.append(.string(
                    "the explained probability is \(value), saturated in double precision: its gradients vanish and say little; "
                        + "use --output log-probability or --output logit"))
            }
            return [
                .init("input", .number(Double(b))),
                .init("method", .string(request.method)),
                .init("target", .number(Double(targets[b]))),
                .init("output", .string(request.outputKind.rawValue)),
                .init("value", .number(value)),
                .init("baselineValue", result.startValue.map { .number($0) } ?? .null),
                .init("attributionSum", .number(result.attribution.sum)),
                .init("completenessDelta", result.completenessDelta.map { .number($0) } ?? .null),
                .init("gradientEvaluations", .number(Double(result.gradientEvaluations))),
                .init("valueEvaluations", .number(Double(result.valueEvaluations))),
                .init("seconds", .number(seconds)),
                .init("predictedClass", .number(Double(predicted[b]))),
                .init("logits", .array(logits[b].map { .number($0) })),
                .init("parameters", .object(parameters)),
                .init("warnings", .array(warnings)),
            ]
        }
    }
}
