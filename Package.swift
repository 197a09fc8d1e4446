// swift-tools-version: 6.0
// PathAttribution: a pure-Swift, zero-dependency reference implementation of gradient
// path-attribution methods. Swift 6 language mode; no package dependencies.
import PackageDescription

// Release builds are compiled for the CPU that builds them (`-target-cpu native`: AVX-512 or
// AVX2 on x86-64, the host's extensions on arm64). Measured on a 2-core AMD EPYC: matrix
// products 16 → 56–80 GFLOP/s on one thread; IG on digits-cnn 4.4× faster (README,
// "Performance"). The arithmetic is the same either way — no fused multiply-add, no fast-math —
// so results are bit-identical to a portable build; only speed differs.
//
// Set PATHATTRIBUTION_PORTABLE=1 to build for the baseline architecture instead: for binaries
// that must run on other machines, or to use this package as a versioned dependency (SwiftPM
// refuses unsafe flags in dependencies that are not local or pinned to a revision).
let portable = Context.environment["PATHATTRIBUTION_PORTABLE"] != nil
let hostTuning: [SwiftSetting] = portable ? [] : [.unsafeFlags(["-target-cpu", "native"], .when(configuration: .release))]

let package = Package(
    name: "PathAttribution",
    products: [
        .library(name: "Tensors", targets: ["Tensors"]),
        .library(name: "ArrayFormats", targets: ["ArrayFormats"]),
        .library(name: "Models", targets: ["Models"]),
        .library(name: "Datasets", targets: ["Datasets"]),
        .library(name: "Attribution", targets: ["Attribution"]),
        .library(name: "Evaluation", targets: ["Evaluation"]),
        .library(name: "Diffusion", targets: ["Diffusion"]),
        .library(name: "Catalogue", targets: ["Catalogue"]),
        .executable(name: "attribute", targets: ["attribute"]),
        .executable(name: "train-fixtures", targets: ["train-fixtures"]),
        .executable(name: "walkthroughs", targets: ["walkthroughs"]),
        .executable(name: "bench", targets: ["bench"]),
    ],
    targets: [
        // Library modules: a DAG, as DESIGN.md fixes it.
        .target(name: "Tensors", swiftSettings: hostTuning),
        .target(name: "ArrayFormats", dependencies: ["Tensors"], swiftSettings: hostTuning),
        .target(name: "Models", dependencies: ["Tensors", "ArrayFormats"], swiftSettings: hostTuning),
        .target(name: "Datasets", dependencies: ["Tensors", "ArrayFormats"], swiftSettings: hostTuning),
        .target(name: "Attribution", dependencies: ["Tensors", "ArrayFormats", "Models"], swiftSettings: hostTuning),
        .target(name: "Evaluation", dependencies: ["Tensors", "ArrayFormats", "Models", "Attribution"], swiftSettings: hostTuning),
        .target(name: "Diffusion", dependencies: ["Tensors", "ArrayFormats", "Models", "Attribution"], swiftSettings: hostTuning),

        // The one list of methods (DDPath included) and of metrics, and how their file
        // parameters load and their parameters become command-line flags: above the library.
        .target(
            name: "Catalogue", dependencies: ["Tensors", "ArrayFormats", "Models", "Attribution", "Evaluation", "Diffusion"], swiftSettings: hostTuning),

        // The one small argument parser every executable uses (no package dependencies).
        .target(name: "ArgumentParsing", swiftSettings: hostTuning),

        // The shipped models' recipes, shared by `train-fixtures` and the test that retrains one.
        .target(name: "FixtureModels", dependencies: ["Tensors", "ArrayFormats", "Models", "Datasets", "Diffusion"], swiftSettings: hostTuning),
        .executableTarget(name: "train-fixtures", dependencies: ["FixtureModels", "Tensors", "ArgumentParsing"], swiftSettings: hostTuning),

        // The walkthroughs: narrated executables, one per topic, and a runner for all of them.
        .target(name: "WalkthroughSupport", dependencies: ["ArrayFormats", "Tensors", "ArgumentParsing"], swiftSettings: hostTuning),
        .executableTarget(
            name: "walkthrough-01", dependencies: ["Tensors", "ArrayFormats", "Models", "Attribution", "WalkthroughSupport"],
            path: "Walkthroughs/01-IntegratedGradientsByHand", swiftSettings: hostTuning),
        .executableTarget(
            name: "walkthrough-02", dependencies: ["Tensors", "ArrayFormats", "Models", "Attribution", "WalkthroughSupport"],
            path: "Walkthroughs/02-QuadratureAndConvergence", swiftSettings: hostTuning),
        .executableTarget(
            name: "walkthrough-03", dependencies: ["Tensors", "ArrayFormats", "Models", "Attribution", "WalkthroughSupport"],
            path: "Walkthroughs/03-ImportantDirection", swiftSettings: hostTuning),
        .executableTarget(
            name: "walkthrough-04", dependencies: ["Tensors", "ArrayFormats", "Models", "Attribution", "WalkthroughSupport"],
            path: "Walkthroughs/04-BlurAndGuidedPaths", swiftSettings: hostTuning),
        .executableTarget(
            name: "walkthrough-05", dependencies: ["Tensors", "ArrayFormats", "Models", "Datasets", "Attribution", "WalkthroughSupport"],
            path: "Walkthroughs/05-ManyReferences", swiftSettings: hostTuning),
        .executableTarget(
            name: "walkthrough-06",
            dependencies: ["Tensors", "ArrayFormats", "Models", "Datasets", "Attribution", "Evaluation", "Diffusion", "FixtureModels", "WalkthroughSupport"],
            path: "Walkthroughs/06-DenoisingDiffusionPaths", swiftSettings: hostTuning),
        .executableTarget(
            name: "walkthrough-07", dependencies: ["Tensors", "ArrayFormats", "Quality", "WalkthroughSupport"],
            path: "Walkthroughs/07-DoTheClaimsHold", swiftSettings: hostTuning),
        .executableTarget(
            name: "walkthrough-08", dependencies: ["Tensors", "ArrayFormats", "Models", "Attribution", "WalkthroughSupport"],
            path: "Walkthroughs/08-TheExactAnswer", swiftSettings: hostTuning),
        .executableTarget(
            name: "walkthroughs",
            dependencies: [
                "ArgumentParsing", "WalkthroughSupport", "walkthrough-01", "walkthrough-02", "walkthrough-03", "walkthrough-04", "walkthrough-05", "walkthrough-06", "walkthrough-07",
                "walkthrough-08",
            ],
            swiftSettings: hostTuning),

        // `bench quality`: every method × metric on the shipped models' test splits, with
        // bootstrap intervals and a verdict per claim of the seed papers.
        .target(
            name: "Quality",
            dependencies: ["Tensors", "ArrayFormats", "Models", "Datasets", "Attribution", "Evaluation", "Diffusion", "FixtureModels", "Catalogue", "ArgumentParsing"],
            swiftSettings: hostTuning),

        // Speed and memory tables.
        .executableTarget(
            name: "bench", dependencies: ["Tensors", "ArrayFormats", "Models", "Datasets", "Attribution", "Evaluation", "Diffusion", "Quality", "ArgumentParsing"],
            swiftSettings: hostTuning),

        // The `attribute` command: its logic is a library so tests can run it in-process;
        // the executable is a three-line `main`.
        .target(
            name: "AttributeCommand", dependencies: ["Tensors", "ArrayFormats", "Models", "Attribution", "Evaluation", "Diffusion", "Catalogue", "ArgumentParsing"],
            swiftSettings: hostTuning),
        .executableTarget(name: "attribute", dependencies: ["AttributeCommand", "Tensors"], swiftSettings: hostTuning),

        // Shared test helpers (tolerances, finite differences, seeds, tags).
        .target(
            name: "_TestSupport", dependencies: ["Tensors", "ArrayFormats", "Models", "Datasets", "Attribution", "Evaluation", "Diffusion", "Catalogue"],
            swiftSettings: hostTuning),

        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "ArrayFormats", "_TestSupport"]),
        .testTarget(name: "ArrayFormatsTests", dependencies: ["ArrayFormats", "_TestSupport"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "_TestSupport"]),
        .testTarget(name: "AttributionTests", dependencies: ["Attribution", "Diffusion", "_TestSupport"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "_TestSupport"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "FixtureModels", "_TestSupport"]),
        .testTarget(
            name: "WalkthroughTests",
            dependencies: [
                "_TestSupport", "WalkthroughSupport", "Quality", "walkthroughs", "walkthrough-01", "walkthrough-02", "walkthrough-03", "walkthrough-04", "walkthrough-05",
                "walkthrough-06", "walkthrough-07", "walkthrough-08",
            ]),
        .testTarget(name: "DiffusionTests", dependencies: ["Diffusion", "AttributeCommand", "_TestSupport"]),
        .testTarget(name: "QualityTests", dependencies: ["Quality", "Evaluation", "Datasets", "FixtureModels", "ArgumentParsing", "Catalogue", "_TestSupport"]),
        .testTarget(
            name: "AttributeCommandTests",
            dependencies: ["AttributeCommand", "attribute", "Diffusion", "_TestSupport"]),
    ]
)
