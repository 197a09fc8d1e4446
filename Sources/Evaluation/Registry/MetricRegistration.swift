import ArrayFormats
import Attribution
import Models
import Tensors

/// Which way a metric rewards: a claim "A beats B on M" means A − B above 0 for a metric where
/// higher is better, below 0 where lower is.
public enum Direction: String, Sendable {
    /// Higher scores are better.
    case higherIsBetter = "higher"
    /// Lower scores are better.
    case lowerIsBetter = "lower"
}

/// How one image's numbers become one number over images.
public enum MetricAggregation: String, Sendable, Equatable {
    /// The mean of the per-image scores.
    case mean
    /// The area of the median curve over images (PAIR's SIC).
    case medianCurve = "median curve"
    /// The area of the mean curve over images (PAIR's AIC) — equal to the mean of the
    /// per-image areas of the curves sampled on a common grid.
    case meanCurve = "mean curve"
}

/// What a metric reads besides the input and its parameters.
public struct MetricNeeds: OptionSet, Sendable, Hashable {
    /// The raw bits.
    public let rawValue: Int
    /// Needs from bits.
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// The model it runs (and the target class it explains).
    public static let model = MetricNeeds(rawValue: 1 << 0)
    /// The attribution map being scored.
    public static let attribution = MetricNeeds(rawValue: 1 << 1)
    /// An object mask of the input.
    public static let mask = MetricNeeds(rawValue: 1 << 2)
    /// An attribution method it re-runs (on perturbed inputs, on re-drawn models).
    public static let method = MetricNeeds(rawValue: 1 << 3)
    /// A second image compared with the input.
    public static let reference = MetricNeeds(rawValue: 1 << 4)
}

/// One number a metric reports beside its score (insertion and deletion beside
/// insertion − deletion), with the direction it rewards.
public struct MetricComponent: Sendable, Equatable {
    /// Its name in ``MetricScore/components``.
    public let name: String
    /// Which way is better.
    public let direction: Direction
    /// A component.
    public init(_ name: String, _ direction: Direction) {
        self.name = name
        self.direction = direction
    }
}

/// What one scoring of one input reads.
public struct MetricContext {
    /// The input x.
    public var input: Tensor
    /// The map being scored.
    public var attribution: Tensor?
    /// The model.
    public var network: Sequential?
    /// The class explained.
    public var target: Int
    /// The input's object mask [H, W].
    public var mask: Tensor?
    /// The image compared with the input.
    public var reference: Tensor?
    /// The method the metric re-runs.
    public var method: (any AttributionMethod)?

    /// A context.
    public init(
        input: Tensor, attribution: Tensor? = nil, network: Sequential? = nil, target: Int = 0, mask: Tensor? = nil, reference: Tensor? = nil,
        method: (any AttributionMethod)? = nil
    ) {
        self.input = input
        self.attribution = attribution
        self.network = network
        self.target = target
        self.mask = mask
        self.reference = reference
        self.method = method
    }

    /// The model, which a metric that declares ``MetricNeeds/model`` is always given.
    public func requireNetwork() throws(EvaluationError) -> Sequential {
        guard let network else { throw EvaluationError("this metric runs the model: give the network") }
        return network
    }

    /// The map, which a metric that declares ``MetricNeeds/attribution`` is always given.
    public func requireAttribution() throws(EvaluationError) -> Tensor {
        guard let attribution else { throw EvaluationError("this metric scores an attribution: give the map") }
        return attribution
    }
}

/// One input's result under a metric: the score (nil with the reason it was skipped), the
/// metric's own fields for a report, and what an aggregation over images reads.
public struct MetricScore {
    /// The score; nil when the input could not be scored.
    public var score: Double?
    /// Why the input could not be scored.
    public var skipped: String?
    /// The metric's own report fields after `score`, in order (`curve`, `insertion`, …).
    public var members: [JSONValue.Member]
    /// Curves by name ("curve"; insertion-deletion's "insertion" and "deletion").
    public var curves: [String: (x: [Double], y: [Double])]
    /// Other numbers by name (``MetricRegistration/components``).
    public var components: [String: Double]
    /// Files the metric writes (path, bytes): the caller stages them with its other outputs.
    public var files: [(path: String, bytes: [UInt8])]

    /// A score.
    public init(
        score: Double?, skipped: String? = nil, members: [JSONValue.Member] = [], curves: [String: (x: [Double], y: [Double])] = [:],
        components: [String: Double] = [:], files: [(path: String, bytes: [UInt8])] = []
    ) {
        self.score = score
        self.skipped = skipped
        self.members = members
        self.curves = curves
        self.components = components
        self.files = files
    }

    /// A skipped input.
    public static func skipped(_ reason: String) -> MetricScore { MetricScore(score: nil, skipped: reason) }

    /// The curve as a report's `curve` member: `{"x": […], "y": […]}`, non-finite points as null.
    public static func curveJSON(x: [Double], y: [Double]) -> JSONValue { .object([.init("x", numbers(x)), .init("y", numbers(y))]) }

    /// Numbers as a JSON array, non-finite ones as null.
    public static func numbers(_ values: [Double]) -> JSONValue { .array(values.map { $0.isFinite ? .number($0) : .null }) }
}

/// One metric as the registry knows it: its name, one line of help, its parameters (declared
/// by its settings type, defaults stated there once), what it needs, the direction it
/// rewards, how it aggregates over images, the extra numbers it reports, and its scorer.
/// Adding a metric is one file — the metric, its settings and this registration — and one
/// line in the catalogue's metric list.
public struct MetricRegistration: Sendable {
    /// The name `--metric` takes.
    public let name: String
    /// One line saying what it measures.
    public let summary: String
    /// Its parameters, in the order help lists them.
    public let parameters: [ParameterDeclaration]
    /// What it reads.
    public let needs: MetricNeeds
    /// Which way its score is better; nil for a measurement that is no quality score (the information level).
    public let direction: Direction?
    /// How scores combine over images.
    public let aggregation: MetricAggregation
    /// The other numbers it reports, with their directions.
    public let components: [MetricComponent]
    let make: @Sendable ([String: ParameterValue]) throws(AttributionError) -> MetricScorer

    /// The registration of a metric scored by `score` under settings of type `Settings`.
    public init<Settings: Configurable>(
        name: String, summary: String, settings: Settings.Type, needs: MetricNeeds, direction: Direction?, aggregation: MetricAggregation = .mean,
        components: [MetricComponent] = [], score: @escaping @Sendable (Settings, MetricContext) throws -> MetricScore
    ) {
        self.name = name
        self.summary = summary
        parameters = Settings.parameters.map { ParameterDeclaration($0, defaults: Settings.defaults) }
        self.needs = needs
        self.direction = direction
        self.aggregation = aggregation
        self.components = components
        make = { values throws(AttributionError) in
            let settings = try Settings.configured(with: values, subject: "the metric \(name)")
            try settings.validate()
            let effective = Settings.parameters.map { ($0.name, settings.parameterValues[$0.name] ?? values[$0.name]) }
            return MetricScorer(name: name, needs: needs, effectiveValues: effective) { context in try score(settings, context) }
        }
    }

    /// The parameter called `name`, if the metric has one.
    public func parameter(_ name: String) -> ParameterDeclaration? { parameters.first { $0.name == name } }
}

/// A metric with its settings checked, ready to score inputs.
public struct MetricScorer: Sendable {
    /// The metric's name.
    public let name: String
    /// What it reads.
    public let needs: MetricNeeds
    /// Its parameters' effective values, in declaration order (nil where no value applies).
    public let effectiveValues: [(name: String, value: ParameterValue?)]
    let body: @Sendable (MetricContext) throws -> MetricScore

    /// The score of one input. A map that is zero everywhere ranks nothing: a metric that
    /// reads a map skips it. A score that is not finite is skipped with the reason, never
    /// reported as a number or as a bare null.
    /// With `screening` off the metric's own result is returned as it is (`bench quality`
    /// applies its own rules to what it aggregates).
    public func score(_ context: MetricContext, screening: Bool = true) throws -> MetricScore {
        if !screening { return try body(context) }
        if needs.contains(.attribution), let map = context.attribution, map.scalars.allSatisfy({ $0 == 0 }), name != "infidelity" {
            return .skipped("the attribution is zero everywhere: it ranks no pixel")
        }
        var result = try body(context)
        if let score = result.score, !score.isFinite {
            result.score = nil
            result.skipped = result.skipped ?? "the score is not finite (\(score)): the inputs are too large for double precision"
        }
        if result.score == nil && result.skipped == nil { result.skipped = "no score could be computed for this input" }
        return result
    }
}

/// The metrics, by name: what `attribute evaluate`, its help, the README's metric table and
/// `bench quality` read.
public struct MetricRegistry: Sendable {
    /// The metrics, in the order help lists them.
    public let metrics: [MetricRegistration]

    /// A registry of `metrics`.
    /// - Precondition: names are unique.
    public init(_ metrics: [MetricRegistration]) {
        precondition(Set(metrics.map(\.name)).count == metrics.count, "metric names must be unique")
        self.metrics = metrics
    }

    /// This registry with `registration` added at the end.
    public func adding(_ registration: MetricRegistration) -> MetricRegistry { MetricRegistry(metrics + [registration]) }

    /// The metric called `name`.
    public func registration(named name: String) -> MetricRegistration? { metrics.first { $0.name == name } }

    /// The metrics' names.
    public var names: [String] { metrics.map(\.name) }

    /// Metric `name` with typed values.
    /// - Throws: ``AttributionError`` naming an unknown metric or a parameter's problem.
    public func scorer(_ name: String, values: [String: ParameterValue] = [:]) throws(AttributionError) -> MetricScorer {
        guard let registration = registration(named: name) else {
            throw AttributionError(parameter: "metric", "`metric` \(name) is not a metric; one of: \(names.joined(separator: ", "))")
        }
        return try registration.make(values)
    }

    /// Metric `name` with values as text, each parsed by its parameter's kind (file kinds as
    /// paths, for the caller to load), and `files` already loaded.
    public func scorer(_ name: String, text: [String: String], files: [String: ParameterValue] = [:]) throws(AttributionError) -> MetricScorer {
        guard let registration = registration(named: name) else {
            throw AttributionError(parameter: "metric", "`metric` \(name) is not a metric; one of: \(names.joined(separator: ", "))")
        }
        var values = files
        for key in text.keys.sorted() where files[key] == nil {
            guard let declaration = registration.parameter(key) else { throw AttributionError(parameter: key, "`\(key)` does not apply to the metric \(name)") }
            values[key] = try declaration.kind.value(of: key, from: text[key]!)
        }
        return try registration.make(values)
    }
}
