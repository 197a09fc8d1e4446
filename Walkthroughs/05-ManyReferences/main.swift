// Walkthrough 05 — Many references: Expected Gradients, LPI and AGI on digits-cnn. Where
// their references come from, the completeness target each one has (and AGI's lack of one),
// the maps beside IG's and their IDGI versions, and what each costs in gradient evaluations.
//
// Run:  swift run -c release walkthrough-05

import ArrayFormats
import Attribution
import Datasets
import Foundation
import Models
import Tensors
import WalkthroughSupport

let notebook = Walkthrough(name: "05-many-references", title: "Walkthrough 05 · Many references: Expected Gradients, LPI and AGI on digits-cnn")
let clock = ContinuousClock()
func seconds(_ duration: Duration) -> Double { Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18 }

/// One row per digit: the input, then its maps under `columns`, each to its own max|A|.
func figureOfMaps(_ title: String, columns: [String], maps: [[Tensor]], caption: String) -> HeatmapFigure {
    HeatmapFigure(
        title: title, columnTitles: ["input"] + columns,
        rows: digits.indices.map { i in
            [Heatmap.Panel(values: digits[i].scalars, height: 8, width: 8, colormap: .grayscale, range: 0...1)]
                + maps[i].map { Heatmap.Panel(values: $0.scalars, height: 8, width: 8, colormap: .diverging) }
        },
        colorScales: [
            .init(.grayscale, low: "0", high: "1", caption: "input: pixel value"),
            .init(.diverging, low: "-max|A|", middle: "0", high: "+max|A|", caption: caption),
        ])
}

// MARK: - 1. Three digits and a training set

notebook.cell(1, "Three digits, and the training set the references come from")
let network = orExit { try ModelDirectory.load(Walkthrough.fixture("models/digits-cnn")) }
let inputs = orExit { try NPY.read(contentsOf: Walkthrough.fixture("models/digits-cnn/check/inputs.npy")) }
let digits = [0, 1, 2].map { inputs.point($0) }
let predictions = orExit { try network.predictions(for: Tensor.stacking(digits)) }
let outputs = predictions.map { target in orExit { try ClassifierOutput(network: network, target: target, kind: .probability) } }
// The fast mode (for the tests, in debug builds) takes the first 400 training images.
let allTraining = orExit { try Datasets.digits(directory: Walkthrough.fixture("data")) }.train
let training = notebook.fast ? allTraining.subset(Array(0..<400)) : allTraining
let references = (0..<training.count).map { training.inputs.point($0) }
let trainingStack = Tensor.stacking(references)
/// E_R[F(r)] for each digit's F: the mean over the whole reference set.
let referenceMeans = outputs.map { output in orExit { try output.values(at: trainingStack) }.reduce(0, +) / Double(references.count) }
notebook.table(["image", "predicted", "p(predicted)", "mean p(predicted) over the training set"], digits.indices.map { i in
    ["\(i)", "\(predictions[i])", Walkthrough.fixed(orExit { try outputs[i].value(at: digits[i]) }, 5), Walkthrough.fixed(referenceMeans[i], 4)]
})
notebook.say("""
    IG needs one baseline x′ and explains F(x) − F(x′). The three methods here replace that
    choice with many starting points:
      · Expected Gradients (Erion et al. 2021) draws references r from the training set (here
        all \(references.count) training images) and one α ~ U(0, 1) per draw, and averages
        (x − r) ⊙ ∇F(r + α(x − r)): IG averaged over the data, one random point per line.
      · LPI (Yang et al. 2023) clusters the training set in the model's logit space and uses
        one reference per sub-cluster of the input's cluster, each weighted by the share of
        the data it stands for (its density ρ).
      · AGI (Pan et al. 2021) has no references: it walks from x toward each false class by
        sign-gradient ascent and integrates the explained class's gradient along the way.
    F is p(predicted class), as in walkthrough 04, so the maps can be set beside those.
    """)

// MARK: - 2. LPI's references

notebook.cell(2, "Where LPI's references come from: k-means in logit space")
let clusteringBegan = clock.now
let global = orExit { try LocalPathIntegration.cluster(references, network: network, clusters: 1, subclusters: 20, seed: 0) }
let clusteringSeconds = seconds(clock.now - clusteringBegan)
let local = orExit { try LocalPathIntegration.cluster(references, network: network, clusters: 10, subclusters: 8, seed: 0) }
notebook.record("clusteringSeconds", clusteringSeconds)
notebook.record("referenceCount", Double(references.count))
let subclusters = global.clusters[0].subclusters.sorted { $0.density > $1.density }
let referencePredictions = orExit { try network.predictions(for: Tensor.stacking(subclusters.map { references[$0.reference] })) }
notebook.table(["sub-cluster", "size", "density ρ", "reference", "its label", "model says"], subclusters.indices.map { j in
    let sub = subclusters[j]
    return ["\(j + 1)", "\(sub.size)", Walkthrough.fixed(sub.density, 4), "#\(sub.reference)", "\(training.labels[sub.reference])", "\(referencePredictions[j])"]
})
let densitySum = global.clusters[0].subclusters.map(\.density).reduce(0, +)
notebook.record("densitySum", densitySum)
notebook.say("""
    The paper's setting, C = 1 cluster and R = 20 sub-clusters (ypeiyu/LPI's c1r20): the
    whole training set is split into 20 groups by k-means on the 10 logits of each image
    (k-means++ start from seed 0, Lloyd iterations to a fixed point). Each group's reference
    is the member nearest its centroid; ρ = group size / \(references.count) (the densities sum
    to \(Walkthrough.fixed(densitySum, 12))). Since the logits of a well-trained model mostly
    say which digit it is, the groups are mostly one digit each, and big digit classes get
    several groups. Cost, once per training set and model: \(Walkthrough.fixed(1000 * clusteringSeconds, 1)) ms here for the
    logits of \(references.count) images and k-means (`swift run -c release bench --only references`
    times the parts, for other C and R too); every input then reuses the clustering.
    """)
let referencesFigure = HeatmapFigure(
    title: "LPI's references (C = 1, R = 20), by density", columnTitles: subclusters.map { String(format: "%.3f", $0.density) },
    rows: [subclusters.map { Heatmap.Panel(values: references[$0.reference].scalars, height: 8, width: 8, colormap: .grayscale, range: 0...1) }],
    colorScales: [.init(.grayscale, low: "0", high: "1", caption: "each reference image; above it, its density (its sub-cluster's share of the training set)")])
orExit { try referencesFigure.writePNG(to: notebook.figure("references.png", alt: "LPI's reference images for one cluster, one per sub-cluster, ordered by density, each titled with its density"), scale: 8) }

let chosen = digits.map { digit in local.nearestCluster(to: orExit { try network.logits(for: digit.reshaped([1] + digit.shape)) }.scalars) }
let localFigure = HeatmapFigure(
    title: "LPI with C = 10, R = 8: each digit's own cluster's references", columnTitles: ["input"] + (1...8).map { "ref \($0)" },
    rows: digits.indices.map { i in
        [Heatmap.Panel(values: digits[i].scalars, height: 8, width: 8, colormap: .grayscale, range: 0...1)]
            + local.clusters[chosen[i]].subclusters.sorted { $0.density > $1.density }.map {
                Heatmap.Panel(values: references[$0.reference].scalars, height: 8, width: 8, colormap: .grayscale, range: 0...1)
            }
    },
    colorScales: [.init(.grayscale, low: "0", high: "1", caption: "the input, then its cluster's references, densest first")])
orExit { try localFigure.writePNG(to: notebook.figure("local-references.png", alt: "For each of several input digits, the input followed by the eight reference images of its own cluster, densest first"), scale: 10) }
notebook.table(["image", "its cluster (of 10)", "cluster size", "labels of its 8 references"], digits.indices.map { i in
    let cluster = local.clusters[chosen[i]]
    return ["\(i)", "\(chosen[i])", "\(cluster.members.count)", cluster.subclusters.sorted { $0.density > $1.density }.map { "\(training.labels[$0.reference])" }.joined(separator: " ")]
})
notebook.say("""
    With C = 10 the references become local: an input's logits pick the nearest of 10
    centers, and its references are that cluster's 8 sub-cluster representatives — images the
    model sees as like the input (figure local-references.png). The rest of this walkthrough
    uses the paper's C = 1, R = 20.
    """)

// MARK: - 3. Completeness targets

notebook.cell(3, "What each method is complete toward")
let egSamples = notebook.fast ? 16 : 50
let lpiSamples = notebook.fast ? 2 : 5
let idgiSteps = notebook.fast ? 8 : 20
let agiIterations = notebook.fast ? 8 : 20
let eg = ExpectedGradients(references: references, samples: egSamples, seed: 0)
let egIDGI = ExpectedGradients(references: references, samples: egSamples, seed: 0, integrator: ImportantDirection(), steps: idgiSteps)
let lpi = LocalPathIntegration(references: references, clustering: global, network: network, samplesPerReference: lpiSamples, seed: 0)
var lpiIDGI = lpi
lpiIDGI.integrator = ImportantDirection()
lpiIDGI.steps = idgiSteps
let agi = AdversarialGradientIntegration(classCount: 10, maxIterations: agiIterations)
let agiIDGI = AdversarialGradientIntegration(classCount: 10, maxIterations: agiIterations, integrator: ImportantDirection())
let agiOfficial = AdversarialGradientIntegration(classCount: 10, maxIterations: agiIterations, variant: .official)

/// Σ_t (F(x) − F(x_end^t)) from an AGI ledger: each walk's first and last values.
func adversarialDrop(_ ledger: Ledger) -> Double {
    var total = 0.0
    for t in Set(ledger.steps.compactMap { $0.detail("t") }).sorted() {
        let walk = ledger.steps.filter { $0.detail("t") == t }
        let first = walk.min { $0.detail("iteration")! < $1.detail("iteration")! }!
        let last = walk.max { $0.detail("iteration")! < $1.detail("iteration")! }!
        total += first.endValue - last.startValue
    }
    return total
}

var targetRows: [[String]] = []
var worstIDGIGap: [String: Double] = [:]
for (i, x) in digits.enumerated() {
    let fx = orExit { try outputs[i].value(at: x) }
    let populationMean = referenceMeans[i]
    for (name, method) in [("EG", eg as any AttributionMethod), ("IDGI-EG", egIDGI), ("LPI", lpi), ("IDGI-LPI", lpiIDGI)] {
        let result = orExit { try method.attribute(x, of: outputs[i]) }
        let sum = result.attribution.scalars.reduce(0, +)
        let target = result.endValue! - result.startValue!
        let gap = abs(sum - target) / abs(target)
        worstIDGIGap[name] = max(worstIDGIGap[name] ?? 0, gap)
        let population = name.hasSuffix("EG") ? Walkthrough.fixed(fx - populationMean, 4) : "–"
        targetRows.append(["\(i)", name, Walkthrough.fixed(sum, 4), Walkthrough.fixed(target, 4), population, Walkthrough.sci(gap)])
    }
    for (name, method) in [("AGI", agi), ("IDGI-AGI", agiIDGI)] {
        let result = orExit { try method.attribute(x, of: outputs[i], options: RunOptions(recordsLedger: true)) }
        let sum = result.attribution.scalars.reduce(0, +)
        let drop = adversarialDrop(result.ledger!)
        let gap = abs(sum - drop) / abs(drop)
        worstIDGIGap[name] = max(worstIDGIGap[name] ?? 0, gap)
        targetRows.append(["\(i)", name, Walkthrough.fixed(sum, 4), "none; walks' drop " + Walkthrough.fixed(drop, 4), "–", Walkthrough.sci(gap)])
    }
    let official = orExit { try agiOfficial.attribute(x, of: outputs[i]) }
    targetRows.append(["\(i)", "AGI (official)", Walkthrough.fixed(official.attribution.scalars.reduce(0, +), 4), "none", "–", "–"])
}
notebook.table(["image", "method", "Σ A", "own target", "F(x) − E_R[F(r)]", "|Σ A − target| / |target|"], targetRows)
for (name, gap) in worstIDGIGap.sorted(by: { $0.key < $1.key }) { notebook.record("relativeCompletenessGap_\(name)", gap) }
notebook.say("""
    Each method is complete toward its own target, not toward F(x) − F(black):
      · EG toward F(x) − (1/K) Σ_k F(r_k), the drawn references' mean — an estimate of
        F(x) − E_R[F(r)] over the whole training set (column 5). The Riemann estimator
        (one random α per line) reaches it only up to Monte-Carlo error, and here that error
        is large (worst \(Walkthrough.fixed(100 * worstIDGIGap["EG"]!, 0))% with K = \(egSamples)): p(predicted) climbs from near 0 to near 1
        over a short stretch of each line, which one random α per line mostly misses. IDGI
        on \(idgiSteps) segments per drawn line reaches the target to round-off.
      · LPI toward F(x) − Σ_j ρ_j F(r_j): the weights sum to 1 (the official code's sum to
        1/R, one of its departures), so Σ A is a weighted mean of 20 IG sums.
      · AGI: none. There is no baseline: each walk ends wherever the ascent toward class t
        stops (t reached, or \(agiIterations) steps), so "F(x) − F(baseline)" has no meaning. What the
        corrected walk does integrate is Σ_t (F(x) − F(x_end^t)), the drop of p(predicted)
        along each walk, summed over the 9 false classes. The Riemann sum takes each step's
        gradient at its start and is only first-order right: with sign steps of ε = 0.05
        and p changing abruptly it misses up to \(Walkthrough.fixed(100 * worstIDGIGap["AGI"]!, 0))% of the drop. IDGI explains each
        step's ΔF exactly, so IDGI-AGI sums to the drop. The official code restarts every
        step from x, so its "walks" are no paths and its Σ A approximates nothing.
    """)

// MARK: - 4. Convergence of the estimators

notebook.cell(4, "The estimators' error shrinks as samples grow")
let x0 = digits[0]
let egCounts = notebook.fast ? [4, 16, 64] : [10, 40, 160, 640]
let lpiCounts = notebook.fast ? [1, 4, 16] : [1, 4, 16, 64]
let seeds: [UInt64] = Array(0..<(notebook.fast ? 4 : 10))
let fx0 = orExit { try outputs[0].value(at: x0) }
let population0 = fx0 - referenceMeans[0]
var convergenceRows: [[String]] = []
var egGaps: [Double] = []
for k in egCounts {
    // Mean over seeds of |Σ A − (F(x) − E_R[F(r)])|: sampling error in r and in α together.
    let gap = seeds.map { seed in
        abs(orExit { try ExpectedGradients(references: references, samples: k, seed: seed).attribute(x0, of: outputs[0]) }.attribution.scalars.reduce(0, +) - population0)
    }.reduce(0, +) / Double(seeds.count)
    egGaps.append(gap)
    convergenceRows.append(["EG", "K = \(k)", Walkthrough.sci(gap)])
}
var lpiGaps: [Double] = []
for k in lpiCounts {
    let gap = seeds.map { seed in
        var method = lpi
        method.samplesPerReference = k
        method.seed = seed
        let result = orExit { try method.attribute(x0, of: outputs[0]) }
        return abs(result.completenessDelta!)
    }.reduce(0, +) / Double(seeds.count)
    lpiGaps.append(gap)
    convergenceRows.append(["LPI", "k = \(k) per reference (\(20 * k) gradients)", Walkthrough.sci(gap)])
}
notebook.table(["method", "samples", "mean |Σ A − target| over \(seeds.count) seeds"], convergenceRows)
func slope(_ counts: [Int], _ gaps: [Double]) -> Double {
    (log(gaps.last!) - log(gaps.first!)) / (log(Double(counts.last!)) - log(Double(counts.first!)))
}
notebook.record("egGapSmallest", egGaps.first!)
notebook.record("egGapLargest", egGaps.last!)
notebook.record("lpiGapSmallest", lpiGaps.first!)
notebook.record("lpiGapLargest", lpiGaps.last!)
notebook.say("""
    Monte-Carlo error falls as 1/√samples: the log–log slope is \(Walkthrough.fixed(slope(egCounts, egGaps), 2)) for EG (toward
    the population target F(x) − E_R[F(r)]) and \(Walkthrough.fixed(slope(lpiCounts, lpiGaps), 2)) for LPI (toward its
    own F(x) − Σ ρ_j F(r_j), with only α random), against −0.5 for the rate. The
    axiom tests check the same shrinkage on other models (swift test).
    """)

// MARK: - 5. The maps side by side

notebook.cell(5, "The maps side by side, and what they cost")
let igSteps = notebook.fast ? 16 : 200
let methods: [(String, any AttributionMethod)] = [
    ("IG", IntegratedGradients(steps: igSteps)), ("IDGI-IG", IntegratedGradients(steps: igSteps, integrator: ImportantDirection())),
    ("EG", eg), ("IDGI-EG", egIDGI), ("LPI", lpi), ("IDGI-LPI", lpiIDGI), ("AGI", agi), ("IDGI-AGI", agiIDGI),
]
var maps: [[Tensor]] = Array(repeating: [], count: digits.count)
var costRows: [[String]] = []
for (name, method) in methods {
    var elapsed = 0.0
    var gradients = 0
    var values = 0
    for (i, x) in digits.enumerated() {
        let start = clock.now
        let result = orExit { try method.attribute(x, of: outputs[i]) }
        elapsed += seconds(clock.now - start)
        gradients += result.gradientEvaluations
        values += result.valueEvaluations
        maps[i].append(result.attribution)
    }
    let count = Double(digits.count)
    costRows.append([name, Walkthrough.fixed(Double(gradients) / count, 1), Walkthrough.fixed(Double(values) / count, 1), Walkthrough.fixed(1000 * elapsed / count, 2)])
    notebook.record("gradientEvaluations_\(name)", Double(gradients) / count)
}
notebook.table(["method", "gradients per image", "forward-only per image", "ms per image"], costRows)
notebook.say("""
    Gradient evaluations: EG K = \(egSamples) (IDGI: K × \(idgiSteps) segments); LPI R × k = 20 × \(lpiSamples)
    (IDGI: 20 × \(idgiSteps)), plus one forward pass to pick the cluster and the one-off clustering
    of cell 2; AGI two per ascent step (∇p_y and ∇p_t), at most 9 classes × \(agiIterations) steps,
    fewer when a walk reaches its class early, and a forward pass per step for the prediction.
    """)
let mapsFigure = figureOfMaps(
    "digits-cnn: attributions of p(predicted class)", columns: methods.map(\.0), maps: maps,
    caption: "maps: red raises p, blue lowers it (each map to its own max|A|)")
orExit { try mapsFigure.writePNG(to: notebook.figure("maps.png", alt: "A grid of attribution maps of the predicted class's probability on digits-cnn: one row per input digit, one column per method: IG, Expected Gradients, LPI, AGI and the IDGI version of each, red raising the probability and blue lowering it")) }
notebook.say("""
    Figure maps.png: one row per digit; the input, then IG from black and its IDGI version,
    EG, LPI and AGI and theirs. EG and LPI give the black background weight that IG cannot:
    the references have ink where x has none, so x − r is non-zero there.
    """)

// MARK: - 6. LPI's density ablation

notebook.cell(6, "LPI's densities: cluster, uniform, random")
var densityMaps: [[Tensor]] = Array(repeating: [], count: digits.count)
var densityRows: [[String]] = []
var densityChanges: [LocalPathIntegration.Density: Double] = [:]
for density in LocalPathIntegration.Density.allCases {
    var method = lpi
    method.density = density
    var change = 0.0
    for (i, x) in digits.enumerated() {
        let result = orExit { try method.attribute(x, of: outputs[i]) }
        densityMaps[i].append(result.attribution)
        let reference = densityMaps[i][0].scalars
        let difference = zip(result.attribution.scalars, reference).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
        change += difference / reference.map { $0 * $0 }.reduce(0, +).squareRoot() / Double(digits.count)
        if i == 0 {
            densityRows.append([density.rawValue, Walkthrough.fixed(result.startValue!, 4), Walkthrough.fixed(result.attribution.scalars.reduce(0, +), 4), Walkthrough.fixed(change * Double(digits.count), 3)])
        }
    }
    notebook.record("densityChange_\(density.rawValue)", change)
    densityChanges[density] = change
}
notebook.table(["density", "Σ ρ_j F(r_j) (image 0)", "Σ A (image 0)", "‖A − A_cluster‖ / ‖A_cluster‖ (image 0)"], densityRows)
let densityFigure = figureOfMaps(
    "LPI with cluster, uniform and random densities", columns: LocalPathIntegration.Density.allCases.map(\.rawValue), maps: densityMaps,
    caption: "maps (each to its own max|A|)")
orExit { try densityFigure.writePNG(to: notebook.figure("densities.png", alt: "LPI's attribution maps for the same digits with cluster, uniform and random reference densities, side by side")) }
notebook.say("""
    The supplementary's ablation: the same 20 references and the same α's, weighted by their
    cluster densities, equally, or at random (seeded, normalised). Only the weights change, so
    the target moves with Σ ρ_j F(r_j) and the map with how much each reference's IG map
    counts: over the three digits, uniform weights move the map by \(Walkthrough.fixed(100 * densityChanges[.uniform]!, 0))% (relative L2) and
    random ones by \(Walkthrough.fixed(100 * densityChanges[.random]!, 0))%. The references are all confidently classified: those
    of the input's own digit have F(r_j) ≈ F(x), so their lines explain almost nothing; each
    of the others explains nearly all of F(x). The weights therefore decide which other
    digits the map contrasts x with. Figure densities.png.
    """)
notebook.finish()
