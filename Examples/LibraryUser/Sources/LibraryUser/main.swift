// The README's "Using the library", as a program: load a shipped model from any working
// directory, run every method the library ships, and save one attribution with NPY.write.
//
//     swift run -c release LibraryUser [OUTPUT.npy]
import ArrayFormats
import Attribution
import Diffusion
import Foundation
import Models
import Tensors

let network = try ShippedModels.network("digits-cnn")
let image = try ShippedModels.exampleInput("digits-cnn")  // [1, 8, 8], a 2
let predicted = try network.predictions(for: image.reshaped([1] + image.shape))[0]
let output = try ClassifierOutput(network: network, target: predicted, kind: .probability)
print("digits-cnn predicts \(predicted) with p = \(try output.value(at: image))")

// Every shipped method, from the registry, with its default options; the methods of many
// references get a reference set (here the model's 64 check digits) and the network.
let references = try ShippedModels.checkInputs("digits-cnn")  // [64, 1, 8, 8]
for registration in MethodRegistry.standard.methods {
    let method = try MethodRegistry.standard.build(registration.name, tensors: ["references": references], network: network)
    let result = try method.attribute(image, of: output)
    let delta = result.completenessDelta.map { String(format: "%.2e", $0) } ?? "—"
    print("\(registration.name.padding(toLength: 18, withPad: " ", startingAt: 0)) Σ A = \(String(format: "%+.6f", result.attribution.sum))  completeness gap \(delta)  gradients \(result.gradientEvaluations)")
}

// DDPath (in the Diffusion product, so in MethodRegistry.complete): IG's anchors denoised
// toward the class by the shipped digits diffusion model; the registry takes the loaded model
// as the `diffusion` resource.
let diffusion = try DiffusionModel.load(ShippedModels.fixturesDirectory.appendingPathComponent("diffusion/digits"))
let ddpath = try MethodRegistry.complete.build("ddpath", values: ["steps": "50"], resources: ["diffusion": diffusion])
    .attribute(image, of: output)
print("ddpath (50 steps)  Σ A = \(String(format: "%+.6f", ddpath.attribution.sum))  completeness gap \(String(format: "%.2e", ddpath.completenessDelta!))")

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
