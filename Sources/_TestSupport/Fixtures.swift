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

extension FixturePaths {
    /// Which part of the digits split.
    public enum DigitsSplit: Double, Sendable {
        /// The 1,437 training images (0 in `digits-split.npy`).
        case train = 0
        /// The 360 test images (1).
        case test = 1
    }

    /// The first `count` images of one part of the shipped digits, [count, 1, 8, 8], read
    /// straight from `Fixtures/data` (no `Datasets` validation: the tests of `Datasets` do that).
    public static func digitsImages(_ split: DigitsSplit, count: Int) throws -> Tensor {
        let images = try NPY.read(contentsOf: url("data/digits-images.npy"))
        let parts = try NPY.read(contentsOf: url("data/digits-split.npy"))
        let chosen = parts.scalars.indices.filter { parts.scalars[$0] == split.rawValue }.prefix(count)
        return Tensor(shape: [chosen.count, 1, 8, 8], scalars: chosen.flatMap { Array(images.scalars[$0 * 64 ..< ($0 + 1) * 64]) })
    }
}
