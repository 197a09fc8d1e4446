import ArrayFormats
import Attribution
import Evaluation
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

/// The metrics against independent implementations: pytorch_msssim, scikit-learn, Captum and
/// PAIR saliency, through the goldens of Fixtures/evaluation/export_evaluation_goldens.py.
@Suite("Metrics against pytorch_msssim, scikit-learn, Captum and PAIR", .tags(.golden))
struct GoldenMetricTests {
    static func json(_ name: String) throws -> JSONValue {
        try JSONValue.parse(String(contentsOf: FixturePaths.url("evaluation/\(name)"), encoding: .utf8))
    }
    static func array(_ name: String) throws -> Tensor { try NPY.read(contentsOf: FixturePaths.url("evaluation/\(name)")) }

    @Test("MS-SSIM equals pytorch_msssim (float64 window): 5 scales at 192×192, the small-image rule's 3 at 64×64", arguments: ["192-gray", "64-gray", "64-rgb"])
    func msSSIM(name: String) throws {
        let pair = try Self.array("ms-ssim-\(name).npy")
        let x = pair.point(0)
        let y = pair.point(1)
        let golden = try #require(try Self.json("ms-ssim.json")[name])
        let configuration = MultiScaleSSIM.configuration(height: x.shape[1], width: x.shape[2])
        #expect(configuration.scales == golden["scales"]?.intValue)
        let value = try MultiScaleSSIM(dataRange: 1).value(y, x)
        let expected = try #require(golden["value"]?.doubleValue)
        print("ms-ssim \(name): \(value) against pytorch_msssim \(expected), relative difference \(abs(value - expected) / expected)")
        // Both sides sum the same few hundred terms per pixel in different orders: round-off.
        expectClose(value, expected, Tolerance(relative: 1e-12), "MS-SSIM \(name)")
        if let stock = golden["stockFloat32Window"]?.doubleValue {
            // pytorch_msssim's own window is float32: about 1e-6 away, documented.
            #expect(abs(value - stock) / stock < 1e-5)
        }
        #expect(try MultiScaleSSIM(dataRange: 1).value(x, x) == 1)
    }

    @Test("The small-image rule: window and scales for 8×8, 16×16, 64×64, 161×200 and 1×1 images")
    func msSSIMConfiguration() {
        let eight = MultiScaleSSIM.configuration(height: 8, width: 8)
        #expect(eight.windowSize == 7 && eight.sigma == 1.5 * 7 / 11 && eight.scales == 1 && eight.weights == [1])
        let sixteen = MultiScaleSSIM.configuration(height: 16, width: 16)
        #expect(sixteen.windowSize == 11 && sixteen.scales == 1)
        let sixtyFour = MultiScaleSSIM.configuration(height: 64, width: 64)
        #expect(sixtyFour.scales == 3 && abs(sixtyFour.weights.reduce(0, +) - 1) < 1e-15)
        let large = MultiScaleSSIM.configuration(height: 161, width: 200)
        #expect(large.scales == 5 && large.weights == MultiScaleSSIM.standardWeights)
        #expect(MultiScaleSSIM.configuration(height: 1, width: 1).windowSize == 1)
    }

    @Test("Localization: ROC-AUC and best F1 equal scikit-learn's on 12 random maps (with ties), MAE by definition")
    func localization() throws {
        let maps = try Self.array("localization-maps.npy")
        let masks = try Self.array("localization-masks.npy")
        let golden = try #require(try Self.json("localization.json").arrayValue)
        var worst = (auc: 0.0, f1: 0.0)
        defer { print("localization against scikit-learn: worst ROC-AUC difference \(worst.auc), best-F1 \(worst.f1)") }
        for k in golden.indices {
            let result = try Localization().evaluate(attribution: maps.point(k), mask: masks.point(k))
            worst.auc = max(worst.auc, abs((result.rocAUC ?? .nan) - (golden[k]["rocAuc"]?.doubleValue ?? .nan)))
            worst.f1 = max(worst.f1, abs((result.bestF1 ?? .nan) - (golden[k]["bestF1"]?.doubleValue ?? .nan)))
            expectClose(try #require(result.rocAUC), try #require(golden[k]["rocAuc"]?.doubleValue), Tolerance(relative: 1e-14), "ROC-AUC \(k)")
            expectClose(try #require(result.bestF1), try #require(golden[k]["bestF1"]?.doubleValue), Tolerance(relative: 1e-14), "best F1 \(k)")
            expectClose(try #require(result.mae), try #require(golden[k]["mae"]?.doubleValue), Tolerance(relative: 1e-13), "MAE \(k)")
        }
    }

    @Test("Infidelity equals Captum's, plain and normalized, with the same perturbations (F = softmax of the target)")
    func infidelity() throws {
        let network = try ShippedModels.network("digits-cnn")
        let golden = try Self.json("infidelity.json")
        let output = try ClassifierOutput(network: network, target: try #require(golden["target"]?.intValue), kind: .probability)
        let perturbations = try Self.array("infidelity-perturbations.npy")
        let given = Infidelity.Perturbations.given((0..<perturbations.batchCount).map { perturbations.point($0) })
        let input = try Self.array("infidelity-input.npy")
        let attribution = try Self.array("infidelity-attribution.npy")
        for (key, normalize) in [("plain", false), ("normalized", true)] {
            let score = try Infidelity(perturbations: given, normalize: normalize).evaluate(input: input, attribution: attribution, output: output).score
            let expected = try #require(golden[key]?.doubleValue)
            print("infidelity \(key): \(score) against Captum \(expected)")
            // Captum expands the normalized square (β²Σa² − 2βΣaΔf + ΣΔf²): cancellation at
            // the 1e-3 scale of the terms leaves ~1e-13 of the 5e-7 result.
            expectClose(score, expected, Tolerance(relative: 1e-9), "infidelity \(key)")
        }
    }

    @Test("Max-sensitivity of the gradient equals Captum's sensitivity_max with the same perturbations")
    func maxSensitivity() throws {
        let network = try ShippedModels.network("digits-cnn")
        let golden = try Self.json("sensitivity.json")
        let output = try ClassifierOutput(network: network, target: try #require(golden["target"]?.intValue), kind: .probability)
        let deltas = try Self.array("sensitivity-perturbations.npy")
        let metric = MaxSensitivity(method: VanillaGradient(), perturbations: .given((0..<deltas.batchCount).map { deltas.point($0) }))
        let score = try metric.evaluate(input: try Self.array("infidelity-input.npy"), function: output).score
        let expected = try #require(golden["score"]?.doubleValue)
        print("max-sensitivity: \(score) against Captum \(expected)")
        expectClose(score, expected, Tolerance(relative: 1e-12), "max-sensitivity")
    }

    @Test("SIC's curve equals PAIR's compute_pic_metric curve for the same information levels and predictions")
    func picCurve() throws {
        let cases = try #require(try Self.json("pic.json").arrayValue)
        var worstAreaGap = 0.0
        for (index, item) in cases.enumerated() {
            let entropies = try #require(item["entropies"]?.arrayValue).compactMap(\.doubleValue)
            let predictions = try #require(item["predictions"]?.arrayValue).compactMap(\.doubleValue)
            let levels = entropies.dropFirst(2).map { PerformanceInformationCurve.normalized($0, base: entropies[1], original: entropies[0]) }
            let normalized = predictions.dropFirst(2).map { PerformanceInformationCurve.normalized($0, base: predictions[1], original: predictions[0]) }
            let (x, y) = PerformanceInformationCurve.curve(information: levels, predictions: PerformanceInformationCurve.runningMaximum(normalized))
            let curveX = try #require(item["curveX"]?.arrayValue).compactMap(\.doubleValue)
            let curveY = try #require(item["curveY"]?.arrayValue).compactMap(\.doubleValue)
            // PAIR samples the same piecewise-linear curve at 1,001 points (interp1d).
            let sampled = try #require(PerformanceInformationCurve.aggregate(
                [.init(thresholds: [], information: levels, predictions: [], curveX: x, curveY: y, score: 0, skipped: nil)], kind: .aic))
            #expect(sampled.x == curveX, "case \(index): sample points")
            expectClose(sampled.y, curveY, Tolerance(relative: 1e-12, absolute: 1e-15), "case \(index): curve")
            expectClose(sampled.area, try #require(item["auc"]?.doubleValue), Tolerance(relative: 1e-12), "case \(index): PAIR's sampled AUC")
            // The exact area differs from PAIR's 1,001-point trapezoid only by sampling.
            worstAreaGap = max(worstAreaGap, abs(PerformanceInformationCurve.area(x: x, y: y) - (item["auc"]?.doubleValue ?? 0)))
        }
        print("SIC: exact area against PAIR's 1,001-point AUC, worst gap \(worstAreaGap)")
        // Sampling a piecewise-linear curve at spacing 10⁻³ misses at most a sliver per kink.
        #expect(worstAreaGap < 2e-3)
    }

    @Test("The PNG (and its DEFLATE stream) equals, byte for byte, what Python's zlib and PIL checked (Fixtures/deflate)")
    func zlibChecked() throws {
        let record = try JSONValue.parse(String(contentsOf: FixturePaths.url("deflate/zlib-checked.json"), encoding: .utf8))
        guard case .object(let members) = record else { Issue.record("zlib-checked.json is not an object"); return }
        #expect(members.count == 6)
        for member in members {
            let image = try NPY.read(contentsOf: FixturePaths.url("deflate/\(member.key).npy"))
            let checked = try Array(Data(contentsOf: FixturePaths.url("deflate/\(member.key).png")))
            let png = try InformationLevel.png(image, range: 0...1)
            #expect(png == checked, "\(member.key): this build writes other bytes than the ones zlib checked; re-run Fixtures/deflate/check_with_zlib.py")
            #expect(png.count == member.value["bytes"]?.intValue)
        }
    }

    @Test("On a shipped figure (walkthrough 04's labelled heatmaps) the compressed PNG is far smaller than stored blocks")
    func figuresCompress() throws {
        var generator = Seeds.generator(3100)
        let panel = { Heatmap.Panel(values: (0..<64).map { _ in generator.nextNormal() }, height: 8, width: 8, colormap: .diverging) }
        let rows = (0..<3).map { _ in (0..<7).map { _ in panel() } }
        let figure = HeatmapFigure(
            title: "digits-cnn: attributions of p(predicted class)", columnTitles: ["input", "IG", "IDGI-IG", "BlurIG", "IDGI-BlurIG", "GuidedIG", "IDGI-GuidedIG"],
            rows: rows, colorScales: [.init(.diverging, low: "-max|A|", middle: "0", high: "+max|A|", caption: "maps")])
        let (rgb, width, height) = figure.render()
        let png = PNG.encode(rgb: rgb, width: width, height: height)
        let scanlines = height * (1 + 3 * width)
        let stored = scanlines + 5 * ((scanlines + 65_534) / 65_535) + 6 + 57  // zlib + stored blocks, and the chunks around them
        print("figure \(width)×\(height): PNG \(png.count) bytes, stored blocks would take \(stored)")
        #expect(png.count * 10 < stored)
    }
}
