import ArgumentParsing
import ArrayFormats
import Foundation
import Tensors

/// `bench quality [--quick] [--images N] [--models A,B] [--methods A,B] [--out DIR]`: runs a
/// quality run, prints the Markdown tables on stdout and progress on stderr, and writes
/// `DIR/RESULTS.md` (and the same as a page with the figures inline, `DIR/RESULTS.html`),
/// `DIR/results.json` (every per-image number), `DIR/summary.json` (the tables and curves,
/// small enough to commit) and the figures (default DIR: `quality`), each atomically. `bench quality --report FILE` re-aggregates a saved run (``SavedRun``).
public enum QualityCommand {
    /// `bench quality --help`.
    public static let usage = """
        USAGE: bench quality [--quick] [--images N] [--models M,…] [--methods M,…] [--resamples B] [--out DIR]
               bench quality --report FILE [--resamples B] [--out DIR]
               bench quality --page DIR
          --quick          digits-cnn and shapes-cnn (and IDGI's comparisons on the background-swapped models), 12 images each,
                           2 run seeds, the primary claims' methods, controls, metrics and four of DDPath's experiments (a few minutes)
          --images N       the first N test images of each model (before leaving out misclassified ones; default 360: every test digit, 360 of the 1,000 test shapes)
          --models M,…     of \(QualityModel.allNames.joined(separator: ", ")) (default the first five; the background-swapped two run IDGI's comparisons only; shapes-resnet, the residual graph, only when named)
          --methods M,…    of \(QualityMethod.all.map(\.name).joined(separator: ", ")),
                           DDPath's experiments \(QualityMethod.ddpathExperiments.map(\.name).joined(separator: ", ")),
                           the controls, and the baseline, budget and paper-budget variants
          --resamples B    bootstrap resamples (default 2000)
          --out DIR        where RESULTS.md, RESULTS.html, results.json, summary.json and the figures go (default quality)
          --report FILE    re-aggregate a saved run's results.json (its tables, intervals, verdicts and figures but
                           the maps grid) without attributing anything; with --resamples, at another number of resamples
          --page DIR       write DIR/RESULTS.html from DIR/RESULTS.md and the figures beside it (for a run written
                           before runs wrote the page; each figure described by its own title)
        """

    /// The options of `bench quality`.
    static let options: [OptionSpec] = [
        .flag("quick", "digits-cnn and shapes-cnn, 12 images each"), .value("images", "N", ""), .value("models", "M,…", ""),
        .value("methods", "M,…", ""), .value("resamples", "B", ""), .value("out", "DIR", ""), .value("report", "FILE", ""),
        .value("page", "DIR", ""),
    ]

    /// Parses `arguments` (after "quality"), checks every argument and the output directory
    /// before any work, runs, writes; returns the process's exit code: 0, 2 for a usage error,
    /// 3 for a saved run that is not valid input or a failure to read or write.
    public static func main(_ arguments: [String], machine: String) -> Int32 {
        func say(_ line: String) { FileHandle.standardError.write(Data("quality: \(line)\n".utf8)) }
        do {
            if arguments.contains("--page") {
                let parsed = try Arguments(arguments, command: "bench quality", options: options)
                guard let path = parsed.values["page"], parsed.values.count == 1, parsed.flags.isEmpty else {
                    throw QualityError("--page DIR takes no other option")
                }
                try writePage(in: URL(fileURLWithPath: path))
                say("wrote \(path)/RESULTS.html")
                return 0
            }
            if arguments.contains("--report") {
                // Re-aggregating a saved run: its machine and wall time, not this process's.
                let (file, resamples, directory) = try parseReport(arguments)
                try checkOutputDirectory(directory, reading: file)
                say("reading \(file.path)…")
                var (results, savedMachine) = try SavedRun.read(contentsOf: file)
                if let resamples {
                    let saved = results.configuration.bootstrap
                    var configuration = results.configuration
                    configuration.bootstrap = Bootstrap(resamples: resamples, seed: saved.seed, confidence: saved.confidence)
                    results = QualityResults(configuration: configuration, models: results.models, seconds: results.seconds)
                }
                try report(results, machine: savedMachine, to: directory, writingResults: false, checkingInput: true, say: say)
                return 0
            }
            let (configuration, directory) = try parse(arguments)
            try checkOutputDirectory(directory, reading: nil)
            let results = try QualityRun.run(configuration, progress: say)
            try report(results, machine: machine, to: directory, writingResults: true, checkingInput: false, say: say)
            return 0
        } catch let error as QualityError {
            FileHandle.standardError.write(Data("bench quality: \(oneLine(error.description)) (see bench quality --help)\n".utf8))
            return 2
        } catch let error as UsageError {
            FileHandle.standardError.write(Data("bench quality: \(oneLine(error.description)) (see bench quality --help)\n".utf8))
            return 2
        } catch {
            FileHandle.standardError.write(Data("bench quality: \(oneLine(String(describing: error)))\n".utf8))
            return 3
        }
    }

    /// The files a report writes into its directory: never a directory that is a file, never
    /// the saved run it reads.
    static func checkOutputDirectory(_ directory: URL, reading input: URL?) throws(QualityError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw QualityError("--out \(directory.path) exists and is not a directory; give a directory for RESULTS.md, summary.json and the figures")
        }
        guard let input else { return }
        let file = input.standardizedFileURL.resolvingSymlinksInPath()
        let folder = directory.standardizedFileURL.resolvingSymlinksInPath()
        let written = ["RESULTS.md", "RESULTS.html", "summary.json", "results.json"]
        if file.deletingLastPathComponent().path == folder.path && (written.contains(file.lastPathComponent) || ["svg", "png"].contains(file.pathExtension)) {
            throw QualityError("--report \(input.path) would be overwritten by the report it writes into --out \(directory.path); give another --out")
        }
    }

    /// Computes the intervals and verdicts of `results` and writes the reports into
    /// `directory` — RESULTS.md (also on stdout) and RESULTS.html, summary.json, the figures, and with
    /// `writingResults` results.json — each file atomically.
    static func report(
        _ results: QualityResults, machine: String, to directory: URL, writingResults: Bool, checkingInput: Bool, say: (String) -> Void
    ) throws {
        say("bootstrap intervals of every cell and claim (\(results.configuration.bootstrap.resamples) resamples)…")
        let summaryStart = Date()
        let summary = QualitySummary(results)
        if checkingInput, let cell = summary.cells.first(where: { cell in
            cell.interval.map { !($0.estimate.isFinite && $0.lower.isFinite && $0.upper.isFinite) } ?? false
        }) {
            throw SavedRunError("results file: the scores of \(cell.method) on \(cell.metric) (\(cell.model)) overflow when aggregated; they are not a metric's values")
        }
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
        try AtomicFile.write(page(markdown: markdown, figures: figures, in: directory), to: directory.appendingPathComponent("RESULTS.html"))
        say("wrote \(directory.path)/RESULTS.md, RESULTS.html, \(writingResults ? "results.json, " : "")summary.json and \(figures.count) figures")
    }

    /// RESULTS.html: the report's Markdown as a page (its tables and verdicts), then every
    /// figure inline, described by `alt`.
    static func page(markdown: String, figures: [(file: String, alt: String)], in directory: URL) -> String {
        let title = markdown.split(separator: "\n").first.map { String($0.drop { $0 == "#" || $0 == " " }) } ?? "bench quality"
        let body = ["<main>"] + MarkdownHTML.html(markdown) + ["<h2>Figures</h2>"]
            + figures.flatMap { HTMLPage.figure(file: $0.file, alt: $0.alt, in: directory) } + ["</main>"]
        return HTMLPage.document(title: title, body: body)
    }

    /// `--page DIR`: RESULTS.html for a run already written into DIR, from its RESULTS.md and
    /// the figures beside it, each described by its own title (an SVG's first text, a maps
    /// grid's name).
    /// - Throws: ``QualityError`` when DIR has no RESULTS.md; a write failure.
    static func writePage(in directory: URL) throws {
        let markdownFile = directory.appendingPathComponent("RESULTS.md")
        guard let markdown = try? String(contentsOf: markdownFile, encoding: .utf8) else {
            throw QualityError("--page \(directory.path): no readable RESULTS.md there; give the folder a bench quality run wrote")
        }
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".svg") || $0.hasSuffix(".png") }.sorted()
        let figures = files.map { file -> (file: String, alt: String) in
            if file.hasSuffix(".svg"), let svg = try? String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8),
               let start = svg.range(of: "<text"), let open = svg[start.upperBound...].firstIndex(of: ">"),
               let close = svg[open...].range(of: "</text>") {
                return (file, HTMLPage.unescape(String(svg[svg.index(after: open)..<close.lowerBound])))
            }
            if file.hasPrefix("maps-") {
                let model = file.dropFirst("maps-".count).dropLast(".png".count)
                return (file, "\(model): the first explained test images, each followed by its maps from the plotted methods, summed over channels, red positive and blue negative")
            }
            return (file, file)
        }
        try AtomicFile.write(page(markdown: markdown, figures: figures, in: directory), to: directory.appendingPathComponent("RESULTS.html"))
    }

    /// `--report FILE [--resamples B] [--out DIR]`: the saved run, the resamples if changed,
    /// and the output directory.
    /// - Throws: ``QualityError`` for a missing file name or an option that would need a new run.
    public static func parseReport(_ arguments: [String]) throws -> (file: URL, resamples: Int?, directory: URL) {
        let parsed = try Arguments(arguments, command: "bench quality", options: options)
        for name in ["quick", "images", "models", "methods"] where parsed.values[name] != nil || parsed.has(name) {
            throw QualityError("--\(name) would need a new run; --report re-aggregates a saved one and takes only --resamples and --out")
        }
        guard let file = try parsed.text("report") else { throw QualityError("--report needs the results.json of a bench quality run") }
        return (URL(fileURLWithPath: file), try parsed.integer("resamples", in: 2...10_000_000), URL(fileURLWithPath: try parsed.text("out") ?? "quality"))
    }

    /// The configuration and output directory `arguments` ask for, every value checked.
    /// - Throws: ``QualityError`` or ``UsageError`` naming the bad argument and what it accepts.
    public static func parse(_ arguments: [String]) throws -> (QualityConfiguration, URL) {
        let parsed = try Arguments(arguments, command: "bench quality", options: options)
        var configuration = parsed.has("quick") ? QualityConfiguration.quick : QualityConfiguration.full
        if let images = try parsed.integer("images", in: 1...1_000_000) { configuration.images = images }
        if let models = try parsed.list("models", from: QualityModel.allNames) { configuration.models = models }
        let methodNames = (QualityMethod.all + QualityMethod.baselineVariants + QualityMethod.budgetVariants + QualityMethod.controls + QualityMethod.paperBudget
            + QualityMethod.ddpathExperiments).map(\.name)
        if let methods = try parsed.list("methods", from: methodNames) { configuration.methods = methods.map { QualityMethod.named($0)! } }
        if let b = try parsed.integer("resamples", in: 2...10_000_000) {
            configuration.bootstrap = Bootstrap(resamples: b, seed: configuration.bootstrap.seed, confidence: configuration.bootstrap.confidence)
        }
        return (configuration, URL(fileURLWithPath: try parsed.text("out") ?? "quality"))
    }
}
