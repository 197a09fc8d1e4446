// bench: how fast the hot paths run on this machine.
//
//     swift run -c release bench            # the full tables (a few minutes)
//     swift run -c release bench --quick    # the same tables, smaller, in under a minute
//     swift run -c release bench --json     # … and one JSON object on the last line
//
// Sections: matrix products at the shapes path batches produce (1 and 2 threads);
// convolution at the shipped CNNs' layer shapes; attribution latency for every shipped
// model and method at default steps; scaling with steps and threads; peak memory against
// steps (each measured in a fresh process). Speed claims in the README come from here.
import ArrayFormats
import Attribution
import Foundation
import Models
import Tensors

AllocatorTuning.keepFreedMemory()  // as every executable of this package does (see AllocatorTuning)
let arguments = Array(CommandLine.arguments.dropFirst())
if let index = arguments.firstIndex(of: "--probe-memory"), index + 1 < arguments.count, let steps = Int(arguments[index + 1]) {
    // A child process measuring one attribution's peak memory; prints the bytes.
    print(MemoryProbe.run(steps: steps))
    exit(0)
}
if arguments.contains("--help") || arguments.contains("-h") {
    print("USAGE: bench [--quick] [--json]\n  --quick  smaller tables, under a minute\n  --json   one JSON object on the last line")
    exit(0)
}
for argument in arguments where !["--quick", "--json"].contains(argument) {
    FileHandle.standardError.write(Data("bench: unknown argument '\(argument)' (see --help)\n".utf8))
    exit(2)
}
let quick = arguments.contains("--quick")
let report = Benchmarks(quick: quick).runAll()
if arguments.contains("--json") { print(report.description) }
