// Walkthrough 01 — Integrated Gradients by hand on an analytic function.
//
// Run:  swift run -c release walkthrough-01        (or all of them: swift run -c release walkthroughs)
//
// We explain F(x) = σ(w·x + b), a one-neuron classifier, at x = (1.5, 0.5) against the
// baseline x′ = (0, 0), first by writing the integral down, then by computing it in closed
// form, then by quadrature — by hand and with the library — and finally we see on the IG
// paper's own example why the plain gradient is not enough.

import ArrayFormats
import Attribution
import Foundation
import Models
import Tensors
import WalkthroughSupport

let notebook = Walkthrough(name: "01-integrated-gradients-by-hand", title: "Walkthrough 01 · Integrated Gradients by hand")

// MARK: - 1. The question

notebook.cell(1, "The question")
notebook.say("""
    F(x) = σ(2 x₁ − x₂ − 0.5) is the probability a tiny classifier gives its class. At the
    input x = (1.5, 0.5) it says 0.88; at the baseline x′ = (0, 0) — "no signal" — it says
    0.38. Attribution asks: how much of that change of 0.50 is due to each feature?
    """)
let f = SigmoidOfLinear(weights: [2, -1], bias: -0.5)
let x = Tensor(shape: [2], scalars: [1.5, 0.5])
let baseline = Tensor(zeros: [2])
let fx = orExit { try f.value(at: x) }
let fBaseline = orExit { try f.value(at: baseline) }
let gradientAtX = orExit { try f.gradient(at: x) }
notebook.table(["", "value"], [
    ["F(x)", Walkthrough.fixed(fx, 6)], ["F(x′)", Walkthrough.fixed(fBaseline, 6)], ["F(x) − F(x′)", Walkthrough.fixed(fx - fBaseline, 6)],
    ["∂F/∂x₁ at x", Walkthrough.fixed(gradientAtX.scalars[0], 6)], ["∂F/∂x₂ at x", Walkthrough.fixed(gradientAtX.scalars[1], 6)],
])
notebook.say("""
    The gradient at x is small — the sigmoid is saturating there — and it only describes F
    near x. It cannot say how F got from 0.38 to 0.88.
    """)

// MARK: - 2. The path and the integrand

notebook.cell(2, "The path and the integrand")
notebook.say("""
    Integrated Gradients walks the straight line γ(α) = x′ + α (x − x′), α from 0 to 1, and
    adds up each feature's share of F's change along the way:

        IG_i(x) = (x_i − x′_i) ∫₀¹ ∂F/∂x_i (γ(α)) dα

    By the chain rule, dF(γ(α))/dα = Σ_i (x_i − x′_i) ∂F/∂x_i(γ(α)), so the shares add up to
    F(x) − F(x′) exactly: completeness. The integrands along the line:
    """)
let difference = (x - baseline).scalars
func pathPoint(_ alpha: Double) -> Tensor { baseline + alpha * (x - baseline) }
notebook.table(["α", "F(γ(α))", "(x₁−x′₁)·∂₁F", "(x₂−x′₂)·∂₂F"], stride(from: 0.0, through: 1.0, by: 0.25).map { alpha in
    let g = orExit { try f.gradient(at: pathPoint(alpha)) }.scalars
    return [Walkthrough.fixed(alpha, 2), Walkthrough.fixed(orExit { try f.value(at: pathPoint(alpha)) }, 5),
            Walkthrough.fixed(difference[0] * g[0], 5), Walkthrough.fixed(difference[1] * g[1], 5)]
})
let fine = (0...200).map { Double($0) / 200 }
let integrands = fine.map { alpha in orExit { try f.gradient(at: pathPoint(alpha)) }.scalars }
var integrandPlot = LinePlot(title: "The integrands of IG along the straight line", xLabel: "α", yLabel: "(xᵢ − x′ᵢ) ∂F/∂xᵢ (γ(α))")
integrandPlot.series = [
    LinePlot.Series(label: "feature 1", points: zip(fine, integrands).map { ($0, difference[0] * $1[0]) }, markers: false),
    LinePlot.Series(label: "feature 2", points: zip(fine, integrands).map { ($0, difference[1] * $1[1]) }, markers: false),
]
// The left Riemann sum with N = 4 replaces feature 1's curve by four flat steps.
let leftSteps = (0..<4).flatMap { k -> [(Double, Double)] in
    let value = difference[0] * orExit { try f.gradient(at: pathPoint(Double(k) / 4)) }.scalars[0]
    return [(Double(k) / 4, value), (Double(k + 1) / 4, value)]
}
integrandPlot.series.append(LinePlot.Series(label: "feature 1, left N=4", points: leftSteps, dashed: true, markers: false))
orExit { try integrandPlot.svg().write(to: notebook.figure("integrands.svg", alt: "Line plot over α from 0 to 1 of the two integrands (xᵢ − x′ᵢ)·∂F/∂xᵢ along the straight line, with feature 1's left Riemann sum for N = 4 drawn as four flat steps")) }
notebook.say("IG_i is the area under curve i (figure integrands.svg).")

// MARK: - 3. The closed form

notebook.cell(3, "The closed form")
notebook.say("""
    Along the line the pre-activation z = w·γ(α) + b moves linearly from z₀ to z₁, and
    ∂F/∂x_i = σ′(z) w_i, so the integral is elementary:

        IG_i = (x_i − x′_i) w_i (σ(z₁) − σ(z₀)) / (z₁ − z₀)
    """)
let exact = f.integratedGradients(input: x.scalars, baseline: baseline.scalars)
let closedFormGap = exact.reduce(0, +) - (fx - fBaseline)
notebook.table(["", "value"], [
    ["IG₁", Walkthrough.fixed(exact[0], 10)], ["IG₂", Walkthrough.fixed(exact[1], 10)],
    ["IG₁ + IG₂", Walkthrough.fixed(exact[0] + exact[1], 10)], ["F(x) − F(x′)", Walkthrough.fixed(fx - fBaseline, 10)],
    ["completeness gap", Walkthrough.sci(closedFormGap)],
])
notebook.say("""
    Feature 2 gets a negative share: raising x₂ from 0 to 0.5 lowered F. The gap is round-off:
    completeness holds exactly for the true integral.
    """)
notebook.record("closedFormIG1", exact[0])
notebook.record("closedFormIG2", exact[1])
notebook.record("closedFormCompletenessGap", closedFormGap)

// MARK: - 4. A Riemann sum by hand

notebook.cell(4, "A Riemann sum by hand")
notebook.say("""
    Networks have no closed form, so IG is computed by quadrature. The left Riemann sum with
    N = 4 takes the gradient at α = 0, ¼, ½, ¾ and weights each by ¼:
    """)
var byHand = [0.0, 0.0]
var handRows: [[String]] = []
for k in 0..<4 {
    let alpha = Double(k) / 4
    let g = orExit { try f.gradient(at: pathPoint(alpha)) }.scalars
    let term = (0..<2).map { g[$0] * 0.25 * difference[$0] }
    byHand[0] += term[0]
    byHand[1] += term[1]
    handRows.append([Walkthrough.fixed(alpha, 2), Walkthrough.fixed(g[0], 5), Walkthrough.fixed(g[1], 5), Walkthrough.fixed(term[0], 5), Walkthrough.fixed(term[1], 5)])
}
notebook.table(["α_k", "∂₁F", "∂₂F", "¼(x₁−x′₁)∂₁F", "¼(x₂−x′₂)∂₂F"], handRows)
let library = orExit { try IntegratedGradients(steps: 4, rule: .left).attribute(x, of: f) }
let handVersusLibrary = max(abs(byHand[0] - library.attribution.scalars[0]), abs(byHand[1] - library.attribution.scalars[1]))
notebook.table(["", "by hand", "IntegratedGradients(steps: 4, rule: .left)", "closed form"], [
    ["IG₁", Walkthrough.fixed(byHand[0], 6), Walkthrough.fixed(library.attribution.scalars[0], 6), Walkthrough.fixed(exact[0], 6)],
    ["IG₂", Walkthrough.fixed(byHand[1], 6), Walkthrough.fixed(library.attribution.scalars[1], 6), Walkthrough.fixed(exact[1], 6)],
])
notebook.say("""
    The library computes the same sum (largest difference \(Walkthrough.sci(handVersusLibrary))). With four
    steps the left sum is off by several percent: feature 1's integrand peaks early, then falls, and the
    left endpoint of each step overestimates it where it falls.
    """)
notebook.record("handVersusLibrary", handVersusLibrary)

// MARK: - 5. Every rule at N = 8

notebook.cell(5, "Every rule at N = 8")
notebook.say("""
    The rules differ in where they take the gradient and how they weight it (QuadratureRule).
    Their error against the closed form, with 8 gradient evaluations each:
    """)
var ruleRows: [[String]] = []
for rule in QuadratureRule.fixedRules {
    let result = orExit { try IntegratedGradients(steps: 8, rule: rule).attribute(x, of: f) }
    let error = zip(result.attribution.scalars, exact).map { abs($0 - $1) }.max()!
    ruleRows.append([rule.rawValue, Walkthrough.fixed(result.attribution.scalars[0], 6), Walkthrough.fixed(result.attribution.scalars[1], 6),
                     Walkthrough.sci(result.completenessDelta!), Walkthrough.sci(error)])
    notebook.record("error8_\(rule.rawValue)", error)
}
notebook.table(["rule", "IG₁", "IG₂", "Σ IG − ΔF", "max error"], ruleRows)
notebook.say("""
    Gauss–Legendre is nearly exact already; middle and trapezoid err by O(1/N²); left, right
    and PAIR's `uniform` by O(1/N); Captum's `captum-trapezoid` is short by ΔF/N even where
    the others are exact (walkthrough 02 measures all of this).
    """)

// MARK: - 6. Why not just the gradient?

notebook.cell(6, "Why not just the gradient? The IG paper's example")
notebook.say("""
    Sundararajan, Taly & Yan's example: F(x) = 1 − ReLU(1 − x₁ − x₂) at x = (1, 1), x′ = (0, 0).
    F rises from 0 to 1, but it is flat at x, so the gradient (and gradient × input) say that
    neither feature matters — sensitivity fails. IG integrates through the region where F
    changes and, by symmetry, gives each feature half:
    """)
let relu = ReLUExample()
let ones = Tensor(shape: [2], scalars: [1, 1])
let reluGradient = orExit { try VanillaGradient().attribute(ones, of: relu) }.attribution.scalars
let reluTimesInput = orExit { try InputTimesGradient().attribute(ones, of: relu) }.attribution.scalars
let reluIG = orExit { try IntegratedGradients(steps: 64, rule: .middle).attribute(ones, of: relu) }.attribution.scalars
let reluExact = relu.integratedGradients(input: [1, 1], baseline: [0, 0])
notebook.table(["method", "feature 1", "feature 2", "sum"], [
    ["gradient", Walkthrough.fixed(reluGradient[0], 3), Walkthrough.fixed(reluGradient[1], 3), Walkthrough.fixed(reluGradient.reduce(0, +), 3)],
    ["gradient × input", Walkthrough.fixed(reluTimesInput[0], 3), Walkthrough.fixed(reluTimesInput[1], 3), Walkthrough.fixed(reluTimesInput.reduce(0, +), 3)],
    ["IG (middle, N = 64)", Walkthrough.fixed(reluIG[0], 6), Walkthrough.fixed(reluIG[1], 6), Walkthrough.fixed(reluIG.reduce(0, +), 6)],
    ["IG, closed form", Walkthrough.fixed(reluExact[0], 6), Walkthrough.fixed(reluExact[1], 6), Walkthrough.fixed(reluExact.reduce(0, +), 6)],
])
notebook.record("reluGradientSum", reluGradient.reduce(0, +))
notebook.record("reluIG1", reluIG[0])
notebook.record("reluIG2", reluIG[1])
notebook.finish()
