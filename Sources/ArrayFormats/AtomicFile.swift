import Dispatch
import Foundation

/// Writes a file so that it is either entirely there or not there at all.
///
/// The bytes go to a temporary file in the destination's directory, which is then renamed
/// over the destination (POSIX `rename` replaces atomically within one file system). If
/// anything fails the temporary file is removed, and an existing destination is untouched.
public enum AtomicFile {
    /// Writes `bytes` to `url` atomically.
    /// - Throws: ``FileWriteError`` naming the file and the reason.
    public static func write(_ bytes: [UInt8], to url: URL) throws(FileWriteError) {
        try StagedFile(bytes, for: url).commit()
    }

    /// Writes UTF-8 text to `url` atomically.
    public static func write(_ text: String, to url: URL) throws(FileWriteError) {
        try write(Array(text.utf8), to: url)
    }
}

/// A file could not be written.
public struct FileWriteError: Error, CustomStringConvertible, Equatable {
    /// The destination's path.
    public var file: String
    /// Why it could not be written.
    public var problem: String

    /// An error about `file`.
    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    /// "file: problem", one line.
    public var description: String { "\(file): \(problem)" }
}

/// A file written to a temporary name beside its destination and not yet in place. Several
/// files can be staged and then committed together, so a run that fails part-way (a second
/// file cannot be written) leaves none of them behind.
public struct StagedFile: Sendable {
    /// The destination.
    public let destination: URL
    let temporary: URL

    /// Writes `bytes` to a temporary file beside `url`.
    public init(_ bytes: [UInt8], for url: URL) throws(FileWriteError) {
        destination = url.standardizedFileURL
        let directory = destination.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FileWriteError(file: url.path, problem: "the directory \(directory.path) does not exist; create it first")
        }
        temporary = directory.appendingPathComponent(
            ".\(destination.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)-\(DispatchTime.now().uptimeNanoseconds)")
        do {
            try Data(bytes).write(to: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw FileWriteError(file: url.path, problem: "cannot be written (\(error.localizedDescription))")
        }
    }

    /// Moves the file into place (an atomic rename).
    public func commit() throws(FileWriteError) {
        guard rename(temporary.path, destination.path) == 0 else {
            let reason = String(cString: strerror(errno))
            discard()
            throw FileWriteError(file: destination.path, problem: "cannot be replaced (\(reason))")
        }
    }

    /// Removes the temporary file.
    public func discard() { try? FileManager.default.removeItem(at: temporary) }
}
