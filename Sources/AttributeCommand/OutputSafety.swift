import ArgumentParsing
import Foundation

/// The rule every command of `attribute` checks before any work: no output may resolve to a
/// file the run reads — an input file, or a file inside an input directory (a model's
/// weights, a diffusion model's) — no two outputs may share a file, and an output that exists
/// must be a regular file (renaming over a device, run as root, would replace it).
enum OutputSafety {
    /// A named path: the flag that gave it, and the path.
    typealias Named = (flag: String, path: String)

    /// Checks `outputs` against `inputs` (files) and `directories` (folders whose files the run reads).
    /// - Throws: ``UsageError`` naming both flags.
    static func check(outputs: [Named], inputs: [Named], directories: [Named] = []) throws(UsageError) {
        for (index, output) in outputs.enumerated() {
            let written = resolved(output.path)
            var status = stat()
            if stat(written, &status) == 0 && (status.st_mode & S_IFMT) != S_IFREG {
                throw UsageError("\(output.flag) \(output.path) exists and is not a regular file (a directory, a device, a pipe); give the path of a file")
            }
            for input in inputs where resolved(input.path) == written {
                throw UsageError("\(output.flag) \(output.path) is the same file as \(input.flag); writing it would destroy that input — choose another file")
            }
            for directory in directories {
                let folder = resolved(directory.path)
                if written.hasPrefix(folder + "/") && FileManager.default.fileExists(atPath: written) {
                    throw UsageError(
                        "\(output.flag) \(output.path) is a file inside \(directory.flag) \(directory.path), which this run reads; writing it would destroy that input — choose another file")
                }
            }
            for other in outputs[(index + 1)...] where resolved(other.path) == written {
                throw UsageError("\(output.flag) and \(other.flag) name the same file \(output.path); give each its own file")
            }
        }
    }

    /// The file's path with its directory's symbolic links and `..` resolved (the file itself
    /// may not exist yet).
    static func resolved(_ path: String) -> String {
        let standard = URL(fileURLWithPath: path).standardizedFileURL
        let directory = standard.deletingLastPathComponent().resolvingSymlinksInPath()
        let file = directory.appendingPathComponent(standard.lastPathComponent)
        return FileManager.default.fileExists(atPath: file.path) ? file.resolvingSymlinksInPath().path : file.path
    }
}
