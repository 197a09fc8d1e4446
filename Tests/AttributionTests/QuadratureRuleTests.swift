import ArrayFormats
import Attribution
import Foundation
import Tensors
import Testing
import _TestSupport

@Suite("Quadrature rules: nodes, weights and cells", .tags(.axiom))
struct QuadratureRuleTests {
    @Test("Gauss–Legendre nodes and weights equal the 40-digit rule to machine precision", arguments: [1, 2, 3, 4, 5, 8, 16, 50, 100, 200, 500])
    func gaussLegendreMatchesHighPrecision(n: Int) throws {
        let exact = try NPY.read(contentsOf: FixturePaths.url("numerics/gauss-legendre-\(n).npy"))
        let (nodes, weights) = GaussLegendre.nodesAndWeights(n)
        // The reference is the exact rule rounded once. Polished in double-double, ours is the
        // same rounding (0 ulp seen for every N here); one ulp is allowed, for platforms whose
        // libm gives a different first guess.
        var worstNode = 0.0
        var worstWeight = 0.0
        for k in 0..<n {
            worstNode = max(worstNode, abs(nodes[k] - exact.scalars[k]))
            worstWeight = max(worstWeight, abs(weights[k] - exact.scalars[n + k]) / exact.scalars[n + k])
        }
        print("Gauss–Legendre N = \(n): worst node error \(worstNode), worst relative weight error \(worstWeight)")
        #expect(worstNode <= 1.2e-16)  // one ulp of a node in [0.5, 1)
        #expect(worstWeight <= 2.3e-16)  // one ulp, relatively
    }

    @Test("Above N = 500 the O(N) walk agrees with the O(N²) recurrence to an ulp, and its rule integrates even monomials exactly", arguments: [501, 600, 1001])
    func gaussLegendreWalk(n: Int) {
        let walked = GaussLegendre.walk(n)
        let recurred = GaussLegendre.compute(n)
        var worstNode = 0.0
        var worstWeight = 0.0
        for k in 0..<n {
            worstNode = max(worstNode, abs(walked.nodes[k] - recurred.nodes[k]))
            worstWeight = max(worstWeight, abs(walked.weights[k] - recurred.weights[k]) / recurred.weights[k])
        }
        print("Gauss–Legendre N = \(n): walk against recurrence, worst node difference \(worstNode), worst relative weight difference \(worstWeight)")
        // Both are polished in double-double and rounded once: at most one rounding apart.
        #expect(worstNode <= 1.2e-16)
        #expect(worstWeight <= 2.3e-16)
        #expect(GaussLegendre.nodesAndWeights(n).nodes == walked.nodes)
        // ∫₋₁¹ t^{2j} dt = 2/(2j + 1), exact for 2j ≤ 2N − 1; a sum of N terms in double.
        for j in [0, 1, 5, 50] {
            var sum = 0.0
            for (node, weight) in zip(walked.nodes, walked.weights) { sum += weight * pow(node, Double(2 * j)) }
            expectClose(sum, 2 / Double(2 * j + 1), Tolerance(relative: 1e-13), "N = \(n), t^\(2 * j)")
        }
    }

    @Test(
        "Large N by the walk (past 35,412, where unscaled Taylor coefficients overflowed): nodes increasing in (−1, 1), symmetric, even monomials exact, the end node at its Bessel asymptote",
        arguments: [10_000, 35_413, 100_001])
    func gaussLegendreLargeWalk(n: Int) {
        let (nodes, weights) = GaussLegendre.nodesAndWeights(n)
        #expect(nodes.allSatisfy(\.isFinite) && weights.allSatisfy(\.isFinite))
        #expect(nodes.first! > -1 && nodes.last! < 1)
        #expect(zip(nodes, nodes.dropFirst()).allSatisfy { $0 < $1 })
        #expect((0..<n).allSatisfy { nodes[$0] == -nodes[n - 1 - $0] && weights[$0] == weights[n - 1 - $0] && weights[$0] > 0 })
        for j in [0, 1, 10, 1_000] {
            var sum = 0.0
            for (node, weight) in zip(nodes, weights) { sum += weight * pow(node, Double(2 * j)) }
            // n positive terms summed in double: relative round-off ≤ n ε (2·10⁻¹¹ at 10⁵).
            expectClose(sum, 2 / Double(2 * j + 1), Tolerance(relative: Double(n) * 2.3e-16), "N = \(n): t^\(2 * j)")
        }
        // The largest root: 1 − t_N = j₀,₁² / (2 (N + ½)²) (1 + O(N⁻²)), j₀,₁ the first zero of J₀
        // (Szegő, Orthogonal Polynomials, §8.9): relative agreement far below 10⁻⁶ at these N.
        let j01 = 2.404825557695773
        let asymptote = j01 * j01 / (2 * (Double(n) + 0.5) * (Double(n) + 0.5))
        expectClose((1 - nodes.last!) / asymptote, 1, Tolerance(relative: 0, absolute: 1e-6), "N = \(n): end node")
    }

    @Test("Gauss–Legendre integrates every monomial of degree ≤ 2N − 1 exactly", arguments: [1, 2, 3, 6, 11, 20])
    func gaussLegendreExactness(n: Int) {
        let rule = QuadratureRule.gaussLegendre.discretization(n)
        for degree in 0...(2 * n - 1) {
            // ∫₀¹ αᵖ dα = 1/(p + 1)
            let sum = zip(rule.nodes, rule.weights).reduce(0.0) { $0 + $1.1 * pow($1.0, Double(degree)) }
            expectClose(sum, 1 / Double(degree + 1), Tolerance(relative: 1e-14), "N = \(n), degree \(degree)")
        }
        // … and not degree 2N: there the error is exactly (N!)⁴ / ((2N + 1) ((2N)!)²) (the
        // remainder term with f^(2N) = (2N)! constant), checked while it is far above round-off.
        if n <= 6 {
            let sum = zip(rule.nodes, rule.weights).reduce(0.0) { $0 + $1.1 * pow($1.0, Double(2 * n)) }
            let factorial = { (m: Int) in (1...max(1, m)).reduce(1.0) { $0 * Double($1) } }
            let remainder = pow(factorial(n), 4) / (Double(2 * n + 1) * pow(factorial(2 * n), 2))
            expectClose(1 / Double(2 * n + 1) - sum, remainder, Tolerance(relative: 1e-9), "degree-\(2 * n) error for N = \(n)")
        }
    }

    @Test("Each rule's nodes and weights are those of algorithms.md (N = 4)")
    func definitions() {
        let n = 4.0
        let table: [(QuadratureRule, [Double], [Double])] = [
            (.left, [0, 1 / n, 2 / n, 3 / n], [0.25, 0.25, 0.25, 0.25]),
            (.right, [1 / n, 2 / n, 3 / n, 1], [0.25, 0.25, 0.25, 0.25]),
            (.middle, [0.125, 0.375, 0.625, 0.875], [0.25, 0.25, 0.25, 0.25]),
            (.trapezoid, [0, 1.0 / 3, 2.0 / 3, 1], [1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6]),
            (.uniform, [0, 1.0 / 3, 2.0 / 3, 1], [0.25, 0.25, 0.25, 0.25]),
            (.captumTrapezoid, [0, 1.0 / 3, 2.0 / 3, 1], [0.125, 0.25, 0.25, 0.125]),
        ]
        for (rule, nodes, weights) in table {
            let d = rule.discretization(4)
            expectClose(d.nodes, nodes, Tolerance(relative: 1e-15), "\(rule) nodes")
            expectClose(d.weights, weights, Tolerance(relative: 1e-15), "\(rule) weights")
        }
    }

    @Test("Cells tile [0, 1] (Captum's trapezoid: only [0, (N−1)/N]), have length w_k, and contain their node (all but Captum's)", arguments: QuadratureRule.fixedRules)
    func cells(rule: QuadratureRule) {
        for n in [rule.minimumNodeCount, 2, 3, 7, 64] where n >= rule.minimumNodeCount {
            let d = rule.discretization(n)
            let c = d.cellBoundaries
            #expect(c.count == n + 1 && c.first == 0)
            #expect(c.last == (rule.coversInterval ? 1 : c.last) && zip(c, c.dropFirst()).allSatisfy { $0 <= $1 })
            if !rule.coversInterval { expectClose(c.last!, Double(n - 1) / Double(n), Tolerance(relative: 1e-14), "captum-trapezoid end") }
            for k in 0..<n {
                expectClose(c[k + 1] - c[k], d.weights[k], Tolerance(relative: 1e-12, absolute: 1e-15), "\(rule) N=\(n) cell \(k) length")
                if rule.coversInterval {
                    #expect(c[k] - 1e-15 <= d.nodes[k] && d.nodes[k] <= c[k + 1] + 1e-15, "\(rule) N=\(n): node \(d.nodes[k]) outside [\(c[k]), \(c[k + 1])]")
                }
            }
            let total = d.weights.reduce(0, +)
            expectClose(total, rule.coversInterval ? 1 : Double(n - 1) / Double(n), Tolerance(relative: 1e-14), "\(rule) N=\(n) weight sum")
        }
    }
}
