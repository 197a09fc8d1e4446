import ArrayFormats
import Foundation
import Models
import Tensors

/// Paths of the committed fixtures, found from this source file's location (tests run from
/// a checkout, so `Fixtures/` is two levels above `Sources/_TestSupport`).
public enum FixturePaths {
    /// The repository's root directory.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `Fixtures/`.
    public static let root: URL = repositoryRoot.appendingPathComponent("Fixtures")

    /// A path under `Fixtures/`.
    public static func url(_ relativePath: String) -> URL { root.appendingPathComponent(relativePath) }

    /// A fresh, empty temporary directory for one test.
    public static func temporaryDirectory(_ label: String = "test") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("pathattribution-\(label)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
