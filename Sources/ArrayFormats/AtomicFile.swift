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
/// files can be staged and then committed together (``commitAll(_:)``): a run that fails
/// part-way — a second file cannot be written, or cannot be renamed into place — leaves every
/// destination as it was.
public struct StagedFile: Sendable {
    /// The destination.
    public let destination: URL
    /// Where the bytes wait until ``commit()`` renames them into place.
    public let temporary: URL

    /// Writes `bytes` to a temporary file beside `url`.
    public init(_ bytes: [UInt8], for url: URL) throws(FileWriteError) {
        destination = url.standardizedFileURL
        let directory = destination.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FileWriteError(file: url.path, problem: "the directory \(directory.path) does not exist; create it first")
        }
        if FileManager.default.fileExists(atPath: destination.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw FileWriteError(file: url.path, problem: "is a directory; give a file name")
        }
        // Renaming over a device, a pipe or a socket would replace it with a regular file (run
        // as root, over /dev/null: every later process that writes there breaks).
        var status = stat()
        if stat(destination.path, &status) == 0 && (status.st_mode & S_IFMT) != S_IFREG {
            throw FileWriteError(file: url.path, problem: "exists and is not a regular file (a device, a pipe or a socket); give the path of a file")
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

    /// Commits `files` all or nothing. Each existing destination is first moved aside to a
    /// backup beside it; then every staged file is renamed into place. If any rename fails,
    /// the files already placed are removed, every backup is renamed back, and the remaining
    /// staged files are discarded — so each destination is either the new file (success) or
    /// exactly what it was before (failure). Backups are removed after success.
    /// - Throws: ``FileWriteError`` for the first file that could not be placed.
    public static func commitAll(_ files: [StagedFile]) throws(FileWriteError) {
        var backups: [URL?] = []
        var placed = 0
        func rollBack() {
            for k in (0..<placed).reversed() { unlink(files[k].destination.path) }
            for (k, backup) in backups.enumerated() {
                if let backup { rename(backup.path, files[k].destination.path) }
            }
            files.forEach { $0.discard() }
        }
        for file in files {
            var backup: URL? = nil
            if FileManager.default.fileExists(atPath: file.destination.path) {
                let aside = file.temporary.deletingLastPathComponent()
                    .appendingPathComponent(".\(file.destination.lastPathComponent).previous-\(file.temporary.lastPathComponent)")
                guard rename(file.destination.path, aside.path) == 0 else {
                    let reason = String(cString: strerror(errno))
                    rollBack()
                    throw FileWriteError(file: file.destination.path, problem: "cannot be replaced (\(reason))")
                }
                backup = aside
            }
            backups.append(backup)
        }
        for file in files {
            guard rename(file.temporary.path, file.destination.path) == 0 else {
                let reason = String(cString: strerror(errno))
                rollBack()
                throw FileWriteError(file: file.destination.path, problem: "cannot be written in place (\(reason)); no output file was changed")
            }
            placed += 1
        }
        for backup in backups { if let backup { unlink(backup.path) } }
    }
}
