import Attribution
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

@Suite("Edge cases", .tags(.axiom))
struct EdgeCaseTests {
    @Test("Baseline = input gives all zeros, from every path method")
    func baselineEqualsInput() throws {
        let f = SigmoidOfLinear(weights: [1, -2, 0.5], bias: 0.1)
        let x = Tensor(shape: [3], scalars: [0.4, -0.2, 1.1])
        for configured in try AxiomMethods.configurations(domain: .vectors, required: [.walksPath, .takesBaseline], baseline: x) {
            let result = try configured.method.attribute(x, of: f)
            #expect(result.attribution.scalars.allSatisfy { $0 == 0 }, "\(configured): \(result.attribution.scalars)")
        }
    }

    @Test("An input below the baseline: IG's closed form and completeness still hold")
    func inputBelowBaseline() throws {
        let f = QuadraticForm(matrix: [[1, 2, 0], [-1, 3, 0.5], [0.25, 0, -2]], linear: [1, -1, 0.5], constant: 2)
        let x0 = Tensor(shape: [3], scalars: [2, 1.5, 3])
        let x = Tensor(shape: [3], scalars: [-1, -2, 0.5])  // every feature below the baseline
        let ig = try IntegratedGradients(baseline: x0, steps: 4, rule: .trapezoid).attribute(x, of: f)
        expectClose(ig.attribution.scalars, f.integratedGradients(input: x.scalars, baseline: x0.scalars), Tolerance(relative: 1e-14), "IG")
        let idgi = try IntegratedGradients(baseline: x0, steps: 9, integrator: ImportantDirection()).attribute(x, of: f)
        expectClose(try #require(idgi.completenessDelta), 0, Tolerance(relative: 0, absolute: 1e-13), "IDGI completeness")
        let guided = try GuidedIntegratedGradients(baseline: x0, steps: 50, integrator: ImportantDirection()).attribute(x, of: f)
        expectClose(try #require(guided.completenessDelta), 0, Tolerance(relative: 0, absolute: 1e-13), "IDGI-GuidedIG completeness")
    }

    @Test("Guided IG with max_dist 0 is IG on the straight line with left-endpoint gradients")
    func guidedWithZeroDistanceIsIG() throws {
        let network = try ShippedModels.network("digits-mlp")
        let x = try ShippedModels.exampleInput("digits-mlp")
        let output = try ClassifierOutput(network: network, target: 2, kind: .logit)
        let guided = try GuidedIntegratedGradients(steps: 20, maxDistance: 0).attribute(x, of: output)
        let ig = try IntegratedGradients(steps: 20, rule: .left).attribute(x, of: output)
        // Each step moves every feature to the line at α = (s+1)/S, possibly in several passes;
        // the sums differ from IG's (x − x′)/S ⊙ g by round-off.
        expectClose(guided.attribution.scalars, ig.attribution.scalars, Tolerance(relative: 1e-12, absolute: 1e-15), "GuidedIG(max_dist 0) vs IG(left)")
    }

    @Test("BlurIG's completeness target is F(x) − F(blur(x, σ_max)): exact with IDGI, approached by the Riemann sum")
    func blurCompletenessTarget() throws {
        let network = try ShippedModels.network("digits-cnn")
        let x = try ShippedModels.exampleInput("digits-cnn")
        let output = try ClassifierOutput(network: network, target: 2, kind: .logit)
        let sigma = 3.0
        let blurred = Tensor(shape: x.shape, scalars: GaussianBlur.blur(x.scalars, height: 8, width: 8, channels: 1, sigma: sigma))
        let target = (try output.value(at: x)) - (try output.value(at: blurred))
        let idgi = try BlurIntegratedGradients(maxSigma: sigma, steps: 16, integrator: ImportantDirection()).attribute(x, of: output)
        expectClose(idgi.attribution.sum, target, Tolerance(relative: 1e-12), "IDGI-BlurIG")
        #expect(idgi.startValue == (try output.value(at: blurred)))
        // The Riemann sum converges to the target as the steps grow (first order in 1/n).
        let gaps = try [16, 64, 256].map { n in
            abs(try BlurIntegratedGradients(maxSigma: sigma, steps: n, derivative: .analytic).attribute(x, of: output).attribution.sum - target)
        }
        print("BlurIG completeness gap at n = 16, 64, 256: \(gaps)")
        #expect(gaps[0] > gaps[1] && gaps[1] > gaps[2])
    }

    @Test("Results do not depend on the batch size")
    func batchSizeInvariance() throws {
        let network = try ShippedModels.network("digits-cnn")
        let x = try ShippedModels.exampleInput("digits-cnn")
        let output = try ClassifierOutput(network: network, target: 2)
        let method = IntegratedGradients(steps: 13, integrator: ImportantDirection())
        let reference = try method.attribute(x, of: output, options: RunOptions(batchSize: 64, recordsLedger: true))
        for batch in [1, 2, 5] {
            let result = try method.attribute(x, of: output, options: RunOptions(batchSize: batch, recordsLedger: true))
            #expect(result.attribution == reference.attribution)
            #expect(result.ledger == reference.ledger)
        }
        #expect(throws: AttributionError.self) { try IntegratedGradients().attribute(x, of: output, options: RunOptions(batchSize: 0)) }
    }

    @Test("The ledger: one entry per step, cells tiling [0, 1], ends at F(x′) and F(x), Riemann sums matching the map")
    func ledger() throws {
        let f = SigmoidOfLinear(weights: [1, -2, 0.5], bias: 0.1)
        let x = Tensor(shape: [3], scalars: [1, 0.5, -1])
        for rule in QuadratureRule.fixedRules where rule.coversInterval {
            let result = try IntegratedGradients(steps: 6, rule: rule).attribute(x, of: f, options: RunOptions(recordsLedger: true))
            let entries = try #require(result.ledger).steps
            #expect(entries.count == 6)
            #expect(entries.first!.start == 0 && entries.last!.end == 1)
            #expect(entries.first!.startValue == (try f.value(at: Tensor(zeros: [3]))))
            #expect(entries.last!.endValue == (try f.value(at: x)))
            expectClose(entries.reduce(0) { $0 + $1.attributionSum }, result.attribution.sum, Tolerance(relative: 1e-14), "\(rule)")
        }
        let json = try #require(try IntegratedGradients(steps: 3).attribute(x, of: f, options: RunOptions(recordsLedger: true)).ledger?.json)
        #expect(json["steps"]?.arrayValue?.first?.keys == ["start", "end", "startValue", "endValue", "deltaValue", "gradientNormSquared", "attributionSum", "point"])
    }

    @Test("Invalid parameters are rejected with a message")
    func invalidParameters() throws {
        let f = LinearFunction(weights: [1, 2])
        let x = Tensor(shape: [2], scalars: [1, 1])
        let image = Tensor(zeros: [1, 4, 4])
        let cases: [(String, () throws -> Void)] = [
            ("steps 0", { _ = try IntegratedGradients(steps: 0).attribute(x, of: f) }),
            ("trapezoid with 1 step", { _ = try IntegratedGradients(steps: 1, rule: .trapezoid).attribute(x, of: f) }),
            ("baseline shape", { _ = try IntegratedGradients(baseline: Tensor(zeros: [3])).attribute(x, of: f) }),
            ("NaN input", { _ = try IntegratedGradients().attribute(Tensor(shape: [2], scalars: [1, .nan]), of: f) }),
            ("IDGI with captum-trapezoid", { _ = try IntegratedGradients(rule: .captumTrapezoid, integrator: ImportantDirection()).attribute(x, of: f) }),
            ("BlurIG on a vector", { _ = try BlurIntegratedGradients().attribute(x, of: f) }),
            ("negative σ", { _ = try BlurIntegratedGradients(maxSigma: -1).attribute(image, of: LinearFunctionOnImage()) }),
            ("fraction 0", { _ = try GuidedIntegratedGradients(fraction: 0).attribute(x, of: f) }),
            ("max distance 2", { _ = try GuidedIntegratedGradients(maxDistance: 2).attribute(x, of: f) }),
            ("samples 0", { _ = try SmoothGrad(samples: 0).attribute(x, of: f) }),
            ("negative noise", { _ = try SmoothGrad(noise: .absolute(-1)).attribute(x, of: f) }),
            ("guided backprop on an analytic function", { _ = try GuidedBackprop().attribute(x, of: f) }),
        ]
        for (name, body) in cases {
            #expect(throws: AttributionError.self, "\(name)") { try body() }
        }
    }
}

/// A linear function of a 1×4×4 image, for shape checks.
struct LinearFunctionOnImage: DifferentiableFunction {
    var inputShape: [Int] { [1, 4, 4] }
    func values(at points: Tensor) throws(ModelError) -> [Double] {
        (0..<points.batchCount).map { points.point($0).sum }
    }
    func valuesAndGradients(at points: Tensor) throws(ModelError) -> ValuesAndGradients {
        ValuesAndGradients(values: try values(at: points), gradients: Tensor(shape: points.shape, repeating: 1))
    }
}

@Suite("IDGI's zero-gradient policy: complete, finite, sensitive", .tags(.axiom))
struct ZeroGradientTests {
    /// The ReLU example is flat (∇F = 0) wherever x₁ + x₂ ≥ 1.
    let relu = ReLUExample()

    @Test("Leading flat steps: their ΔF waits for the first step with a gradient")
    func leadingFlatSteps() throws {
        // From x′ = (2, 2) (flat, F = 1) to x = (0, 0) (F = 0): s(α) = 4 − 4α, ∇F ≠ 0 once α > 3/4.
        let x0 = Tensor(shape: [2], scalars: [2, 2])
        let result = try IntegratedGradients(baseline: x0, steps: 8, integrator: ImportantDirection())
            .attribute(Tensor(zeros: [2]), of: relu, options: RunOptions(recordsLedger: true))
        #expect(result.attribution.scalars.allSatisfy { $0.isFinite })
        expectClose(try #require(result.completenessDelta), 0, Tolerance(relative: 0, absolute: 1e-15), "completeness")
        expectClose(result.attribution.scalars, [-0.5, -0.5], Tolerance(relative: 1e-15), "equal split of ΔF = −1")
        let entries = try #require(result.ledger).steps
        #expect(entries.prefix(6).allSatisfy { $0.gradientNormSquared == 0 && $0.attributionSum == 0 })
    }

    @Test("Trailing flat steps: their ΔF goes along the last non-zero gradient")
    func trailingFlatSteps() throws {
        // From 0 to (2, 2): ∇F = (1, 1) until α = 1/4, then 0; F rises from 0 to 1.
        let result = try IntegratedGradients(steps: 8, integrator: ImportantDirection()).attribute(Tensor(shape: [2], scalars: [2, 2]), of: relu)
        expectClose(result.attribution.scalars, [0.5, 0.5], Tolerance(relative: 1e-15), "trailing")
        expectClose(try #require(result.completenessDelta), 0, Tolerance(relative: 0, absolute: 1e-15), "completeness")
    }

    @Test("No gradient anywhere on the sampled path: ΔF is spread along the displacement, never NaN")
    func noGradientAnywhere() throws {
        // From (2, 2) to (0.4, 0.4): s(α) = 4 − 3.2α < 1 only for α > 0.9375; the left nodes 0, ¼, ½, ¾ are all flat.
        let x0 = Tensor(shape: [2], scalars: [2, 2])
        let x = Tensor(shape: [2], scalars: [0.4, 0.4])
        let result = try IntegratedGradients(baseline: x0, steps: 4, integrator: ImportantDirection()).attribute(x, of: relu)
        let change = (try relu.value(at: x)) - (try relu.value(at: x0))
        // The carried ΔF is the steps' differences added one by one, each addition rounding at the
        // scale of F (≈ 1): a few ulps of 1 against a result of 0.1, so 1e-14 relative.
        expectClose(result.attribution.scalars, [change / 2, change / 2], Tolerance(relative: 1e-14), "spread along δ = (−1.6, −1.6)")
    }

    @Test("A dummy feature still gets exactly 0 when some steps are flat")
    func dummyStaysZero() throws {
        // F(x₁, x₂, x₃) = ReLU example of (x₁, x₂); x₃ moves but is never read.
        let f = IgnoringThird(base: relu)
        let x0 = Tensor(shape: [3], scalars: [2, 2, 5])
        let result = try IntegratedGradients(baseline: x0, steps: 8, integrator: ImportantDirection()).attribute(Tensor(shape: [3], scalars: [0, 0, -3]), of: f)
        #expect(result.attribution.scalars[2] == 0)
    }
}

/// F(x₁, x₂, x₃) = G(x₁, x₂).
struct IgnoringThird: AnalyticFunction {
    let base: ReLUExample
    var dimension: Int { 3 }
    func value(_ x: [Double]) -> Double { base.value(Array(x.prefix(2))) }
    func gradient(_ x: [Double]) -> [Double] { base.gradient(Array(x.prefix(2))) + [0] }
}
