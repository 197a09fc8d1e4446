import ArrayFormats
import Attribution
import Catalogue
import Foundation
import Models
import Tensors

/// The computing part of a run: the model and inputs read, each input's target chosen, the
/// method built by the registry's one builder from its specification (file parameters loaded
/// by their kind), and run on all inputs at once.
struct Computation {
    let request: Request
    let network: Sequential
    /// What loading the model changed (an ONNX file's removed Softmax), for every report.
    let modelWarnings: [String]
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
    /// verify --exact: exact IG with the same baseline, integrator and output.
    let exactResults: [AttributionResult]?
    /// The method's effective parameters, for the report.
    let parameters: [JSONValue.Member]
    let seconds: Double

    init(_ request: Request) throws {
        self.request = request
        if request.modelDirectory.pathExtension.lowercased() == "onnx" {
            let loaded = try ONNXImport.load(request.modelDirectory)
            network = loaded.network
            modelWarnings = loaded.warnings
        } else {
            network = try ModelDirectory.load(request.modelDirectory)
            modelWarnings = []
        }
        let shape = network.inputShape
        let input = try Self.read(request.inputFile, role: "input", modelShape: shape, allowBatch: true)
        fileShape = input.shape
        isBatch = input.shape.count == shape.count + 1
        inputs = isBatch ? (0..<input.shape[0]).map { input.point($0) } : [input]
        guard !inputs.isEmpty else {
            throw ModelError("\(request.inputFile.path): the batch holds no inputs (shape \(input.shape)); give at least one")
        }
        let chunk = request.batchSize ?? AttributionEngine.automaticBatchSize(pointSize: Tensor.elementCount(of: shape))
        logits = try Self.logits(of: inputs, network: network, chunk: chunk)
        predicted = logits.map(Reductions.indexOfMaximum)
        targets = try Self.chooseTargets(target: request.target, file: request.targetsFile, count: inputs.count, predicted: predicted, classes: network.classCount)
        let output = try ClassifierOutput(network: network, target: targets[0], kind: request.outputKind)

        let specification = try ParameterFiles.loaded(request.specification, registry: request.methods, inputShape: shape)
        let method = try request.methods.build(specification, network: network)
        parameters = request.methods.effectiveValues(of: specification, built: method).map { name, value in
            JSONValue.Member(Self.camelCase(name), value?.json ?? .null)
        }

        let clock = ContinuousClock()
        let start = clock.now
        let (inputs, targets, options) = (self.inputs, self.targets, request.runOptions)
        let results = try Parallelism.$threadLimit.withValue(request.threads) {
            try method.attribute(inputs, of: try ExplainedFunctions(output, targets: targets), options: options)
        }
        let elapsed = clock.now - start
        seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        for (b, result) in results.enumerated() {
            if let bad = result.attribution.firstNonFiniteIndex {
                throw ModelError("the attribution of input \(b) is not finite at feature \(bad) (\(result.attribution.scalars[bad])); the network's gradients overflow on this input")
            }
        }
        self.results = results
        values = try Self.explainedValues(results, inputs: inputs, output: output, targets: targets, chunk: chunk)
        if request.comparesWithExact {
            var exact = specification
            exact.values["rule"] = .word("exact")
            exact.values["steps"] = nil
            exact.values["tolerance"] = nil
            let exactMethod = try request.methods.build(exact, network: network)
            exactResults = try Parallelism.$threadLimit.withValue(request.threads) {
                try exactMethod.attribute(inputs, of: try ExplainedFunctions(output, targets: targets))
            }
        } else {
            exactResults = nil
        }
    }

    /// The logits of every input, in forward passes of at most `chunk` inputs: a forward pass
    /// keeps every layer's activations, so one pass over thousands of inputs would be the
    /// run's peak memory.
    static func logits(of inputs: [Tensor], network: Sequential, chunk: Int) throws -> [[Double]] {
        let classes = network.classCount
        return try inChunks(inputs, chunk: chunk) { stacked, range in
            let partLogits = try network.logits(for: stacked)
            return (0..<range.count).map { Array(partLogits.scalars[$0 * classes ..< ($0 + 1) * classes]) }
        }
    }

    /// F at each input: the end value a path method established, or a forward pass.
    static func explainedValues(_ results: [AttributionResult], inputs: [Tensor], output: ClassifierOutput, targets: [Int], chunk: Int) throws -> [Double] {
        let computed = results.contains { $0.endValue == nil }
            ? try inChunks(inputs, chunk: chunk) { stacked, range in try output.values(at: stacked, targets: Array(targets[range])) } : []
        return results.enumerated().map { b, result in result.endValue ?? computed[b] }
    }

    /// `body(stacked inputs start..<end, start..<end)` for consecutive chunks, results joined in order.
    static func inChunks<T>(_ inputs: [Tensor], chunk: Int, _ body: (Tensor, Range<Int>) throws -> [T]) throws -> [T] {
        var joined: [T] = []
        for start in stride(from: 0, to: inputs.count, by: chunk) {
            let range = start..<min(start + chunk, inputs.count)
            joined += try body(Tensor(shape: [range.count] + inputs[0].shape, scalars: inputs[range].flatMap(\.scalars)), range)
        }
        return joined
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

    /// --target for all, --targets one per input (integer-valued numbers of any dtype NPY
    /// reads), or each input's predicted class.
    static func chooseTargets(target: Int?, file: URL?, count: Int, predicted: [Int], classes: Int) throws -> [Int] {
        if let target {
            guard target < classes else { throw ModelError("target class \(target) is out of range; the model has classes 0…\(classes - 1)") }
            return Array(repeating: target, count: count)
        }
        guard let file else { return predicted }
        return try readClasses(file, count: count, classes: classes, naming: ("targets", "target", "input"))
    }

    /// `count` classes from an NPY file of whole numbers in 0…classes − 1 (any dtype NPY
    /// reads, shape [count] or [count, 1, …]); `naming` says what they are in the messages:
    /// the file's contents, one entry, and what each belongs to.
    static func readClasses(_ file: URL, count: Int, classes: Int, naming: (all: String, one: String, owner: String)) throws -> [Int] {
        let tensor = try NPY.read(contentsOf: file)
        guard tensor.count == count, tensor.rank <= 1 || tensor.shape.dropFirst().allSatisfy({ $0 == 1 }) else {
            throw ModelError("\(file.path): the \(naming.all) have shape \(tensor.shape); give \(count) numbers, one class per \(naming.owner) (shape [\(count)])")
        }
        return try tensor.scalars.enumerated().map { b, value in
            guard value == value.rounded(), value >= 0, value < Double(classes) else {
                throw ModelError("\(file.path): \(naming.one) \(b) is \(value); each \(naming.one) must be a whole number in 0…\(classes - 1)")
            }
            return Int(value)
        }
    }

    /// "max-sigma" → "maxSigma" ("base.max-sigma" → "base.maxSigma").
    static func camelCase(_ name: String) -> String {
        name.split(separator: ".", omittingEmptySubsequences: false).map { part in
            let words = part.split(separator: "-")
            return ([String(words[0])] + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }).joined()
        }.joined(separator: ".")
    }

    /// One JSON report per input (README, "stdout").
    func reports() -> [[JSONValue.Member]] {
        results.enumerated().map { b, result in
            // A probability of 1 in double precision has no usable gradient: p(1 − p) underflows.
            var warnings: [JSONValue] = modelWarnings.map { .string($0) }
            let value = values[b]
            if request.outputKind == .probability && (1 - value <= 1e-12 || value == 0) {
                warnings.append(.string(
                    "the explained probability is \(value), saturated in double precision: its gradients vanish and say little; "
                        + "use --output log-probability or --output logit"))
            }
            // The exact and adaptive rules say how they integrated.
            var integration: [JSONValue.Member] = []
            if let pieces = result.linearPieces { integration.append(.init("linearPieces", .number(Double(pieces)))) }
            if let intervals = result.adaptiveIntervals { integration.append(.init("adaptiveIntervals", .number(Double(intervals)))) }
            if let estimate = result.integrationErrorEstimate { integration.append(.init("integrationErrorEstimate", .number(estimate))) }
            return [
                .init("input", .number(Double(b))),
                .init("method", .string(request.specification.name)),
                .init("target", .number(Double(targets[b]))),
                .init("output", .string(request.outputKind.rawValue)),
                .init("value", .number(value)),
                .init("baselineValue", result.startValue.map { .number($0) } ?? .null),
                .init("attributionSum", .number(result.attribution.sum)),
                .init("completenessDelta", result.completenessDelta.map { .number($0) } ?? .null),
                .init("gradientEvaluations", .number(Double(result.gradientEvaluations))),
                .init("valueEvaluations", .number(Double(result.valueEvaluations))),
            ] + integration + [
                .init("seconds", .number(seconds)),
                .init("predictedClass", .number(Double(predicted[b]))),
                .init("logits", .array(logits[b].map { .number($0) })),
                .init("parameters", .object(parameters)),
                .init("warnings", .array(warnings)),
            ]
        }
    }
}
