import ArrayFormats

/// The per-step record of a path attribution: for every step, its segment, F at both ends,
/// the change ΔF, ‖g‖², the step's attribution summed over features, and which evaluated
/// point its gradient came from.
///
/// For IDGI, `attributionSum == deltaValue` on every step (the hyperplane property) up to
/// round-off; for a Riemann sum, the difference is the step's discretisation error.
/// Aggregations over several walks (SmoothGrad's noisy copies, a reference set) concatenate
/// their walks' steps, each tagged with its `reference`, and keep the weights they combine
/// the walks with.
///
/// The Swift names are the JSON names: a ledger is `{"steps": [...], "referenceWeights": [...]}`
/// (the weights only for aggregations) and each step has the members below.
public struct Ledger: Sendable, Equatable {
    /// One step.
    public struct Step: Sendable, Equatable {
        /// The path parameter at the segment's start.
        public var start: Double
        /// The path parameter at the segment's end.
        public var end: Double
        /// F at the start.
        public var startValue: Double
        /// F at the end.
        public var endValue: Double
        /// ‖g‖² of the step's gradient.
        public var gradientNormSquared: Double
        /// Σ_i of the step's attribution.
        public var attributionSum: Double
        /// The index of the point the step's gradient was taken at, in the order of the
        /// attribution's gradient evaluations (`--path-points` writes them in that order).
        public var point: Int
        /// For aggregations: which walk (noisy copy, reference) the step belongs to — for
        /// reference methods, the reference's index in the reference set.
        public var reference: Int?
        /// Where on the straight line r → x the gradient was taken (reference methods).
        public var alpha: Double?
        /// The factor the step's term enters the attribution with (reference methods: 1/K, ρ_j/k).
        public var weight: Double?
        /// The method's own fields, in the order the JSON lists them after the common ones:
        /// AGI's `t` (the false class the walk ascends) and `iteration`; DDPath's
        /// `diffusionTime` (τ at which the step's start point was denoised, 0 at the path's
        /// ends) and `anchor` (the step's start anchor in the anchors `--anchors` writes).
        public var detail: [Field]
        /// ΔF = endValue − startValue.
        public var deltaValue: Double { endValue - startValue }

        /// A step.
        public init(
            start: Double, end: Double, startValue: Double, endValue: Double, gradientNormSquared: Double,
            attributionSum: Double, point: Int, reference: Int? = nil, alpha: Double? = nil, weight: Double? = nil, detail: [Field] = []
        ) {
            self.detail = detail
            self.start = start
            self.end = end
            self.startValue = startValue
            self.endValue = endValue
            self.gradientNormSquared = gradientNormSquared
            self.attributionSum = attributionSum
            self.point = point
            self.reference = reference
            self.alpha = alpha
            self.weight = weight
        }

        /// The value of detail field `name`, if the step has it.
        public func detail(_ name: String) -> Double? { detail.first { $0.name == name }?.value }
    }

    /// One of a method's own step fields: a name and a number (or null).
    public struct Field: Sendable, Equatable {
        /// The JSON member's name.
        public var name: String
        /// Its value.
        public var value: Double?
        /// A field.
        public init(_ name: String, _ value: Double?) {
            self.name = name
            self.value = value
        }
    }

    /// The steps, in path order (walk after walk for aggregations).
    public var steps: [Step]
    /// For aggregations: the weight each walk's attribution enters the result with.
    public var referenceWeights: [Double]?
    /// Which of the optional step fields the JSON always carries (as null when absent):
    /// reference methods (and AGI) list `reference`, `alpha` and `weight`.
    public var sampleFields: SampleFields
    /// Method-specific members appended to the JSON (LPI's `clusters`).
    public var details: [JSONValue.Member]

    /// The optional step fields a method's ledger carries.
    public struct SampleFields: OptionSet, Sendable, Equatable {
        /// The raw bits.
        public let rawValue: Int
        /// Fields from bits.
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// `reference`, `alpha`, `weight`.
        public static let references = SampleFields(rawValue: 1)
    }

    /// A ledger.
    public init(steps: [Step], referenceWeights: [Double]? = nil, sampleFields: SampleFields = [], details: [JSONValue.Member] = []) {
        self.steps = steps
        self.referenceWeights = referenceWeights
        self.sampleFields = sampleFields
        self.details = details
    }

    /// The ledger as `{"steps": [{"start", "end", "startValue", "endValue", "deltaValue",
    /// "gradientNormSquared", "attributionSum", "point"[, "reference"]}, …][, "referenceWeights": […]]}`;
    /// samples of many references add "reference", "alpha" and "weight" to every step, each
    /// step's method fields (``Step/detail``) follow, and ``details`` go beside "steps".
    public var json: JSONValue {
        var members: [JSONValue.Member] = [
            .init("steps", .array(steps.map { step in
                var fields: [JSONValue.Member] = [
                    .init("start", .number(step.start)), .init("end", .number(step.end)),
                    .init("startValue", .number(step.startValue)), .init("endValue", .number(step.endValue)),
                    .init("deltaValue", .number(step.deltaValue)),
                    .init("gradientNormSquared", .number(step.gradientNormSquared)),
                    .init("attributionSum", .number(step.attributionSum)),
                    .init("point", .number(Double(step.point))),
                ]
                func optional(_ value: Double?) -> JSONValue { value.map { .number($0) } ?? .null }
                if !sampleFields.contains(.references) {
                    if let reference = step.reference { fields.append(.init("reference", .number(Double(reference)))) }
                } else {
                    fields += [
                        .init("reference", optional(step.reference.map(Double.init))), .init("alpha", optional(step.alpha)),
                        .init("weight", optional(step.weight)),
                    ]
                }
                fields += step.detail.map { .init($0.name, optional($0.value)) }
                return .object(fields)
            })),
        ]
        if let referenceWeights { members.append(.init("referenceWeights", .array(referenceWeights.map { .number($0) }))) }
        return .object(members + details)
    }
}
