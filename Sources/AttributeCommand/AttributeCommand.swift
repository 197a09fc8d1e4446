import ArgumentParsing
import ArrayFormats
import Attribution
import Catalogue
import Evaluation
import Foundation
import Models
import Tensors

/// The `attribute` command: the oracle's command-line contract (README, "The `attribute`
/// command").
///
///     attribute --model DIR --input X.npy --method M --out A.npy [options]
///     attribute verify --candidate C.npy --model DIR --input X.npy --method M [options]
///     attribute evaluate …   (``EvaluateCommand``)
///     attribute denoise …    (``DenoiseCommand``)
///
/// It loads a model directory and one input or a batch of inputs, computes the attribution
/// of the chosen output for each (all inputs' points share model calls), writes them as a
/// float64 `.npy` of the input file's shape, and prints one JSON object per input, one per
/// line. `verify` recomputes the attributions and compares a candidate with them.
///
/// Every argument is checked before any work. Every output file is staged, standard output is
/// written, and only then are the files committed together: a failed run — a bad file, a
/// full disk, a closed pipe on standard output — leaves no file changed. Exit status: 0 on
/// success (for `verify`: within tolerance), 1 when `verify` finds the candidate outside the
/// tolerance, 2 for a usage error, 3 for an invalid input or model or a failed write; the
/// message is one line on stderr.
///
/// The methods and metrics come from the ``Catalogue`` (a test passes registries with a toy
/// method and metric added): help, parsing and "does not apply" errors all read them.
public enum AttributeCommand {
    /// What a run printed and how it ended.
    public struct Outcome: Sendable, Equatable {
        /// The process exit status.
        public var status: Int32
        /// Standard output (one JSON object per input, each on its own line; the help text for --help).
        public var standardOutput: String
        /// Standard error (one line on failure, or `verify`'s verdict beyond tolerance).
        public var standardError: String
    }

    /// Exit statuses.
    public enum Status {
        /// Success (`verify`: within tolerance).
        public static let success: Int32 = 0
        /// `verify`: the candidate differs from the reference by more than the tolerance.
        public static let mismatch: Int32 = 1
        /// A mistake in the command line.
        public static let usage: Int32 = 2
        /// An invalid input file, model directory or value, or an output that could not be written.
        public static let invalidData: Int32 = 3
    }

    /// The methods this command computes, as `--method` spells them.
    public static var methods: [String] { Catalogue.methods.names }

    /// The help text for `methods`.
    public static func help(_ methods: MethodRegistry = Catalogue.methods) -> String {
        """
        USAGE: attribute --model DIR --input X.npy --method METHOD --out A.npy [options]
               attribute verify --candidate C.npy --model DIR --input X.npy --method METHOD [options]
               attribute evaluate --metric M --model DIR --input X.npy --attribution A.npy [options]   (see attribute evaluate --help)
               attribute denoise --diffusion DIR --input U.npy --time t [options] --out OUT.npy   (see attribute denoise --help)
               attribute convert --model FILE.onnx|DIR --out NEW_DIR   (see attribute convert --help)

        Computes the attribution of one model output for each input and writes them as a float64
        .npy file of the input file's shape; prints one JSON object per input, one per line.
        `verify` recomputes them and compares a candidate with them (exit 0 within tolerance,
        1 beyond it, with a verdict on stderr).

        OPTIONS:
        \(OptionSpec.help(Request.options))
          -h, --help             show this help

        METHODS (--method) AND THEIR PARAMETERS (a parameter of another method is a usage error).
        An aggregation's base takes its own parameters as --base.NAME (or --NAME where only the base has NAME):
        \(CommandLineNames.help(methods))

        EXIT STATUS: 0 success, 1 verify mismatch, 2 usage error, 3 invalid input or model, or an output that could not be written.
        """
    }

    /// Runs the command in-process: standard output is captured, and the files are committed
    /// after it (tests use this).
    public static func run(_ arguments: [String], methods: MethodRegistry = Catalogue.methods, metrics: MetricRegistry = Catalogue.metrics) -> Outcome {
        var captured = ""
        var outcome = execute(arguments, methods: methods, metrics: metrics) { captured += $0 }
        outcome.standardOutput = captured
        return outcome
    }

    /// Runs the command, handing standard output to `write` before any output file is
    /// committed; when `write` throws, no file is changed and the run fails with status 3.
    /// The outcome's `standardOutput` is empty (it went to `write`).
    public static func execute(
        _ arguments: [String], methods: MethodRegistry = Catalogue.methods, metrics: MetricRegistry = Catalogue.metrics,
        write: (String) throws -> Void
    ) -> Outcome {
        let subcommand = ["evaluate", "denoise", "verify", "convert"].contains(arguments.first) ? arguments[0] : nil
        let helpCommand = subcommand.map { $0 == "verify" ? "attribute --help" : "attribute \($0) --help" } ?? "attribute --help"
        let words = subcommand == nil ? arguments : Array(arguments.dropFirst())
        var staged: [StagedFile] = []
        var directory: (staging: URL, destination: URL)?
        do {
            let run: Run
            switch subcommand {
            case "denoise": run = try DenoiseCommand.run(words)
            case "convert": run = try ConvertCommand.run(words)
            case "evaluate": run = try EvaluateCommand.run(words, methods: methods, metrics: metrics)
            default: run = try attribute(words, verifying: subcommand == "verify", methods: methods)
            }
            staged = run.files
            directory = run.directory
            do { try write(run.standardOutput) } catch {
                throw OutputWriteError("cannot write standard output (\(error.localizedDescription)); no file was changed")
            }
            try StagedFile.commitAll(staged)
            staged = []
            if let (staging, destination) = directory {
                guard rename(staging.path, destination.path) == 0 else {
                    throw OutputWriteError("cannot move the new model directory to \(destination.path) (\(String(cString: strerror(errno)))); nothing was written")
                }
                directory = nil
            }
            return Outcome(status: run.status, standardOutput: "", standardError: run.standardError)
        } catch {
            staged.forEach { $0.discard() }
            if let (staging, _) = directory { try? FileManager.default.removeItem(at: staging) }
            return failure(error, helpCommand: helpCommand, methods: methods, metrics: metrics)
        }
    }

    /// What a command produced: its status, standard output and error, and its staged files.
    struct Run {
        var status: Int32 = Status.success
        var standardOutput: String
        var standardError: String = ""
        var files: [StagedFile] = []
        /// A directory written beside its destination, renamed into place after the files.
        var directory: (staging: URL, destination: URL)?
    }

    /// `attribute` and `attribute verify`.
    static func attribute(_ words: [String], verifying: Bool, methods: MethodRegistry) throws -> Run {
        let request: Request
        do { request = try Request(words, verifying: verifying, methods: methods) } catch is HelpRequest {
            return Run(standardOutput: help(methods) + "\n")
        }
        let computation = try Computation(request)
        var reports = computation.reports()
        var run = Run(standardOutput: "")
        if verifying {
            let verification = try Verification(request, computation)
            reports = zip(reports, verification.members).map { $0 + $1 }
            if !verification.passed {
                run.status = Status.mismatch
                run.standardError = verification.verdict + "\n"
            }
        }
        run.files = try OutputFiles(request, computation).staged()
        run.standardOutput = reports.map { JSONValue.object($0).description + "\n" }.joined()
        return run
    }

    /// The outcome of a failed run: a usage error (a parameter's, translated to its flag) is
    /// status 2, anything else 3; the message is one line with control characters escaped.
    static func failure(_ error: any Error, helpCommand: String, methods: MethodRegistry, metrics: MetricRegistry) -> Outcome {
        let usage: String?
        switch error {
        case let error as UsageError: usage = error.description
        case let error as AttributionError where error.parameter != nil: usage = CommandLineNames.translate(error.description)
        default: usage = nil
        }
        if let usage {
            return Outcome(status: Status.usage, standardOutput: "", standardError: "attribute: \(oneLine(usage)) (see \(helpCommand))\n")
        }
        let message = CommandLineNames.translate(String(describing: error))
        return Outcome(status: Status.invalidData, standardOutput: "", standardError: "attribute: \(oneLine(message))\n")
    }
}

/// Standard output could not be written.
struct OutputWriteError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
