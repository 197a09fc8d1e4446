import Attribution
import Diffusion
import Foundation
import Testing
import _TestSupport

@testable import Quality

/// DDPath's experiments as `bench quality` builds them: each changes the one ingredient its
/// name says, and the run fills in only the files that apply.
@Suite("bench quality: DDPath's experiments are built as named")
struct ExperimentBuildTests {
    static let model = try! QualityModel.load("digits-cnn", limit: 1, references: 50)

    func built(_ name: String) throws -> DenoisingDiffusionPath {
        let method = try #require(QualityMethod.named(name))
        return try #require(try method.build(for: Self.model) as? DenoisingDiffusionPath)
    }

    @Test("The exact denoiser gets every training image (not the 50 EG's references are cut to), with their labels only for the class form; no guidance scale")
    func exactDenoiser() throws {
        let training = Self.model.training
        let unconditional = try built("ddpath-ig-empirical")
        #expect(unconditional.denoiser == .empirical)
        #expect(unconditional.references?.batchCount == training.count && training.count == 1437)
        #expect(unconditional.referenceLabels == nil)
        let conditional = try built("ddpath-ig-empirical-class")
        #expect(conditional.references == training.inputs)
        #expect(conditional.referenceLabels == training.labels)
        // The learned rows keep no references: the parameter does not apply to them.
        let learned = try built("ddpath-ig")
        #expect(learned.denoiser == .learned && learned.references == nil)
    }

    @Test("The guidance sweep sets s; the shipped row takes the model's chosen s (4 on digits); SNR times and clipping are set; checkpoints load their own denoiser")
    func oneIngredientEach() throws {
        #expect(try built("ddpath-ig").denoising.guidanceScale == 4)
        for scale in QualityMethod.guidanceSweep { #expect(try built("ddpath-ig-s\(scale)").denoising.guidanceScale == Double(scale)) }
        #expect(try built("ddpath-ig-snr").denoising.times == .snr)
        #expect(try built("ddpath-ig-clip").denoising.clip)
        let shipped = try built("ddpath-ig").model!.denoiser.parameters
        #expect(Self.model.denoiserCheckpoints.map(\.steps) == QualityMethod.denoiserCheckpoints)
        for steps in QualityMethod.denoiserCheckpoints {
            let checkpoint = try built("ddpath-ig-step\(steps)").model!
            #expect(checkpoint.denoiser.parameters != shipped, "step \(steps)")
            // The classifier is the final one: only the denoiser differs.
            #expect(checkpoint.classifier.parameters == Self.model.diffusion!.model.classifier.parameters)
        }
        // The swapped-background models run IDGI's comparisons only; the checkpoints run on digits-cnn only.
        #expect(QualityMethod.named("ig+idgi")!.runs(on: "shapes-black-cnn") && !QualityMethod.named("ddpath-ig")!.runs(on: "shapes-black-cnn"))
        #expect(!QualityMethod.named("ddpath-ig-step200")!.runs(on: "shapes-cnn") && !QualityMethod.named("ddpath-ig-s16")!.runs(on: "digits-mlp"))
    }
}
