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
        /// For aggregations: which walk (noisy copy, reference) the step belongs to.
        public var reference: Int?
        /// ΔF = endValue − startValue.
        public var deltaValue: Double { endValue - startValue }

        /// A step.
        public init(
            start: Double, end: Double, startValue: Double, endValue: Double, gradientNormSquared: Double,
            attributionSum: Double, point: Int, reference: Int? = nil
        ) {
            self.start = start
            self.end = end
            self.startValue = startValue
            self.endValue = endValue
            self.gradientNormSquared = gradientNormSquared
            self.attributionSum = attributionSum
            self.point = point
            self.reference = reference
        }
    }

    /// The steps, in path order (walk after walk for aggregations).
    public var steps: [Step]
    /// For aggregations: the weight each walk's attribution enters the result with.
    public var referenceWeights: [Double]?

    /// A ledger.
    public init(steps: [Step], referenceWeights: [Double]? = nil) {
        self.steps = steps
        self.referenceWeights = referenceWeights
    }

    /// The ledger as `{"steps": [{"start", "end", "startValue", "endValue", "deltaValue",
    /// "gradientNormSquared", "attributionSum", "point"[, "reference"]}, …][, "referenceWeights": […]]}`.
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
                if let reference = step.reference { fields.append(.init("reference", .number(Double(reference)))) }
                return .object(fields)
            })),
        ]
        if let referenceWeights { members.append(.init("referenceWeights", .array(referenceWeights.map { .number($0) }))) }
        return .object(members)
    }
}
