import Attribution
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

@Suite("Symmetry preservation", .tags(.axiom))
struct SymmetryTests {
    @Test("F symmetric in x₁, x₂ with x₁ = x₂ and x′₁ = x′₂: equal attributions from IG and IDGI", arguments: ["product", "network"])
    func symmetric(kind: String) throws {
        let x = Tensor(shape: [3], scalars: [0.8, 0.8, -0.4])
        let x0 = Tensor(shape: [3], scalars: [-0.3, -0.3, 0.2])
        let methods: [(String, any AttributionMethod)] = [
            ("IG", IntegratedGradients(baseline: x0, steps: 32)),
            ("IDGI-IG", IntegratedGradients(baseline: x0, steps: 32, integrator: ImportantDirection())),
        ]
        for (name, method) in methods {
            let a: Tensor
            if kind == "product" {
                a = try method.attribute(x, of: ProductFunction(dimension: 3, first: 0, second: 1)).attribution
            } else {
                a = try method.attribute(x, of: try ClassifierOutput(network: try Self.symmetricNetwork(), target: 0, kind: .logit)).attribution
            }
            // F's computation treats the two features identically, so the gradients are equal bit for bit.
            #expect(a.scalars[0] == a.scalars[1], "\(name) \(kind): \(a.scalars)")
            #expect(a.scalars[0] != 0)
        }
    }

    /// A ReLU network whose first layer reads x₁ and x₂ through equal weights (columns 0 and 1
    /// equal), so F(x₁, x₂, x₃) = F(x₂, x₁, x₃).
    static func symmetricNetwork() throws -> Sequential {
        var generator = Seeds.generator(1500)
        var first = Dense(inputs: 3, outputs: 6, using: &generator)
        for j in 0..<6 { first.weight[j, 1] = first.weight[j, 0] }
        return try Sequential(inputShape: [3], layers: [first, ActivationLayer(.relu), Dense(inputs: 6, outputs: 2, using: &generator)])
    }
}

@Suite("Implementation invariance", .tags(.axiom))
struct ImplementationInvarianceTests {
    /// Two different networks computing the same function: the hidden ReLU units scaled by
    /// 4 (W₁, b₁ ×4, W₂ ÷4, exact in floating point since 4 is a power of two) and permuted.
    static func pair() throws -> (Sequential, Sequential) {
        var generator = Seeds.generator(1600)
        let w1 = Dense(inputs: 4, outputs: 5, using: &generator)
        let w2 = Dense(inputs: 5, outputs: 3, using: &generator)
        let original = try Sequential(inputShape: [4], layers: [w1, ActivationLayer(.relu), w2])
        let order = [3, 0, 4, 1, 2]
        var scaled1 = w1
        var scaled2 = w2
        for (new, old) in order.enumerated() {
            for i in 0..<4 { scaled1.weight[new, i] = 4 * w1.weight[old, i] }
            scaled1.bias!.scalars[new] = 4 * w1.bias!.scalars[old]
            for o in 0..<3 { scaled2.weight[o, new] = w2.weight[o, old] / 4 }
        }
        return (original, try Sequential(inputShape: [4], layers: [scaled1, ActivationLayer(.relu), scaled2]))
    }

    @Test("Every method gives the same attribution for two implementations of one function")
    func sameFunctionSameAttribution() throws {
        let (a, b) = try Self.pair()
        var generator = Seeds.generator(1601)
        let x = Tensor.normal(shape: [4], using: &generator)
        let fa = try ClassifierOutput(network: a, target: 1, kind: .probability)
        let fb = try ClassifierOutput(network: b, target: 1, kind: .probability)
        #expect(abs(try fa.value(at: x) - fb.value(at: x)) < 1e-15)
        for configured in try AxiomMethods.configurations(domain: .networkVectors) {
            let attributionA = try configured.method.attribute(x, of: fa).attribution.scalars
            let attributionB = try configured.method.attribute(x, of: fb).attribution.scalars
            // The permutation reorders the hidden sums, so the two differ by round-off only.
            expectClose(attributionA, attributionB, Tolerance(relative: 1e-12, absolute: 1e-15), configured.description)
        }
    }
}

@Suite("Linearity", .tags(.axiom))
struct LinearityTests {
    @Test("IG is linear: IG(F₁ + F₂) = IG(F₁) + IG(F₂)")
    func integratedGradientsIsLinear() throws {
        let f1 = SigmoidOfLinear(weights: [1, -2, 0.5], bias: 0.1)
        let f2 = GaussianBump(center: [0.5, -0.5, 1], width: 0.8, amplitude: 2)
        let sum = SumOfFunctions(first: f1, second: f2)
        let x = Tensor(shape: [3], scalars: [1, 0.5, -1])
        let ig = IntegratedGradients(steps: 20)
        let separate = try ig.attribute(x, of: f1).attribution + ig.attribute(x, of: f2).attribution
        expectClose(try ig.attribute(x, of: sum).attribution.scalars, separate.scalars, Tolerance(relative: 1e-14), "IG linearity")
    }

    @Test("IDGI is not: F₁ = x₁, F₂ = 2x₂ from 0 to (1, 1) — IDGI(F₁ + F₂) = (0.6, 2.4) but IDGI(F₁) + IDGI(F₂) = (1, 2)")
    func idgiBreaksLinearity() throws {
        // IDGI on a linear F = w·x puts w²ΔF/‖w‖² on each feature: F₁ gives (1, 0), F₂ gives (0, 2);
        // F₁ + F₂ has w = (1, 2), ΔF = 3: (1·3/5, 4·3/5) = (0.6, 2.4).
        let f1 = LinearFunction(weights: [1, 0])
        let f2 = LinearFunction(weights: [0, 2])
        let sum = LinearFunction(weights: [1, 2])
        let x = Tensor(shape: [2], scalars: [1, 1])
        let idgi = IntegratedGradients(steps: 5, integrator: ImportantDirection())
        let separate = try idgi.attribute(x, of: f1).attribution + idgi.attribute(x, of: f2).attribution
        expectClose(separate.scalars, [1, 2], Tolerance(relative: 1e-15), "IDGI(F₁) + IDGI(F₂)")
        expectClose(try idgi.attribute(x, of: sum).attribution.scalars, [0.6, 2.4], Tolerance(relative: 1e-15), "IDGI(F₁ + F₂)")
        // IG of the sum is (1, 2): both complete, they split the same change differently.
        expectClose(try IntegratedGradients(steps: 5).attribute(x, of: sum).attribution.scalars, [1, 2], Tolerance(relative: 1e-15), "IG(F₁ + F₂)")
    }

    @Test("A feature that never moves (x_i = x′_i) gets 0 from IG but a share from IDGI: F = x₁ + x₂ from 0 to (1, 0)")
    func unmovedFeature() throws {
        // ΔF = 1; g = (1, 1) everywhere. IG: (1·1, 0·1) = (1, 0). IDGI: g²ΔF/‖g‖² = (½, ½).
        let f = LinearFunction(weights: [1, 1])
        let x = Tensor(shape: [2], scalars: [1, 0])
        expectClose(try IntegratedGradients(steps: 4).attribute(x, of: f).attribution.scalars, [1, 0], Tolerance(relative: 1e-15), "IG")
        expectClose(try IntegratedGradients(steps: 4, integrator: ImportantDirection()).attribute(x, of: f).attribution.scalars, [0.5, 0.5], Tolerance(relative: 1e-15), "IDGI")
    }
}

/// F₁ + F₂ for two analytic functions of one dimension.
struct SumOfFunctions<A: AnalyticFunction, B: AnalyticFunction>: AnalyticFunction {
    let first: A
    let second: B
    var dimension: Int { first.dimension }
    func value(_ x: [Double]) -> Double { first.value(x) + second.value(x) }
    func gradient(_ x: [Double]) -> [Double] { zip(first.gradient(x), second.gradient(x)).map { $0 + $1 } }
}
