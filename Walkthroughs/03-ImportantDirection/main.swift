// Walkthrough 03 — IDGI: the important direction and the hyperplane, step by step, on a
// two-dimensional model we can draw.
//
// Run:  swift run -c release walkthrough-03

import ArrayFormats
import Attribution
import Foundation
import Models
import Tensors
import WalkthroughSupport

let notebook = Walkthrough(name: "03-important-direction", title: "Walkthrough 03 · IDGI: integrating along the important direction")

// MARK: - 1. A model in the plane

notebook.cell(1, "A model in the plane")
notebook.say("""
    moons-mlp is a 2-16-16-2 softplus network trained on two interleaved half moons. F is its
    class-1 logit (the lower moon's score; its probabilities saturate at 0 and 1 a short way
    from the boundary, which leaves little to see). We explain F at a class-1 point x from a
    baseline x′ in class 0. In two dimensions every step of the path can be drawn.
    """)
let network = orExit { try ModelDirectory.load(Walkthrough.fixture("models/moons-mlp")) }
let f = orExit { try ClassifierOutput(network: network, target: 1, kind: .logit) }
let x = Tensor(shape: [2], scalars: [1.4, -0.4])
let baseline = Tensor(shape: [2], scalars: [-0.6, 0.6])
let fx = orExit { try f.value(at: x) }
let fBaseline = orExit { try f.value(at: baseline) }
notebook.table(["point", "x₁", "x₂", "F = class-1 logit"], [
    ["baseline x′", "−0.6", "0.6", Walkthrough.fixed(fBaseline, 6)],
    ["input x", "1.4", "−0.4", Walkthrough.fixed(fx, 6)],
])

// MARK: - 2. Riemann steps and where their noise comes from

notebook.cell(2, "Riemann steps and where their noise comes from")
notebook.say("""
    IG with the left rule cuts the line into N segments [p_j, p_{j+1}] and, on each, credits
    feature i with g_{j,i} Δp_i, where g_j = ∇F(p_j). Summed over i this is g_j·Δp, the
    first-order estimate of ΔF_j = F(p_{j+1}) − F(p_j). The step Δp has a part along g_j,
    which changes F, and a part across it, along the level set, which does not — but g ⊙ Δp
    still hands out credit for that second part, with opposite signs on the features.
    IDGI (Yang et al., CVPR 2023) keeps only the important direction g_j/‖g_j‖ and scales it
    so the step explains exactly ΔF_j:

        A += g_j ⊙ g_j · ΔF_j / ‖g_j‖²
    """)
let steps = 6
let keepLedger = RunOptions(recordsLedger: true)
let idgi = orExit { try IntegratedGradients(baseline: baseline, steps: steps, integrator: ImportantDirection()).attribute(x, of: f, options: keepLedger) }
let riemann = orExit { try IntegratedGradients(baseline: baseline, steps: steps, rule: .left).attribute(x, of: f, options: keepLedger) }
let idgiLedger = idgi.ledger!.steps
let riemannLedger = riemann.ledger!.steps
let delta = (x - baseline).scalars
var rows: [[String]] = []
var acrossShares: [Double] = []
var worstHyperplane = 0.0
for j in 0..<steps {
    let point = baseline + idgiLedger[j].start * (x - baseline)
    let g = orExit { try f.gradient(at: point) }.scalars
    let along = (g[0] * delta[0] + g[1] * delta[1]) / Double(steps) / (g[0] * g[0] + g[1] * g[1])
    let across = (0..<2).map { delta[$0] / Double(steps) - along * g[$0] }
    let acrossLength = (across[0] * across[0] + across[1] * across[1]).squareRoot()
    let stepLength = (delta[0] * delta[0] + delta[1] * delta[1]).squareRoot() / Double(steps)
    let error = abs(idgiLedger[j].attributionSum - idgiLedger[j].deltaValue) / abs(idgiLedger[j].deltaValue)
    worstHyperplane = max(worstHyperplane, error)
    acrossShares.append(acrossLength / stepLength)
    rows.append(["\(j)", Walkthrough.fixed(idgiLedger[j].start, 3), Walkthrough.fixed(idgiLedger[j].startValue, 5),
                 Walkthrough.fixed(idgiLedger[j].deltaValue, 5), Walkthrough.fixed(riemannLedger[j].attributionSum, 5),
                 Walkthrough.fixed(idgiLedger[j].attributionSum, 5), Walkthrough.fixed(acrossLength / stepLength, 3)])
}
notebook.table(["j", "α_j", "F(p_j)", "ΔF_j", "Σ g⊙Δp (IG)", "Σ IDGI", "|Δp across g| / |Δp|"], rows)
notebook.say("""
    Every IDGI row sums to its ΔF_j exactly (worst relative difference \(Walkthrough.sci(worstHyperplane))):
    the hyperplane property. IG's rows are first-order estimates that miss where F curves.
    The last column is the share of each step that runs along a level set — the part IDGI
    refuses to credit.
    """)
notebook.record("worstHyperplaneError", worstHyperplane)

// MARK: - 3. One step, up close

notebook.cell(3, "One step, up close")
// The step that runs most nearly along a level set: there IG's credits are mostly noise.
let busiest = (0..<steps).max { acrossShares[$0] < acrossShares[$1] }!
let start = baseline + idgiLedger[busiest].start * (x - baseline)
let end = baseline + idgiLedger[busiest].end * (x - baseline)
let g = orExit { try f.gradient(at: start) }.scalars
let normSquared = g[0] * g[0] + g[1] * g[1]
let dF = idgiLedger[busiest].deltaValue
let projected = Tensor(shape: [2], scalars: [start.scalars[0] + dF / normSquared * g[0], start.scalars[1] + dF / normSquared * g[1]])
let fEnd = orExit { try f.value(at: end) }
let fProjected = orExit { try f.value(at: projected) }
notebook.say("""
    Step \(busiest) runs \(Int((100 * acrossShares[busiest]).rounded()))% along a level set: it moves from p = (\(Walkthrough.fixed(start.scalars[0], 3)), \(Walkthrough.fixed(start.scalars[1], 3))) to
    (\(Walkthrough.fixed(end.scalars[0], 3)), \(Walkthrough.fixed(end.scalars[1], 3))) and F changes by only \(Walkthrough.fixed(dF, 5)), yet g ⊙ Δp hands each feature a large
    credit of opposite sign. IDGI's step goes along the gradient instead, to p̂ = p + ΔF g/‖g‖²
    = (\(Walkthrough.fixed(projected.scalars[0], 3)), \(Walkthrough.fixed(projected.scalars[1], 3))), which reaches (to first order) the same level set — F(p̂) = \(Walkthrough.fixed(fProjected, 5)) against
    F(p_{j+1}) = \(Walkthrough.fixed(fEnd, 5)) — and credits the features in proportion to g², both with ΔF's sign:
    """)
notebook.table(["feature", "g_i", "IG credit g_i Δp_i", "IDGI credit g_i² ΔF/‖g‖²"], (0..<2).map { i in
    ["x\(i + 1)", Walkthrough.fixed(g[i], 5), Walkthrough.fixed(g[i] * delta[i] / Double(steps), 5), Walkthrough.fixed(g[i] * g[i] * dF / normSquared, 5)]
})
notebook.record("projectionLevelGap", abs(fProjected - fEnd) / abs(dF))

// MARK: - 4. Completeness for any number of steps

notebook.cell(4, "Completeness for any number of steps")
notebook.say("Because every step is exact, IDGI's sum is F(x) − F(x′) however coarse the path; IG's converges to it:")
var completenessRows: [[String]] = []
for n in [1, 2, 4, steps, 8, 16, 64, 256] {
    let ig = orExit { try IntegratedGradients(baseline: baseline, steps: n, rule: .left).attribute(x, of: f) }
    let important = orExit { try IntegratedGradients(baseline: baseline, steps: n, integrator: ImportantDirection()).attribute(x, of: f) }
    completenessRows.append(["\(n)", Walkthrough.sci(ig.completenessDelta!), Walkthrough.sci(important.completenessDelta!),
                             Walkthrough.fixed(ig.attribution.scalars[0], 4), Walkthrough.fixed(important.attribution.scalars[0], 4)])
    if n == steps || n == 8 { notebook.record("idgiCompleteness\(n)", important.completenessDelta!) }
    if n == 8 { notebook.record("igCompleteness8", ig.completenessDelta!) }
}
notebook.table(["N", "IG: Σ − ΔF", "IDGI: Σ − ΔF", "IG x₁", "IDGI x₁"], completenessRows)
notebook.say("""
    The two methods converge to different maps: IDGI is not an approximation of IG but a
    different attribution with the same total (and it gives up linearity — see the axiom tests).
    """)

// MARK: - 5. The picture

notebook.cell(5, "The picture")
let (uMin, uMax, vMin, vMax) = (-1.6, 2.6, -1.1, 1.6)
let (columns, gridRows) = (168, 108)
var grid = Tensor(zeros: [gridRows * columns, 2])
for r in 0..<gridRows {
    for c in 0..<columns {
        grid[r * columns + c, 0] = uMin + (uMax - uMin) * Double(c) / Double(columns - 1)
        grid[r * columns + c, 1] = vMax - (vMax - vMin) * Double(r) / Double(gridRows - 1)  // row 0 at the top
    }
}
let landscape = orExit { try f.values(at: grid) }
let (pixelLeft, pixelTop, pixelWidth, pixelHeight) = (60.0, 50.0, 672.0, 432.0)
func px(_ u: Double) -> Double { pixelLeft + (u - uMin) / (uMax - uMin) * pixelWidth }
func py(_ v: Double) -> Double { pixelTop + (vMax - v) / (vMax - vMin) * pixelHeight }
var canvas = SVG(width: 960, height: 540)
canvas.text("moons-mlp: the class-1 logit over the plane, the straight path, gradients, and IDGI's steps", x: pixelLeft + pixelWidth / 2, y: 28, size: 15, anchor: "middle")
let background = Heatmap.render([Heatmap.Panel(values: landscape, height: gridRows, width: columns, colormap: .sequential)], scale: 1, gap: 0)
// Level sets at eleven evenly spaced values across the picture's range; the thick one is F = 0.
let (landscapeLow, landscapeHigh) = (landscape.min()!, landscape.max()!)
let levels = (1...11).map { landscapeLow + (landscapeHigh - landscapeLow) * Double($0) / 12 } + [0]
canvas.image(png: PNG.encode(rgb: background.rgb, width: background.width, height: background.height), x: pixelLeft, y: pixelTop, width: pixelWidth, height: pixelHeight)
for level in levels {
    for (a, b) in Contours.segments(values: landscape, rows: gridRows, columns: columns, level: level) {
        canvas.line(pixelLeft + a.0 / Double(columns - 1) * pixelWidth, pixelTop + a.1 / Double(gridRows - 1) * pixelHeight,
                    pixelLeft + b.0 / Double(columns - 1) * pixelWidth, pixelTop + b.1 / Double(gridRows - 1) * pixelHeight,
                    stroke: level == 0 ? "white" : "#dddddd", width: level == 0 ? 2 : 0.8)
    }
}
let test = orExit { try NPY.read(contentsOf: Walkthrough.fixture("models/moons-mlp/check/inputs.npy")) }
for b in 0..<test.batchCount { canvas.circle(px(test[b, 0]), py(test[b, 1]), radius: 2, fill: "#ffffff88") }
canvas.polyline([(px(baseline.scalars[0]), py(baseline.scalars[1])), (px(x.scalars[0]), py(x.scalars[1]))], stroke: "white", width: 2, dashed: true)
for entry in idgiLedger {
    let p = baseline + entry.start * (x - baseline)
    let gradient = orExit { try f.gradient(at: p) }.scalars
    let norm = (gradient[0] * gradient[0] + gradient[1] * gradient[1]).squareRoot()
    // The gradient's direction, drawn at a fixed length of 0.25.
    canvas.arrow(px(p.scalars[0]), py(p.scalars[1]), px(p.scalars[0] + 0.25 * gradient[0] / norm), py(p.scalars[1] + 0.25 * gradient[1] / norm), stroke: "#00bfff", width: 2)
    // IDGI's step p → p + ΔF g/‖g‖²: it ends on (nearly) the next point's level set.
    let scale = entry.deltaValue / (norm * norm)
    canvas.arrow(px(p.scalars[0]), py(p.scalars[1]), px(p.scalars[0] + scale * gradient[0]), py(p.scalars[1] + scale * gradient[1]), stroke: "#7CFC00", width: 2.5)
    canvas.circle(px(p.scalars[0]), py(p.scalars[1]), radius: 4, fill: "white", stroke: "black")
}
canvas.circle(px(x.scalars[0]), py(x.scalars[1]), radius: 6, fill: "#ff3030", stroke: "white")
canvas.text("x", x: px(x.scalars[0]) + 9, y: py(x.scalars[1]) - 6, size: 15, color: "white")
canvas.text("x′", x: px(baseline.scalars[0]) - 22, y: py(baseline.scalars[1]) - 6, size: 15, color: "white")
// Axes: a frame, ticks every 0.5 with their values, and the coordinates' names.
canvas.rectangle(x: pixelLeft, y: pixelTop, width: pixelWidth, height: pixelHeight, fill: "none", stroke: "black")
for tick in stride(from: -1.5, through: 2.5, by: 0.5) {
    canvas.line(px(tick), pixelTop + pixelHeight, px(tick), pixelTop + pixelHeight + 6)
    canvas.text(String(format: "%.1f", tick), x: px(tick), y: pixelTop + pixelHeight + 19, size: 11, anchor: "middle")
}
for tick in stride(from: -1.0, through: 1.5, by: 0.5) {
    canvas.line(pixelLeft - 6, py(tick), pixelLeft, py(tick))
    canvas.text(String(format: "%.1f", tick), x: pixelLeft - 9, y: py(tick) + 4, size: 11, anchor: "end")
}
canvas.text("x₁ (first input feature)", x: pixelLeft + pixelWidth / 2, y: pixelTop + pixelHeight + 36, size: 12, anchor: "middle")
canvas.text("x₂", x: pixelLeft - 40, y: pixelTop + pixelHeight / 2, size: 12, anchor: "middle")
// The legend, to the right of the plot: each marker and line drawn as in the plot.
let legendLeft = pixelLeft + pixelWidth + 18
let legendEntries: [(String, (inout SVG, Double, Double) -> Void)] = [
    ("input x", { svg, x, y in svg.circle(x, y, radius: 6, fill: "#ff3030", stroke: "black") }),
    ("path point pⱼ", { svg, x, y in svg.circle(x, y, radius: 4, fill: "white", stroke: "black") }),
    ("test point (data)", { svg, x, y in svg.circle(x, y, radius: 2, fill: "#999999") }),
    ("straight path x′ → x", { svg, x, y in svg.line(x - 9, y, x + 9, y, stroke: "#333333", width: 2, dashed: true) }),
    ("direction of ∇F(pⱼ)", { svg, x, y in svg.arrow(x - 9, y, x + 9, y, stroke: "#00bfff", width: 2) }),
    ("IDGI step ΔFⱼ ∇F/‖∇F‖²", { svg, x, y in svg.arrow(x - 9, y, x + 9, y, stroke: "#5cb800", width: 2.5) }),
    ("level sets of F", { svg, x, y in svg.line(x - 9, y, x + 9, y, stroke: "#999999", width: 0.8) }),
    ("F = 0 (white in the plot)", { svg, x, y in svg.line(x - 9, y, x + 9, y, stroke: "#555555", width: 2) }),
]
for (row, (label, draw)) in legendEntries.enumerated() {
    let y = pixelTop + 14 + Double(row) * 22
    draw(&canvas, legendLeft + 10, y - 4)
    canvas.text(label, x: legendLeft + 28, y: y, size: 11)
}
let legendY = pixelTop + 14 + Double(legendEntries.count) * 22
canvas.text("colour: F, dark low,", x: legendLeft, y: legendY + 8, size: 11)
canvas.text("bright high", x: legendLeft, y: legendY + 22, size: 11)
orExit { try canvas.write(to: notebook.figure("idgi-plane.svg", alt: "The moons classifier's output F over the plane as a colour map with its level sets and the line F = 0, the test data, the straight path from the baseline to the input x with its points pⱼ, and at each point the direction of ∇F and IDGI's step ΔFⱼ ∇F/‖∇F‖²")) }
notebook.say("""
    Figure idgi-plane.svg: the colour is F (dark low, bright high), the thin lines its level
    sets, the thick white line F = 0. Each green
    arrow is IDGI's version of one step — perpendicular to the level sets, reaching (to first
    order) the level set of the next path point; the straight path's steps cross the level
    sets at an angle, and IG credits the sideways part too.
    """)
notebook.record("attributionIDGI1", idgi.attribution.scalars[0])
notebook.record("attributionIDGI2", idgi.attribution.scalars[1])
notebook.record("deltaF", fx - fBaseline)
notebook.finish()
