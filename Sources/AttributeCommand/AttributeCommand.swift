import ArrayFormats
import Attribution
import Foundation
import Models
import Tensors

/// The `attribute` command: the oracle's command-line contract.
///
///     attribute --model DIR --input X.npy --method M --out A.npy [--target K] [--output KIND]
///
/// It loads a model directory and one input, computes the attribution of the chosen output,
/// writes it as a float64 `.npy` of the input's shape (atomically: a failed run leaves no
/// file), and prints one JSON object on stdout. Exit status: 0 on success, 2 for a usage
/// error, 3 for an invalid input or model; the message is one line on stderr.
public enum AttributeCommand {
    /// What a run printed and how it ended.
    public struct Outcome: Sendable, Equatable {
        /// The process exit status.
        public var status: Int32
        /// Standard output (one JSON object and a newline on success, the help text for --help).
        public var standardOutput: String
        /// Standard error (one line on failure).
        public var standardError: String
    }

    /// Exit statuses.
    public enum Status {
        /// Success.
        public static let success: Int32 = 0
        /// A mistake in the command line.
        public static let usage: Int32 = 2
        /// An invalid input file, model directory or value.
        public static let invalidData: Int32 = 3
    }

    /// The methods this command computes.
    public static let methods = ["gradient", "input-x-gradient", "guided-backprop"]

    /// The help text.
    public static let help = """
        USAGE: attribute --model DIR --input X.npy --method METHOD --out A.npy [options]

        Computes an attribution of one model output for one input and writes it as a float64
        .npy file of the input's shape. Prints one JSON object describing the run on stdout.

        OPTIONS:
          --model DIR        model directory: model.json plus one .npy per weight (see README)
          --input X.npy      the input: shape = the model's inputShape, or [1] + inputShape
                             (float64 or float32)
          --method METHOD    gradient | input-x-gradient | guided-backprop
          --out A.npy        where to write the attribution (written atomically)
          --target K         the class to explain (default: the predicted class)
          --output KIND      logit | probability | log-probability (default: probability)
          -h, --help         show this help

        EXIT STATUS: 0 success, 2 usage error, 3 invalid input or model.
        """

    /// Runs the command on `arguments` (without the program name).
    public static func run(_ arguments: [String]) -> Outcome {
        do {
            let options = try CommandLineOptions(
                arguments, valued: ["model", "input", "method", "out", "target", "output"], flags: ["help"])
            if options.flags.contains("help") { return Outcome(status: Status.success, standardOutput: help + "\n", standardError: "") }
            if let word = options.positionals.first { throw UsageError("unexpected argument '\(word)'") }
            let request = try Request(options)
            let report = try request.execute()
            return Outcome(status: Status.success, standardOutput: report.description + "\n", standardError: "")
        } catch let error as UsageError {
            return Outcome(status: Status.usage, standardOutput: "", standardError: "attribute: \(error.description) (see attribute --help)\n")
        } catch {
            return Outcome(status: Status.invalidData, standardOutput: "", standardError: "attribute: \(oneLine(error))\n")
        }
    }

    /// An error's message on one line.
    static func oneLine(_ error: any Error) -> String {
        String(describing: error).split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}

/// One validated invocation.
struct Request {
    var modelDirectory: URL
    var inputFile: URL
    var outputFile: URL
    var method: String
    var target: Int?
    var outputKind: OutputKind

    init(_ options: CommandLineOptions) throws(UsageError) {
        modelDirectory = URL(fileURLWithPath: try options.required("model"))
        inputFile = URL(fileURLWithPath: try options.required("input"))
        outputFile = URL(fileURLWithPath: try options.required("out"))
        guard let method = try options.choice("method", from: AttributeCommand.methods) else {
            throw UsageError("missing required option '--method' (one of: \(AttributeCommand.methods.joined(separator: ", ")))")
        }
        self.method = method
        target = try options.integer("target", in: 0...Int.max)
        let kind = try options.choice("output", from: OutputKind.allCases.map(\.rawValue), default: OutputKind.probability.rawValue)!
        outputKind = OutputKind(rawValue: kind)!
    }

    func execute() throws -> JSONValue {
        let network = try ModelDirectory.load(modelDirectory)
        let input = try NPY.read(contentsOf: inputFile)
        guard input.shape == network.inputShape || input.shape == [1] + network.inputShape else {
            throw ModelError(
                "\(inputFile.path): shape \(input.shape) does not match the model's input shape \(network.inputShape) "
                    + "(a single input of shape \(network.inputShape) or [1] + \(network.inputShape) is expected)")
        }
        let point = input.reshaped(network.inputShape)
        let logits = try network.logits(for: point.reshaped([1] + network.inputShape)).scalars
        let predicted = Reductions.indexOfMaximum(logits)
        let output = try ClassifierOutput(network: network, target: target ?? predicted, kind: outputKind)

        let clock = ContinuousClock()
        let start = clock.now
        let attributionMethod: any AttributionMethod
        switch method {
        case "gradient": attributionMethod = VanillaGradient()
        case "input-x-gradient": attributionMethod = InputTimesGradient()
        default: attributionMethod = GuidedBackprop()
        }
        let attribution = try attributionMethod.attribute(point, of: output).attribution
        let elapsed = clock.now - start
        let value = try output.value(at: point)

        if let bad = attribution.firstNonFiniteIndex {
            throw ModelError("the attribution is not finite at feature \(bad); the model overflows on this input")
        }
        try NPY.write(attribution.reshaped(input.shape), to: outputFile)

        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return .object([
            .init("method", .string(method)),
            .init("target", .number(Double(output.target))),
            .init("output", .string(outputKind.rawValue)),
            .init("value", .number(value)),
            .init("predictedClass", .number(Double(predicted))),
            .init("logits", .array(logits.map { .number($0) })),
            .init("attributionSum", .number(attribution.sum)),
            .init("gradientEvaluations", .number(1)),
            .init("seconds", .number(seconds)),
        ])
    }
}
