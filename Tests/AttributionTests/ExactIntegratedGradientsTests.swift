import Attribution
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

/// Exact Integrated Gradients on piecewise-linear networks (ExactLine's partition), IDGI's
/// continuous limit, and adaptive Gauss–Kronrod — each against a closed form, a convergent
/// sequence or an axiom that would fail if a breakpoint were missed.
@Suite("Exact and adaptive IG", .tags(.axiom))
struct ExactIntegratedGradientsTests {
    /// The piecewise-linear models shipped under `Fixtures/models`.
    static let piecewiseLinearModels = ["digits-mlp", "digits-cnn", "shapes-cnn", "digits-textured-cnn", "shapes-black-cnn"]

    static func run(
        _ method: IntegratedGradients, _ network: Sequential, _ input: Tensor, target: Int, kind: OutputKind, ledger: Bool = false
    ) throws -> AttributionResult {
        let output = try ClassifierOutput(network: network, target: target, kind: kind)
        return try AttributionEngine.run(method, on: [input], explaining: ExplainedFunctions(output), options: RunOptions(recordsLedger: ledger))[0]
    }

    static func exact(_ network: Sequential, integrator: any Integrator = RiemannSum(), baseline: Tensor? = nil) -> IntegratedGradients {
        var method = IntegratedGradients(baseline: baseline, rule: .exact, integrator: integrator)
        method.network = network
        return method
    }

    /// F(x) = h₁ + 2h₂ − 3h₃ with h₁ = relu(x₁ − ½), h₂ = relu(x₂ − ¼), h₃ = relu(0.6 − x₁ − x₂)
    /// as logit 1 (logit 0 is 0). On the line from (0, 0) to (1, 1), h₃ switches off at
    /// α = 0.3, h₂ on at ¼ and h₁ on at ½.
    static func handMadeNetwork() throws -> Sequential {
        let hidden = try Dense(weight: Tensor(shape: [3, 2], scalars: [1, 0, 0, 1, -1, -1]), bias: Tensor(shape: [3], scalars: [-0.5, -0.25, 0.6]))
        let out = try Dense(weight: Tensor(shape: [2, 3], scalars: [0, 0, 0, 1, 2, -3]), bias: Tensor(shape: [2], scalars: [0, 0]))
        return try Sequential(inputShape: [2], layers: [hidden, ActivationLayer(.relu), out])
    }

    @Test("A hand-made 2-D ReLU network: breakpoints {¼, 0.3, ½} and IG = (1.4, 2.4) exactly; on p = σ(F) the closed form per piece")
    func handMade() throws {
        let network = try Self.handMadeNetwork()
        let partition = try LinePartition(network: network, from: [0, 0], to: [1, 1])
        // The crossings are t = a/(a − b) of rounded values: exact to a few ulps.
        expectClose(partition.breakpoints, [0, 0.25, 0.3, 0.5, 1], Tolerance(relative: 4e-16), "breakpoints")
        let input = Tensor(shape: [2], scalars: [1, 1])
        let logit = try Self.run(Self.exact(network), network, input, target: 1, kind: .logit)
        // ∂F/∂x₁ = 1[α > ½] + 3·1[α < 0.3], ∂F/∂x₂ = 2·1[α > ¼] + 3·1[α < 0.3], Δ = (1, 1).
        expectClose(logit.attribution.scalars, [1.4, 2.4], Tolerance(relative: 1e-15), "logit IG")
        #expect(logit.linearPieces == 4)

        // p = softmax(0, F)₁ = σ(F). On a piece F is affine with slope F′ = ∇F·Δ, so
        // ∫ σ′(F) ∂_iF Δ_i dα = ∂_iF Δ_i (σ(F(end)) − σ(F(start)))/F′.
        func f(_ a: Double) -> Double {
            max(a - 0.5, 0) + 2 * max(a - 0.25, 0) - 3 * max(0.6 - 2 * a, 0)
        }
        func sigma(_ z: Double) -> Double { 1 / (1 + exp(-z)) }
        let pieces: [(Double, Double, [Double])] = [(0, 0.25, [3, 3]), (0.25, 0.3, [3, 5]), (0.3, 0.5, [0, 2]), (0.5, 1, [1, 2])]
        var expected = [0.0, 0.0]
        for (a, b, gradient) in pieces {
            let slope = gradient[0] + gradient[1]
            for i in 0..<2 where gradient[i] != 0 { expected[i] += gradient[i] * (sigma(f(b)) - sigma(f(a))) / slope }
        }
        let probability = try Self.run(Self.exact(network), network, input, target: 1, kind: .probability)
        // The per-piece integrals are Gauss–Kronrod to 1e-12 relative (the default tolerance).
        expectClose(probability.attribution.scalars, expected, Tolerance(relative: 1e-12), "probability IG")
        #expect(try #require(probability.integrationErrorEstimate) < 1e-12)
    }

    @Test("Max-pool: the window's arg-max switches at α = 1/3 and 7/15, and IG = (−1/3, 16/15, 1/15, 0)")
    func maxPoolSwitch() throws {
        // F = max of the 2×2 window. On x′ → x the pixels are 1 − α, −0.2 + 2α, 0.5 + 0.5α, 0:
        // pixel 0 leads until 1/3, pixel 2 until 7/15, pixel 1 after.
        let dense = try Dense(weight: Tensor(shape: [2, 1], scalars: [0, 1]), bias: nil)
        let network = try Sequential(inputShape: [1, 2, 2], layers: [MaxPool2D(size: 2, stride: 2), Flatten(), dense])
        let baseline = Tensor(shape: [1, 2, 2], scalars: [1, -0.2, 0.5, 0])
        let input = Tensor(shape: [1, 2, 2], scalars: [0, 1.8, 1, 0])
        let partition = try LinePartition(network: network, from: baseline.scalars, to: input.scalars)
        expectClose(partition.breakpoints, [0, 1.0 / 3, 7.0 / 15, 1], Tolerance(relative: 4e-16), "breakpoints")
        let result = try Self.run(Self.exact(network, baseline: baseline), network, input, target: 1, kind: .logit)
        expectClose(result.attribution.scalars, [-1.0 / 3, 16.0 / 15, 1.0 / 15, 0], Tolerance(relative: 1e-15), "IG")
    }

    @Test("Every shipped piecewise-linear model: each piece's sum is its own ΔF (logit), and completeness holds to 1e-12 for every output", arguments: piecewiseLinearModels)
    func completeness(model: String) throws {
        let network = try ShippedModels.network(model)
        let input = try ShippedModels.checkInputs(model).point(1)
        let target = try network.predictions(for: input.reshaped([1] + input.shape))[0]
        // A missed breakpoint would put a piece's midpoint gradient on the wrong linear region, and
        // that piece's ℓ_k g_k·Δ would miss its ΔF_k: the ledger checks every piece. The sum of
        // ~10³ terms of size ≤ |ΔF| carries ~10³ ε of rounding, so 1e-12 relative.
        let logit = try Self.run(Self.exact(network), network, input, target: target, kind: .logit, ledger: true)
        let ledger = try #require(logit.ledger)
        #expect(ledger.steps.count == logit.linearPieces)
        let scale = ledger.steps.map { abs($0.deltaValue) }.max()!
        for (k, step) in ledger.steps.enumerated() {
            expectClose(step.attributionSum, step.deltaValue, Tolerance(relative: 0, absolute: 1e-12 * scale), "\(model) piece \(k)")
        }
        for kind in OutputKind.allCases {
            let result = kind == .logit ? logit : try Self.run(Self.exact(network), network, input, target: target, kind: kind)
            let change = result.endValue! - result.startValue!
            expectClose(result.attribution.sum, change, Tolerance(relative: 1e-12, absolute: 1e-15), "\(model) \(kind) completeness")
        }
    }

    @Test("A random ReLU network: the midpoint rule at N = 10⁵ is within its bound |Δ_i| Σ_b |jump_b,i| / N of exact IG, feature by feature")
    func midpointBound() throws {
        // 6 → 32 → 32 → 3 with seeded weights: a line through it crosses dozens of regions, and
        // 10⁵ gradients of a network this small are cheap in a debug build.
        var generator = Xoshiro256StarStar(seed: 24)
        let network = try Sequential(inputShape: [6], layers: [
            Dense(inputs: 6, outputs: 32, using: &generator), ActivationLayer(.relu),
            Dense(inputs: 32, outputs: 32, using: &generator), ActivationLayer(.relu),
            Dense(inputs: 32, outputs: 3, using: &generator),
        ])
        let input = Tensor(shape: [6], scalars: (0..<6).map { _ in Double.random(in: -3...3, using: &generator) })
        let exact = try Self.run(Self.exact(network), network, input, target: 0, kind: .logit, ledger: true)
        #expect(try #require(exact.linearPieces) >= 10)
        let n = 100_000
        let midpoint = try Self.run(IntegratedGradients(steps: n, rule: .middle), network, input, target: 0, kind: .logit)
        // The integrand is constant on each piece: a cell without a breakpoint is integrated
        // exactly, and one holding breakpoint b errs by at most |jump_b| times its length 1/N.
        // The 1e-13 floor is the rounding of 10⁵ summed terms.
        let steps = try #require(exact.ledger).steps
        var bound = [Double](repeating: 0, count: input.count)
        let gradients = try Self.pieceGradients(network, input, steps)
        for (a, b) in zip(gradients, gradients.dropFirst()) {
            for i in bound.indices { bound[i] += abs(b[i] - a[i]) }
        }
        var tight = 0.0
        for i in bound.indices {
            let error = abs(midpoint.attribution.scalars[i] - exact.attribution.scalars[i])
            let allowed = abs(input.scalars[i]) * bound[i] / Double(n) + 1e-13 * max(1, abs(exact.attribution.scalars[i]))
            #expect(error <= allowed, "feature \(i): error \(error) above its bound \(allowed)")
            if allowed > 0 { tight = max(tight, error / allowed) }
        }
        // The bound is not vacuous: some feature's error uses a visible part of it.
        #expect(tight > 0.01, "largest error / bound: \(tight)")
    }

    /// The gradient on each piece (the network is affine there, so the midpoint's).
    static func pieceGradients(_ network: Sequential, _ input: Tensor, _ steps: [Ledger.Step]) throws -> [[Double]] {
        let output = try ClassifierOutput(network: network, target: 0, kind: .logit)
        let points = steps.flatMap { step in input.scalars.map { $0 * (step.start + step.end) / 2 } }
        let evaluated = try output.valuesAndGradients(at: Tensor(shape: [steps.count] + input.shape, scalars: points))
        return (0..<steps.count).map { evaluated.gradients.point($0).scalars }
    }

    @Test("IDGI's exact limit: Riemann IDGI (left rule) converges to it as N grows, at about 1/N")
    func importantDirectionLimit() throws {
        let network = try ShippedModels.network("digits-mlp")
        let input = try ShippedModels.checkInputs("digits-mlp").point(2)
        let target = try network.predictions(for: input.reshaped([1] + input.shape))[0]
        for kind in [OutputKind.logit, .probability] {
            let limit = try Self.run(Self.exact(network, integrator: ImportantDirection()), network, input, target: target, kind: kind).attribution.scalars
            let scale = limit.map(abs).reduce(0, +)
            var errors: [Double] = []
            for n in [64, 256, 1024, 4096] {
                let riemann = try Self.run(IntegratedGradients(steps: n, integrator: ImportantDirection()), network, input, target: target, kind: kind)
                errors.append(zip(riemann.attribution.scalars, limit).map { abs($0 - $1) }.reduce(0, +) / scale)
            }
            // Each step's gradient is its segment's start's: off the limit on the cells that hold a
            // breakpoint, O(pieces/N) of them — so the error falls by about 4 per 4× N.
            for (coarse, fine) in zip(errors, errors.dropFirst()) { #expect(fine < coarse / 2, "\(kind): \(errors)") }
            #expect(errors.last! < 0.02, "\(kind): \(errors)")
        }
    }

    @Test("Adaptive Gauss–Kronrod meets its tolerance on a Gaussian bump, whose IG has a closed form in erf", arguments: [1e-6, 1e-10])
    func adaptiveTolerance(tolerance: Double) throws {
        let bump = GaussianBump(center: [0.6, 0.3, 0.5], width: 0.12, amplitude: 2)
        let (baseline, input) = ([0.0, 0.0, 0.0], [1.0, 0.7, 0.9])
        var method = IntegratedGradients(rule: .adaptive)
        method.tolerance = tolerance
        let result = try AttributionEngine.run(method, on: [Tensor(shape: [3], scalars: input)], explaining: ExplainedFunctions(bump))[0]
        let expected = Self.bumpIntegratedGradients(center: bump.center, width: 0.12, amplitude: 2, from: baseline, to: input)
        let error = zip(result.attribution.scalars, expected).map { abs($0 - $1) }.reduce(0, +)
        let size = expected.map(abs).reduce(0, +)
        // Met: the actual L1 error is below the tolerance (and below the reported estimate,
        // which is the honest |K₁₅ − G₇|), up to the erf's rounding.
        #expect(error <= tolerance * size + 1e-14, "error \(error), tolerance × ‖A‖₁ = \(tolerance * size)")
        let estimate = try #require(result.integrationErrorEstimate)
        #expect(error <= estimate + 1e-14, "error \(error) above the estimate \(estimate)")
        #expect(try #require(result.adaptiveIntervals) > 1)
    }

    /// IG of a·exp(−‖x − μ‖²/(2s²)) on x′ → x: with d = x′ − μ, Δ = x − x′ and
    /// F(α) = a exp(−q(α + β)² − r), q = ‖Δ‖²/(2s²), β = d·Δ/‖Δ‖², IG_i = −Δ_i/s² ∫ F (d_i + αΔ_i) dα,
    /// whose two integrals are erf and exponential differences.
    static func bumpIntegratedGradients(center: [Double], width s: Double, amplitude a: Double, from x0: [Double], to x1: [Double]) -> [Double] {
        let d = zip(x0, center).map { $0 - $1 }
        let delta = zip(x1, x0).map { $0 - $1 }
        let deltaSquared = delta.map { $0 * $0 }.reduce(0, +)
        let q = deltaSquared / (2 * s * s)
        let beta = zip(d, delta).map { $0 * $1 }.reduce(0, +) / deltaSquared
        let r = (d.map { $0 * $0 }.reduce(0, +) - beta * beta * deltaSquared) / (2 * s * s)
        // ∫₀¹ e^{−q(α+β)²} dα and ∫₀¹ (α + β) e^{−q(α+β)²} dα
        let i0 = sqrt(Double.pi) / (2 * sqrt(q)) * (erf(sqrt(q) * (1 + beta)) - erf(sqrt(q) * beta))
        let i1 = (exp(-q * beta * beta) - exp(-q * (1 + beta) * (1 + beta))) / (2 * q)
        let scale = a * exp(-r)
        // ∫ F (d_i + αΔ_i) = scale (d_i i0 + Δ_i (i1 − β i0))
        return delta.indices.map { i in -delta[i] / (s * s) * scale * (d[i] * i0 + delta[i] * (i1 - beta * i0)) }
    }

    @Test("Exact IG gives the same bits on 1 and 2 threads, and an input in a batch its bits alone")
    func determinism() throws {
        let network = try ShippedModels.network("digits-cnn")
        let inputs = try (0..<2).map { try ShippedModels.checkInputs("digits-cnn").point($0) }
        let output = try ClassifierOutput(network: network, target: 0, kind: .probability)
        func run(threads: Int, _ batch: [Tensor]) throws -> [[Double]] {
            try Parallelism.$threadLimit.withValue(threads) {
                try AttributionEngine.run(Self.exact(network), on: batch, explaining: ExplainedFunctions(output)).map(\.attribution.scalars)
            }
        }
        let one = try run(threads: 1, inputs)
        #expect(try run(threads: 2, inputs) == one)
        #expect(try run(threads: 2, [inputs[1]])[0] == one[1])
    }

    @Test("Expected Gradients and LPI with exact lines: the weighted mean of exact IG from each drawn reference, complete to rounding")
    func referenceLines() throws {
        let network = try ShippedModels.network("digits-mlp")
        let checks = try ShippedModels.checkInputs("digits-mlp")
        let input = checks.point(0)
        let references = (8..<20).map { checks.point($0) }
        let output = try ClassifierOutput(network: network, target: 3, kind: .logProbability)
        var eg = ExpectedGradients(references: references, samples: 4, seed: 5)
        eg.rule = .exact
        eg.network = network
        let result = try eg.attribute(input, of: output)
        // The independent sum: exact IG from each drawn reference, averaged.
        var mean = [Double](repeating: 0, count: input.count)
        var startValue = 0.0
        for draw in try eg.draws() {
            let ig = try Self.exact(network, baseline: references[draw.reference]).attribute(input, of: output)
            for i in mean.indices { mean[i] += draw.weight * ig.attribution.scalars[i] }
            startValue += draw.weight * ig.startValue!
        }
        // Sums of 4 maps in another order: a few ulps of the largest entry.
        expectClose(result.attribution.scalars, mean, Tolerance(relative: 1e-13), "EG exact against the mean of exact IG")
        expectClose(result.startValue!, startValue, Tolerance(relative: 1e-14), "EG's start value")
        #expect(abs(try #require(result.completenessDelta)) <= 1e-12 * max(1, abs(result.endValue! - result.startValue!)))

        var lpi = LocalPathIntegration(references: references, network: network, clusters: 1, subclusters: 3)
        lpi.rule = .exact
        try lpi.prepare()
        let lpiResult = try lpi.attribute(input, of: output)
        #expect(abs(try #require(lpiResult.completenessDelta)) <= 1e-12 * max(1, abs(lpiResult.endValue! - lpiResult.startValue!)))
    }

    @Test("exact is refused on a smooth network, naming the layer; steps do not apply to it")
    func refusals() throws {
        let network = try ShippedModels.network("moons-mlp")
        var method = IntegratedGradients(rule: .exact)
        method.network = network
        #expect(throws: AttributionError.self) { try method.validate() }
        do {
            try method.validate()
        } catch {
            #expect(error.description.contains("layer 1 (softplus)") && error.description.contains("adaptive"), "\(error.description)")
        }
        #expect(throws: AttributionError.self) {
            _ = try IntegratedGradients.configured(with: ["rule": .word("exact"), "steps": .integer(5)], subject: "ig")
        }
    }
}
