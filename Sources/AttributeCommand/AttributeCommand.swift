import ArrayFormats
import Attribution
import Diffusion
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
/// line. `verify` recomputes the attributions and compares a candidate with them. Every
/// output file is staged and committed together: a failed run leaves no file changed.
/// Exit status: 0 on success (for `verify`: within tolerance), 1 when `verify` finds the
/// candidate outside the tolerance, 2 for a usage error, 3 for an invalid input or model;
/// the message is one line on stderr.
///
/// The methods and their options come from a ``MethodRegistry`` (``MethodRegistry/complete``,
/// the standard methods and DDPath, unless a caller passes another): help, parsing and "does not apply" errors all read it.
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
        /// An invalid input file, model directory or value.
        public static let invalidData: Int32 = 3
    }

    /// The methods this command computes, as the `--method` option spells them.
    public static var methods: [String] { MethodRegistry.complete.names }

    /// The options every method takes (the methods' own come from the registry).
    static let commonOptions: [(name: String, placeholder: String, help: String)] = [
        ("model", "DIR", "the model directory: the folder holding model.json and one .npy per weight"),
        ("input", "X.npy", "one input of the model's inputShape, or a batch of shape [N] + inputShape"),
        ("method", "METHOD", "one of the methods below"),
        ("out", "A.npy", "where to write the attributions: float64, the input file's shape, written atomically"),
        ("target", "K", "the class explained for every input (default: each input's predicted class)"),
        ("targets", "T.npy", "one class per input: N integer-valued numbers (instead of --target)"),
        ("output", "KIND", "logit | probability | log-probability (default: probability)"),
        ("batch", "N", "points per model call (default: up to 200, ~8 MB of inputs); results do not depend on it"),
        ("threads", "N", "at most N threads (default: all cores); results do not depend on it"),
        ("ledger", "FILE.json", "path methods and aggregations of them: the per-step record"),
        ("path-points", "P.npy", "every point a gradient was taken at, stacked in evaluation order ([P] + inputShape)"),
        ("anchors", "N.npy", "ddpath: the base path's anchors before denoising, [T + 1] + inputShape per input, stacked"),
        ("candidate", "C.npy", "verify: the attributions to check (the input file's shape)"),
        ("tolerance", "T", "verify: the largest accepted max|C − R| / max|R| per input (default 1e-6)"),
    ]

    /// The help text for `registry`'s methods.
    public static func help(_ registry: MethodRegistry = .complete) -> String {
        let common = commonOptions.map { option in
            let flag = "--\(option.name) \(option.placeholder)"
            return "  \(flag.padding(toLength: 22, withPad: " ", startingAt: 0)) \(option.help)"
        }
        return """
            USAGE: attribute --model DIR --input X.npy --method METHOD --out A.npy [options]
                   attribute verify --candidate C.npy --model DIR --input X.npy --method METHOD [options]
                   attribute evaluate --metric M --model DIR --input X.npy --attribution A.npy [options]   (see attribute evaluate --help)
                   attribute denoise --diffusion DIR --input U.npy --time t [options] --out OUT.npy   (see attribute denoise --help)

            Computes the attribution of one model output for each input and writes them as a float64
            .npy file of the input file's shape; prints one JSON object per input, one per line.
            `verify` recomputes them and compares a candidate with them (exit 0 within tolerance,
            1 beyond it, with a verdict on stderr).

            OPTIONS:
            \(common.joined(separator: "\n"))
              -h, --help             show this help

            METHODS (--method) AND THEIR OPTIONS (an option of another method is a usage error):
            \(registry.help)

            EXIT STATUS: 0 success, 1 verify mismatch, 2 usage error, 3 invalid input or model.
            """
    }

    /// Runs the command on `arguments` (without the program name), with `registry`'s methods.
    public static func run(_ arguments: [String], registry: MethodRegistry = .complete) -> Outcome {
        let helpCommand = ["evaluate", "denoise"].contains(arguments.first) ? "attribute \(arguments[0]) --help" : "attribute --help"
        do {
            var words = arguments
            if words.first == "denoise" {
                words.removeFirst()
                if words.contains("--help") || words.contains("-h") {
                    return Outcome(status: Status.success, standardOutput: DenoiseCommand.help + "\n", standardError: "")
                }
                let lines = try DenoiseCommand.run(words).map { JSONValue.object($0).description + "\n" }.joined()
                return Outcome(status: Status.success, standardOutput: lines, standardError: "")
            }
            if words.first == "evaluate" {
                words.removeFirst()
                if words.contains("--help") || words.contains("-h") {
                    return Outcome(status: Status.success, standardOutput: EvaluateCommand.help(registry) + "\n", standardError: "")
                }
                let lines = try EvaluateCommand.run(words, registry: registry).map { JSONValue.object($0).description + "\n" }.joined()
                return Outcome(status: Status.success, standardOutput: lines, standardError: "")
            }
            let verifying = words.first == "verify"
            if verifying { words.removeFirst() }
            let known = Set(commonOptions.map(\.name)).union(registry.optionNames)
            let options = try CommandLineOptions(words, valued: known, flags: registry.flagNames.union(["help"]))
            if options.flags.contains("help") { return Outcome(status: Status.success, standardOutput: help(registry) + "\n", standardError: "") }
            if let word = options.positionals.first { throw UsageError("unexpected argument '\(word)'") }
            let request = try Request(options, verifying: verifying, registry: registry)
            let computation = try Computation(request)
            var reports = computation.reports()
            var status = Status.success
            var verdict = ""
            if verifying {
                let verification = try Verification(request, computation)
                reports = zip(reports, verification.members).map { $0 + $1 }
                if !verification.passed {
                    status = Status.mismatch
                    verdict = verification.verdict + "\n"
                }
            }
            try OutputFiles(request, computation).write()
            let lines = reports.map { JSONValue.object($0).description + "\n" }.joined()
            return Outcome(status: status, standardOutput: lines, standardError: verdict)
        } catch let error as UsageError {
            return Outcome(status: Status.usage, standardOutput: "", standardError: "attribute: \(error.description) (see \(helpCommand))\n")
        } catch let error as MethodArgumentError {
            return Outcome(status: Status.usage, standardOutput: "", standardError: "attribute: \(error.description) (see \(helpCommand))\n")
        } catch {
            return Outcome(status: Status.invalidData, standardOutput: "", standardError: "attribute: \(oneLine(error))\n")
        }
    }

    /// An error's message on one line.
    static func oneLine(_ error: any Error) -> String {
        String(describing: error).split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
