// The `attribute` executable: all logic lives in AttributeCommand so tests can run it in-process.
import AttributeCommand
import Foundation
import Tensors

AllocatorTuning.keepFreedMemory()  // see AllocatorTuning: keeps freed memory for the next model call
// A closed pipe on stdout is an error the command reports (and then changes no file), not a signal that kills it.
signal(SIGPIPE, SIG_IGN)
let outcome = AttributeCommand.execute(Array(CommandLine.arguments.dropFirst())) { text in
    try FileHandle.standardOutput.write(contentsOf: Data(text.utf8))
}
try? FileHandle.standardError.write(contentsOf: Data(outcome.standardError.utf8))
exit(outcome.status)
