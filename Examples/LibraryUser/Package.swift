// swift-tools-version: 6.0
// A package that uses PathAttribution as a library, exactly as the README's "Using the
// library" describes; CI builds and runs it (.ci/run) so those instructions stay true.
import Foundation
import PackageDescription

// A dependency given by path is named after its folder: in your own package write the folder
// name of your checkout (e.g. "PathAttribution"). Here the folder is this repository's root,
// whatever a clone named it.
let pathAttribution = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../..").standardizedFileURL

let package = Package(
    name: "LibraryUser",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(path: pathAttribution.path),
    ],
    targets: [
        .executableTarget(
            name: "LibraryUser",
            dependencies: [
                .product(name: "Attribution", package: pathAttribution.lastPathComponent),
                .product(name: "Catalogue", package: pathAttribution.lastPathComponent),
                .product(name: "Diffusion", package: pathAttribution.lastPathComponent),
                .product(name: "Models", package: pathAttribution.lastPathComponent),
                .product(name: "ArrayFormats", package: pathAttribution.lastPathComponent),
                .product(name: "Tensors", package: pathAttribution.lastPathComponent),
            ]),
    ]
)
