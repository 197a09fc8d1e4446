import ArrayFormats
import Foundation
import Tensors

/// The trained models this package ships under `Fixtures/models` (digits-mlp, digits-cnn,
/// shapes-cnn, moons-mlp), found from any working directory.
///
/// The folder is `$PATHATTRIBUTION_FIXTURES/models` when that variable is set, and otherwise
/// `Fixtures/models` of the checkout this library was compiled from (found from this source
/// file's path at build time — the package's own checkout, or the copy SwiftPM keeps under a
/// dependent package's `.build/checkouts`). Set the variable when the program runs on a
/// machine other than the one that built it.
public enum ShippedModels {
    /// The shipped models' names.
    public static let names = ["digits-mlp", "digits-cnn", "shapes-cnn", "moons-mlp"]

    /// The `Fixtures` folder: `$PATHATTRIBUTION_FIXTURES`, or the one beside this package's sources.
    public static var fixturesDirectory: URL {
        if let override = ProcessInfo.processInfo.environment["PATHATTRIBUTION_FIXTURES"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures")
    }

    /// The model directory of shipped model `name`.
    /// - Throws: ``ModelError`` when it is not there, saying how to point to it.
    public static func directory(_ name: String) throws(ModelError) -> URL {
        let url = fixturesDirectory.appendingPathComponent("models/\(name)")
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent("model.json").path) else {
            throw ModelError(
                "no shipped model '\(name)' at \(url.path) (the shipped models are \(names.joined(separator: ", "))); "
                    + "set PATHATTRIBUTION_FIXTURES to the Fixtures folder of a PathAttribution checkout")
        }
        return url
    }

    /// The network `name`, loaded.
    public static func network(_ name: String) throws -> Sequential { try ModelDirectory.load(try directory(name)) }

    /// The model's example input (its first test image or point).
    public static func exampleInput(_ name: String) throws -> Tensor {
        try NPY.read(contentsOf: try directory(name).appendingPathComponent("example-input.npy"))
    }

    /// The model's 64 check inputs (its first test points), [64] + inputShape.
    public static func checkInputs(_ name: String) throws -> Tensor {
        try NPY.read(contentsOf: try directory(name).appendingPathComponent("check/inputs.npy"))
    }
}
