// train-fixtures: rebuilds every model in Fixtures/models and every diffusion model in
// Fixtures/diffusion from fixed seeds.
//
//     swift run -c release train-fixtures [--output DIR] [--only NAME] [--threads N]
//
// Prints a progress line per epoch (epoch, loss, training accuracy, elapsed seconds) and a
// summary per model. Two runs write byte-identical files: no timing goes into any file.
import ArgumentParsing
import FixtureModels
import Foundation
import Tensors

AllocatorTuning.keepFreedMemory()  // see AllocatorTuning
let names = FixtureRecipe.all.map(\.name) + DiffusionRecipe.all.map { "\($0.name)-diffusion" }
let options: [OptionSpec] = [
    .value("output", "DIR", "where the model folders go"), .value("only", "NAME", "train one model"), .value("threads", "N", "at most N threads"),
]
let arguments: Arguments
do { arguments = try Arguments(Array(CommandLine.arguments.dropFirst()), command: "train-fixtures", options: options) } catch {
    FileHandle.standardError.write(Data("train-fixtures: \(error.description) (see --help)\n".utf8))
    exit(2)
}
if arguments.wantsHelp {
    print("""
        USAGE: train-fixtures [--output DIR] [--only NAME] [--threads N]
          --output DIR   where the model folders go (default: Fixtures/models of this checkout;
                         diffusion models go to DIR/diffusion/NAME, default Fixtures/diffusion/NAME)
          --only NAME    train one model: \(names.joined(separator: ", "))
          --threads N    at most N threads (default: all cores); the files do not depend on it
        """)
    exit(0)
}
let only: String?
let threads: Int?
do {
    only = try arguments.choice("only", from: names)
    threads = try arguments.integer("threads", in: 1...4096)
} catch {
    FileHandle.standardError.write(Data("train-fixtures: \(error.description) (see --help)\n".utf8))
    exit(2)
}
let output = arguments.values["output"].map { URL(fileURLWithPath: $0) } ?? TrainedFixture.modelsDirectory
let diffusionOutput = arguments.values["output"].map { URL(fileURLWithPath: $0).appendingPathComponent("diffusion") } ?? TrainedDiffusion.diffusionDirectory
var recipes = FixtureRecipe.all
var diffusionRecipes = DiffusionRecipe.all
if let only {
    recipes = recipes.filter { $0.name == only }
    diffusionRecipes = diffusionRecipes.filter { "\($0.name)-diffusion" == only }
}

let clock = ContinuousClock()
let start = clock.now
func elapsed() -> String {
    let duration = clock.now - start
    return String(format: "%.1f s", Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18)
}

do {
    try Parallelism.$threadLimit.withValue(threads) {
        for recipe in recipes {
            print("== \(recipe.name): \(recipe.architecture)")
            let fixture = try TrainedFixture.train(recipe) { report in
                print(String(format: "   %@ epoch %3d/%d  loss %.5f  accuracy %.4f  elapsed %@",
                             recipe.name, report.epoch, recipe.epochs, report.meanLoss, report.trainingAccuracy, elapsed()))
            }
            let directory = output.appendingPathComponent(recipe.name)
            try fixture.write(to: directory)
            print(String(format: "   %@: train accuracy %.4f (%d/%d), test accuracy %.4f (%d/%d) → %@",
                         recipe.name, fixture.trainAccuracy, fixture.trainCorrect, fixture.trainCount,
                         fixture.testAccuracy, fixture.testCorrect, fixture.testCount, directory.path))
        }
        for recipe in diffusionRecipes {
            print("== \(recipe.name)-diffusion: \(recipe.architecture)")
            let trained = try TrainedDiffusion.train(recipe) { print("\($0)  elapsed \(elapsed())") }
            let directory = diffusionOutput.appendingPathComponent(recipe.name)
            try trained.write(to: directory)
            print("   \(recipe.name)-diffusion → \(directory.path)")
        }
    }
    print("trained \(recipes.count + diffusionRecipes.count) model(s) in \(elapsed())")
} catch {
    FileHandle.standardError.write(Data("train-fixtures: \(error)\n".utf8))
    exit(3)
}
