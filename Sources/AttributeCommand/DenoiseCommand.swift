import ArrayFormats
import Attribution
import Diffusion
import Foundation
import Models
import Tensors

/// `attribute denoise`: one guided reverse step of a diffusion model, the step oracle that
/// another implementation of the diffusion directory is checked against.
///
///     attribute denoise --diffusion DIR --input U.npy --time t [--target y | --targets T.npy]
///                       [--guidance-scale s] [--variant mean|x0|ddim] [--to-time t′] --out OUT.npy
///
/// The input is one image of the diffusion model's shape or a batch [N] + shape, in the data's
/// scale ([LO, HI]); it is mapped to u ∈ [−1, 1], given the step at time t, and mapped back:
/// `mean` (default) writes the guided posterior mean, `x0` the guided x̂_0, `ddim` the
/// deterministic DDIM step to t′ (DiffusionModel's formulas). Guidance needs a class and a
/// scale together; without them the step is unguided. stdout: one JSON object per image.
enum DenoiseCommand {
    static let options: [(name: String, placeholder: String, help: String)] = [
        ("diffusion", "DIR", "the diffusion directory (diffusion.json, denoiser/, classifier/)"),
        ("input", "U.npy", "one image of the model's shape, or a batch [N] + shape, in the data's scale"),
        ("time", "t", "the diffusion time of the input, 1…T_d"),
        ("target", "y", "the class guiding every image (with --guidance-scale)"),
        ("targets", "T.npy", "one class per image (with --guidance-scale)"),
        ("guidance-scale", "s", "the classifier guidance's scale s (with --target or --targets); default: unguided"),
        ("variant", "V", "mean | x0 | ddim (default mean)"),
        ("to-time", "t′", "ddim: the time to step to, 0 ≤ t′ < t"),
        ("out", "OUT.npy", "where to write the result: float64, the input file's shape, written atomically"),
        ("threads", "N", "at most N threads"),
    ]

    static var help: String {
        let lines = options.map { option in
            let flag = "--\(option.name) \(option.placeholder)"
            return "  \(flag.padding(toLength: 22, withPad: " ", startingAt: 0)) \(option.help)"
        }
        return """
            USAGE: attribute denoise --diffusion DIR --input U.npy --time t [--target y | --targets T.npy]
                                     [--guidance-scale s] [--variant mean|x0|ddim] [--to-time t′] --out OUT.npy

            One classifier-guided reverse step of a diffusion model, in the data's scale:
              mean  μ + s σ_t² ∇log p(y | u_t, t), with μ = (u_t − β_t/√(1 − ᾱ_t) ε̂)/√α_t
              x0    x̂_0 = (u_t − √(1 − ᾱ_t) ε̂′)/√ᾱ_t, with ε̂′ = ε̂ − s √(1 − ᾱ_t) ∇log p(y | u_t, t)
              ddim  √ᾱ_{t′} x̂_0 + √(1 − ᾱ_{t′}) ε̂′

            OPTIONS:
            \(lines.joined(separator: "\n"))
              -h, --help             show this help
            """
    }

    /// Runs `denoise` on `words` (after the word `denoise`); the report lines.
    static func run(_ words: [String]) throws -> [[JSONValue.Member]] {
        let parsed = try CommandLineOptions(words, valued: Set(options.map(\.name)), flags: ["help"])
        if let word = parsed.positionals.first { throw UsageError("unexpected argument '\(word)'") }
        let directory = URL(fileURLWithPath: try parsed.required("diffusion"))
        let inputFile = URL(fileURLWithPath: try parsed.required("input"))
        let outputFile = URL(fileURLWithPath: try parsed.required("out"))
        guard let time = try parsed.integer("time", in: 1...1_000_000) else { throw UsageError("missing required option '--time' (the input's diffusion time, 1…T_d)") }
        let variant = DenoisingVariant(rawValue: try parsed.choice("variant", from: DenoisingVariant.allCases.map(\.rawValue), default: "mean")!)!
        let toTime = try parsed.integer("to-time", in: 0...1_000_000)
        if variant == .ddim && toTime == nil { throw UsageError("--variant ddim needs --to-time t′ (0 ≤ t′ < t)") }
        if variant != .ddim && toTime != nil { throw UsageError("--to-time applies to --variant ddim only") }
        if let toTime, toTime >= time { throw UsageError("--to-time \(toTime) must be earlier than --time \(time)") }
        let scale = try parsed.number("guidance-scale", in: -1e6...1e6, expected: "a number")
        if parsed.values["target"] != nil && parsed.values["targets"] != nil {
            throw UsageError("give --target y (one class for every image) or --targets T.npy (one per image), not both")
        }
        let target = try parsed.integer("target", in: 0...Int.max)
        let targetsFile = parsed.values["targets"].map { URL(fileURLWithPath: $0) }
        let guided = target != nil || targetsFile != nil
        if guided && scale == nil { throw UsageError("--target and --targets guide with a scale: give --guidance-scale s too") }
        if !guided && scale != nil { throw UsageError("--guidance-scale needs the class to guide toward: give --target y or --targets T.npy") }
        for (name, file) in [("--input", inputFile), ("--targets", targetsFile)] {
            if let file, Request.resolved(file) == Request.resolved(outputFile) {
                throw UsageError("--out \(outputFile.path) is the same file as \(name); writing it would destroy that input — choose another file")
            }
        }
        let threads = try parsed.integer("threads", in: 1...4096)

        return try Parallelism.$threadLimit.withValue(threads) {
            let model = try DiffusionModel.load(directory)
            guard time <= model.schedule.steps else {
                throw DiffusionError("--time \(time) is beyond the model's \(model.schedule.steps) diffusion steps; give 1…\(model.schedule.steps)")
            }
            let input = try Computation.read(inputFile, role: "input", modelShape: model.inputShape, allowBatch: true)
            if let bad = input.scalars.firstIndex(where: { !$0.isFinite }) {
                throw DiffusionError("\(inputFile.path): element \(bad) is \(input.scalars[bad]); values must be finite")
            }
            let batch = input.shape == model.inputShape ? input.reshaped([1] + model.inputShape) : input
            let count = batch.batchCount
            let classes: [Int?]
            if guided {
                classes = try Computation.chooseTargets(target: target, file: targetsFile, count: count, predicted: [], classes: model.classCount).map { $0 }
            } else {
                classes = Array(repeating: nil, count: count)
            }
            let result = try model.denoise(
                batch, times: Array(repeating: time, count: count), classes: classes, scale: scale ?? 0, variant: variant,
                toTimes: toTime.map { Array(repeating: $0, count: count) })
            if let bad = result.scalars.firstIndex(where: { !$0.isFinite }) {
                throw DiffusionError("the result is not finite at element \(bad); the model's output overflows for this input")
            }
            try StagedFile.commitAll([try StagedFile(NPY.encode(Tensor(shape: input.shape, scalars: result.scalars)), for: outputFile)])
            return (0..<count).map { b in
                [
                    .init("input", .number(Double(b))), .init("time", .number(Double(time))),
                    .init("target", classes[b].map { .number(Double($0)) } ?? .null), .init("guidanceScale", .number(scale ?? 0)),
                    .init("variant", .string(variant.rawValue)), .init("toTime", toTime.map { .number(Double($0)) } ?? .null),
                ]
            }
        }
    }
}
