import Attribution
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

/// IDGI's hyperplane property: on every step, Σ_i A_i = F(p_{j+1}) − F(p_j), so Σ A = F(end) −
/// F(start) for any number of steps — on the IG, BlurIG and Guided IG paths alike.
@Suite("IDGI hyperplane (per-step completeness)", .tags(.axiom))
struct HyperplaneTests {
    /// Each step's sum is (Σ_i g_i²/‖g‖²)·ΔF: ΔF times a sum of n terms that add to 1 up to
    /// ~nε. 1e-12 relative to the step's own ΔF leaves room for n in the thousands.
    static let stepTolerance = Tolerance(relative: 1e-12, absolute: 1e-300)

    static func checkLedger(_ result: AttributionResult, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Double {
        let ledger = try #require(result.ledger, sourceLocation: sourceLocation)
        var worst = 0.0
        for (j, entry) in ledger.steps.enumerated() where entry.gradientNormSquared > 0 {
            expectClose(entry.attributionSum, entry.deltaValue, stepTolerance, "\(label) step \(j)", sourceLocation: sourceLocation)
            if entry.deltaValue != 0 { worst = max(worst, abs(entry.attributionSum - entry.deltaValue) / abs(entry.deltaValue)) }
        }
        // Consecutive steps share their ends, so the ledger telescopes to F(end) − F(start).
        for (a, b) in zip(ledger.steps, ledger.steps.dropFirst()) {
            #expect(a.endValue == b.startValue, "\(label): ledger does not chain", sourceLocation: sourceLocation)
        }
        let total = try #require(result.completenessDelta, sourceLocation: sourceLocation)
        expectClose(total, 0, Tolerance(relative: 0, absolute: 1e-12 * max(1, abs(result.endValue! - result.startValue!))), "\(label) completeness", sourceLocation: sourceLocation)
        return worst
    }

    @Test("IG path: analytic functions, for N = 1, 2, 7, 50", arguments: AnalyticCase.hyperplaneCases)
    func straightLineAnalytic(testCase: AnalyticCase) throws {
        var generator = Seeds.generator(1400, label: testCase.description)
        let f = testCase.function
        let x = Tensor.uniform(shape: [f.dimension], in: -2, 2, using: &generator)
        let x0 = Tensor.uniform(shape: [f.dimension], in: -1, 1, using: &generator)
        var worst = 0.0
        for n in [1, 2, 7, 50] {
            let idgi = IntegratedGradients(baseline: x0, steps: n, integrator: ImportantDirection())
            worst = max(worst, try Self.checkLedger(try idgi.attribute(x, of: f, options: RunOptions(recordsLedger: true)), "\(testCase) N=\(n)"))
        }
        print("hyperplane, IG path, \(testCase): worst relative step error \(worst)")
    }

    @Test("BlurIG and Guided IG paths on analytic functions (viewed as functions of a 2×3×4 image)", arguments: AnalyticCase.imageCases)
    func blurAndGuidedAnalytic(testCase: AnalyticCase) throws {
        var generator = Seeds.generator(1401, label: testCase.description)
        let f = ImageShaped(base: testCase.function, shape: [2, 3, 4])
        let image = Tensor.uniform(shape: [2, 3, 4], in: -1, 1, using: &generator)
        var worst = 0.0
        for n in [1, 3, 20] {
            let methods: [(String, any AttributionMethod)] = [
                ("BlurIG", BlurIntegratedGradients(maxSigma: 2, steps: n, integrator: ImportantDirection())),
                ("GuidedIG", GuidedIntegratedGradients(steps: n, integrator: ImportantDirection())),
            ]
            for (name, method) in methods {
                worst = max(worst, try Self.checkLedger(try method.attribute(image, of: f, options: RunOptions(recordsLedger: true)), "\(testCase) \(name) N=\(n)"))
            }
        }
        print("hyperplane, BlurIG and Guided IG paths, \(testCase): worst relative step error \(worst)")
    }

    @Test("IG, BlurIG and Guided IG paths on trained networks (digits-cnn probability, moons-mlp logit)")
    func trainedNetworks() throws {
        let digits = try ShippedModels.network("digits-cnn")
        let image = try ShippedModels.exampleInput("digits-cnn")
        let digitOutput = try ClassifierOutput(network: digits, target: 2, kind: .probability)
        var worst: [String: Double] = [:]
        let methods: [(String, any AttributionMethod)] = [
            ("IG", IntegratedGradients(steps: 24, integrator: ImportantDirection())),
            ("BlurIG", BlurIntegratedGradients(maxSigma: 8, steps: 24, integrator: ImportantDirection())),
            ("GuidedIG", GuidedIntegratedGradients(steps: 24, integrator: ImportantDirection())),
        ]
        for (name, method) in methods {
            worst[name] = try Self.checkLedger(try method.attribute(image, of: digitOutput, options: RunOptions(recordsLedger: true)), "digits-cnn \(name)")
        }
        let moons = try ShippedModels.network("moons-mlp")
        let points = try ShippedModels.checkInputs("moons-mlp")
        for b in 0..<4 {
            let output = try ClassifierOutput(network: moons, target: 0, kind: .logit)
            for (name, method) in methods where name != "BlurIG" {
                worst[name] = max(worst[name]!, try Self.checkLedger(try method.attribute(points.point(b), of: output, options: RunOptions(recordsLedger: true)), "moons \(name) point \(b)"))
            }
        }
        print("hyperplane on trained networks: worst relative step error per path \(worst)")
    }

    @Test("Each feature's share of a step has the sign of the step's ΔF")
    func signOfShares() throws {
        let network = try ShippedModels.network("moons-mlp")
        let x = try ShippedModels.checkInputs("moons-mlp").point(3)
        let output = try ClassifierOutput(network: network, target: 1, kind: .probability)
        // One step: the attribution is exactly that step's shares.
        let one = try IntegratedGradients(steps: 1, integrator: ImportantDirection()).attribute(x, of: output, options: RunOptions(recordsLedger: true))
        let delta = try #require(one.ledger?.steps.first?.deltaValue)
        #expect(one.attribution.scalars.allSatisfy { $0 == 0 || ($0 > 0) == (delta > 0) })
    }
}

extension AnalyticCase {
    /// Functions whose gradient vanishes nowhere on the sampled paths (the ReLU example's
    /// flat region is covered by the zero-gradient tests).
    static var hyperplaneCases: [AnalyticCase] {
        [
            AnalyticCase(description: "quadratic form", function: QuadraticForm(matrix: [[1, 2, 0], [-1, 3, 0.5], [0.25, 0, -2]], linear: [1, -1, 0.5], constant: 2)),
            AnalyticCase(description: "sigmoid of linear", function: SigmoidOfLinear(weights: [1, -2, 0.5], bias: 0.1)),
            AnalyticCase(description: "Gaussian bump", function: GaussianBump(center: [0.5, -0.5, 1], width: 0.8, amplitude: 2)),
            AnalyticCase(description: "Rosenbrock in R^4", function: Rosenbrock(dimension: 4)),
        ]
    }
}

extension AnalyticCase {
    /// Functions of 24 variables, to be read as 2×3×4 images.
    static var imageCases: [AnalyticCase] {
        var generator = Seeds.generator(1402)
        let weights = (0..<24).map { _ in generator.nextUniform(in: -1, 1) }
        let center = (0..<24).map { _ in generator.nextUniform(in: -0.5, 0.5) }
        return [
            AnalyticCase(description: "sigmoid of linear", function: SigmoidOfLinear(weights: weights, bias: 0.2)),
            AnalyticCase(description: "Gaussian bump", function: GaussianBump(center: center, width: 2, amplitude: 1)),
            AnalyticCase(description: "Rosenbrock in R^24", function: Rosenbrock(dimension: 24, a: 0.5, b: 2)),
        ]
    }
}

/// An analytic function of n variables seen as a function of an image with n pixels.
struct ImageShaped: DifferentiableFunction {
    let base: any AnalyticFunction
    let shape: [Int]
    var inputShape: [Int] { shape }

    private func flat(_ points: Tensor) -> Tensor { points.reshaped([points.batchCount, base.dimension]) }

    func values(at points: Tensor) throws(ModelError) -> [Double] {
        try validateBatch(points)
        return try base.values(at: flat(points))
    }

    func valuesAndGradients(at points: Tensor) throws(ModelError) -> ValuesAndGradients {
        try validateBatch(points)
        let result = try base.valuesAndGradients(at: flat(points))
        return ValuesAndGradients(values: result.values, gradients: result.gradients.reshaped(points.shape))
    }
}

/// An analytic function for parameterised tests.
struct AnalyticCase: Sendable, CustomStringConvertible {
    var description: String
    var function: any AnalyticFunction
}
