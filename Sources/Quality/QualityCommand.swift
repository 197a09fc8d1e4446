import ArrayFormats
import Foundation
import Tensors

/// `bench quality [--quick] [--images N] [--models A,B] [--methods A,B] [--out DIR]`: runs a
/// quality run, prints the Markdown tables on stdout and progress on stderr, and writes
/// `DIR/RESULTS.md`, `DIR/results.json` (every per-image number), `DIR/summary.json` (the
/// tables and curves, small enough to commit) and the figures (default DIR: `quality`), each
/// atomically. `bench quality --report FILE` re-aggregates a saved run (``SavedRun``).
public enum QualityCommand {
    /// `bench quality --help`.
    public static let usage = """
        USAGE: bench quality [--quick] [--images N] [--models M,…] [--methods M,…] [--resamples B] [--out DIR]
               bench quality --report FILE [--resamples B] [--out DIR]
          --quick          digits-cnn and shapes-cnn, 12 images each, the claims' main methods and metrics (about a minute)
          --images N       the first N test images of each model (before leaving out misclassified ones; default all)
          --models M,…     of digits-cnn, digits-mlp, shapes-cnn (default all three)
          --methods M,…    of \(QualityMethod.all.map(\.name).joined(separator: ", "))
          --resamples B    bootstrap resamples (default 2000)
          --out DIR        where RESULTS.md, results.json, summary.json and the figures go (default quality)
          --report FILE    re-aggregate a saved run's results.json (its tables, intervals, verdicts and figures but
                           the maps grid) without attributing anything; with --resamples, at another number of resamples
        """

    /// Parses `arguments` (after "quality"), runs, writes; returns the process's exit code.
    public static func main(_ arguments: [String], machine: String) -> Int32 {
        func say(_ line: String) { FileHandle.standardError.write(Data("quality: \(line)\n".utf8)) }
        do {
            if arguments.contains("--report") {
                // Re-aggregating a saved run: its machine and wall time, not this process's.
                let (file, resamples, directory) = try parseReport(arguments)
                say("reading \(file.path)…")
                let text: String
                do { text = try String(contentsOf: file, encoding: .utf8) } catch {
                    throw QualityError("--report: cannot read '\(file.path)' (\(error.localizedDescription)); pass a results.json that bench quality wrote")
                }
                let json: JSONValue
                do { json = try JSONValue.parse(text) } catch { throw QualityError("--report: '\(file.path)' is not valid JSON: \(error)") }
                var (results, savedMachine) = try SavedRun.read(json)
                if let resamples {
                    let saved = results.configuration.bootstrap
                    var configuration = results.configuration
                    configuration.bootstrap = Bootstrap(resamples: resamples, seed: saved.seed, confidence: saved.confidence)
                    results = QualityResults(configuration: configuration, models: results.models, seconds: results.seconds)
                }
                try report(results, machine: savedMachine, to: directory, writingResults: false, say: say)
                return 0
            }
            let (configuration, directory) = try parse(arguments)
            let results = try QualityRun.run(configuration, progress: say)
            try report(results, machine: machine, to: directory, writingResults: true, say: say)
            return 0
        } catch let error as QualityError {
            FileHandle.standardError.write(Data("bench quality: \(error.description)\n".utf8))
            return 2
        } catch {
            FileHandle.standardError.write(Data("bench quality: \(error)\n".utf8))
            return 3
        }
    }

    /// Computes the intervals and verdicts of `results` and writes the reports into
    /// `directory` — RESULTS.md (also on stdout), summary.json, the figures, and with
    /// `writingResults` results.json — each file atomically.
    static func report(_ results: QualityResults, machine: String, to directory: URL, writingResults: Bool, say: (String) -> Void) throws {
        say("bootstrap intervals of every cell and claim (\(results.configuration.bootstrap.resamples) resamples)…")
        let summaryStart = Date()
        let summary = QualitySummary(results)
        say("intervals in \(Int(Date().timeIntervalSince(summaryStart).rounded())) s")
        let markdown = QualityReport.markdown(results, summary, machine: machine)
        print(markdown, terminator: "")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try AtomicFile.write(markdown, to: directory.appendingPathComponent("RESULTS.md"))
        if writingResults {
            let json = QualityReport.json(results, summary, machine: machine).description
            try AtomicFile.write(json + "\n", to: directory.appendingPathComponent("results.json"))
        }
        let summaryJSON = QualityReport.summaryJSON(results, summary, machine: machine).prettyPrinted
        try AtomicFile.write(summaryJSON + "\n", to: directory.appendingPathComponent("summary.json"))
        let figures = try QualityFigures.write(results, to: directory)
        say("wrote \(directory.path)/RESULTS.md, \(writingResults ? "results.json, " : "")summary.json and \(figures.count) figures")
    }

    /// `--report FILE [--resamples B] [--out DIR]`: the saved run, the resamples if changed,
    /// and the output directory.
    /// - Throws: ``QualityError`` for a missing file name or a flag that would need a new run.
    public static func parseReport(_ arguments: [String]) throws -> (file: URL, resamples: Int?, directory: URL) {
        var file: URL?, resamples: Int?, directory = URL(fileURLWithPath: "quality")
        var index = 0
        func value(_ flag: String) throws -> String {
            guard index + 1 < arguments.count else { throw QualityError("\(flag) needs a value (see bench quality --help)") }
            index += 1
            return arguments[index]
        }
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--report":
                file = URL(fileURLWithPath: try value(argument))
            case "--resamples":
                let text = try value(argument)
                guard let b = Int(text), b >= 2 else { throw QualityError("--resamples needs a whole number ≥ 2, got '\(text)'") }
                resamples = b
            case "--out":
                directory = URL(fileURLWithPath: try value(argument))
            case "--quick", "--images", "--models", "--methods":
                throw QualityError("\(argument) would need a new run; --report re-aggregates a saved one and takes only --resamples and --out")
            default:
                throw QualityError("unknown argument '\(argument)' (see bench quality --help)")
            }
            index += 1
        }
        guard let file else { throw QualityError("--report needs the results.json of a bench quality run") }
        return (file, resamples, directory)
    }

    /// The configuration and output directory `arguments` ask for.
    /// - Throws: ``QualityError`` naming the bad argument and what it accepts.
    public static func parse(_ arguments: [String]) throws -> (QualityConfiguration, URL) {
        var configuration = arguments.contains("--quick") ? QualityConfiguration.quick : QualityConfiguration.full
        var directory = URL(fileURLWithPath: "quality")
        var index = 0
        func value(_ flag: String) throws -> String {
            guard index + 1 < arguments.count else { throw QualityError("\(flag) needs a value (see bench quality --help)") }
            index += 1
            return arguments[index]
        }
        func list(_ flag: String) throws -> [String] { try value(flag).split(separator: ",").map(String.init) }
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--quick":
                break
            case "--images":
                let text = try value(argument)
                guard let n = Int(text), n > 0 else { throw QualityError("--images needs a positive whole number, got '\(text)'") }
                configuration.images = n
            case "--models":
                let names = try list(argument)
                for name in names where !QualityModel.defaultNames.contains(name) {
                    throw QualityError("--models: unknown model '\(name)'; choose from \(QualityModel.defaultNames.joined(separator: ", "))")
                }
                configuration.models = names
            case "--methods":
                configuration.methods = try list(argument).map { name in
                    guard let method = QualityMethod.named(name) else {
                        throw QualityError("--methods: unknown method '\(name)'; choose from \(QualityMethod.all.map(\.name).joined(separator: ", "))")
                    }
                    return method
                }
            case "--resamples":
                let text = try value(argument)
                guard let b = Int(text), b >= 2 else { throw QualityError("--resamples needs a whole number ≥ 2, got '\(text)'") }
                configuration.bootstrap = Bootstrap(resamples: b, seed: configuration.bootstrap.seed, confidence: configuration.bootstrap.confidence)
            case "--out":
                directory = URL(fileURLWithPath: try value(argument))
            default:
                throw QualityError("unknown argument '\(argument)' (see bench quality --help)")
            }
            index += 1
        }
        return (configuration, directory)
    }
}
