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
public final class Walkthrough {
    /// The walkthrough's folder name, e.g. "01-integrated-gradients-by-hand".
    public let name: String
    /// Fewer steps, for tests in a debug build.
    public let fast: Bool
    /// Where figures and summary.json go.
    public let output: URL
    private var numbers: [JSONValue.Member] = []
    private var figures: [String] = []
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant

    /// Parses the command line; exits with status 2 and a message on a bad option.
    public init(name: String, title: String, arguments: [String] = Array(CommandLine.arguments.dropFirst())) {
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
        var output = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("walkthrough-output/\(name)")
        if let directory = parsed.values["output"] { output = URL(fileURLWithPath: directory) }
        if let root = parsed.values["output-root"] { output = URL(fileURLWithPath: root).appendingPathComponent(name) }
        self.fast = parsed.has("fast")
        self.output = output
        start = clock.now
        do {
            try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        } catch {
            FileHandle.standardError.write(Data("\(name): cannot create \(output.path): \(error.localizedDescription)\n".utf8))
            exit(3)
        }
        print(String(repeating: "═", count: 78))
        print(title + (fast ? "   (fast mode)" : ""))
        print(String(repeating: "═", count: 78))
    }

    /// Prints a cell's heading.
    public func cell(_ number: Int, _ title: String) {
        print("\n── \(number). \(title) " + String(repeating: "─", count: max(0, 72 - title.count)))
    }

    /// Prints prose, wrapped as given.
    public func say(_ text: String) { print(text) }

    /// Prints a table with right-aligned columns.
    public func table(_ header: [String], _ rows: [[String]]) {
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max()! }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { String(repeating: " ", count: widths[$0] - $1.count) + $1 }.joined(separator: "  ")
        }
        print(line(header))
        print(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        rows.forEach { print(line($0)) }
    }

    /// Records a key number for summary.json (and the test that checks it). A number that is
    /// not finite is recorded as `null` — never as a number a check could pass on — and printed
    /// as a warning.
    public func record(_ key: String, _ value: Double) {
        if value.isFinite {
            numbers.append(JSONValue.Member(key, .number(value)))
        } else {
            numbers.append(JSONValue.Member(key, .null))
            print("note: \(key) is \(value), not a finite number; summary.json records it as null")
        }
    }

    /// The path for a figure file, remembered for the final list.
    public func figure(_ fileName: String) -> URL {
        figures.append(fileName)
        return output.appendingPathComponent(fileName)
    }

    /// Writes summary.json and prints where everything went.
    public func finish() {
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        do {
            try AtomicFile.write(JSONValue.object(numbers).prettyPrinted, to: output.appendingPathComponent("summary.json"))
        } catch {
            FileHandle.standardError.write(Data("\(name): \(error)\n".utf8))
            exit(3)
        }
        print("\n" + String(repeating: "─", count: 78))
        print("Figures (open them in a browser or image viewer):")
        for figure in figures { print("  \(output.appendingPathComponent(figure).path)") }
        print("Key numbers: \(output.appendingPathComponent("summary.json").path)")
        print(String(format: "Done in %.1f s.", seconds))
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
