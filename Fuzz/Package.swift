// swift-tools-version: 6.0
// libFuzzer targets for the parsers that read user files: the NPY reader, the
// model-directory loader and the ONNX reader. Built and run by Fuzz/run.sh (see CONTRIBUTING.md), never by the
// main package's build: their `main` comes from libFuzzer.
import Foundation
import PackageDescription

// SwiftPM names a path dependency after its directory, whatever the checkout is called.
let root = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent()
let rootIdentity = root.lastPathComponent.lowercased()

let package = Package(
    name: "PathAttributionFuzz",
    dependencies: [.package(path: "..")],
    targets: [
        .target(name: "FuzzSupport"),
        .executableTarget(
            name: "fuzz-npy",
            dependencies: ["FuzzSupport", .product(name: "ArrayFormats", package: rootIdentity), .product(name: "Tensors", package: rootIdentity)]),
        .executableTarget(
            name: "fuzz-onnx",
            dependencies: ["FuzzSupport", .product(name: "Models", package: rootIdentity)]),
        .executableTarget(
            name: "fuzz-model-directory",
            dependencies: ["FuzzSupport", .product(name: "Models", package: rootIdentity), .product(name: "Tensors", package: rootIdentity)]),
    ]
)
