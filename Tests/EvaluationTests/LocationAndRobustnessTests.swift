import ArrayFormats
import Attribution
import Evaluation
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

@Suite("Pointing game, localization, SIC/AIC, infidelity, randomization and information: definitions")
struct DefinitionTests {
    @Test("Pointing game: the peak (first in row-major order among ties) hits inside the mask or within the tolerance")
    func pointingGame() throws {
        var mask = Tensor(zeros: [4, 5])
        mask[1, 1] = 1
        var attribution = Tensor(zeros: [1, 4, 5])
        attribution[0, 3, 4] = 2
        attribution[0, 0, 0] = 2  // a tie: (0, 0) comes first in row-major order
        let miss = try PointingGame().evaluate(attribution: attribution, mask: mask)
        #expect(!miss.hit && miss.argmax == (0, 0) && miss.score == 0)
        // Distance from (0, 0) to (1, 1) is √2.
        #expect(try !PointingGame(tolerance: 1.41).evaluate(attribution: attribution, mask: mask).hit)
        #expect(try PointingGame(tolerance: 1.42).evaluate(attribution: attribution, mask: mask).hit)
        attribution[0, 1, 1] = 3
        #expect(try PointingGame().evaluate(attribution: attribution, mask: mask).hit)
        #expect(throws: EvaluationError.self) { try PointingGame().evaluate(attribution: attribution, mask: Tensor(zeros: [5, 4])) }
        #expect(throws: EvaluationError.self) { try PointingGame().evaluate(attribution: attribution, mask: Tensor(shape: [4, 5], repeating: 0.5)) }
    }

    @Test("Localization by hand: a perfect map scores ROC-AUC 1, F1 1, MAE 0; an inverted one 0; a constant one ½; empty masks are skips")
    func localizationByHand() throws {
        let mask = Tensor(shape: [2, 2], scalars: [1, 0, 0, 1])
        let perfect = try Localization().evaluate(attribution: Tensor(shape: [1, 2, 2], scalars: [3, 1, 1, 3]), mask: mask)
        #expect(perfect.rocAUC == 1 && perfect.bestF1 == 1 && perfect.mae == 0)
        let inverted = try Localization().evaluate(attribution: Tensor(shape: [1, 2, 2], scalars: [0, 5, 4, 0]), mask: mask)
        #expect(inverted.rocAUC == 0)
        let constant = try Localization().evaluate(attribution: Tensor(shape: [1, 2, 2], repeating: 7), mask: mask)
        #expect(constant.rocAUC == 0.5 && constant.mae == 0.5)
        #expect(try Localization().evaluate(attribution: Tensor(shape: [1, 2, 2], repeating: 7), mask: Tensor(zeros: [2, 2])).skipped != nil)
        #expect(try Localization().evaluate(attribution: Tensor(shape: [1, 2, 2], repeating: 7), mask: Tensor(shape: [2, 2], repeating: 1)).skipped != nil)
    }

    @Test("SIC and AIC on shapes-cnn: curves in [0, 1]², running maxima, from x = 0 to (1, 1); digits skip compressed SIC (blur adds bytes); empty thresholds are an error")
    func performanceInformation() throws {
        let network = try ShippedModels.network("shapes-cnn")
        let x = try ShippedModels.exampleInput("shapes-cnn")
        let target = try network.predictions(for: x.reshaped([1] + x.shape))[0]
        let output = try ClassifierOutput(network: network, target: target)
        let attribution = try IntegratedGradients(steps: 16).attribute(x, of: output).attribution
        for kind in [PerformanceInformationCurve.Kind.sic, .aic] {
            for information in PerformanceInformationCurve.Information.allCases {
                let result = try PerformanceInformationCurve(kind, information: information, blurSigma: 2).evaluate(input: x, attribution: attribution, network: network, target: target)
                let score = try #require(result.score, "\(kind) \(information): skipped — \(result.skipped ?? "")")
                #expect((0...1).contains(score))
                #expect(result.curveX.first == 0 && result.curveX.last == 1 && result.curveY.last == 1)
                #expect(zip(result.curveX, result.curveX.dropFirst()).allSatisfy { $0 <= $1 })
                #expect(zip(result.predictions, result.predictions.dropFirst()).allSatisfy { $0 <= $1 })
                #expect(result.information.allSatisfy { (0...1).contains($0) })
                print("\(kind) \(information) on shapes-cnn IG: \(score)")
            }
        }
        #expect(throws: EvaluationError.self) {
            try PerformanceInformationCurve(.sic, thresholds: []).evaluate(input: x, attribution: attribution, network: network, target: target)
        }
        #expect(throws: EvaluationError.self) {
            try PerformanceInformationCurve(.sic, thresholds: [0.5, 1.5]).evaluate(input: x, attribution: attribution, network: network, target: target)
        }
        // A class the model gives far less than 0.5: skipped, with the reason.
        let wrong = (target + 1) % network.classCount
        let skipped = try PerformanceInformationCurve(.sic).evaluate(input: x, attribution: attribution, network: network, target: wrong)
        #expect(skipped.score == nil && skipped.skipped?.contains("below the minimum prediction") == true)
        // An 8×8 digit on black compresses better than its blur: PAIR's exclusion, a skip.
        let digits = try ShippedModels.network("digits-cnn")
        let digit = try ShippedModels.exampleInput("digits-cnn")
        let digitMap = try VanillaGradient().attribute(digit, of: try ClassifierOutput(network: digits, target: 2)).attribution
        let digitResult = try PerformanceInformationCurve(.sic, blurSigma: 2).evaluate(input: digit, attribution: digitMap, network: digits, target: 2)
        #expect(digitResult.skipped?.contains("compresses to") == true, "\(digitResult.skipped ?? "scored")")
    }

    @Test("Infidelity is 0 for the gradient of a linear F (Δf = I·w exactly); β undoes a scaled map")
    func infidelityOfLinear() throws {
        let weights = [0.5, -1, 2, 0.25]
        let output = try ClassifierOutput(network: try linearClassifier(weights: weights, bias: 0.1, height: 2, width: 2), target: 0, kind: .logit)
        let x = Tensor(shape: [1, 2, 2], scalars: [1, 2, 3, 4])
        let gradient = Tensor(shape: [1, 2, 2], scalars: weights)
        let metric = Infidelity(perturbations: .gaussian(samples: 10, standardDeviation: 0.1, seed: 3))
        #expect(try metric.evaluate(input: x, attribution: gradient, output: output).score < 1e-28)
        // Three times the gradient: infidelity (1/S) Σ (2a_k)² > 0; normalized, β = 1/3 brings it back to ~0.
        let scaled = 3 * gradient
        #expect(try metric.evaluate(input: x, attribution: scaled, output: output).score > 1e-4)
        let normalized = try Infidelity(perturbations: metric.perturbations, normalize: true).evaluate(input: x, attribution: scaled, output: output)
        expectClose(normalized.beta, 1.0 / 3, Tolerance(relative: 1e-12), "β")
        #expect(normalized.score < 1e-28)
    }

    @Test("Spearman's ρ by hand, and the randomization cascade: one stage per parametric layer, reproducible, ρ in [−1, 1]")
    func randomization() throws {
        #expect(Randomization.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == 1)
        #expect(Randomization.spearman([1, 2, 3, 4], [4, 3, 2, 1]) == -1)
        // A constant map ranks nothing: ρ is undefined, not 0.
        #expect(Randomization.spearman([1, 1, 1], [1, 2, 3]).isNaN)
        // Mid-ranks: (1, 2.5, 2.5, 4) against (1, 2, 3, 4) gives ρ = 4.5/√(4.5·5).
        expectClose(Randomization.spearman([1, 2, 2, 3], [1, 2, 3, 4]), 4.5 / (4.5 * 5).squareRoot(), Tolerance(relative: 1e-15), "ties")
        let network = try ShippedModels.network("digits-mlp")
        let x = try ShippedModels.exampleInput("digits-mlp")
        let check = Randomization(method: VanillaGradient(), seed: 4)
        let stages = try check.evaluate(input: x, network: network, target: 2, kind: .logit)
        #expect(stages.map(\.layer) == [5, 3, 1] && stages.allSatisfy { $0.kind == "dense" })
        #expect(stages.allSatisfy { (-1...1).contains($0.spearman) })
        #expect(try check.evaluate(input: x, network: network, target: 2, kind: .logit) == stages)
        print("randomization, gradient on digits-mlp: ρ by stage \(stages.map(\.spearman))")
    }

    @Test("The information level: the PNG inflates to the quantized image; blurring a textured shapes image lowers it, a black-background digit not")
    func informationLevel() throws {
        let x = try ShippedModels.exampleInput("digits-cnn")
        let png = try InformationLevel.png(x, range: 0...1)
        let quantized = InformationLevel.quantized(x, range: 0...1)
        #expect(quantized.count == 64)
        // q = round(255 · x): a pixel of 0.5 becomes 128 (halves away from zero), 1 becomes 255.
        #expect(InformationLevel.quantized(Tensor(shape: [3], scalars: [0.5, 1, -0.2]), range: 0...1) == [128, 255, 0])
        // Walk the chunks to the IDAT and inflate it.
        var offset = 8
        var idat: [UInt8] = []
        while offset < png.count {
            let length = png[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            if String(decoding: png[(offset + 4)..<(offset + 8)], as: UTF8.self) == "IDAT" { idat += png[(offset + 8)..<(offset + 8 + length)] }
            offset += 12 + length
        }
        let raw = try Inflate.zlib(idat)
        #expect(raw.count == 8 * 9)
        // Undo the filters: the rows are the quantized pixels.
        var rows: [UInt8] = []
        for r in 0..<8 {
            let line = Array(raw[(r * 9 + 1)..<((r + 1) * 9)])
            var out = [UInt8](repeating: 0, count: 8)
            for c in 0..<8 {
                let a = c > 0 ? Int(out[c - 1]) : 0
                let b = r > 0 ? Int(rows[(r - 1) * 8 + c]) : 0
                let d = r > 0 && c > 0 ? Int(rows[(r - 1) * 8 + c - 1]) : 0
                let p = a + b - d
                let paeth = abs(p - a) <= abs(p - b) && abs(p - a) <= abs(p - d) ? a : (abs(p - b) <= abs(p - d) ? b : d)
                let predictor = [0, a, b, (a + b) / 2, paeth][Int(raw[r * 9])]
                out[c] = UInt8(truncatingIfNeeded: Int(line[c]) + predictor)
            }
            rows += out
        }
        #expect(rows == quantized)
        let shapes = try ShippedModels.exampleInput("shapes-cnn")
        let blurredShapes = Tensor(shape: shapes.shape, scalars: GaussianBlur.blur(shapes.scalars, height: shapes.shape[1], width: shapes.shape[2], channels: shapes.shape[0], sigma: 2))
        let (sharp, soft) = (try InformationLevel.compressedSize(shapes, range: 0...1), try InformationLevel.compressedSize(blurredShapes, range: 0...1))
        let blurredDigit = Tensor(shape: x.shape, scalars: GaussianBlur.blur(x.scalars, height: 8, width: 8, channels: 1, sigma: 2))
        let (digit, softDigit) = (try InformationLevel.compressedSize(x, range: 0...1), try InformationLevel.compressedSize(blurredDigit, range: 0...1))
        print("information: shapes image \(sharp) bytes, blurred (σ 2) \(soft); digit \(digit), blurred \(softDigit)")
        #expect(soft < sharp)
        #expect(softDigit >= digit)
    }
}
