// walkthroughs: lists and runs the walkthrough executables in order.
//
//     swift run -c release walkthroughs              # run all eight
//     swift run -c release walkthroughs 3            # run walkthrough 03 only
//     swift run -c release walkthroughs --list
//     swift run -c release walkthroughs --fast --output DIR
//
// Each walkthrough is its own executable (walkthrough-01 …), built beside this one; this
// runner starts them one after the other, passing --fast through, and with --output DIR,
// `--output-root DIR`: each walkthrough writes to DIR/<its name>, the folder name the default
// run uses under walkthrough-output/. Each one writes its page (DIR/<name>/index.html) and
// rebuilds the index of all of them (DIR/index.html).
import ArgumentParsing
import Foundation
import WalkthroughSupport

let catalogue = WalkthroughCatalogue.entries

let options: [OptionSpec] = [
    .flag("fast", "smaller runs"), .value("output", "DIR", "each walkthrough writes to DIR/<its name>"), .flag("list", "list the walkthroughs"),
]
let arguments: Arguments
do {
    arguments = try Arguments(Array(CommandLine.arguments.dropFirst()), command: "walkthroughs", options: options, positionalLimit: catalogue.count)
} catch {
    FileHandle.standardError.write(Data("walkthroughs: \(error.description) (see --list)\n".utf8))
    exit(2)
}
if arguments.has("list") || arguments.wantsHelp {
    print("USAGE: walkthroughs [NUMBER …] [--fast] [--output DIR] [--list]\n")
    for entry in catalogue { print(String(format: "  %02d  %@", entry.number, entry.teaches)) }
    exit(0)
}
let passThrough = arguments.has("fast") ? ["--fast"] : []
let outputRoot = arguments.values["output"]
var chosen = catalogue
if !arguments.positionals.isEmpty {
    let numbers = arguments.positionals.compactMap { Int($0) }
    guard numbers.count == arguments.positionals.count, numbers.allSatisfy({ n in catalogue.contains { $0.number == n } }) else {
        FileHandle.standardError.write(Data("walkthroughs: unknown walkthrough in \(arguments.positionals); see --list\n".utf8))
        exit(2)
    }
    chosen = catalogue.filter { numbers.contains($0.number) }
}

// The walkthrough executables sit next to this one in the build directory.
let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
var failures = 0
for entry in chosen {
    let process = Process()
    process.executableURL = here.appendingPathComponent(entry.executable)
    var options = passThrough
    if let outputRoot { options += ["--output-root", outputRoot] }
    process.arguments = options
    do {
        try process.run()
        process.waitUntilExit()
        if process.terminationStatus != 0 { failures += 1 }
    } catch {
        FileHandle.standardError.write(Data("walkthroughs: cannot start \(entry.executable) (\(error.localizedDescription)); build it with `swift build -c release`\n".utf8))
        failures += 1
    }
    print("")
}
if failures > 0 {
    FileHandle.standardError.write(Data("walkthroughs: \(failures) walkthrough(s) failed\n".utf8))
    exit(1)
}
