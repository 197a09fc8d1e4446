import ArgumentParsing
import ArrayFormats
import Foundation
import Tensors

/// What every walkthrough executable shares: its options, numbered cells, tables, figures,
/// and a `summary.json` of the numbers a reader should check (a test reads it).
///
///     walkthrough-NN [--fast] [--output DIR | --output-root ROOT]
///
/// `--fast` shrinks step counts so a debug build finishes in seconds (the tests use it);
/// figures go to DIR, or to ROOT/<name> (default `walkthrough-output/<name>` in the working
/// directory — the runner passes `--output-root`, so its folders have these same names).
///
/// Everything a cell shows goes into a ``WalkthroughDocument`` as it is printed, and
/// ``finish(line:)`` writes the document twice over beside the figures: `transcript.txt`
/// (the terminal's text) and `index.html` (the notebook page, ``PageRendering``), plus
/// `page.json` for the index of all walkthroughs, which it rebuilds in ROOT (not with
/// `--output DIR`, whose parent is not the walkthrough's to write in).
public final class Walkthrough {
    /// The walkthrough's folder name, e.g. "01-integrated-gradients-by-hand".
    public let name: String
    /// Fewer steps, for tests in a debug build.
    public let fast: Bool
    /// Where figures and summary.json go.
    public let output: URL
    /// The folder holding every walkthrough's folder, where the index goes; nil with `--output DIR`.
    public let outputRoot: URL?
    /// What has been shown so far.
    public private(set) var document: WalkthroughDocument
    private var cellStartLines: [Int] = []
    private var transcript: [String] = []
    private var numbers: [JSONValue.Member] = []
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant

    /// Parses the command line; exits with status 2 and a message on a bad option. `file` is
    /// the walkthrough's source file, for the page's links to each cell's code.
    public init(name: String, title: String, arguments: [String] = Array(CommandLine.arguments.dropFirst()), file: String = #filePath) {
        AllocatorTuning.keepFreedMemory()  // see AllocatorTuning
        self.name = name
        let options: [OptionSpec] = [
            .flag("fast", "smaller runs for the tests"), .value("output", "DIR", "where this walkthrough writes"),
            .value("output-root", "ROOT", "write to ROOT/\(name)"),
        ]
        let parsed: Arguments
        do {
            parsed = try Arguments(arguments, command: name, options: options)
            if parsed.values["output"] != nil && parsed.values["output-root"] != nil { throw UsageError("give --output DIR or --output-root ROOT, not both") }
        } catch {
            FileHandle.standardError.write(Data("\(name): \(error) (options: --fast, --output DIR, --output-root ROOT)\n".utf8))
            exit(2)
        }
        if parsed.wantsHelp {
            print("USAGE: walkthrough \(name) [--fast] [--output DIR | --output-root ROOT]\n\(OptionSpec.help(options))")
            exit(0)
        }
        // --output DIR is the folder itself (no root: its parent is not ours to write in);
        // otherwise the folder is ROOT/<name>, ROOT from --output-root or walkthrough-output.
        let root: URL? = parsed.values["output"] != nil ? nil
            : parsed.values["output-root"].map { URL(fileURLWithPath: $0) }
                ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("walkthrough-output")
        self.fast = parsed.has("fast")
        self.output = root?.appendingPathComponent(name) ?? URL(fileURLWithPath: parsed.values["output"]!)
        self.outputRoot = root
        let sourceLines = (try? String(contentsOfFile: file, encoding: .utf8))
            .map { $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) } ?? []
        document = WalkthroughDocument(name: name, title: title, source: .init(path: file, lines: sourceLines))
        start = clock.now
        do {
            try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        } catch {
            FileHandle.standardError.write(Data("\(name): cannot create \(output.path): \(error.localizedDescription)\n".utf8))
            exit(3)
        }
        emit(TerminalRendering.banner(title + (fast ? "   (fast mode)" : "")))
    }

    /// Prints lines and keeps them for the transcript.
    private func emit(_ lines: [String]) {
        for line in lines { print(line) }
        transcript += lines
    }

    /// Adds a block to the current cell (or before the first) and prints it.
    private func add(_ block: WalkthroughDocument.Block) {
        if document.cells.isEmpty {
            document.preamble.append(block)
        } else {
            document.cells[document.cells.count - 1].blocks.append(block)
        }
        emit(TerminalRendering.lines(block))
    }

    /// Starts cell `number` and prints its heading; `line` (the call's) starts the cell's code.
    public func cell(_ number: Int, _ title: String, line: Int = #line) {
        document.cells.append(.init(number: number, title: title))
        cellStartLines.append(line)
        emit(TerminalRendering.heading(number, title))
    }

    /// Prose, wrapped as given. Lines indented by four spaces are displayed formulas; lines
    /// starting with "·" are list items (see ``PageRendering/proseHTML(_:)``).
    public func say(_ text: String) { add(.prose(text)) }

    /// A table with right-aligned columns.
    public func table(_ header: [String], _ rows: [[String]]) {
        precondition(rows.allSatisfy { $0.count == header.count }, "every row of a table has as many cells as its header")
        add(.table(.init(header: header, rows: rows)))
    }

    /// Records a key number for summary.json (and the test that checks it). A number that is
    /// not finite is recorded as `null` — never as a number a check could pass on — and printed
    /// as a warning.
    public func record(_ key: String, _ value: Double) {
        if value.isFinite {
            numbers.append(JSONValue.Member(key, .number(value)))
        } else {
            numbers.append(JSONValue.Member(key, .null))
            say("note: \(key) is \(value), not a finite number; summary.json records it as null")
        }
    }

    /// The path to write a figure to; the figure appears here in the cell, described by `alt`
    /// (what it shows, for a reader who cannot see it: the page's alt text).
    public func figure(_ fileName: String, alt: String) -> URL {
        add(.figure(.init(file: fileName, alt: alt)))
        return output.appendingPathComponent(fileName)
    }

    /// Writes summary.json, the transcript, the page, page.json and the index, and prints
    /// where they went. `line` (the call's) ends the last cell's code.
    public func finish(line: Int = #line) {
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        for index in document.cells.indices {
            let first = cellStartLines[index]
            let last = index + 1 < cellStartLines.count ? cellStartLines[index + 1] - 1 : line - 1
            document.cells[index].lines = first...max(first, last)
        }
        let page = output.appendingPathComponent("index.html")
        emit(["", String(repeating: "─", count: TerminalRendering.ruleWidth)])
        emit(["The page (open it in a browser):", "  \(page.path)"])
        emit(["Figures:"] + document.figures.map { "  \(output.appendingPathComponent($0.file).path)" })
        emit(["Key numbers:", "  \(output.appendingPathComponent("summary.json").path)", "Done in \(WalkthroughIndex.duration(seconds))."])
        let record = WalkthroughIndex.Record(
            folder: name, title: document.title, teaches: WalkthroughCatalogue.entry(folder: name)?.teaches ?? document.title,
            seconds: seconds, fast: fast, figures: document.figures)
        let rendering = PageRendering(
            directory: output, indexLink: outputRoot == nil ? nil : "../index.html",
            runNote: "Ran in \(WalkthroughIndex.duration(seconds))\(fast ? " in fast mode (smaller runs than the default)" : "").")
        do {
            try AtomicFile.write(JSONValue.object(numbers).prettyPrinted, to: output.appendingPathComponent("summary.json"))
            try AtomicFile.write(transcript.joined(separator: "\n") + "\n", to: output.appendingPathComponent("transcript.txt"))
            try AtomicFile.write(rendering.html(document), to: page)
            try AtomicFile.write(record.json.prettyPrinted, to: output.appendingPathComponent("page.json"))
            if let outputRoot {
                try AtomicFile.write(WalkthroughIndex.html(WalkthroughIndex.records(under: outputRoot)), to: outputRoot.appendingPathComponent("index.html"))
            }
        } catch {
            FileHandle.standardError.write(Data("\(name): \(error)\n".utf8))
            exit(3)
        }
    }

    /// A path under `Fixtures/` of the checkout this program was built from (or, failing
    /// that, of the working directory).
    public static func fixture(_ relativePath: String) -> URL {
        checkoutFile("Fixtures").appendingPathComponent(relativePath)
    }

    /// A path under the checkout this program was built from — `quality/summary.json`, say —
    /// or, when that checkout is gone, under the working directory.
    public static func checkoutFile(_ relativePath: String) -> URL {
        let checkout = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let root = FileManager.default.fileExists(atPath: checkout.appendingPathComponent("Fixtures").path)
            ? checkout : URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        return root.appendingPathComponent(relativePath)
    }

    /// A number in scientific notation with `digits` significant digits.
    public static func sci(_ x: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits - 1)e", x) }

    /// A number with `decimals` decimals.
    public static func fixed(_ x: Double, _ decimals: Int = 4) -> String { String(format: "%.\(decimals)f", x) }
}

/// Exits with status 3 and the error's message; walkthroughs call library code that throws.
public func orExit<T>(_ body: () throws -> T) -> T {
    do { return try body() } catch {
        FileHandle.standardError.write(Data("walkthrough failed: \(error)\n".utf8))
        exit(3)
    }
}
