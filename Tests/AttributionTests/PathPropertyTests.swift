import Attribution
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

/// Properties of the paths themselves, each fine enough to see a one-character change in the
/// code: Guided IG's L1 schedule, its selection at the quantile boundary and its pinning of
/// features at x_max; BlurIG's sign and its exact path derivative; IDGI's end-of-path carry.
@Suite("Path properties", .tags(.axiom))
struct PathPropertyTests {
    /// F(x) = w·x with distinct |w_i|, so Guided IG's order of moving features is fixed.
    static let linear = LinearFunction(weights: [0.9, -0.2, 0.55, 1.3, -0.05, 0.7, -1.1, 0.35, 0.15, -0.8])
    static let ones = Tensor(shape: [10], repeating: 1)

    /// L1 distance to the input after each outer step, from the recorded gradient points:
    /// point s + 1 is where step s ended.
    static func distancesAfterSteps(_ method: GuidedIntegratedGradients, input: Tensor, function: some DifferentiableFunction) throws -> [Double] {
        let result = try method.attribute(input, of: function, options: RunOptions(recordsPathPoints: true))
        let points = try #require(result.pathPoints)
        return (1..<points.batchCount).map { s in Reductions.sumInNumpyOrder(zip(points.point(s).scalars, input.scalars).map { abs($0 - $1) }) }
    }

    @Test("Guided IG keeps PAIR's L1 schedule: after step s, ‖p − x‖₁ = L(1 − (s+1)/S) to math.isclose's 1e-9 — even where a catch-up lands 1e-7 short")
    func guidedL1Schedule() throws {
        // max_dist 1e-8: every step's catch-up to α_min leaves ‖p − x‖₁ exactly n·1e-8 = 1e-7 above
        // the target — within 1e-6 but not within 1e-9, so the step must go on and select features.
        let steps = 20
        let method = GuidedIntegratedGradients(steps: steps, maxDistance: 1e-8)
        let distances = try Self.distancesAfterSteps(method, input: Self.ones, function: Self.linear)
        #expect(distances.count == steps - 1)
        for (s, distance) in distances.enumerated() {
            let target = 10 * (1 - Double(s + 1) / Double(steps))
            // math.isclose(rel 1e-9, abs 1e-9), the walk's own test, plus round-off in the sums.
            #expect(abs(distance - target) <= 1e-9 * max(1, target) + 1e-14, "step \(s): \(distance) against \(target)")
        }
        // The same holds for the unbounded walk and for a curved function on a real network.
        let network = try ShippedModels.network("digits-cnn")
        let image = try ShippedModels.exampleInput("digits-cnn")
        let output = try ClassifierOutput(network: network, target: 2)
        let total = Reductions.sumInNumpyOrder(image.scalars.map(abs))
        for maxDistance in [0.02, 1.0] {
            let path = try Self.distancesAfterSteps(GuidedIntegratedGradients(steps: 16, maxDistance: maxDistance), input: image, function: output)
            for (s, distance) in path.enumerated() {
                let target = total * (1 - Double(s + 1) / 16)
                #expect(abs(distance - target) <= 1e-9 * max(1, target) + 1e-13, "max_dist \(maxDistance) step \(s)")
            }
        }
    }

    @Test("Guided IG selects |g| ≤ the 'lower' quantile: with 10 features and fraction 0.25, exactly the 3 smallest |∂F/∂x_i| move first")
    func guidedQuantileBoundary() throws {
        // Sorted index ⌊0.25 · 9⌋ = 2 (numpy's "lower"): the threshold is the 3rd smallest |w|;
        // rounding the index up would move a 4th feature.
        let method = GuidedIntegratedGradients(steps: 100, maxDistance: 1)
        let result = try method.attribute(Self.ones, of: Self.linear, options: RunOptions(recordsPathPoints: true))
        let afterFirstStep = try #require(result.pathPoints).point(1).scalars
        let moved = Set(afterFirstStep.indices.filter { afterFirstStep[$0] != 0 })
        let smallest = Set(Self.linear.weights.indices.sorted { abs(Self.linear.weights[$0]) < abs(Self.linear.weights[$1]) }.prefix(3))
        #expect(moved == smallest, "moved \(moved.sorted()), expected \(smallest.sorted())")
        // Together they cover the step's L1 budget of 10/100.
        expectClose(afterFirstStep.reduce(0, +), 0.1, Tolerance(relative: 1e-12), "first step's L1")
    }

    @Test("Unbounded Guided IG pins features that reached x_max: features move in order of |∂F/∂x_i|, never overtaken")
    func guidedPinsFinishedFeatures() throws {
        // Without pinning, finished features would be selected again forever (γ = ∞) and the
        // walk would stall — an error here — or a larger-|g| feature would never start.
        let method = GuidedIntegratedGradients(steps: 40, maxDistance: 1, integrator: ImportantDirection())
        let result = try method.attribute(Self.ones, of: Self.linear, options: RunOptions(recordsPathPoints: true))
        let points = try #require(result.pathPoints)
        let order = Self.linear.weights.indices.sorted { abs(Self.linear.weights[$0]) < abs(Self.linear.weights[$1]) }
        for s in 0..<points.batchCount {
            let p = points.point(s).scalars
            for (earlier, later) in zip(order, order.dropFirst()) {
                #expect(p[earlier] >= p[later], "step \(s): feature \(later) (|w| larger) is ahead of feature \(earlier)")
            }
        }
        expectClose(try #require(result.completenessDelta), 0, Tolerance(relative: 0, absolute: 1e-14), "complete")
    }

    @Test("A Guided IG step that cannot reach its target within the pass limit is an error, not a walk that stops short")
    func guidedStallIsAnError() throws {
        // Unbounded, the first step needs ⌈n / ⌊0.25·(n−1)⌋ + …⌉ > 1 passes when the budget exceeds
        // what one selection can move; a limit of 1 pass must fail loudly.
        struct OnePassGuidedIG: AttributionMethod {
            var name: String { "guided-ig, one pass per step" }
            func plan(for input: Tensor) throws(AttributionError) -> AttributionPlan {
                let path = try GuidedPath(from: Tensor(zeros: input.shape), to: input, steps: 2, maxDistance: 1, maximumPassesPerStep: 1)
                return .integrating(path, with: RiemannSum(), shape: input.shape)
            }
        }
        #expect {
            try OnePassGuidedIG().attribute(Self.ones, of: Self.linear)
        } throws: { error in
            (error as? AttributionError)?.description.contains("did not reach its target") ?? false
        }
    }

    @Test("BlurIG sums toward +(F(x) − F(blur(x, σ_max))): the ratio Σ A / target tends to 1, not −1")
    func blurSign() throws {
        let network = try ShippedModels.network("digits-cnn")
        let x = try ShippedModels.exampleInput("digits-cnn")
        let output = try ClassifierOutput(network: network, target: 2, kind: .logit)
        for sigma in [3.0, 50.0] {
            let blurred = Tensor(shape: x.shape, scalars: GaussianBlur.blur(x.scalars, height: 8, width: 8, channels: 1, sigma: sigma))
            let target = (try output.value(at: x)) - (try output.value(at: blurred))
            #expect(abs(target) > 1, "σ \(sigma): a target of \(target) is too small to tell signs apart")
            let sum = try BlurIntegratedGradients(maxSigma: sigma, steps: 256).attribute(x, of: output).attribution.sum
            // First-order convergence: at n = 256 the relative gap is a few percent at most.
            #expect(abs(sum / target - 1) < 0.05, "σ \(sigma): Σ A = \(sum), target \(target)")
        }
    }

    @Test("BlurIG with the exact path derivative equals PAIR's finite difference as h → 0 (the derivative taken at σ_i)")
    func blurAnalyticDerivative() throws {
        let network = try ShippedModels.network("digits-cnn")
        let x = try ShippedModels.exampleInput("digits-cnn")
        let output = try ClassifierOutput(network: network, target: 2, kind: .logit)
        let analytic = try BlurIntegratedGradients(maxSigma: 4, steps: 12, derivative: .analytic).attribute(x, of: output).attribution.scalars
        var previous = Double.infinity
        for h in [1e-3, 1e-5] {
            let difference = try BlurIntegratedGradients(maxSigma: 4, steps: 12, gradientStep: h).attribute(x, of: output).attribution.scalars
            let error = normwiseRelativeError(difference, analytic)
            print("BlurIG: finite difference h = \(h) against the exact derivative: \(error)")
            // The forward difference is off by h/2 · ∂²blur/∂σ²: relative error O(h), falling ×~100.
            #expect(error < 10 * h && error < previous / 30, "h \(h): \(error)")
            previous = error
        }
    }

    @Test("IDGI's change left at the end goes along the last gradient's direction, not the displacement (gradient not parallel to it)")
    func idgiCarryAlongLastGradient() throws {
        // F = φ(w·x), w = (1, 3), from 0 to (2, 2): u = 8α. φ rises with slope 1 below u = 1, is
        // flat up to 7.5, then rises again. Left nodes u = 0…7: only u = 0 has a gradient; the last
        // segment, u ∈ [7, 8], changes F by 0.5 but starts flat, so its ΔF is carried to the end.
        let f = Plateau(weights: [1, 3])
        let result = try IntegratedGradients(steps: 8, integrator: ImportantDirection()).attribute(Tensor(shape: [2], scalars: [2, 2]), of: f)
        // Step 0: ΔF = 1 along w²/‖w‖² = (0.1, 0.9); the carried 0.5 goes the same way.
        expectClose(result.attribution.scalars, [0.15, 1.35], Tolerance(relative: 1e-14), "carry along (1, 9)/10")
        expectClose(try #require(result.completenessDelta), 0, Tolerance(relative: 0, absolute: 1e-15), "complete")
    }
}

/// F(x) = φ(w·x) with φ(u) = min(u, 1) + max(0, u − 7.5): slope 1 below 1, flat on [1, 7.5], slope 1 above.
struct Plateau: AnalyticFunction {
    let weights: [Double]
    var dimension: Int { weights.count }
    private func u(_ x: [Double]) -> Double { zip(weights, x).reduce(0) { $0 + $1.0 * $1.1 } }
    func value(_ x: [Double]) -> Double { min(u(x), 1) + max(0, u(x) - 7.5) }
    func gradient(_ x: [Double]) -> [Double] {
        let slope: Double = u(x) < 1 || u(x) > 7.5 ? 1 : 0
        return weights.map { $0 * slope }
    }
}
