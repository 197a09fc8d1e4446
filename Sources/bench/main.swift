// bench: how fast the hot paths run on this machine.
//
//     swift run -c release bench            # the full tables (a few minutes)
//     swift run -c release bench --quick    # the same tables, smaller, in under a minute
//     swift run -c release bench --json     # … and one JSON object on the last line
//     swift run -c release bench --only references   # one table (see --help)
//
// Sections: matrix products at the shapes path batches produce (1 and 2 threads);
// convolution at the shipped CNNs' layer shapes; the arithmetic peak, convolutions at a ResNet's
// layer shapes and IG through a ResNet-8 read from ONNX; attribution latency for every shipped
// model and method at default steps; scaling with steps and threads; LPI's clustering of the
// digits training set and EG/LPI/AGI latency; peak memory against
// steps (each measured in a fresh process). Speed claims in the README come from here.
// `bench quality` judges the papers' claims; `bench exact` measures every quadrature rule
// against exact Integrated Gradients.
import ArgumentParsing
import ArrayFormats
import Attribution
import Foundation
import Models
import Quality
import Tensors

AllocatorTuning.keepFreedMemory()  // as every executable of this package does (see AllocatorTuning)
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "quality" {
    // Not speed: the quality of every method under every metric (Quality's QualityCommand).
    if arguments.contains("--help") || arguments.contains("-h") {
        print(QualityCommand.usage)
        exit(0)
    }
    exit(QualityCommand.main(Array(arguments.dropFirst()), machine: Benchmarks.machineDescription))
}
if arguments.first == "exact" {
    // Not speed alone: every quadrature rule's error against exact IG (ExactStudy).
    if arguments.contains("--help") || arguments.contains("-h") {
        print(ExactStudy.usage)
        exit(0)
    }
    do {
        let parsed = try Arguments(Array(arguments.dropFirst()), command: "bench exact", options: [
            .flag("quick", "smaller"), .value("out", "DIR", "where to write summary.json and RESULTS.md"),
        ])
        let directory = parsed.values["out"].map { URL(fileURLWithPath: $0, isDirectory: true) }
        if let directory {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                FileHandle.standardError.write(Data("bench exact: --out \(directory.path) is not a directory; create it first\n".utf8))
                exit(2)
            }
        }
        let summary = try ExactStudy(quick: parsed.has("quick")).run()
        let markdown = ExactStudy.markdown(summary)
        print(markdown)
        if let directory {
            try StagedFile.commitAll([
                try StagedFile(Array((summary.description + "\n").utf8), for: directory.appendingPathComponent("summary.json")),
                try StagedFile(Array(markdown.utf8), for: directory.appendingPathComponent("RESULTS.md")),
            ])
        }
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("bench exact: \(error)\n".utf8))
        exit(3)
    }
}
let options: [OptionSpec] = [
    .flag("quick", "smaller tables"), .flag("json", "one JSON object on the last line"), .value("only", "SECTION", "one table"),
    .value("probe-memory", "STEPS", "a child process measuring one attribution's peak memory"),
]
let parsed: Arguments
var only: String?
do {
    parsed = try Arguments(arguments, command: "bench", options: options)
    only = try parsed.choice("only", from: Benchmarks.sections)
} catch {
    FileHandle.standardError.write(Data("bench: \(error.description) (see --help)\n".utf8))
    exit(2)
}
if let text = parsed.values["probe-memory"], let steps = Int(text) {
    // A child process measuring one attribution's peak memory; prints the bytes.
    print(MemoryProbe.run(steps: steps))
    exit(0)
}
if parsed.wantsHelp {
    print("""
        USAGE: bench [--quick] [--json] [--only SECTION]
               bench quality [options]   (see bench quality --help)
               bench exact [options]     (see bench exact --help)
          --quick         smaller tables, under a minute
          --json          one JSON object on the last line
          --only SECTION  one table: \(Benchmarks.sections.joined(separator: ", "))
        """)
    exit(0)
}
let report = Benchmarks(quick: parsed.has("quick")).runAll(only: only)
if parsed.has("json") { print(report.description) }
