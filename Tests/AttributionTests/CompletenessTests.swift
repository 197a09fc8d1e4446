import Attribution
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

/// Completeness: Σ IG = F(x) − F(x′). With a quadrature rule it holds up to the rule's error,
/// which falls at the rule's order as N doubles; these tests measure the orders against
/// closed forms.
@Suite("Completeness and convergence order", .tags(.axiom))
struct CompletenessTests {
    /// σ(w·x + b) from x′ to x: z moves from −4.95 to 3.875, across the whole sigmoid, so the
    /// integrand has large higher derivatives and no rule is exact.
    static let function = SigmoidOfLinear(weights: [1.5, -2, 0.75, 1], bias: 0.2)
    static let input = Tensor(shape: [4], scalars: [1, -0.5, 2, 0.3])
    static let baseline = Tensor(shape: [4], scalars: [-1, 0.5, -1, 0])

    static func error(_ rule: QuadratureRule, steps: Int) throws -> Double {
        let ig = try IntegratedGradients(baseline: baseline, steps: steps, rule: rule).attribute(input, of: function)
        let exact = function.integratedGradients(input: input.scalars, baseline: baseline.scalars)
        return normwiseRelativeError(ig.attribution.scalars, exact)
    }

    /// log₂ e(N)/e(2N) for N = 64: the observed order of convergence.
    static func observedOrder(_ rule: QuadratureRule) throws -> Double {
        log2(try error(rule, steps: 64) / error(rule, steps: 128))
    }

    @Test("First-order rules: the error halves as N doubles (left, right, and PAIR's uniform)", arguments: [QuadratureRule.left, .right, .uniform])
    func firstOrder(rule: QuadratureRule) throws {
        let order = try Self.observedOrder(rule)
        print("\(rule.rawValue): observed order \(order) (e(64) = \(try Self.error(rule, steps: 64)))")
        // The error expansion is c₁/N + c₂/N² + …; at N = 64 the second term shifts the ratio by a few percent.
        #expect(abs(order - 1) < 0.1)
    }

    @Test("Second-order rules: the error quarters as N doubles (middle, trapezoid)", arguments: [QuadratureRule.middle, .trapezoid])
    func secondOrder(rule: QuadratureRule) throws {
        let order = try Self.observedOrder(rule)
        print("\(rule.rawValue): observed order \(order) (e(64) = \(try Self.error(rule, steps: 64)))")
        #expect(abs(order - 2) < 0.1)
    }

    @Test("Gauss–Legendre converges faster than any power: round-off by N = 32")
    func gaussLegendre() throws {
        let errors = try [4, 8, 16, 32].map { try Self.error(.gaussLegendre, steps: $0) }
        print("gauss-legendre: errors at N = 4, 8, 16, 32: \(errors)")
        #expect(errors[0] > errors[1] * 10 && errors[1] > errors[2] * 100)
        // Round-off in summing 32 terms of size ~1: a few ulps.
        #expect(errors[3] < 1e-14)
    }

    @Test("Captum's trapezoid is biased: Σ A = (N−1)/N · (F(x) − F(x′)) exactly for linear F; PAIR's uniform is exact there")
    func peerRuleBias() throws {
        let linear = LinearFunction(weights: [0.5, -1.5, 2], bias: 0.3)
        let x = Tensor(shape: [3], scalars: [1, 2, -1])
        let x0 = Tensor(shape: [3], scalars: [0, -1, 0.5])
        let change = (try linear.value(at: x)) - (try linear.value(at: x0))
        for n in [2, 5, 20, 200] {
            let captum = try IntegratedGradients(baseline: x0, steps: n, rule: .captumTrapezoid).attribute(x, of: linear)
            expectClose(captum.attribution.sum, Double(n - 1) / Double(n) * change, Tolerance(relative: 1e-13), "captum-trapezoid N = \(n)")
            let uniform = try IntegratedGradients(baseline: x0, steps: n, rule: .uniform).attribute(x, of: linear)
            expectClose(uniform.attribution.sum, change, Tolerance(relative: 1e-13), "uniform N = \(n)")
            expectClose(uniform.attribution.scalars, linear.integratedGradients(input: x.scalars, baseline: x0.scalars), Tolerance(relative: 1e-13), "uniform map")
        }
        // Its relative error is exactly 1/N, so it too converges at first order.
        let order = try Self.observedOrder(.captumTrapezoid)
        print("captum-trapezoid: observed order \(order)")
        #expect(abs(order - 1) < 0.1)
    }

    @Test("Second-order rules and Gauss–Legendre are exact on a quadratic form (an affine gradient)", arguments: [QuadratureRule.middle, .trapezoid, .gaussLegendre])
    func exactOnQuadratic(rule: QuadratureRule) throws {
        let f = QuadraticForm(matrix: [[1, 2, 0], [-1, 3, 0.5], [0.25, 0, -2]], linear: [1, -1, 0.5], constant: 2)
        let x = Tensor(shape: [3], scalars: [1, -2, 0.5])
        let x0 = Tensor(shape: [3], scalars: [-0.5, 1, 1])
        let ig = try IntegratedGradients(baseline: x0, steps: rule == .gaussLegendre ? 1 : 3, rule: rule).attribute(x, of: f)
        expectClose(ig.attribution.scalars, f.integratedGradients(input: x.scalars, baseline: x0.scalars), Tolerance(relative: 1e-14), "\(rule)")
        expectClose(try #require(ig.completenessDelta), 0, Tolerance(relative: 0, absolute: 1e-14), "completeness")
    }

    @Test("On a trained smooth network (moons-mlp) the completeness gap of Gauss–Legendre IG is round-off at N = 64")
    func trainedNetwork() throws {
        let network = try ShippedModels.network("moons-mlp")
        let inputs = try ShippedModels.checkInputs("moons-mlp")
        for b in 0..<8 {
            let output = try ClassifierOutput(network: network, target: 1, kind: .logit)
            let result = try IntegratedGradients(steps: 64, rule: .gaussLegendre).attribute(inputs.point(b), of: output)
            let delta = try #require(result.completenessDelta)
            // Softplus networks are analytic along the line; 64 Gauss nodes leave round-off.
            #expect(abs(delta) < 1e-10 * max(1, abs(result.endValue! - result.startValue!)), "point \(b): delta \(delta)")
        }
    }
}
