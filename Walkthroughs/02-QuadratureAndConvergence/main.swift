// Walkthrough 02 — Quadrature and convergence: how fast each rule's IG approaches the
// integral, what the peers' rules do, and what changes on a trained ReLU network.
//
// Run:  swift run -c release walkthrough-02

import ArrayFormats
import Attribution
import Foundation
import Models
import Tensors
import WalkthroughSupport

let notebook = Walkthrough(name: "02-quadrature-and-convergence", title: "Walkthrough 02 · Quadrature rules and their convergence")
let counts = notebook.fast ? [2, 4, 8, 16, 32, 64] : [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]

// MARK: - 1. A test function with a known answer

notebook.cell(1, "A test function with a known answer")
notebook.say("""
    F(x) = σ(w·x + b) with w = (1.5, −2, 0.75, 1), b = 0.2, from x′ = (−1, 0.5, −1, 0) to
    x = (1, −0.5, 2, 0.3): the pre-activation sweeps from −4.95 to 3.88, across the whole
    sigmoid, so the integrand is smooth but not a polynomial and no rule is exact. IG has a
    closed form (walkthrough 01), so we can measure each rule's error e(N) = max_i |IG_i − exact_i| / max_i |exact_i|.
    """)
let f = SigmoidOfLinear(weights: [1.5, -2, 0.75, 1], bias: 0.2)
let x = Tensor(shape: [4], scalars: [1, -0.5, 2, 0.3])
let baseline = Tensor(shape: [4], scalars: [-1, 0.5, -1, 0])
let exact = f.integratedGradients(input: x.scalars, baseline: baseline.scalars)
let scale = exact.map(abs).max()!

func error(_ rule: QuadratureRule, _ n: Int) -> Double {
    let ig = orExit { try IntegratedGradients(baseline: baseline, steps: n, rule: rule).attribute(x, of: f) }
    return zip(ig.attribution.scalars, exact).map { abs($0 - $1) }.max()! / scale
}

// MARK: - 2. Error against N, every rule

notebook.cell(2, "Error against N, every rule")
var plot = LinePlot(title: "IG error against the number of gradient evaluations (σ(w·x + b))", xLabel: "N", yLabel: "relative error", logX: true, logY: true)
var rows: [[String]] = []
for rule in QuadratureRule.fixedRules {
    let usable = counts.filter { $0 >= rule.minimumNodeCount }
    let errors = usable.map { error(rule, $0) }
    plot.series.append(LinePlot.Series(label: rule.rawValue, points: zip(usable, errors).map { (Double($0), $1) }))
    let orderText: String
    if rule == .gaussLegendre {
        // No power of N describes it: the error falls exponentially until round-off.
        let roundOff = zip(usable, errors).first { $0.1 < 1e-13 }?.0 ?? 0
        orderText = "exponential; round-off by N = \(roundOff)"
        notebook.record("gaussLegendreRoundOffN", Double(roundOff))
    } else {
        // The observed order from the two largest N: log₂ e(N/2)/e(N).
        let order = log2(errors[errors.count - 2] / errors[errors.count - 1])
        orderText = Walkthrough.fixed(order, 2)
        notebook.record("order_\(rule.rawValue)", order)
    }
    rows.append([rule.rawValue] + [8, 64].map { n in usable.contains(n) ? Walkthrough.sci(errors[usable.firstIndex(of: n)!]) : "–" }
                + [Walkthrough.sci(errors.last!), orderText])
    notebook.record("error64_\(rule.rawValue)", errors[usable.firstIndex(of: 64)!])
}
notebook.table(["rule", "e(8)", "e(64)", "e(\(counts.last!))", "observed order"], rows)
orExit { try plot.svg().write(to: notebook.figure("convergence-analytic.svg", alt: "Log–log plot of IG's relative error against the number of gradient evaluations N for each quadrature rule on the one-neuron function: the left, right and uniform rules fall as 1/N, the middle and trapezoid rules as 1/N², Gauss–Legendre faster than any power of N down to round-off")) }
notebook.say("""
    Doubling N halves the error of left, right and PAIR's `uniform` (order 1), quarters it for
    middle and trapezoid (order 2), and Gauss–Legendre falls faster than any power of N to
    round-off — its N nodes integrate every polynomial of degree 2N − 1 exactly, and this
    integrand is analytic (figure convergence-analytic.svg).
    """)

// MARK: - 3. The peers' rules and their bias

notebook.cell(3, "The peers' rules and their bias")
notebook.say("""
    On a linear F every rule whose weights sum to 1 is exact. PAIR saliency's IG (`uniform`:
    N equally spaced nodes including both ends, each weighted 1/N) is. Captum's
    `riemann_trapezoid` halves the end weights of 1/N, so its weights sum to (N − 1)/N and
    Σ IG = (N − 1)/N · ΔF — short by ΔF/N at any N. (Captum also rounds nodes and weights to
    float32, a further ~6·10⁻⁸ that this library does not copy.)
    """)
let linear = LinearFunction(weights: [0.5, -1.5, 2], bias: 0.3)
let lx = Tensor(shape: [3], scalars: [1, 2, -1])
let change = orExit { try linear.value(at: lx) - linear.value(at: Tensor(zeros: [3])) }
var biasRows: [[String]] = []
for n in [2, 5, 25, 50, 200] {
    let captum = orExit { try IntegratedGradients(steps: n, rule: .captumTrapezoid).attribute(lx, of: linear) }.attribution.sum / change
    let uniform = orExit { try IntegratedGradients(steps: n, rule: .uniform).attribute(lx, of: linear) }.attribution.sum / change
    biasRows.append(["\(n)", Walkthrough.fixed(captum, 6), Walkthrough.fixed(Double(n - 1) / Double(n), 6), Walkthrough.fixed(uniform, 6)])
    if n == 25 { notebook.record("captumTrapezoidRatio25", captum) }
}
notebook.table(["N", "captum-trapezoid Σ/ΔF", "(N−1)/N", "uniform Σ/ΔF"], biasRows)

// MARK: - 4. On a trained ReLU network

notebook.cell(4, "On a trained ReLU network (digits-cnn)")
notebook.say("""
    digits-cnn explains the probability of its predicted class for a handwritten 2, from a
    black baseline. There is no closed form, so the reference is the midpoint rule with many
    more nodes. Along the line, a ReLU network is smooth only piecewise — every unit that
    switches on or off makes a kink — so the higher-order rules lose their advantage once N
    is large enough to see the kinks.
    """)
let network = orExit { try ModelDirectory.load(Walkthrough.fixture("models/digits-cnn")) }
let image = orExit { try NPY.read(contentsOf: Walkthrough.fixture("models/digits-cnn/example-input.npy")) }
let predicted = orExit { try network.predictions(for: image.reshaped([1, 1, 8, 8])) }[0]
let output = orExit { try ClassifierOutput(network: network, target: predicted, kind: .probability) }
let referenceCount = notebook.fast ? 1024 : 16_384
let reference = orExit { try IntegratedGradients(steps: referenceCount, rule: .middle).attribute(image, of: output) }
let referenceScale = reference.attribution.scalars.map(abs).max()!
notebook.say("Predicted class \(predicted), p = \(Walkthrough.fixed(reference.endValue!, 6)); reference: middle rule, N = \(referenceCount), completeness gap \(Walkthrough.sci(reference.completenessDelta!)).")
var networkPlot = LinePlot(title: "IG error on digits-cnn against N (reference: middle rule, N = \(referenceCount))", xLabel: "N", yLabel: "relative error of the map", logX: true, logY: true)
var networkRows: [[String]] = []
for rule in QuadratureRule.fixedRules {
    let usable = counts.filter { $0 >= rule.minimumNodeCount }
    let results = usable.map { n in orExit { try IntegratedGradients(steps: n, rule: rule).attribute(image, of: output) } }
    let errors = results.map { zip($0.attribution.scalars, reference.attribution.scalars).map { abs($0 - $1) }.max()! / referenceScale }
    networkPlot.series.append(LinePlot.Series(label: rule.rawValue, points: zip(usable, errors).map { (Double($0), $1) }))
    networkRows.append([rule.rawValue, Walkthrough.sci(errors[usable.firstIndex(of: 16)!]), Walkthrough.sci(errors.last!), Walkthrough.sci(results.last!.completenessDelta!)])
    notebook.record("digitsError\(usable.last!)_\(rule.rawValue)", errors.last!)
    notebook.record("digitsCompletenessGap\(usable.last!)_\(rule.rawValue)", results.last!.completenessDelta!)
}
notebook.table(["rule", "e(16)", "e(\(counts.last!))", "Σ IG − ΔF at N = \(counts.last!)"], networkRows)
orExit { try networkPlot.svg().write(to: notebook.figure("convergence-digits-cnn.svg", alt: "Log–log plot of IG's relative error on digits-cnn against N for each rule, measured against the middle rule at the largest N")) }
notebook.say("""
    The completeness gap Σ IG − (F(x) − F(x′)) is what Captum reports as the convergence
    delta: it is free to compute and falls with the error, though it can be small while the
    map is still wrong (errors of opposite sign cancel in the sum). Captum's trapezoid keeps
    its −ΔF/N bias here too (figure convergence-digits-cnn.svg).
    """)
notebook.finish()
