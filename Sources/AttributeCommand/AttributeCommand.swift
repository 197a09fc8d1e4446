import ArrayFormats
import Attribution
import Foundation
import Models
import Tensors

/// The `attribute` command: the oracle's command-line contract (README, "The `attribute`
/// command").
///
///     attribute --model DIR --input X.npy --method M --out A.npy [options]
///     attribute verify --candidate C.npy --model DIR --input X.npy --method M [options]
///
/// It loads a model directory and one input, computes the attribution of the chosen output,
/// writes it as a float64 `.npy` of the input's shape (atomically: a failed run leaves no
/// file), and prints one JSON object on stdout. `verify` recomputes the attribution and
/// compares a candidate with it. Exit status: 0 on success (for `verify`: within
/// tolerance), 1 when `verify` finds the candidate outside the tolerance, 2 for a usage
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
    public static let methods = MethodFactory.methodNames

    /// The help text.
    public static let help = """
        USAGE: attribute --model DIR --input X.npy --method METHOD --out A.npy [options]
               attribute verify --candidate C.npy --model DIR --input X.npy --method METHOD [options]

        Computes an attribution of one model output for one input and writes it as a float64
        .npy file of the input's shape; prints one JSON object describing the run. `verify`
        recomputes it and compares a candidate attribution with it (exit 0 within tolerance, 1
        beyond it).

        COMMON OPTIONS:
          --model DIR          model directory: model.json plus one .npy per weight (see README)
          --input X.npy        the input: shape = the model's inputShape, or [1] + inputShape
          --method METHOD      gradient | input-x-gradient | guided-backprop | ig | blur-ig |
                               guided-ig | smoothgrad
          --out A.npy          where to write the attribution (written atomically)
          --target K           the class to explain (default: the predicted class)
          --output KIND        logit | probability | log-probability (default: probability)
          --threads N          at most N threads (default: all cores; results do not depend on it)
          -h, --help           show this help

        PATH METHODS (ig, blur-ig, guided-ig):
          --steps N            gradient evaluations along the path (defaults: ig 200,
                               blur-ig 100, guided-ig 200); with --integrator idgi on ig, the N
                               segments between α = k/N, k = 0…N
          --integrator I       riemann | idgi (default riemann)
          --baseline B         zeros | FILE.npy (ig, guided-ig; default zeros)
          --rule R             ig: left | right | middle | trapezoid | gauss-legendre | uniform |
                               captum-trapezoid (default gauss-legendre; with idgi, left)
          --max-sigma S        blur-ig: the largest blur σ (default 50)
          --grad-step G        blur-ig: the finite-difference step in σ (default 0.01)
          --derivative D       blur-ig: finite-difference | analytic (default finite-difference)
          --fraction F         guided-ig: fraction of features moved per pass (default 0.25)
          --max-dist D         guided-ig: largest deviation from the straight line (default 0.02)
          --batch N            points per model call (default: up to 200, ~8 MB of inputs)
          --ledger FILE.json   write the per-step ledger

        SMOOTHGRAD:
          --base M             the method on each noisy copy (default gradient; any but smoothgrad,
                               with that method's options)
          --samples N          noisy copies (default 25)
          --noise S            noise σ as a fraction of the input's range, max − min (default 0.15)
          --smoothing A        mean | squared | vargrad (default mean)
          --seed N             the noise's seed (default 0)

        VERIFY:
          --candidate C.npy    the attribution to check (the input's shape)
          --tolerance T        the largest accepted relative difference, max|C − R| / max|R| (default 1e-6)

        EXIT STATUS: 0 success, 1 verify mismatch, 2 usage error, 3 invalid input or model.
        """

    /// Runs the command on `arguments` (without the program name).
    public static func run(_ arguments: [String]) -> Outcome {
        do {
            var words = arguments
            let verifying = words.first == "verify"
            if verifying { words.removeFirst() }
            let options = try CommandLineOptions(words, valued: MethodFactory.valuedOptions, flags: ["help"])
            if options.flags.contains("help") { return Outcome(status: Status.success, standardOutput: help + "\n", standardError: "") }
            if let word = options.positionals.first { throw UsageError("unexpected argument '\(word)'") }
            let request = try Request(options, verifying: verifying)
            let (report, status) = try request.execute()
            return Outcome(status: status, standardOutput: report.description + "\n", standardError: "")
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
