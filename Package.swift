// swift-tools-version: 6.0
// PathAttribution: a pure-Swift, zero-dependency reference implementation of gradient
// path-attribution methods. Swift 6 language mode; no package dependencies.
import PackageDescription

let package = Package(
    name: "PathAttribution",
    products: [
        .library(name: "Tensors", targets: ["Tensors"]),
        .library(name: "ArrayFormats", targets: ["ArrayFormats"]),
        .library(name: "Models", targets: ["Models"]),
        .library(name: "Datasets", targets: ["Datasets"]),
        .library(name: "Attribution", targets: ["Attribution"]),
        .executable(name: "attribute", targets: ["attribute"]),
        .executable(name: "train-fixtures", targets: ["train-fixtures"]),
        .executable(name: "walkthroughs", targets: ["walkthroughs"]),
    ],
    targets: [
        // Library modules: a DAG, as DESIGN.md fixes it.
        .target(name: "Tensors"),
        .target(name: "ArrayFormats", dependencies: ["Tensors"]),
        .target(name: "Models", dependencies: ["Tensors", "ArrayFormats"]),
        .target(name: "Datasets", dependencies: ["Tensors", "ArrayFormats"]),
        .target(name: "Attribution", dependencies: ["Tensors", "ArrayFormats", "Models"]),

        // The shipped models' recipes, shared by `train-fixtures` and the test that retrains one.
        .target(name: "FixtureModels", dependencies: ["Tensors", "ArrayFormats", "Models", "Datasets"]),
        .executableTarget(name: "train-fixtures", dependencies: ["FixtureModels", "Tensors"]),

        // The walkthroughs: narrated executables, one per topic, and a runner for all of them.
        .target(name: "WalkthroughSupport", dependencies: ["ArrayFormats"]),
        .executableTarget(
            name: "walkthrough-01", dependencies: ["Tensors", "ArrayFormats", "Models", "Attribution", "WalkthroughSupport"],
            path: "Walkthroughs/01-IntegratedGradientsByHand"),
        .executableTarget(
            name: "walkthrough-02", dependencies: ["Tensors", "ArrayFormats", "Models", "Attribution", "WalkthroughSupport"],
            path: "Walkthroughs/02-QuadratureAndConvergence"),
        .executableTarget(
            name: "walkthrough-03", dependencies: ["Tensors", "ArrayFormats", "Models", "Attribution", "WalkthroughSupport"],
            path: "Walkthroughs/03-ImportantDirection"),
        .executableTarget(
            name: "walkthrough-04", dependencies: ["Tensors", "ArrayFormats", "Models", "Attribution", "WalkthroughSupport"],
            path: "Walkthroughs/04-BlurAndGuidedPaths"),
        .executableTarget(
            name: "walkthroughs", dependencies: ["walkthrough-01", "walkthrough-02", "walkthrough-03", "walkthrough-04"]),

        // The `attribute` command: its logic is a library so tests can run it in-process;
        // the executable is a three-line `main`.
        .target(name: "AttributeCommand", dependencies: ["Tensors", "ArrayFormats", "Models", "Attribution"]),
        .executableTarget(name: "attribute", dependencies: ["AttributeCommand"]),

        // Shared test helpers (tolerances, finite differences, seeds, tags).
        .target(name: "_TestSupport", dependencies: ["Tensors", "ArrayFormats", "Models", "Datasets", "Attribution"]),

        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "_TestSupport"]),
        .testTarget(name: "ArrayFormatsTests", dependencies: ["ArrayFormats", "_TestSupport"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "_TestSupport"]),
        .testTarget(name: "AttributionTests", dependencies: ["Attribution", "_TestSupport"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "FixtureModels", "_TestSupport"]),
        .testTarget(
            name: "WalkthroughTests",
            dependencies: ["_TestSupport", "walkthrough-01", "walkthrough-02", "walkthrough-03", "walkthrough-04"]),
        .testTarget(
            name: "AttributeCommandTests",
            dependencies: ["AttributeCommand", "attribute", "_TestSupport"]),
    ]
)
