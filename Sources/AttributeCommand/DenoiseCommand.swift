import ArgumentParsing
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
///     attribute denoise --diffusion DIR --denoiser empirical --references R.npy
///                       [--reference-labels L.npy --target y | --targets T.npy]
///                       --input U.npy --time t [--variant x0|mean] --out OUT.npy
///
/// The input is one image of the diffusion model's shape or a batch [N] + shape, in the data's
/// scale ([LO, HI]); it is mapped to u ∈ [−1, 1], given the step at time t, and mapped back:
/// `mean` (default) writes the guided posterior mean, `x0` the guided x̂_0, `ddim` the
/// deterministic DDIM step to t′ (DiffusionModel's formulas). Guidance needs a class and a
/// scale together; without them the step is unguided. With `--denoiser empirical` the step is
/// the exact denoiser of the references (``EmpiricalDenoiser``, the directory's schedule and
/// scale): `x0` its posterior mean, `mean` DDPM's reverse mean from it; a class restricts the
/// references to that class's (the exact class-conditional denoiser, no guidance scale).
/// stdout: one JSON object per image.
enum DenoiseCommand {
    static let options: [OptionSpec] = [
        .value("diffusion", "DIR", "the diffusion directory (diffusion.json, denoiser/, classifier/)"),
        .value("input", "U.npy", "one image of the model's shape, or a batch [N] + shape, in the data's scale"),
        .value("time", "t", "the diffusion time of the input, 1…T_d"),
        .value("target", "y", "the class guiding every image (with --guidance-scale)"),
        .value("targets", "T.npy", "one class per image (with --guidance-scale)"),
        .value("guidance-scale", "s", "the classifier guidance's scale s ≥ 0 (with --target or --targets); default: unguided"),
        .value("variant", "V", "mean | x0 | ddim (default mean; the empirical denoiser takes mean or x0)"),
        .value("denoiser", "D", "learned (the directory's network, default) | empirical (the exact denoiser of --references)"),
        .value("references", "R.npy", "empirical: the data set, [N] + the model's shape, in the data's scale"),
        .value("reference-labels", "L.npy", "empirical: one class per reference (for --target / --targets)"),
        .value("to-time", "t′", "ddim: the time to step to, 0 ≤ t′ < t"),
        .value("out", "OUT.npy", "where to write the result: float64, the input file's shape, written atomically"),
        .value("threads", "N", "at most N threads"),
    ]

    static var help: String {
        """
        USAGE: attribute denoise --diffusion DIR --input U.npy --time t [--target y | --targets T.npy]
                                 [--guidance-scale s] [--variant mean|x0|ddim] [--to-time t′] --out OUT.npy
               attribute denoise --diffusion DIR --denoiser empirical --references R.npy
                                 [--reference-labels L.npy --target y | --targets T.npy]
                                 --input U.npy --time t [--variant x0|mean] --out OUT.npy

        One classifier-guided reverse step of a diffusion model, in the data's scale:
          mean  μ + s σ_t² ∇log p(y | u_t, t), with μ = (u_t − β_t/√(1 − ᾱ_t) ε̂)/√α_t
          x0    x̂_0 = (u_t − √(1 − ᾱ_t) ε̂′)/√ᾱ_t, with ε̂′ = ε̂ − s √(1 − ᾱ_t) ∇log p(y | u_t, t)
          ddim  √ᾱ_{t′} x̂_0 + √(1 − ᾱ_{t′}) ε̂′

        With --denoiser empirical --references R.npy, the exact denoiser of the references (u_i in [−1, 1]):
          x0    x̂_0 = Σ_i w_i u_i, w_i = softmax_i(−‖u_t − √ᾱ_t u_i‖² / (2(1 − ᾱ_t))), over class y's references with a target
          mean  √ᾱ_{t−1} β_t/(1 − ᾱ_t) x̂_0 + √α_t (1 − ᾱ_{t−1})/(1 − ᾱ_t) u_t

        OPTIONS:
        \(OptionSpec.help(options))
          -h, --help             show this help
        """
    }

    /// Runs `denoise` on `words` (after the word `denoise`).
    static func run(_ words: [String]) throws -> AttributeCommand.Run {
        let parsed = try Arguments(words, command: "attribute denoise", options: options)
        if parsed.wantsHelp { return AttributeCommand.Run(standardOutput: help + "\n") }
        let directory = URL(fileURLWithPath: try parsed.required("diffusion"))
        let inputFile = URL(fileURLWithPath: try parsed.required("input"))
        let outputFile = URL(fileURLWithPath: try parsed.required("out"))
        guard let time = try parsed.integer("time", in: 1...1_000_000) else { throw UsageError("missing required option '--time' (the input's diffusion time, 1…T_d)") }
        let variant = DenoisingVariant(rawValue: try parsed.choice("variant", from: DenoisingVariant.allCases.map(\.rawValue)) ?? "mean")!
        let toTime = try parsed.integer("to-time", in: 0...1_000_000)
        if variant == .ddim && toTime == nil { throw UsageError("--variant ddim needs --to-time t′ (0 ≤ t′ < t)") }
        if variant != .ddim && toTime != nil { throw UsageError("--to-time applies to --variant ddim only") }
        if let toTime, toTime >= time { throw UsageError("--to-time \(toTime) must be earlier than --time \(time)") }
        // DDPath's guidance-scale takes the same range: a negative scale guides away from the class.
        let scale = try parsed.number("guidance-scale", in: 0...1e6)
        if parsed.values["target"] != nil && parsed.values["targets"] != nil {
            throw UsageError("give --target y (one class for every image) or --targets T.npy (one per image), not both")
        }
        let target = try parsed.integer("target", in: 0...Int.max)
        let targetsFile = try parsed.text("targets").map { URL(fileURLWithPath: $0) }
        let guided = target != nil || targetsFile != nil
        let empirical = try parsed.choice("denoiser", from: ["learned", "empirical"]) == "empirical"
        let referencesFile = try parsed.text("references").map { URL(fileURLWithPath: $0) }
        let labelsFile = try parsed.text("reference-labels").map { URL(fileURLWithPath: $0) }
        if empirical {
            guard referencesFile != nil else { throw UsageError("--denoiser empirical needs --references R.npy (the data set whose exact denoiser it is)") }
            if variant == .ddim { throw UsageError("--denoiser empirical takes --variant x0 or mean, not ddim") }
            if scale != nil { throw UsageError("--guidance-scale applies to the learned denoiser; the empirical one conditions on the class exactly and takes no scale") }
            if guided && labelsFile == nil { throw UsageError("--target and --targets with --denoiser empirical need --reference-labels L.npy (one class per reference)") }
            if !guided && labelsFile != nil { throw UsageError("--reference-labels is read with --target y or --targets T.npy only; give a class or drop it") }
        } else {
            if referencesFile != nil || labelsFile != nil { throw UsageError("--references and --reference-labels apply to --denoiser empirical only") }
            if guided && scale == nil { throw UsageError("--target and --targets guide with a scale: give --guidance-scale s too") }
            if !guided && scale != nil { throw UsageError("--guidance-scale needs the class to guide toward: give --target y or --targets T.npy") }
        }
        var inputs: [OutputSafety.Named] = [("--input", inputFile.path)]
        if let targetsFile { inputs.append(("--targets", targetsFile.path)) }
        if let referencesFile { inputs.append(("--references", referencesFile.path)) }
        if let labelsFile { inputs.append(("--reference-labels", labelsFile.path)) }
        try OutputSafety.check(outputs: [("--out", outputFile.path)], inputs: inputs, directories: [("--diffusion", directory.path)])
        let threads = try parsed.integer("threads", in: 1...4096)

        return try Parallelism.$threadLimit.withValue(threads) {
            let model = try DiffusionModel.load(directory)
            guard time <= model.schedule.steps else {
                throw DiffusionError("--time \(time) is beyond the model's \(model.schedule.steps) diffusion steps; give 1…\(model.schedule.steps)")
            }
            let input = try Computation.read(inputFile, role: "input", modelShape: model.inputShape, allowBatch: true)
            guard input.count > 0 else { throw DiffusionError("\(inputFile.path): the batch holds no images (shape \(input.shape)); give at least one") }
            let batch = input.shape == model.inputShape ? input.reshaped([1] + model.inputShape) : input
            let count = batch.batchCount
            let classes: [Int?]
            if guided {
                classes = try Computation.chooseTargets(target: target, file: targetsFile, count: count, predicted: [], classes: model.classCount).map { $0 }
            } else {
                classes = Array(repeating: nil, count: count)
            }
            let result: Tensor
            if empirical, let referencesFile {
                let references = try NPY.read(contentsOf: referencesFile)
                // The shape first: the labels are counted against the references' first axis.
                guard references.rank == model.inputShape.count + 1, references.pointShape == model.inputShape, references.batchCount > 0 else {
                    throw DiffusionError("\(referencesFile.path): the references have shape \(references.shape); give [N] + \(model.inputShape), N ≥ 1, in the data's scale")
                }
                let labels = try labelsFile.map { try Computation.readClasses($0, count: references.batchCount, classes: model.classCount, naming: ("reference labels", "label", "reference")) }
                let denoiser: EmpiricalDenoiser
                do {
                    denoiser = try EmpiricalDenoiser(references: references, labels: labels, model: model)
                } catch {
                    throw DiffusionError("\(referencesFile.path): \(error)")
                }
                let (u, times) = (model.diffusionScale(batch), Array(repeating: time, count: count))
                let denoised = variant == .x0
                    ? try denoiser.predictedStart(u, times: times, targets: classes) : try denoiser.posteriorMean(u, times: times, targets: classes)
                result = model.dataScale(denoised)
            } else {
                result = try model.denoise(
                    batch, times: Array(repeating: time, count: count), classes: classes, scale: scale ?? 0, variant: variant,
                    toTimes: toTime.map { Array(repeating: $0, count: count) })
            }
            if let bad = result.scalars.firstIndex(where: { !$0.isFinite }) {
                throw DiffusionError("the result is not finite at element \(bad); the model's output overflows for this input")
            }
            let staged = try StagedFile(NPY.encode(Tensor(shape: input.shape, scalars: result.scalars)), for: outputFile)
            let lines = (0..<count).map { b -> String in
                JSONValue.object([
                    .init("input", .number(Double(b))), .init("time", .number(Double(time))), .init("denoiser", .string(empirical ? "empirical" : "learned")),
                    .init("target", classes[b].map { .number(Double($0)) } ?? .null), .init("guidanceScale", empirical ? .null : .number(scale ?? 0)),
                    .init("variant", .string(variant.rawValue)), .init("toTime", toTime.map { .number(Double($0)) } ?? .null),
                ]).description + "\n"
            }.joined()
            return AttributeCommand.Run(standardOutput: lines, files: [staged])
        }
    }
}
