import ArrayFormats
import Attribution
import Models
import Tensors

/// Softmax and accuracy information curves, SIC and AIC (Kapishnikov et al., "Guided
/// Integrated Gradients", CVPR 2021, after Kapishnikov et al., "XRAI", ICCV 2019; PAIR
/// saliency's `pic.py`; the IDGI paper's Tables 1–3): how fast the model's prediction comes
/// back as the most salient pixels are revealed on a blurred image, against how much
/// information has been revealed.
///
/// Base b = blur(x, σ) (``GaussianBlur``; PAIR uses an interpolated random mask instead). For
/// each threshold t, the bokeh image keeps the top max(1, ⌊t·P + 0.5⌋) pixels of x and takes
/// the rest from b. Then
///
///     information ê_t = clamp((e(bokeh) − e(b)) / (e(x) − e(b)), 0, 1)        (compressed size)
///                  or clamp((M(bokeh, x) − M(b, x)) / (1 − M(b, x)), 0, 1)   (M = MS-SSIM)
///     prediction  p̂_t = clamp((p(bokeh) − p(b)) / (p(x) − p(b)), 0, 1)      (SIC, p the softmax of y)
///                  or 1 if argmax = y else 0                                 (AIC)
///
/// p̂ is replaced by its running maximum in threshold order. The points (ê_t, p̂_t) in threshold
/// order, then (0, 0) and (1, 1) — PAIR's order —, sorted by ê (stable), make a
/// piecewise-linear curve; the score is its area (exact trapezoids). Where points share an ê
/// the curve is vertical there, so the last of them (for ê = 0, the appended (0, 0)) is where
/// it leaves: exactly the function PAIR interpolates (scipy's interp1d, i.e. np.interp, takes
/// the last of equal x), which PAIR then samples at 1,001 points. Aggregated over images as
/// PAIR does: the median curve for SIC, the mean for AIC, then the area.
/// An image is skipped (with the reason; not an error) when p(x) < the minimum prediction,
/// when e(b) ≥ e(x) (or M(b, x) ≥ 1), or when p(b) ≥ p(x). It rewards maps whose top pixels
/// bring the prediction back with little information revealed.
/// Cost: one forward pass per threshold plus two.
public struct PerformanceInformationCurve: Sendable {
    /// Which prediction measure.
    public enum Kind: String, Sendable {
        /// Softmax information curve: the normalized probability.
        case sic
        /// Accuracy information curve: 1 when the prediction is right.
        case aic
    }

    /// How information is measured.
    public enum Information: String, Sendable, CaseIterable {
        /// ``InformationLevel``'s compressed size.
        case compressed
        /// ``MultiScaleSSIM`` against x.
        case msSSIM = "ms-ssim"
    }

    /// PAIR's thresholds.
    public static let defaultThresholds = [0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.07, 0.10, 0.13, 0.21, 0.34, 0.5, 0.75]

    /// SIC or AIC.
    public var kind: Kind
    /// Compressed size or MS-SSIM.
    public var information: Information
    /// The fractions of pixels revealed, each in (0, 1].
    public var thresholds: [Double]
    /// σ of the blurred base.
    public var blurSigma: Double
    /// Images whose p(x) is below this are skipped.
    public var minimumPrediction: Double
    /// [LO, HI], for quantizing and for MS-SSIM's data range.
    public var dataRange: ClosedRange<Double>
    /// Signed or absolute pixel saliency.
    public var ranking: PixelGrid.Ranking

    /// The metric (defaults: PAIR's thresholds, compressed information, σ 5, minimum prediction 0.5, range [0, 1], signed).
    public init(
        _ kind: Kind, information: Information = .compressed, thresholds: [Double] = Self.defaultThresholds, blurSigma: Double = 5,
        minimumPrediction: Double = 0.5, dataRange: ClosedRange<Double> = 0...1, ranking: PixelGrid.Ranking = .signed
    ) {
        self.kind = kind
        self.information = information
        self.thresholds = thresholds
        self.blurSigma = blurSigma
        self.minimumPrediction = minimumPrediction
        self.dataRange = dataRange
        self.ranking = ranking
    }

    /// One image's curve, or why it was skipped.
    public struct Result: Sendable, Equatable {
        /// The thresholds.
        public var thresholds: [Double]
        /// ê_t per threshold.
        public var information: [Double]
        /// p̂_t per threshold, after the running maximum.
        public var predictions: [Double]
        /// The sorted curve's x (with 0 first and 1 last).
        public var curveX: [Double]
        /// The sorted curve's y.
        public var curveY: [Double]
        /// The area; nil when skipped.
        public var score: Double?
        /// Why the image was skipped.
        public var skipped: String?

        /// A result (for aggregating curves computed elsewhere).
        public init(
            thresholds: [Double], information: [Double], predictions: [Double], curveX: [Double], curveY: [Double], score: Double?,
            skipped: String?
        ) {
            self.thresholds = thresholds
            self.information = information
            self.predictions = predictions
            self.curveX = curveX
            self.curveY = curveY
            self.score = score
            self.skipped = skipped
        }
    }

    /// The curve of `attribution` for `network`'s class `target` at `input`.
    /// - Throws: ``EvaluationError`` for mismatched shapes or invalid thresholds.
    public func evaluate(input: Tensor, attribution: Tensor, network: Sequential, target: Int) throws -> Result {
        try PixelGrid.check(attribution, matches: input.shape, name: "attribution")
        guard !thresholds.isEmpty else { throw EvaluationError("the threshold list is empty; give at least one fraction in (0, 1]") }
        if let bad = thresholds.first(where: { !($0 > 0 && $0 <= 1) }) {
            throw EvaluationError("threshold \(bad) is not a fraction in (0, 1]")
        }
        let grid = try PixelGrid(shape: input.shape)
        let order = PixelGrid.order(grid.saliency(attribution, ranking: ranking))
        let base = try InsertionDeletion(substrate: .blur(sigma: blurSigma)).substrateImage(for: input, grid: grid)
        let bokeh = thresholds.map { t in
            grid.composite(input, base, fromFirst: grid.mask(firstOf: order, count: max(1, Int((t * Double(grid.pixelCount) + 0.5).rounded(.down)))))
        }
        let probability = try ClassifierOutput(network: network, target: target, kind: .probability)
        let images = [input, base] + bokeh
        let probabilities = try probability.values(at: Tensor.stacking(images))
        let (pX, pBase) = (probabilities[0], probabilities[1])
        let empty = Result(thresholds: thresholds, information: [], predictions: [], curveX: [], curveY: [], score: nil, skipped: nil)
        func skip(_ reason: String) -> Result {
            var result = empty
            result.skipped = reason
            return result
        }
        if pX < minimumPrediction { return skip("p(x) = \(pX) is below the minimum prediction \(minimumPrediction)") }

        var levels: [Double] = []
        switch information {
        case .compressed:
            let eX = Double(try InformationLevel.compressedSize(input, range: dataRange))
            let eBase = Double(try InformationLevel.compressedSize(base, range: dataRange))
            if eBase >= eX { return skip("the blurred base compresses to \(Int(eBase)) bytes, not fewer than the image's \(Int(eX))") }
            for image in bokeh {
                levels.append(Self.normalized(Double(try InformationLevel.compressedSize(image, range: dataRange)), base: eBase, original: eX))
            }
        case .msSSIM:
            let ssim = MultiScaleSSIM(dataRange: dataRange.upperBound - dataRange.lowerBound)
            let mBase = try ssim.value(base, input)
            if mBase >= 1 { return skip("the blurred base's MS-SSIM against the image is \(mBase); nothing is left to reveal") }
            for image in bokeh { levels.append(Self.normalized(try ssim.value(image, input), base: mBase, original: 1)) }
        }
        if pBase >= pX { return skip("p(blurred base) = \(pBase) is not below p(x) = \(pX)") }

        var raw: [Double]
        switch kind {
        case .sic:
            raw = probabilities[2...].map { Self.normalized($0, base: pBase, original: pX) }
        case .aic:
            let predicted = try network.predictions(for: Tensor.stacking(bokeh))
            raw = predicted.map { $0 == target ? 1 : 0 }
        }
        let predictions = Self.runningMaximum(raw)
        let (x, y) = Self.curve(information: levels, predictions: predictions)
        return Result(
            thresholds: thresholds, information: levels, predictions: predictions, curveX: x, curveY: y,
            score: Self.area(x: x, y: y), skipped: nil)
    }

    /// clamp((value − base) / (original − base), 0, 1): a level between the base's and the original's.
    public static func normalized(_ value: Double, base: Double, original: Double) -> Double {
        min(1, max(0, (value - base) / (original - base)))
    }

    /// Each value replaced by the largest so far (from 0).
    public static func runningMaximum(_ values: [Double]) -> [Double] {
        var running = 0.0
        return values.map { value in
            running = max(running, value)
            return running
        }
    }

    /// The points (ê_t, p̂_t) in threshold order, then (0, 0) and (1, 1), stably sorted by ê.
    public static func curve(information: [Double], predictions: [Double]) -> (x: [Double], y: [Double]) {
        let points = Array(zip(information, predictions)) + [(0.0, 0.0), (1.0, 1.0)]
        let sorted = points.indices.sorted { points[$0].0 != points[$1].0 ? points[$0].0 < points[$1].0 : $0 < $1 }.map { points[$0] }
        return (sorted.map(\.0), sorted.map(\.1))
    }

    /// The area under a piecewise-linear curve: Σ (x_{i+1} − x_i)(y_i + y_{i+1})/2.
    public static func area(x: [Double], y: [Double]) -> Double {
        var total = 0.0
        for i in 0..<max(0, x.count - 1) { total += (x[i + 1] - x[i]) * (y[i] + y[i + 1]) / 2 }
        return total
    }

    /// PAIR's aggregation over images: the median (SIC) or mean (AIC) of the curves sampled at
    /// ê = k·(1/points), k = 0…points − 1 (numpy's linspace), plus 1, then the trapezoid area.
    public static func aggregate(_ results: [Result], kind: Kind, points: Int = 1000) -> (x: [Double], y: [Double], area: Double)? {
        let scored = results.filter { $0.score != nil }
        guard !scored.isEmpty else { return nil }
        let xs = grid(points: points)
        let sampled = scored.map { result in xs.map { Self.interpolate(result.curveX, result.curveY, at: $0) } }
        let ys = xs.indices.map { i in combine(sampled.map { $0[i] }, kind: kind) }
        return (xs, ys, area(x: xs, y: ys))
    }

    /// PAIR's information levels for combining curves: ê = k·(1/points), k = 0…points − 1, and
    /// 1 (numpy's `linspace(0, 1, points + 1)`, bit for bit).
    public static func grid(points: Int = 1000) -> [Double] {
        let step = 1 / Double(points)
        return (0..<points).map { Double($0) * step } + [1]
    }

    /// The images' curves combined at one information level: the median (SIC; the mean of the
    /// middle two for an even count) or the mean (AIC) of `values`.
    public static func combine(_ values: [Double], kind: Kind) -> Double {
        let column = values.sorted()
        switch kind {
        case .sic:
            let n = column.count
            return n % 2 == 1 ? column[n / 2] : (column[n / 2 - 1] + column[n / 2]) / 2
        case .aic:
            return column.reduce(0, +) / Double(column.count)
        }
    }

    /// The piecewise-linear curve's value at `t`: at an x shared by several points, the last
    /// of them (as np.interp).
    public static func interpolate(_ x: [Double], _ y: [Double], at t: Double) -> Double {
        guard var upper = x.firstIndex(where: { $0 > t }) else { return y.last! }
        if upper == 0 { return y[0] }
        upper = max(upper, 1)
        let (x0, x1, y0, y1) = (x[upper - 1], x[upper], y[upper - 1], y[upper])
        return y0 + (y1 - y0) * (t - x0) / (x1 - x0)
    }
}

extension PerformanceInformationCurve {
    /// SIC's and AIC's parameters (defaults from the metric's initializer).
    public struct Settings: Configurable {
        private static let metric = PerformanceInformationCurve(.sic)
        /// The fractions of pixels revealed.
        public var thresholds = metric.thresholds
        /// Compressed size or MS-SSIM.
        public var information = metric.information
        /// σ of the blurred base.
        public var substrateSigma = metric.blurSigma
        /// Images with p(x) below this are skipped.
        public var minimumPrediction = metric.minimumPrediction
        /// [LO, HI]
        public var dataRange = metric.dataRange
        /// Signed or absolute pixel saliency.
        public var rank = metric.ranking

        /// The defaults.
        public static var defaults: Settings { Settings() }

        /// `thresholds`, `information`, `substrate-sigma`, `min-prediction`, `data-range`, `rank`.
        public static let parameters: [Parameter<Settings>] = [
            Parameter(
                "thresholds", .increasingNumbers(0...1), help: "fractions of pixels revealed, increasing, each in (0, 1] (default PAIR's 0.005 … 0.75)",
                read: { .numbers($0.thresholds) }
            ) { settings, value throws(AttributionError) in
                guard case .numbers(let values) = value else { throw AttributionError(parameter: "thresholds", "`thresholds` must be numbers, got \(value.text)") }
                settings.thresholds = values
            },
            .choice("information", \.information, help: "how an image's information is measured"),
            .number("substrate-sigma", \.substrateSigma, in: 0...1e6, help: "σ of the blurred base image, in pixels"),
            .number("min-prediction", \.minimumPrediction, in: 0...1, help: "skip inputs whose p(x) is below this"),
            .range("data-range", \.dataRange, help: "the inputs' value range"),
            .choice("rank", \.rank, help: "pixel saliency Σ_c A (signed) or Σ_c |A| (absolute)"),
        ]

        /// Every threshold reveals some pixels.
        public func validateCombination() throws(AttributionError) {
            if let first = thresholds.first, first <= 0 {
                throw AttributionError(parameter: "thresholds", "`thresholds` must each be > 0 (a fraction of pixels revealed), got \(first)")
            }
        }

        /// The metric of `kind` these settings describe.
        public func metric(_ kind: Kind) -> PerformanceInformationCurve {
            PerformanceInformationCurve(
                kind, information: information, thresholds: thresholds, blurSigma: substrateSigma, minimumPrediction: minimumPrediction,
                dataRange: dataRange, ranking: rank)
        }
    }

    /// The report of one image under `kind`.
    static func score(_ kind: Kind, _ settings: Settings, _ context: MetricContext) throws -> MetricScore {
        let result = try settings.metric(kind).evaluate(
            input: context.input, attribution: try context.requireAttribution(), network: try context.requireNetwork(), target: context.target)
        let numbers = MetricScore.numbers
        return MetricScore(
            score: result.score, skipped: result.skipped,
            members: [
                .init("thresholds", numbers(result.thresholds)), .init("information", numbers(result.information)),
                .init("predictions", numbers(result.predictions)), .init("curve", MetricScore.curveJSON(x: result.curveX, y: result.curveY)),
                .init("skipped", result.skipped.map { .string($0) } ?? .null),
            ],
            curves: result.score == nil ? [:] : ["curve": (result.curveX, result.curveY)])
    }

    /// `sic`: the softmax information curve.
    public static let sicRegistration = MetricRegistration(
        name: "sic", summary: "softmax information curve (PAIR's PIC semantics, blurred base)", settings: Settings.self,
        needs: [.model, .attribution], direction: .higherIsBetter, aggregation: .medianCurve
    ) { settings, context in try score(.sic, settings, context) }

    /// `aic`: the accuracy information curve.
    public static let aicRegistration = MetricRegistration(
        name: "aic", summary: "accuracy information curve", settings: Settings.self,
        needs: [.model, .attribution], direction: .higherIsBetter, aggregation: .meanCurve
    ) { settings, context in try score(.aic, settings, context) }
}
