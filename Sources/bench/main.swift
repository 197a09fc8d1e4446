// bench: how fast the hot paths run on this machine.
//
//     swift run -c release bench            # the full tables (a few minutes)
//     swift run -c release bench --quick    # the same tables, smaller, in under a minute
//     swift run -c release bench --json     # … and one JSON object on the last line
//     swift run -c release bench --only references   # one table (see --help)
//
// Sections: matrix products at the shapes path batches produce (1 and 2 threads);
// convolution at the shipped CNNs' layer shapes; attribution latency for every shipped
// model and method at default steps; scaling with steps and threads; LPI's clustering of the
// digits training set and EG/LPI/AGI latency; peak memory against
// steps (each measured in a fresh process). Speed claims in the README come from here.
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
if let index = arguments.firstIndex(of: "--probe-memory"), index + 1 < arguments.count, let steps = Int(arguments[index + 1]) {
    // A child process measuring one attribution's peak memory; prints the bytes.
    print(MemoryProbe.run(steps: steps))
    exit(0)
}
if arguments.contains("--help") || arguments.contains("-h") {
    print("""
        USAGE: bench [--quick] [--json] [--only SECTION]
               bench quality [options]   (see bench quality --help)
          --quick         smaller tables, under a minute
          --json          one JSON object on the last line
          --only SECTION  one table: \(Benchmarks.sections.joined(separator: ", "))
        """)
    exit(0)
}
var only: String?
var index = 0
while index < arguments.count {
    let argument = arguments[index]
    if argument == "--only", index + 1 < arguments.count, Benchmarks.sections.contains(arguments[index + 1]) {
        only = arguments[index + 1]
        index += 2
        continue
    }
    if !["--quick", "--json"].contains(argument) {
        let problem = argument == "--only" ? "--only needs one of \(Benchmarks.sections.joined(separator: ", "))" : "unknown argument '\(argument)'"
        FileHandle.standardError.write(Data("bench: \(problem) (see --help)\n".utf8))
        exit(2)
    }
    index += 1
}
let quick = arguments.contains("--quick")
let report = Benchmarks(quick: quick).runAll(only: only)
if arguments.contains("--json") { print(report.description) }
