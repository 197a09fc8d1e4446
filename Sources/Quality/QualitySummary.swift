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
        /// method − base over the images both were scored on; nil when the claim cannot be
        /// judged on this model (a method or metric not run, or no common image).
        public let difference: Bootstrap.Interval?
        /// What the interval says (undecided without one).
        public let verdict: Verdict
        /// Why there is no difference, when there is none.
        public let note: String?
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
                guard let scores = model.scores[method.name] else { continue }
                for metric in metrics {
                    let statistic = ImageStatistic(metric: metric, scores: scores)
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
                return Ruling(claim: claim, model: model.model, difference: nil, verdict: .undecided, note: "metric not run")
            }
            guard let methodScores = model.scores[methodName], let baseScores = model.scores[baseName] else {
                return Ruling(claim: claim, model: model.model, difference: nil, verdict: .undecided, note: "method not run")
            }
            // The images both were scored on, in the same order: the pairing.
            let common = methodScores.indices.filter { methodScores[$0].values[metric.name] != nil && baseScores[$0].values[metric.name] != nil }
            guard !common.isEmpty else {
                let note =
                    metric.needsMask
                    ? "no masks on this model" : metric.name == "path-decrease" ? "no path" : ["roar", "diffroar"].contains(metric.name) ? "not retrained on this model" : "no image scored"
                return Ruling(claim: claim, model: model.model, difference: nil, verdict: .undecided, note: note)
            }
            let method = ImageStatistic(metric: metric, scores: common.map { methodScores[$0] })
            let base = ImageStatistic(metric: metric, scores: common.map { baseScores[$0] })
            let difference = bootstrap.interval(count: common.count, samples: samples(common.count)) { indices in
                method.value(over: indices) - base.value(over: indices)
            }
            return Ruling(
                claim: claim, model: model.model, difference: difference, verdict: Verdict(difference: difference, direction: metric.direction), note: nil)
        }
        var rulings: [Ruling] = []
        var choiceRulings: [ChoiceRuling] = []
        for claim in Claim.all {
            for model in results.models {
                let ruling = rule(claim, method: claim.method.rawValue, base: claim.base.rawValue, metric: claim.metric.rawValue, model: model)
                rulings.append(ruling)
                guard ruling.difference != nil else { continue }
                // The same claim under the evaluation's other choices, where they were run.
                for variant in QualityMetric.variants(of: claim.metric.rawValue) where metrics.contains(where: { $0.name == variant.metric }) {
                    let other = rule(claim, method: claim.method.rawValue, base: claim.base.rawValue, metric: variant.metric, model: model)
                    if other.difference != nil { choiceRulings.append(ChoiceRuling(choice: variant.choice, ruling: other, standard: ruling)) }
                }
                for baseline in QualityMethod.Baseline.allCases {
                    let (method, base) = ("\(claim.method)@\(baseline.rawValue)", "\(claim.base)@\(baseline.rawValue)")
                    guard model.scores[method] != nil, model.scores[base] != nil else { continue }
                    let other = rule(claim, method: method, base: base, metric: claim.metric.rawValue, model: model)
                    if other.difference != nil { choiceRulings.append(ChoiceRuling(choice: "\(baseline.rawValue) baseline", ruling: other, standard: ruling)) }
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

/// A metric's aggregate over a multiset of images (indices into the scored images, repeats
/// allowed): the mean of the per-image scores, or the area of the median curve (SIC).
struct ImageStatistic {
    let aggregation: QualityMetric.Aggregation
    /// The scored images' values (mean and mean-curve aggregation).
    let values: [Double]
    /// Median curve: per grid point, the scored images' values at it and their sorted order.
    let columns: [[Double]]
    let orders: [[Int]]

    /// The images scored on `metric` among `scores`, in order.
    init(metric: QualityMetric, scores: [ImageScores]) {
        aggregation = metric.aggregation
        let scored = scores.filter { $0.values[metric.name] != nil }
        values = scored.map { $0.values[metric.name]! }
        if metric.aggregation == .medianCurve {
            let sampled = scored.map { PerformanceGrid.sample($0.curves[metric.name]!) }
            columns = PerformanceGrid.x.indices.map { g in sampled.map { $0[g] } }
            orders = columns.map { column in column.indices.sorted { column[$0] != column[$1] ? column[$0] < column[$1] : $0 < $1 } }
        } else {
            columns = []
            orders = []
        }
    }

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
            var multiplicity = [Int](repeating: 0, count: values.count)
            for i in indices { multiplicity[i] += 1 }
            let n = indices.count
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
