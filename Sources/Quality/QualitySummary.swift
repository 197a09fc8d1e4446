/// The statistics of a quality run: per model × method × metric the aggregate over images
/// with its bootstrap interval, and per claim and model the paired difference with its
/// interval and verdict.
public struct QualitySummary: Sendable {
    /// One cell of the method × metric table.
    public struct Cell: Sendable {
        public let model: String, method: String, metric: String
        /// nil when no image could be scored.
        public let interval: Bootstrap.Interval?
    }

    /// One claim judged on one model.
    public struct Ruling: Sendable {
        public let claim: Claim
        public let model: String
        /// method − base over the images both were scored on; nil when the claim cannot be
        /// judged on this model (a method or metric not run, or no common image).
        public let difference: Bootstrap.Interval?
        public let verdict: Verdict
        /// Why there is no difference, when there is none.
        public let note: String?
    }

    public let cells: [Cell]
    public let rulings: [Ruling]

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
                    let interval = n == 0 ? nil : bootstrap.interval(count: n, samples: samples(n)) { statistic.value(over: $0) }
                    if n > 0 || !metric.needsMask {
                        cells.append(Cell(model: model.model, method: method.name, metric: metric.name, interval: interval))
                    }
                }
            }
        }
        var rulings: [Ruling] = []
        for claim in Claim.all {
            for model in results.models {
                guard let metric = metrics.first(where: { $0.name == claim.metric }) else {
                    rulings.append(Ruling(claim: claim, model: model.model, difference: nil, verdict: .undecided, note: "metric not run"))
                    continue
                }
                guard let methodScores = model.scores[claim.method], let baseScores = model.scores[claim.base] else {
                    rulings.append(Ruling(claim: claim, model: model.model, difference: nil, verdict: .undecided, note: "method not run"))
                    continue
                }
                // The images both were scored on, in the same order: the pairing.
                let common = methodScores.indices.filter { methodScores[$0].values[metric.name] != nil && baseScores[$0].values[metric.name] != nil }
                guard !common.isEmpty else {
                    let note = metric.needsMask ? "no masks on this model" : "no image scored"
                    rulings.append(Ruling(claim: claim, model: model.model, difference: nil, verdict: .undecided, note: note))
                    continue
                }
                let method = ImageStatistic(metric: metric, scores: common.map { methodScores[$0] })
                let base = ImageStatistic(metric: metric, scores: common.map { baseScores[$0] })
                let difference = bootstrap.interval(count: common.count, samples: samples(common.count)) { indices in
                    method.value(over: indices) - base.value(over: indices)
                }
                rulings.append(Ruling(
                    claim: claim, model: model.model, difference: difference, verdict: Verdict(difference: difference, direction: metric.direction),
                    note: nil))
            }
        }
        self.cells = cells
        self.rulings = rulings
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
            let ys = columns.indices.map { g -> Double in
                // The median of the multiset: the value at rank n/2 (odd n), or the mean of
                // ranks n/2 − 1 and n/2 (even n), walking the column in sorted order.
                let column = columns[g]
                var seen = 0
                var lowerValue: Double? = nil
                for i in orders[g] where multiplicity[i] > 0 {
                    let next = seen + multiplicity[i]
                    if n % 2 == 1 {
                        if next > n / 2 { return column[i] }
                    } else {
                        if lowerValue == nil && next > n / 2 - 1 { lowerValue = column[i] }
                        if next > n / 2 { return (lowerValue! + column[i]) / 2 }
                    }
                    seen = next
                }
                return column[orders[g].last!]
            }
            return PerformanceGrid.area(ys)
        }
    }
}
