// Walkthrough 08 — The exact answer: Integrated Gradients computed exactly on a ReLU
// network's linear pieces, every quadrature rule measured against it, and IDGI against the
// limit its Riemann sums converge to.
//
// Run:  swift run -c release walkthrough-08

import ArrayFormats
import Attribution
import Foundation
import Models
import Tensors
import WalkthroughSupport

let notebook = Walkthrough(name: "08-the-exact-answer", title: "Walkthrough 08 · The exact answer")
let counts = notebook.fast ? [4, 16, 64, 256] : [4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096]

func l1(_ a: [Double]) -> Double { a.reduce(0) { $0 + abs($1) } }
func relativeError(_ a: [Double], _ exact: [Double]) -> Double { l1(zip(a, exact).map { $0 - $1 }) / l1(exact) }

// MARK: - 1. The pieces of one digit's line

notebook.cell(1, "The pieces of one digit's line")
notebook.say("""
    A ReLU network is affine wherever no unit switches: along the straight line from a black
    baseline x′ to a digit x, γ(α) = x′ + α (x − x′), the logits are affine on pieces
    [α_k, α_{k+1}] and the gradient is constant on each. ExactLine (Sotoudeh & Thakur, NeurIPS
    2019) finds the breakpoints layer by layer: a ReLU adds the α where a pre-activation changes
    sign, a max-pool the α where a window's arg-max changes. Then IG is a finite sum,
    IG = Σ_k (α_{k+1} − α_k) ∇F(midpoint_k) ⊙ (x − x′), exact up to rounding.
    """)
let network = orExit { try ModelDirectory.load(Walkthrough.fixture("models/digits-cnn")) }
let image = orExit { try NPY.read(contentsOf: Walkthrough.fixture("models/digits-cnn/example-input.npy")) }
let predicted = orExit { try network.predictions(for: image.reshaped([1, 1, 8, 8])) }[0]
let output = orExit { try ClassifierOutput(network: network, target: predicted, kind: .logit) }
let partition = orExit { try LinePartition(network: network, from: [Double](repeating: 0, count: 64), to: image.scalars) }
var exactMethod = IntegratedGradients(rule: .exact)
exactMethod.network = network
let exactRun = orExit { try AttributionEngine.run(exactMethod, on: [image], explaining: ExplainedFunctions(output), options: RunOptions(recordsLedger: true)) }[0]
let exact = exactRun.attribution.scalars
let steps = exactRun.ledger!.steps
let shortest = steps.map { $0.end - $0.start }.min()!
notebook.say("""
    digits-cnn, the logit of class \(predicted) for the example digit: \(partition.pieceCount) pieces, the shortest
    \(Walkthrough.sci(shortest)) of the line long. Exact IG took \(exactRun.gradientEvaluations) gradients (one per piece); its
    completeness gap Σ A − (F(x) − F(x′)) is \(Walkthrough.sci(exactRun.completenessDelta!)), rounding only.
    """)
notebook.record("pieces", Double(partition.pieceCount))
notebook.record("exactCompletenessGap", exactRun.completenessDelta!)
// F along the line is piecewise linear with its kinks at the breakpoints; dF/dα = ∇F · (x − x′)
// is piecewise constant, and jumps there.
var linePlot = LinePlot(title: "digits-cnn: F(γ(α)) along the line, exact at every breakpoint", xLabel: "α", yLabel: "logit of the predicted class")
linePlot.series.append(LinePlot.Series(label: "F at the breakpoints", points: zip(partition.breakpoints, partition.logits.map { $0[predicted] }).map { ($0, $1) }, markers: false))
orExit { try linePlot.svg().write(to: notebook.figure("logit-along-the-line.svg", alt: "Line plot of digits-cnn's logit for the predicted class along the straight line from the baseline to the input, computed exactly at every breakpoint of the ReLU network's linear pieces")) }
var slopePlot = LinePlot(title: "The integrand dF/dα = ∇F · (x − x′): constant on each piece, jumping between", xLabel: "α", yLabel: "dF/dα")
slopePlot.series.append(LinePlot.Series(
    label: "slope per piece", points: steps.flatMap { step in [(step.start, step.attributionSum / (step.end - step.start)), (step.end, step.attributionSum / (step.end - step.start))] },
    markers: false))
orExit { try slopePlot.svg().write(to: notebook.figure("integrand-jumps.svg", alt: "Step plot of the integrand dF/dα along the line: constant on each linear piece, jumping at the breakpoints")) }
let jumps = zip(steps, steps.dropFirst()).map { abs($1.attributionSum / ($1.end - $1.start) - $0.attributionSum / ($0.end - $0.start)) }
notebook.say("""
    Figures logit-along-the-line.svg and integrand-jumps.svg: F is a polygon through the
    breakpoints and its slope a step function. The largest jump of the slope is \(Walkthrough.fixed(jumps.max()!, 2)); \(jumps.filter { $0 > 1 }.count) of the
    \(jumps.count) jumps exceed 1. A quadrature rule meets these jumps at every N: only the cells
    that hold a breakpoint err, each by up to |jump| × its length.
    """)

// MARK: - 2. Every rule against the exact value

notebook.cell(2, "Every rule converging to the exact value")
notebook.say("""
    Without an exact answer a rule's error can only be guessed from the completeness gap,
    which sums errors of both signs. With it, the error of the whole map is measurable:
    e(N) = ‖A_N − A*‖₁ / ‖A*‖₁.
    """)
var convergencePlot = LinePlot(title: "digits-cnn: IG's error against exact IG", xLabel: "N", yLabel: "L1 relative error of the map", logX: true, logY: true)
var rows: [[String]] = []
var gapRatios: [Double] = []
var lateOrders: [Double] = []
for rule in QuadratureRule.fixedRules {
    let usable = counts.filter { $0 >= rule.minimumNodeCount }
    let results = usable.map { n in orExit { try IntegratedGradients(steps: n, rule: rule).attribute(image, of: output) } }
    let errors = results.map { relativeError($0.attribution.scalars, exact) }
    convergencePlot.series.append(LinePlot.Series(label: rule.rawValue, points: zip(usable, errors).map { (Double($0), $1) }))
    let gaps = results.map { abs($0.completenessDelta!) / abs($0.endValue! - $0.startValue!) }
    // The observed order over the last doubling of N: log₂ e(N/2)/e(N).
    let order = log2(errors[errors.count - 2] / errors[errors.count - 1])
    lateOrders.append(order)
    gapRatios += zip(errors, gaps).map { $0 / max($1, 1e-300) }
    rows.append([rule.rawValue, Walkthrough.sci(errors[usable.firstIndex(of: 16)!]), Walkthrough.sci(gaps[usable.firstIndex(of: 16)!]),
                 Walkthrough.sci(errors.last!), Walkthrough.sci(gaps.last!), Walkthrough.fixed(order, 2)])
    notebook.record("error16_\(rule.rawValue)", errors[usable.firstIndex(of: 16)!])
    notebook.record("errorLast_\(rule.rawValue)", errors.last!)
    notebook.record("lateOrder_\(rule.rawValue)", order)
}
notebook.table(["rule", "e(16)", "|gap|/ΔF at 16", "e(\(counts.last!))", "|gap|/ΔF at \(counts.last!)", "order at \(counts.last!)"], rows)
orExit { try convergencePlot.svg().write(to: notebook.figure("rules-against-exact.svg", alt: "Log–log plot of IG's L1 relative error against exact IG on digits-cnn, against N, for each quadrature rule")) }
let biggerThanGap = gapRatios.filter { $0 > 1 }.count
notebook.say("""
    Figure rules-against-exact.svg. At the largest N the observed orders (last column, from
    the last doubling of N) lie between \(Walkthrough.fixed(lateOrders.min()!, 2)) and \(Walkthrough.fixed(lateOrders.max()!, 2)): on a
    piecewise-linear network every rule errs on the cells that hold a kink, so the second-order
    rules and Gauss–Legendre keep only a constant factor over the left rule, not a better order.
    The map's error exceeds the relative completeness gap in \(biggerThanGap) of the \(gapRatios.count) (rule, N) pairs
    above, by up to \(Walkthrough.fixed(gapRatios.max()!, 1))×: the gap sums errors of both signs, and a small gap does not certify the map.
    """)
notebook.record("errorAboveGapShare", Double(biggerThanGap) / Double(gapRatios.count))

// MARK: - 3. Where a 20-step map's noise comes from

notebook.cell(3, "Where a 20-step map's noise comes from")
notebook.say("""
    A 20-step map differs from exact IG by its discretisation error alone; exact IG is what
    the straight-line path itself says. Comparing the two separates the noise the rule adds
    from the structure of the path's own answer.
    """)
let twenty = orExit { try IntegratedGradients(steps: 20, rule: .left).attribute(image, of: output) }.attribution.scalars
let discretisation = zip(twenty, exact).map { $0 - $1 }
/// Mean |difference| of horizontally and vertically neighbouring pixels: how speckled a map is.
func roughness(_ map: [Double]) -> Double {
    var total = 0.0
    for r in 0..<8 {
        for c in 0..<8 {
            if c < 7 { total += abs(map[r * 8 + c + 1] - map[r * 8 + c]) }
            if r < 7 { total += abs(map[(r + 1) * 8 + c] - map[r * 8 + c]) }
        }
    }
    return total / 112
}
let shareOfError = l1(discretisation) / l1(exact)
notebook.table(
    ["map", "‖·‖₁", "roughness (mean |neighbour difference|)"],
    [["exact IG (the path)", Walkthrough.fixed(l1(exact), 3), Walkthrough.fixed(roughness(exact), 3)],
     ["left rule, N = 20", Walkthrough.fixed(l1(twenty), 3), Walkthrough.fixed(roughness(twenty), 3)],
     ["their difference (discretisation)", Walkthrough.fixed(l1(discretisation), 3), Walkthrough.fixed(roughness(discretisation), 3)]])
notebook.record("twentyStepError", shareOfError)
notebook.record("exactRoughness", roughness(exact))
notebook.record("discretisationRoughness", roughness(discretisation))
let panels = [
    Heatmap.Panel(values: image.scalars, height: 8, width: 8, colormap: .grayscale, range: 0...1),
    Heatmap.Panel(values: exact, height: 8, width: 8, colormap: .diverging),
    Heatmap.Panel(values: twenty, height: 8, width: 8, colormap: .diverging),
    Heatmap.Panel(values: discretisation, height: 8, width: 8, colormap: .diverging),
]
let figure = HeatmapFigure(
    title: "digits-cnn: exact IG, a 20-step map, and their difference", columnTitles: ["input", "exact", "left, N = 20", "difference"], rows: [panels],
    colorScales: [
        .init(.grayscale, low: "0", high: "1", caption: "input: pixel value"),
        .init(.diverging, low: "-max|A|", middle: "0", high: "+max|A|", caption: "maps: each to its own max|A|"),
    ])
orExit { try figure.writePNG(to: notebook.figure("discretisation.png", alt: "An input digit, its exact IG map, a 20-step left-rule map and their difference")) }
let roughnessShare = roughness(discretisation) / roughness(exact)
notebook.say("""
    Figure discretisation.png. The 20-step left-rule map is \(Walkthrough.fixed(100 * shareOfError, 1))% (L1) away from exact IG, and
    the difference's roughness is \(Walkthrough.fixed(100 * roughnessShare, 1))% of exact IG's own. \(roughnessShare < 0.2
        ? "So on this digit the speckle a reader sees in the 20-step map is the straight-line\npath's own answer; more steps would not remove it."
        : "So a visible part of the 20-step map's speckle is the rule's, and more steps would\nremove it.")
    """)

// MARK: - 4. IDGI against its limit

notebook.cell(4, "IDGI against its continuous limit")
notebook.say("""
    IDGI keeps on every segment only the step along the gradient, g ⊙ g ΔF/‖g‖². As N grows
    its Riemann sums converge to a limit that is also a finite sum here: on each piece g is
    constant and ΔF_k = g_k · ℓ_k (x − x′), so the limit is Σ_k g_k ⊙ g_k ΔF_k / ‖g_k‖²
    (`--integrator idgi --rule exact`). Exact per-piece completeness holds for the limit too.
    """)
var limitMethod = IntegratedGradients(rule: .exact, integrator: ImportantDirection())
limitMethod.network = network
let limitRun = orExit { try limitMethod.attribute(image, of: output) }
let limit = limitRun.attribution.scalars
var idgiPlot = LinePlot(title: "digits-cnn: IDGI (left rule) against its exact limit", xLabel: "N", yLabel: "L1 relative error of the map", logX: true, logY: true)
var idgiErrors: [(Double, Double)] = []
for n in counts {
    let map = orExit { try IntegratedGradients(steps: n, integrator: ImportantDirection()).attribute(image, of: output) }.attribution.scalars
    idgiErrors.append((Double(n), relativeError(map, limit)))
}
idgiPlot.series.append(LinePlot.Series(label: "IDGI-IG, left rule", points: idgiErrors))
orExit { try idgiPlot.svg().write(to: notebook.figure("idgi-against-limit.svg", alt: "Log–log plot of IDGI's L1 relative error against its exact limit on digits-cnn, against N")) }
notebook.table(["N"] + counts.map(String.init), [["e(N)"] + idgiErrors.map { Walkthrough.sci($0.1) }])
notebook.record("idgiErrorFirst", idgiErrors.first!.1)
notebook.record("idgiErrorLast", idgiErrors.last!.1)
notebook.record("idgiLimitCompletenessGap", limitRun.completenessDelta!)
notebook.say("""
    Figure idgi-against-limit.svg: the error falls about as 1/N. The limit differs from exact
    IG by \(Walkthrough.fixed(100 * relativeError(limit, exact), 1))% (L1): that difference is IDGI's, not its quadrature's.
    """)

// MARK: - 5. Every shipped model: the committed run

notebook.cell(5, "Every shipped model: the committed run")
let summaryURL = Walkthrough.checkoutFile("Benchmarks/exact-ig/summary.json")
guard let text = try? String(contentsOf: summaryURL, encoding: .utf8), let summary = try? JSONValue.parse(text) else {
    FileHandle.standardError.write(Data("walkthrough-08: cannot read \(summaryURL.path); run `swift run -c release bench exact --out Benchmarks/exact-ig`\n".utf8))
    exit(3)
}
notebook.say("""
    `swift run -c release bench exact --out Benchmarks/exact-ig` measures every rule on every
    shipped piecewise-linear model (\(summary["models"]?.arrayValue?.first?["images"]?.intValue ?? 0) test images each, the predicted class's
    logit, black baseline); Benchmarks/exact-ig/RESULTS.md has the whole table. Median L1
    error of the map against exact IG (machine: \(summary["machine"]?.stringValue ?? "?")):
    """)
var committedRows: [[String]] = []
for model in summary["models"]?.arrayValue ?? [] {
    let name = model["model"]?.stringValue ?? "?"
    for rule in ["left", "middle", "gauss-legendre", "uniform"] {
        guard let row = model["rules"]?.arrayValue?.first(where: { $0["rule"]?.stringValue == rule }) else { continue }
        let errors = (row["errors"]?.arrayValue ?? []).map { $0["median"]?.doubleValue.map { Walkthrough.sci($0, 2) } ?? "–" }
        committedRows.append([rule == "left" ? name : "", rule] + errors + [row["stepsFor1Percent"]?.intValue.map(String.init) ?? "> grid"])
    }
    notebook.record("committedPieces_\(name)", model["pieces"]?["median"]?.doubleValue ?? .nan)
}
notebook.table(["model", "rule", "N = 20", "N = 50", "N = 200", "N = 1000", "N for 1%"], committedRows)
notebook.record("committedModels", Double(summary["models"]?.arrayValue?.count ?? 0))
notebook.finish()
