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

/// The shipped models under `Fixtures/models`, for tests.
public enum ShippedModels {
    /// The network `name` (digits-mlp, digits-cnn, shapes-cnn, moons-mlp).
    public static func network(_ name: String) throws -> Sequential {
        try ModelDirectory.load(FixturePaths.url("models/\(name)"))
    }

    /// The model's first test input (`example-input.npy`).
    public static func exampleInput(_ name: String) throws -> Tensor {
        try NPY.read(contentsOf: FixturePaths.url("models/\(name)/example-input.npy"))
    }

    /// Its 64 check inputs (the first test points).
    public static func checkInputs(_ name: String) throws -> Tensor {
        try NPY.read(contentsOf: FixturePaths.url("models/\(name)/check/inputs.npy"))
    }
}
