// train-fixtures: rebuilds every model in Fixtures/models and every diffusion model in
// Fixtures/diffusion from fixed seeds.
//
//     swift run -c release train-fixtures [--output DIR] [--only NAME] [--threads N]
//
// Prints a progress line per epoch (epoch, loss, training accuracy, elapsed seconds) and a
// summary per model. Two runs write byte-identical files: no timing goes into any file.
import FixtureModels
import Foundation
import Tensors

AllocatorTuning.keepFreedMemory()  // see AllocatorTuning
let arguments = Array(CommandLine.arguments.dropFirst())
func value(of option: String) -> String? {
    guard let index = arguments.firstIndex(of: option), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}
if arguments.contains("--help") || arguments.contains("-h") {
    print("""
        USAGE: train-fixtures [--output DIR] [--only NAME] [--threads N]
          --output DIR   where the model folders go (default: Fixtures/models of this checkout;
                         diffusion models go to DIR/diffusion/NAME, default Fixtures/diffusion/NAME)
          --only NAME    train one model: \((FixtureRecipe.all.map(\.name) + DiffusionRecipe.all.map { "\($0.name)-diffusion" }).joined(separator: ", "))
          --threads N    at most N threads (default: all cores); the files do not depend on it
        """)
    exit(0)
}
let known: Set<String> = ["--output", "--only", "--threads"]
for (index, argument) in arguments.enumerated() where index % 2 == 0 && !known.contains(argument) {
    FileHandle.standardError.write(Data("train-fixtures: unknown argument '\(argument)' (see --help)\n".utf8))
    exit(2)
}
let output = value(of: "--output").map { URL(fileURLWithPath: $0) } ?? TrainedFixture.modelsDirectory
let diffusionOutput = value(of: "--output").map { URL(fileURLWithPath: $0).appendingPathComponent("diffusion") } ?? TrainedDiffusion.diffusionDirectory
var recipes = FixtureRecipe.all
var diffusionRecipes = DiffusionRecipe.all
if let only = value(of: "--only") {
    recipes = recipes.filter { $0.name == only }
    diffusionRecipes = diffusionRecipes.filter { "\($0.name)-diffusion" == only }
    if recipes.isEmpty && diffusionRecipes.isEmpty {
        FileHandle.standardError.write(Data("train-fixtures: no model named '\(only)'\n".utf8))
        exit(2)
    }
}

var threads: Int? = nil
if let text = value(of: "--threads") {
    guard let n = Int(text), n >= 1 else {
        FileHandle.standardError.write(Data("train-fixtures: --threads takes a whole number ≥ 1\n".utf8))
        exit(2)
    }
    threads = n
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
