// The README's "Using the library", as a program: load a shipped model from any working
// directory, run every method the library ships, and save one attribution with NPY.write.
//
//     swift run -c release LibraryUser [OUTPUT.npy]
import ArrayFormats
import Attribution
import Catalogue
import Diffusion
import Foundation
import Models
import Tensors

let network = try ShippedModels.network("digits-cnn")
let image = try ShippedModels.exampleInput("digits-cnn")  // [1, 8, 8], a 2
let predicted = try network.predictions(for: image.reshaped([1] + image.shape))[0]
let output = try ClassifierOutput(network: network, target: predicted, kind: .probability)
print("digits-cnn predicts \(predicted) with p = \(try output.value(at: image))")

// Every method of the catalogue (DDPath included), built by its one builder with its default
// parameters: a parameter that reads a reference set gets the model's 64 check digits, one that
// reads a diffusion directory the shipped digits diffusion model (by their kinds; only where the
// parameter applies to the defaults: DDPath's references belong to its exact denoiser), and the
// methods built from the model get the network.
let references = try ShippedModels.checkInputs("digits-cnn")  // [64, 1, 8, 8]
let diffusion = try DiffusionModel.load(ShippedModels.fixturesDirectory.appendingPathComponent("diffusion/digits"))
for registration in Catalogue.methods.methods {
    var files: [String: ParameterValue] = [:]
    for parameter in registration.parameters where registration.applies(parameter.name, given: [:]) {
        switch parameter.kind {
        case .array(.stack): files[parameter.name] = .array(references, source: "the check digits")
        case .resource(.diffusionDirectory): files[parameter.name] = .resource(diffusion, source: "diffusion/digits")
        default: break
        }
    }
    let method = try Catalogue.methods.build(registration.name, files: files, network: network)
    let result = try method.attribute(image, of: output)
    let delta = result.completenessDelta.map { String(format: "%.2e", $0) } ?? "—"
    print("\(registration.name.padding(toLength: 18, withPad: " ", startingAt: 0)) Σ A = \(String(format: "%+.6f", result.attribution.sum))  completeness gap \(delta)  gradients \(result.gradientEvaluations)")
}

// Parameters as text, an aggregation's base scoped as base.NAME: SmoothGrad over Expected
// Gradients, each with its own samples and seed.
let smoothEG = try Catalogue.methods.build(
    "smoothgrad", text: ["base": "expected-gradients", "base.samples": "20", "samples": "5"], files: ["base.references": .array(references, source: "the check digits")])
print("SmoothGrad(EG): \(try smoothEG.attribute(image, of: output).gradientEvaluations) gradients")

// Methods built directly, composed across the axes: IDGI on Integrated Gradients with its
// ledger, and SmoothGrad over IDGI-BlurIG.
let idgi = try IntegratedGradients(steps: 200, integrator: ImportantDirection())
    .attribute(image, of: output, options: RunOptions(recordsLedger: true))
print("IDGI-IG: \(idgi.ledger!.steps.count) steps, completeness gap \(idgi.completenessDelta!)")
let smoothBlur = try SmoothGrad(base: BlurIntegratedGradients(integrator: ImportantDirection()), samples: 10, seed: 1)
    .attribute(image, of: output)
print("SmoothGrad(IDGI-BlurIG): \(smoothBlur.gradientEvaluations) gradients")

// LPI clusters a reference set once (k-means in logit space) and reuses it for every input;
// with IDGI it is complete toward F(x) − Σ ρ_j F(r_j).
let referenceList = (0..<references.batchCount).map { references.point($0) }
let clustering = try LocalPathIntegration.cluster(referenceList, network: network, clusters: 1, subclusters: 20, seed: 0)
let lpi = try LocalPathIntegration(references: referenceList, clustering: clustering, network: network, integrator: ImportantDirection())
    .attribute(image, of: output)
print("IDGI-LPI: completeness gap \(lpi.completenessDelta!) toward F(x) − Σ ρ F(r) = \(lpi.endValue! - lpi.startValue!)")

// Many inputs at once, each with its own target, in shared model calls (same bits as one at a time).
let inputs = try ShippedModels.checkInputs("digits-cnn")
let batch = try IntegratedGradients().attribute(
    (0..<8).map { inputs.point($0) }, of: try ExplainedFunctions(output, targets: [3, 1, 4, 1, 5, 9, 2, 6]))
let alone = try IntegratedGradients().attribute(inputs.point(5), of: try ClassifierOutput(network: network, target: 9))
print("a batch of \(batch.count): input 5 equals its single run bit for bit: \(batch[5].attribution == alone.attribution)")

// Save one with NPY.write: a float64 .npy numpy reads with numpy.load.
let file = URL(fileURLWithPath: CommandLine.arguments.dropFirst().first ?? "idgi-ig.npy")
try NPY.write(idgi.attribution, to: file)
print("wrote \(file.path)")
