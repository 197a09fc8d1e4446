import ArrayFormats
import Attribution
import Foundation
import Models
import Tensors

/// One validated invocation of `attribute` (or `attribute verify`).
struct Request {
    var modelDirectory: URL
    var inputFile: URL
    var outputFile: URL?
    var candidateFile: URL?
    var tolerance: Double
    var ledgerFile: URL?
    var baselineFile: URL?
    var target: Int?
    var outputKind: OutputKind
    var threads: Int?
    var factory: MethodFactory
    var verifying: Bool

    init(_ options: CommandLineOptions, verifying: Bool) throws(UsageError) {
        self.verifying = verifying
        modelDirectory = URL(fileURLWithPath: try options.required("model"))
        inputFile = URL(fileURLWithPath: try options.required("input"))
        factory = try MethodFactory(options)
        if verifying {
            candidateFile = URL(fileURLWithPath: try options.required("candidate"))
            outputFile = options.values["out"].map { URL(fileURLWithPath: $0) }
        } else {
            for name in ["candidate", "tolerance"] where options.values[name] != nil {
                throw UsageError("--\(name) belongs to `attribute verify`")
            }
            outputFile = URL(fileURLWithPath: try options.required("out"))
        }
        tolerance = try options.number("tolerance", in: 0...1e300, expected: "a number ≥ 0") ?? 1e-6
        ledgerFile = options.values["ledger"].map { URL(fileURLWithPath: $0) }
        if let baseline = options.values["baseline"], baseline != "zeros" { baselineFile = URL(fileURLWithPath: baseline) }
        target = try options.integer("target", in: 0...Int.max)
        let kind = try options.choice("output", from: OutputKind.allCases.map(\.rawValue), default: OutputKind.probability.rawValue)!
        outputKind = OutputKind(rawValue: kind)!
        threads = try options.integer("threads", in: 1...4096)
    }

    /// Reads a point of the model's input shape (or [1] + it) from `file`.
    func readPoint(_ file: URL, shape: [Int], role: String) throws -> (point: Tensor, fileShape: [Int]) {
        let tensor = try NPY.read(contentsOf: file)
        guard tensor.shape == shape || tensor.shape == [1] + shape else {
            throw ModelError(
                "\(file.path): the \(role) has shape \(tensor.shape), but the model's input shape is \(shape) "
                    + "(a single point of shape \(shape) or [1] + \(shape) is expected)")
        }
        return (tensor.reshaped(shape), tensor.shape)
    }

    func execute() throws -> (report: JSONValue, status: Int32) {
        let network = try ModelDirectory.load(modelDirectory)
        let (point, fileShape) = try readPoint(inputFile, shape: network.inputShape, role: "input")
        let baseline = try baselineFile.map { try readPoint($0, shape: network.inputShape, role: "baseline").point }
        let logits = try network.logits(for: point.reshaped([1] + network.inputShape)).scalars
        let predicted = Reductions.indexOfMaximum(logits)
        let output = try ClassifierOutput(network: network, target: target ?? predicted, kind: outputKind)
        var factory = self.factory
        let method = try factory.make(baseline: baseline)

        let clock = ContinuousClock()
        let start = clock.now
        let result = try Parallelism.$threadLimit.withValue(threads) { try method.attribute(point, of: output) }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let value = try result.endValue ?? output.value(at: point)
        let attribution = result.attribution
        if let bad = attribution.firstNonFiniteIndex {
            throw ModelError("the attribution is not finite at feature \(bad) (\(attribution.scalars[bad])); the network's gradients overflow on this input")
        }
        // A probability of 1 in double precision has no usable gradient: p(1 − p) underflows.
        var warnings: [JSONValue] = []
        if outputKind == .probability && (1 - value <= 1e-12 || value == 0) {
            warnings.append(.string(
                "the explained probability is \(value), saturated in double precision: its gradients vanish and say little; "
                    + "use --output log-probability or --output logit"))
        }

        var members: [JSONValue.Member] = [
            .init("method", .string(factory.method)),
            .init("target", .number(Double(output.target))),
            .init("output", .string(outputKind.rawValue)),
            .init("value", .number(value)),
            .init("baselineValue", result.startValue.map { .number($0) } ?? .null),
            .init("attributionSum", .number(attribution.sum)),
            .init("completenessDelta", result.completenessDelta.map { .number($0) } ?? .null),
            .init("gradientEvaluations", .number(Double(result.gradientEvaluations))),
            .init("valueEvaluations", .number(Double(result.valueEvaluations))),
            .init("seconds", .number(seconds)),
            .init("predictedClass", .number(Double(predicted))),
            .init("logits", .array(logits.map { .number($0) })),
            .init("parameters", .object(factory.parameters)),
            .init("warnings", .array(warnings)),
        ]
        var status = AttributeCommand.Status.success
        if verifying, let candidateFile {
            let candidate = try readPoint(candidateFile, shape: network.inputShape, role: "candidate").point
            if let bad = candidate.firstNonFiniteIndex {
                throw ModelError("\(candidateFile.path): element \(bad) is \(candidate.scalars[bad]); a candidate attribution must be finite")
            }
            let absolute = zip(candidate.scalars, attribution.scalars).map { abs($0 - $1) }.max() ?? 0
            let scale = attribution.scalars.map(abs).max() ?? 0
            let relative = absolute == 0 ? 0 : (scale > 0 ? absolute / scale : .infinity)
            let pass = relative <= tolerance
            status = pass ? AttributeCommand.Status.success : AttributeCommand.Status.mismatch
            members += [
                .init("candidate", .string(candidateFile.path)),
                .init("maxAbsoluteDifference", .number(absolute)),
                .init("maxRelativeDifference", relative.isFinite ? .number(relative) : .string("infinite")),
                .init("tolerance", .number(tolerance)),
                .init("candidateAttributionSum", .number(candidate.sum)),
                .init("candidateCompletenessDelta", result.startValue.map { .number(candidate.sum - (value - $0)) } ?? .null),
                .init("pass", .bool(pass)),
            ]
        }

        // Stage every output file, then put them all in place: nothing is half-written.
        var staged: [StagedFile] = []
        do {
            if let outputFile { staged.append(try StagedFile(NPY.encode(attribution.reshaped(fileShape)), for: outputFile)) }
            if let ledgerFile {
                guard let ledger = result.ledger else { throw ModelError("--ledger: this method keeps no ledger") }
                staged.append(try StagedFile(Array(ledger.json.prettyPrinted.utf8), for: ledgerFile))
            }
        } catch {
            staged.forEach { $0.discard() }
            throw error
        }
        for file in staged { try file.commit() }
        return (.object(members), status)
    }
}
