/// The statistics of a quality run: per model × method × metric the aggregate over images
/// with its bootstrap interval, and per claim and model the paired difference with its
/// interval and verdict.
public struct QualitySummary: Sendable {
    /// One cell of the method × metric table.
    public struct Cell: Sendable {
        /// Where the cell is: model, method and metric names.
        public let model: String, method: String, metric: String
        /// The aggregate over the scored images with its interval.
        public let interval: Bootstrap.Interval?
    }

    /// One claim judged on one model.
    public struct Ruling: Sendable {
        /// The claim judged.
        public let claim: Claim
        /// The model it was judged on.
        public let model: String
        /// method − base over the images both were scored on (the metric's aggregate, each
        /// image with all its seeds); nil when the claim cannot be judged on this model (a
        /// method or metric not run, or no common image).
        public let difference: Bootstrap.Interval?
        /// The median over images of the paired per-image differences (each image's seeds
        /// averaged first); nil for a curve-aggregated metric or without data.
        public let median: Bootstrap.Interval?
        /// What the interval of the claim's declared statistic says (undecided without one).
        public let verdict: Verdict
        /// Why there is no difference, when there is none.
        public let note: String?
        /// The bootstrap p-value of the declared statistic (``Bootstrap/pValue(sortedReplicates:)``).
        public var pValue: Double? = nil
        /// The most replicates (run seeds, retrainings) either side has per image.
        public var seeds: Int = 1
        /// Gradient evaluations per image: the method's and the base's.
        public var budget: (method: Double?, base: Double?) = (nil, nil)
        /// A primary claim's Holm-adjusted interval (at its step's level) and verdict.
        public var adjusted: Bootstrap.Interval? = nil
        /// The Holm-adjusted verdict of a primary claim.
        public var adjustedVerdict: Verdict? = nil
        /// The declared statistic's bootstrap replicates, sorted: an interval at another level
        /// is read off them (Holm's steps) without resampling again.
        var judgedReplicates: [Double] = []

        /// The interval the verdict reads: the median's for a claim declared on the median.
        public var judged: Bootstrap.Interval? { claim.statistic == .median ? median : difference }

        /// Against the paper's effect (primary claims that have one): "at least the paper's
        /// size" when the (adjusted) verdict holds and the interval reaches the paper's effect,
        /// "smaller than the paper's" when it holds but lies wholly below it.
        public var effectComparison: String? {
            guard let effect = claim.paperEffect, let interval = adjusted ?? judged, (adjustedVerdict ?? verdict) == .holds,
                let metric = QualityMetric.named(claim.metric)
            else { return nil }
            let upper = metric.direction == .higherIsBetter ? interval.upper : -interval.lower
            return upper >= effect ? "at least the paper's size" : "smaller than the paper's"
        }
    }

    /// A claim ruled on under another evaluation choice (substrate, ranking, baseline).
    public struct ChoiceRuling: Sendable {
        /// "mean substrate", "absolute ranking", "blur baseline", …
        public let choice: String
        /// The ruling under this choice.
        public let ruling: Ruling
        /// The ruling under the standard choices (black baseline, zero substrate, signed).
        public let standard: Ruling
        /// True when the verdict differs from the standard one.
        public var flips: Bool { ruling.verdict != standard.verdict }
    }

    /// Every model × method × metric with images scored.
    public let cells: [Cell]
    /// Every claim on every model, in claim order.
    public let rulings: [Ruling]
    /// The claims on insertion, deletion or overall under the other choices.
    public let choiceRulings: [ChoiceRuling]

    /// Computes every cell and every ruling of `results`.
    public init(_ results: QualityResults) {
        let bootstrap = results.configuration.bootstrap
        let metrics = results.configuration.metrics
        var samplesByCount: [Int: [[Int]]] = [:]
        func samples(_ n: Int) -> [[Int]] {
            if let cached = samplesByCount[n] { return cached }
            let drawn = bootstrap.samples(count: n)
            samplesByCount[n] = drawn
            return drawn
        }
        var cells: [Cell] = []
        for model in results.models {
            for method in results.configuration.methods {
                let runs = model.runs(method.name)
                guard !runs.isEmpty else { continue }
                for metric in metrics {
                    let statistic = ImageStatistic(metric: metric, runs: runs)
                    let n = statistic.count
                    // No cell where no image has a score: a mask metric on a model without
                    // masks, the path metric for a method without a path.
                    guard n > 0 else { continue }
                    let interval = bootstrap.interval(count: n, samples: samples(n)) { statistic.value(over: $0) }
                    cells.append(Cell(model: model.model, method: method.name, metric: metric.name, interval: interval))
                }
            }
        }
        // One ruling: `method` − `base` on `metricName` over the images both were scored on.
        func rule(_ claim: Claim, method methodName: String, base baseName: String, metric metricName: String, model: QualityResults.ModelResults) -> Ruling {
            guard let metric = metrics.first(where: { $0.name == metricName }) else {
                return Ruling(claim: claim, model: model.model, difference: nil, median: nil, verdict: .undecided, note: "metric not run")
            }
            let (methodRuns, baseRuns) = (model.runs(methodName), model.runs(baseName))
            guard !methodRuns.isEmpty, !baseRuns.isEmpty else {
                return Ruling(claim: claim, model: model.model, difference: nil, median: nil, verdict: .undecided, note: "method not run")
            }
            guard let pair = PairedImages(metric: metric, method: methodRuns, base: baseRuns) else {
                let note =
                    metric.needsMask
                    ? "no masks on this model" : metric.name == "path-decrease" ? "no path" : ["roar", "diffroar"].contains(metric.name) ? "not retrained on this model" : "no image scored"
                return Ruling(claim: claim, model: model.model, difference: nil, median: nil, verdict: .undecided, note: note)
            }
            let (n, draws) = (pair.count, samples(pair.count))
            let differenceReplicates = bootstrap.replicates(count: n, samples: draws) { pair.difference(over: $0) }
            let difference = bootstrap.interval(estimate: pair.difference(over: Array(0..<n)), sortedReplicates: differenceReplicates, count: n)
            var median: Bootstrap.Interval?
            var medianReplicates: [Double] = []
            if metric.aggregation == .mean {
                medianReplicates = bootstrap.replicates(count: n, samples: draws) { pair.medianDifference(over: $0) }
                median = bootstrap.interval(estimate: pair.medianDifference(over: Array(0..<n)), sortedReplicates: medianReplicates, count: n)
            }
            let judged = claim.statistic == .median ? median : difference
            var ruling = Ruling(
                claim: claim, model: model.model, difference: difference, median: median, verdict: Verdict(difference: judged, direction: metric.direction),
                note: judged == nil ? "no median for a curve aggregate" : nil)
            ruling.judgedReplicates = claim.statistic == .median && median != nil ? medianReplicates : differenceReplicates
            ruling.pValue = Bootstrap.pValue(sortedReplicates: ruling.judgedReplicates)
            ruling.seeds = max(methodRuns.count, baseRuns.count)
            ruling.budget = (model.gradientEvaluations[methodName], model.gradientEvaluations[baseName])
            return ruling
        }
        var rulings: [Ruling] = []
        var choiceRulings: [ChoiceRuling] = []
        for claim in Claim.all {
            for model in results.models {
                let ruling = rule(claim, method: claim.method.rawValue, base: claim.base.rawValue, metric: claim.metric.rawValue, model: model)
                rulings.append(ruling)
                guard ruling.difference != nil, claim.control == nil else { continue }
                // The same claim under the evaluation's other choices, where they were run.
                let standardMetric = claim.metric.rawValue.hasSuffix("-abs") ? String(claim.metric.rawValue.dropLast(4)) : claim.metric.rawValue
                for variant in [(standardMetric, "signed ranking")] + QualityMetric.variants(of: standardMetric)
                where variant.0 != claim.metric.rawValue && metrics.contains(where: { $0.name == variant.0 }) {
                    let other = rule(claim, method: claim.method.rawValue, base: claim.base.rawValue, metric: variant.0, model: model)
                    if other.difference != nil { choiceRulings.append(ChoiceRuling(choice: variant.1, ruling: other, standard: ruling)) }
                }
                for baseline in QualityMethod.Baseline.evaluationChoices {
                    let (method, base) = ("\(claim.method)@\(baseline.rawValue)", "\(claim.base)@\(baseline.rawValue)")
                    guard model.scores[method] != nil, model.scores[base] != nil else { continue }
                    let other = rule(claim, method: method, base: base, metric: claim.metric.rawValue, model: model)
                    if other.difference != nil { choiceRulings.append(ChoiceRuling(choice: "\(baseline.rawValue) baseline", ruling: other, standard: ruling)) }
                }
            }
        }
        // Holm over each paper's primary claims on each model, at the run's α.
        let alpha = 1 - bootstrap.confidence
        for model in results.models {
            for paper in Set(Claim.all.map(\.seed)) {
                let family = rulings.indices.filter { rulings[$0].model == model.model && rulings[$0].claim.seed == paper && rulings[$0].claim.primary && rulings[$0].pValue != nil }
                guard !family.isEmpty else { continue }
                let pValues = family.map { rulings[$0].pValue! }
                let adjusted = Holm.adjusted(pValues), levels = Holm.stepLevels(pValues, alpha: alpha)
                for (k, index) in family.enumerated() {
                    let claim = rulings[index].claim
                    let stepped = Bootstrap(resamples: bootstrap.resamples, seed: bootstrap.seed, confidence: 1 - levels[k])
                    rulings[index].adjusted = rulings[index].judged.map {
                        stepped.interval(estimate: $0.estimate, sortedReplicates: rulings[index].judgedReplicates, count: $0.count)
                    }
                    let direction = QualityMetric.named(claim.metric)?.direction ?? .higherIsBetter
                    let verdict = Verdict(difference: rulings[index].judged, direction: direction)
                    rulings[index].adjustedVerdict = adjusted[k] <= alpha ? verdict : .undecided
                }
            }
        }
        self.cells = cells
        self.rulings = rulings
        self.choiceRulings = choiceRulings
    }

    /// The cell for (model, method, metric).
    public func cell(_ model: String, _ method: String, _ metric: String) -> Cell? {
        cells.first { $0.model == model && $0.method == method && $0.metric == metric }
    }
}

/// A method and its base on the images both were scored on, in the same order — the pairing
/// every ruling resamples.
struct PairedImages {
    let method: ImageStatistic, base: ImageStatistic
    /// Per image: the method's replicate mean minus the base's.
    let differences: [Double]

    /// The pair on `metric`; nil when no image was scored under both (or either was not run).
    init?(metric: QualityMetric, method methodRuns: [[ImageScores]], base baseRuns: [[ImageScores]]) {
        guard let first = methodRuns.first, !baseRuns.isEmpty else { return nil }
        func scored(_ runs: [[ImageScores]], _ i: Int) -> Bool { runs.contains { $0[i].values[metric.name] != nil } }
        let common = first.indices.filter { scored(methodRuns, $0) && scored(baseRuns, $0) }
        guard !common.isEmpty else { return nil }
        method = ImageStatistic(metric: metric, runs: methodRuns.map { run in common.map { run[$0] } })
        base = ImageStatistic(metric: metric, runs: baseRuns.map { run in common.map { run[$0] } })
        differences = zip(method.values, base.values).map { $0 - $1 }
    }

    /// The number of paired images.
    var count: Int { differences.count }

    /// The metric's aggregate difference, method − base, over a multiset of images.
    func difference(over indices: [Int]) -> Double { method.value(over: indices) - base.value(over: indices) }

    /// The median of the per-image differences over a multiset of images.
    func medianDifference(over indices: [Int]) -> Double { Bootstrap.median(indices.map { differences[$0] }) }
}

/// A metric's aggregate over a multiset of images (indices into the scored images, repeats
/// allowed), each image with all its replicates (run seeds, retrainings): the mean over images
/// of each image's replicate mean, or the area of the median curve over every (image,
/// replicate) curve, an image drawn k times counting each of its curves k times.
///
/// Resampling images with all their seeds kept — the first stage with replacement, the second
/// without (Davison & Hinkley 1997, §3.8) — gives the mean's bootstrap variance
/// S_b/n, S_b = (1/n) Σ_i (ȳ_i − ȳ)², whose expectation under y_is = μ + a_i + e_is is
/// (n − 1)/n · (σ_a²/n + σ_e²/(n s)): the between-seed part is in it. Resampling the seeds with
/// replacement as well would count that part twice.
struct ImageStatistic {
    let aggregation: QualityMetric.Aggregation
    /// The scored images' values (each image's mean over its replicates).
    let values: [Double]
    /// Median curve: per grid point, every unit's value at it and the units in sorted order;
    /// `units[i]` the units (image, replicate) of scored image i.
    let columns: [[Double]]
    let orders: [[Int]]
    let units: [[Int]]

    /// The images scored on `metric` in any replicate of `runs` ([replicate][image]), in order.
    init(metric: QualityMetric, runs: [[ImageScores]]) {
        aggregation = metric.aggregation
        let imageCount = runs.first?.count ?? 0
        let scored = (0..<imageCount).filter { i in runs.contains { $0[i].values[metric.name] != nil } }
        values = scored.map { i in
            let replicates = runs.compactMap { $0[i].values[metric.name] }
            return replicates.reduce(0, +) / Double(replicates.count)
        }
        if metric.aggregation == .medianCurve {
            var sampled: [[Double]] = []
            var units: [[Int]] = []
            for i in scored {
                var own: [Int] = []
                for run in runs {
                    guard let curve = run[i].curves[metric.name] else { continue }
                    own.append(sampled.count)
                    sampled.append(PerformanceGrid.sample(curve))
                }
                units.append(own)
            }
            self.units = units
            columns = PerformanceGrid.x.indices.map { g in sampled.map { $0[g] } }
            orders = columns.map { column in column.indices.sorted { column[$0] != column[$1] ? column[$0] < column[$1] : $0 < $1 } }
        } else {
            units = []
            columns = []
            orders = []
        }
    }

    /// One replicate's scores.
    init(metric: QualityMetric, scores: [ImageScores]) { self.init(metric: metric, runs: [scores]) }

    /// The number of scored images.
    var count: Int { values.count }

    /// The aggregate over `indices`.
    func value(over indices: [Int]) -> Double {
        switch aggregation {
        case .mean, .meanCurve:
            // The mean curve's area equals the mean of the per-image areas on the same grid.
            var total = 0.0
            for i in indices { total += values[i] }
            return total / Double(indices.count)
        case .medianCurve:
            let unitCount = columns.first?.count ?? 0
            var multiplicity = [Int](repeating: 0, count: unitCount)
            var n = 0
            for i in indices {
                for unit in units[i] { multiplicity[unit] += 1 }
                n += units[i].count
            }
            // The median of the multiset at each grid point: the value at rank n/2 (odd n), or
            // the mean of ranks n/2 − 1 and n/2 (even n), walking the column in sorted order.
            let (lowRank, highRank) = n % 2 == 1 ? (n / 2, n / 2) : (n / 2 - 1, n / 2)
            var ys = [Double](repeating: 0, count: columns.count)
            multiplicity.withUnsafeBufferPointer { counts in
                for g in columns.indices {
                    columns[g].withUnsafeBufferPointer { column in
                        orders[g].withUnsafeBufferPointer { order in
                            var seen = 0
                            var low = column[order[order.count - 1]], high = low
                            var foundLow = false
                            for i in order {
                                let count = counts[i]
                                if count == 0 { continue }
                                seen += count
                                if !foundLow && seen > lowRank {
                                    low = column[i]
                                    foundLow = true
                                }
                                if seen > highRank {
                                    high = column[i]
                                    break
                                }
                            }
                            ys[g] = lowRank == highRank ? high : (low + high) / 2
                        }
                    }
                }
            }
            return PerformanceGrid.area(ys)
        }
    }
}
