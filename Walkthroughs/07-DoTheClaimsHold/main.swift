// Walkthrough 07 — Do the papers' claims hold here? How `bench quality` judges a claim (a
// small run made here, step by step), then the verdicts of the committed full run
// (quality/summary.json), the curves behind two claims that hold and two that do not, why the
// failures happen on these models, and how much the verdicts depend on the evaluation's own
// choices.
//
// Run:  swift run -c release walkthrough-07

import ArrayFormats
import Foundation
import Quality
import Tensors
import WalkthroughSupport

let notebook = Walkthrough(name: "07-do-the-claims-hold", title: "Walkthrough 07 · Do the papers' claims hold here?")

// MARK: - 1. A claim, judged step by step

notebook.cell(1, "How a claim is judged: a small run made here")
// The fast mode (a debug build, for the tests) explains 4 images at 8 steps per path.
let live = QualityConfiguration(
    models: ["digits-cnn"], images: notebook.fast ? 4 : 40, references: notebook.fast ? 100 : nil,
    methods: ["random", "gradient", "ig", "ig+idgi", "expected-gradients", "lpi", "expected-gradients·paper", "lpi·paper"].map { QualityMethod.named($0)! },
    metrics: ["insertion", "deletion", "overall", "insertion-abs", "diffid"].map { QualityMetric.named($0)! },
    budgetOverrides: notebook.fast ? ["steps": "8"] : [:], bootstrap: Bootstrap(resamples: notebook.fast ? 200 : 2000))
let liveResults = orExit { try QualityRun.run(live) }
let liveSummary = QualitySummary(liveResults)
let liveModel = liveResults.models[0]
notebook.say("""
    digits-cnn explains the first \(live.images!) test digits, each for its true label (\(liveModel.misclassified) misclassified
    and left out, as the papers do), with six methods, and scores every map on insertion, deletion,
    overall = insertion − deletion (20 steps into a black image, the true class's probability) and
    DiffID. A claim "A beats B on M" is judged on the images both were scored on: the per-image
    differences M(A) − M(B) are averaged, and 2,000 resamples of the images (drawn with
    replacement, seeded) give the 95% percentile interval of that mean. Pairing matters: two
    methods' scores rise and fall together from image to image, and the difference of their
    means is far more certain than either mean. The verdict is mechanical — holds when the
    interval is on the claimed side of 0, fails when it is on the other side, undecided when it
    contains 0.
    """)
let liveClaims = ["IDGI improves ig on insertion", "vanilla gradient scores lowest (below ig) on insertion", "LPI beats expected-gradients on DiffID",
                  "LPI (×5 points) beats expected-gradients on DiffID"]
var liveRows: [[String]] = []
for statement in liveClaims {
    guard let ruling = liveSummary.rulings.first(where: { $0.claim.statement == statement }), ruling.difference != nil else { continue }
    let method = liveSummary.cell("digits-cnn", ruling.claim.method.rawValue, ruling.claim.metric.rawValue)?.interval
    let base = liveSummary.cell("digits-cnn", ruling.claim.base.rawValue, ruling.claim.metric.rawValue)?.interval
    liveRows.append([
        statement, method.map { Walkthrough.fixed($0.estimate, 3) } ?? "–", base.map { Walkthrough.fixed($0.estimate, 3) } ?? "–",
        ruling.judged.map { "\(Walkthrough.fixed($0.estimate, 3)) [\(Walkthrough.fixed($0.lower, 3)), \(Walkthrough.fixed($0.upper, 3))] (\(ruling.claim.statistic.rawValue))" } ?? "–",
        ruling.verdict.rawValue,
    ])
}
notebook.table(["claim", "method", "base", "paired difference [95%]", "verdict"], liveRows)
let containsMeans = liveSummary.cells.allSatisfy { cell in cell.interval.map { $0.contains($0.estimate) } ?? false }
notebook.record("liveClaimsJudged", Double(liveRows.count))
notebook.record("liveIntervalsContainTheirMeans", containsMeans ? 1 : 0)
notebook.say("""
    Every interval of this run contains its mean: \(containsMeans). With \(liveModel.imageIndices.count) images the intervals are wide;
    the full run below explains every test image.
    """)

// MARK: - 2. The full run's verdicts

notebook.cell(2, "The full run: every claim on three models")
let summaryFile = Walkthrough.checkoutFile("quality/summary.json")
guard let text = try? String(contentsOf: summaryFile, encoding: .utf8), let full = try? JSONValue.parse(text),
    let claims = full["claims"]?.arrayValue
else {
    notebook.say("""
        \(summaryFile.path) is missing: it is written by `swift run -c release bench quality` (the full run,
        32 min on 2 cores). Run it, then this walkthrough again.
        """)
    notebook.finish()
    exit(0)
}
let models = (full["models"]?.arrayValue ?? []).compactMap { $0["model"]?.stringValue }
notebook.say("""
    quality/summary.json holds the committed full run (\(full["machine"]?.stringValue ?? "?"),
    \(Int((full["seconds"]?.doubleValue ?? 0) / 60)) min): every test image of \(models.joined(separator: ", ")),
    every method at the papers' budgets and every metric. Counts of verdicts per seed paper, over the
    claims and models that could be judged:
    """)
let judged = claims.filter { $0["difference"] != .null }
var countRows: [[String]] = []
for (seed, paper) in [("001", "IDGI"), ("000", "DDPath"), ("002", "LPI")] {
    let rows = judged.filter { $0["seed"]?.stringValue == seed }
    let counts = ["holds", "fails", "undecided"].map { verdict in rows.filter { $0["verdict"]?.stringValue == verdict }.count }
    countRows.append(["\(seed) \(paper)", "\(rows.count)", "\(counts[0])", "\(counts[1])", "\(counts[2])"])
    notebook.record("holds_\(paper)", Double(counts[0]))
    notebook.record("fails_\(paper)", Double(counts[1]))
}
notebook.table(["seed", "rulings", "holds", "fails", "undecided"], countRows)
notebook.record("claimsJudged", Double(judged.count))
var verdictRows: [[String]] = []
var statements: [String] = []
for claim in claims where !statements.contains(claim["statement"]!.stringValue!) { statements.append(claim["statement"]!.stringValue!) }
for statement in statements {
    let row = models.map { model -> String in
        guard let ruling = judged.first(where: { $0["statement"]?.stringValue == statement && $0["model"]?.stringValue == model }),
            let difference = ruling["difference"]
        else { return "–" }
        return "\(ruling["verdict"]!.stringValue!) (\(Walkthrough.fixed(difference["estimate"]!.doubleValue!, 3)))"
    }
    if row.contains(where: { $0 != "–" }) { verdictRows.append([statement] + row) }
}
notebook.table(["claim"] + models, verdictRows)

// MARK: - 3. The curves behind two claims that hold and two that do not

notebook.cell(3, "The curves behind two claims that hold and two that do not")
/// The summary's curve `name` of `method` on `model`.
func curve(_ model: String, _ name: String, _ method: String) -> [(Double, Double)]? {
    guard let entry = full["models"]?.arrayValue?.first(where: { $0["model"]?.stringValue == model }),
        let series = entry["curves"]?[name]?[method], let x = series["x"]?.arrayValue, let y = series["y"]?.arrayValue
    else { return nil }
    return zip(x, y).map { ($0.doubleValue!, $1.doubleValue!) }
}
/// The curves a claim's metric is the area of (insertion and deletion for overall).
func curveNames(_ metric: String) -> [String] {
    switch metric {
    case "insertion", "insertion-ratio": return ["insertion"]
    case "deletion": return ["deletion"]
    case "overall": return ["insertion", "deletion"]
    case "sic-compressed", "aic-compressed": return [metric]
    default: return []
    }
}
var shown: [JSONValue] = []
for verdict in ["holds", "fails"] {
    var picked = 0
    for ruling in judged where picked < 2 && ruling["verdict"]?.stringValue == verdict {
        let (model, metric) = (ruling["model"]!.stringValue!, ruling["metric"]!.stringValue!)
        let (method, base) = (ruling["method"]!.stringValue!, ruling["base"]!.stringValue!)
        let names = curveNames(metric)
        guard !names.isEmpty, names.allSatisfy({ curve(model, $0, method) != nil && curve(model, $0, base) != nil }) else { continue }
        // One claim per pair of methods, so the four figures differ.
        if shown.contains(where: { $0["method"]?.stringValue == method && $0["base"]?.stringValue == base }) { continue }
        shown.append(ruling)
        picked += 1
        var plot = LinePlot(
            title: "\(verdict): \(ruling["statement"]!.stringValue!) (\(model))", xLabel: names[0].hasSuffix("compressed") ? "normalized information" : "fraction of pixels",
            yLabel: names[0].hasSuffix("compressed") ? "aggregated curve" : "probability of the true class")
        for name in names {
            plot.series.append(LinePlot.Series(label: "\(method), \(name)", points: curve(model, name, method)!, markers: false))
            plot.series.append(LinePlot.Series(label: "\(base), \(name)", points: curve(model, name, base)!, dashed: true, markers: false))
        }
        let file = "\(verdict)-\(shown.count).svg"
        orExit { try plot.svg().write(to: notebook.figure(file)) }
        let difference = ruling["difference"]!
        notebook.say(
            "\(verdict.uppercased()): \"\(ruling["statement"]!.stringValue!)\" on \(model): \(method) − \(base) = "
                + "\(Walkthrough.fixed(difference["estimate"]!.doubleValue!, 3)) [\(Walkthrough.fixed(difference["lower"]!.doubleValue!, 3)), "
                + "\(Walkthrough.fixed(difference["upper"]!.doubleValue!, 3))] (figure \(file): solid \(method), dashed \(base)).")
    }
}
notebook.record("claimsPlotted", Double(shown.count))

// MARK: - 4. Why claims fail here

notebook.cell(4, "Why claims fail on these models")
func tally(_ seed: String, _ filter: (String) -> Bool = { _ in true }) -> (holds: Int, fails: Int, all: Int) {
    let rows = judged.filter { $0["seed"]?.stringValue == seed && filter($0["statement"]!.stringValue!) }
    return (rows.filter { $0["verdict"]?.stringValue == "holds" }.count, rows.filter { $0["verdict"]?.stringValue == "fails" }.count, rows.count)
}
let idgi = tally("001") { $0.hasPrefix("IDGI") }
let ddpath = tally("000")
let lpi = tally("002")
/// The paired difference's estimate of a claim on a model, as text ("–" if not judged).
func estimate(_ statement: String, _ model: String) -> String {
    guard let ruling = judged.first(where: { $0["statement"]?.stringValue == statement && $0["model"]?.stringValue == model }),
        let value = ruling["difference"]?["estimate"]?.doubleValue
    else { return "–" }
    return (value >= 0 ? "+" : "") + Walkthrough.fixed(value, 3)
}
/// The committed run's pointing-game rate of `method` on shapes-cnn, as text.
func shareOfHits(_ method: String) -> String {
    let cell = (full["cells"]?.arrayValue ?? []).first {
        $0["model"]?.stringValue == "shapes-cnn" && $0["method"]?.stringValue == method && $0["metric"]?.stringValue == "pointing-game"
    }
    return cell?["interval"]?["estimate"]?.doubleValue.map { Walkthrough.fixed($0, 2) } ?? "–"
}
notebook.say("""
    The seeds measured their claims on ImageNet: 224×224 photographs, 1,000 classes, deep CNNs.
    Here the images are 8×8 digits and 16×16 shapes, the classes 10 and 4, the models a few
    layers. Family by family, what the committed run found and why.

    IDGI (\(idgi.holds) holds, \(idgi.fails) fails of \(idgi.all) rulings on its own bases). IDGI spends each
    step's change of F on the features in proportion to g_i², whether or not they moved; plain IG
    credits a feature by how far it moved, (x − x′)_i. On a digit most pixels are black: they do
    not move from the black baseline, IG gives them nothing, IDGI gives them their share of g²
    (walkthrough 04 shows the maps). Insertion reveals the highest-ranked pixels first, so every
    unmoved pixel IDGI ranks high is a wasted step: IDGI-IG's insertion changes by
    \(estimate("IDGI improves ig on insertion", "digits-cnn")) on digits-cnn and \(estimate("IDGI improves ig on insertion", "digits-mlp")) on
    digits-mlp. On shapes the background is noise, not black, every pixel moves, and the claim
    holds: \(estimate("IDGI improves ig on insertion", "shapes-cnn")). Localization on shapes still fails
    (IDGI-IG − IG on F1: \(estimate("IDGI improves ig on localization-f1", "shapes-cnn"))): g² spreads credit over the textured
    background the mask calls outside.

    DDPath (\(ddpath.holds) holds, \(ddpath.fails) fails of \(ddpath.all)). DDPath needs a diffusion model that keeps
    each path point on the data manifold and in the target class. The shipped ones are small MLP
    denoisers whose guided samples are 93% class-correct on digits and 57% on shapes
    (walkthrough 06). The path then passes through images the classifier reads as other classes,
    the probability along it falls more often than along the straight line (path-decrease
    \(estimate("DDPath-ig beats ig on path-decrease", "shapes-cnn")) on shapes), and the map is noisier than IG's:
    overall = insertion − deletion changes by \(estimate("DDPath-ig beats ig on overall", "digits-cnn")) on digits-cnn. That
    is the opposite of the paper's mechanism, and what a weak denoiser should be expected to do.

    LPI (\(lpi.holds) holds, \(lpi.fails) fails of \(lpi.all)). Integrating from training images (LPI, EG) beats
    integrating from black on DiffID by a wide margin (LPI − IG: \(estimate("LPI beats ig on DiffID", "digits-mlp")) on
    digits-mlp), and on the digits' ROAR after retraining (\(estimate("LPI beats ig on ROAR", "digits-mlp")) on
    digits-mlp; lower is better). On shapes ROAR turns the other way (\(estimate("LPI beats ig on ROAR", "shapes-cnn"))):
    a reference's own shape sits elsewhere, x − r is large there too, and the map spends its top
    pixels on where the references' shapes were. The masks say the same: the pointing game hits
    the shape for \(shareOfHits("lpi")) of the images with LPI and \(shareOfHits("ig")) with IG. Between LPI and EG the differences are
    small and change sign with the budget: at 20 gradient evaluations LPI's clustered references
    help (\(estimate("LPI beats expected-gradients on DiffID at 20 gradients", "digits-mlp")) on digits-mlp), at 140 EG's
    uniform draws do as well or better (\(estimate("LPI beats expected-gradients on DiffID at 140 gradients", "digits-mlp"))).
    With 1,437 training digits, 20 references drawn at random already cover the classes
    that 20 cluster centres do.
    """)

// MARK: - 5. The evaluation's own choices

notebook.cell(5, "How much the verdicts depend on the evaluation's own choices")
let choices = full["choices"]?.arrayValue ?? []
let flips = choices.filter { $0["flips"]?.boolValue == true }
notebook.record("choiceRulings", Double(choices.count))
notebook.record("choiceFlips", Double(flips.count))
var flipCounts: [String: Int] = [:]
for flip in flips { flipCounts[flip["choice"]!.stringValue!, default: 0] += 1 }
notebook.table(["choice", "verdicts that flip"], flipCounts.keys.sorted().map { [$0, "\(flipCounts[$0]!)"] })
notebook.say("""
    \(flips.count) of \(choices.count) rulings change when the substrate (zeros → the mean or the blur), the
    ranking (signed → absolute) or IG's baseline (black → the mean, the blur, uniform noise)
    changes. The papers fix each of these without saying; a claim whose verdict flips with them
    is a claim about the evaluation as much as about the method. quality/RESULTS.md lists every
    flip.
    """)

// MARK: - 6. The randomization check

notebook.cell(6, "Which maps depend on what the model learned")
let cells = full["cells"]?.arrayValue ?? []
var randomRows: [[String]] = []
for method in (full["methods"]?.arrayValue ?? []).compactMap({ $0["name"]?.stringValue }) {
    let row = models.map { model -> String in
        guard let cell = cells.first(where: { $0["model"]?.stringValue == model && $0["method"]?.stringValue == method && $0["metric"]?.stringValue == "randomization" }),
            let interval = cell["interval"], let estimate = interval["estimate"]?.doubleValue
        else { return "–" }
        let verdict = QualityReport.randomizationVerdict(
            Bootstrap.Interval(estimate: estimate, lower: interval["lower"]!.doubleValue!, upper: interval["upper"]!.doubleValue!, count: 0))
        return "\(Walkthrough.fixed(estimate, 2)) \(verdict)"
    }
    if row.contains(where: { $0 != "–" }) { randomRows.append([method] + row) }
}
notebook.table(["method (mean Spearman ρ after re-drawing every layer)"] + models, randomRows)
notebook.say("""
    A map that stays the same when the model's weights are replaced by random ones does not explain
    the model (Adebayo et al. 2018). IG and input × gradient keep much of x's own structure
    (|x ⊙ …| ranks the bright strokes first whatever the weights), which is why they can fail this
    check on digits while the plain gradient passes it.
    """)
notebook.finish()
