import Foundation

/// The data sets the walkthroughs, tests and fixtures use: real digits, synthetic shapes
/// with ground-truth masks, two moons and Gaussian blobs.
///
/// Generated sets take an explicit seed, and point `i` of a set is drawn from its own
/// generator derived from (seed, i): a larger `count` extends a set without changing its
/// first points, and the bits are the same on every run.
public enum Datasets {
    /// Where the committed data files live: `$PATHATTRIBUTION_DATA` if set, otherwise
    /// `Fixtures/data` of the checkout this library was built from, otherwise
    /// `Fixtures/data` under the working directory.
    public static var dataDirectory: URL {
        if let override = ProcessInfo.processInfo.environment["PATHATTRIBUTION_DATA"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        let checkout = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/data")
        if FileManager.default.fileExists(atPath: checkout.path) { return checkout }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Fixtures/data")
    }
}
