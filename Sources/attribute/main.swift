// The `attribute` executable: all logic lives in AttributeCommand so tests can run it in-process.
import AttributeCommand
import Foundation
import Tensors

AllocatorTuning.keepFreedMemory()  // see AllocatorTuning: keeps freed memory for the next model call
let outcome = AttributeCommand.run(Array(CommandLine.arguments.dropFirst()))
FileHandle.standardOutput.write(Data(outcome.standardOutput.utf8))
FileHandle.standardError.write(Data(outcome.standardError.utf8))
exit(outcome.status)
