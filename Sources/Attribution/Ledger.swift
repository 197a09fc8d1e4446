import ArrayFormats

/// The per-step record of a path attribution: for every step, its segment, F at both
/// ends, the change ΔF, ‖g‖², and the step's attribution summed over features.
///
/// For IDGI, `attributionSum == deltaValue` on every step (the hyperplane property) up to
/// round-off; for a Riemann sum, the difference is the step's discretisation error.
public struct Ledger: Sendable, Equatable {
    /// One step.
    public struct Entry: Sendable, Equatable {
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
        /// ΔF = endValue − startValue.
        public var deltaValue: Double { endValue - startValue }
    }

    /// The steps, in path order.
    public var entries: [Entry]

    /// The ledger as `{"steps": [{"start", "end", "startValue", "endValue", "deltaValue",
    /// "gradientNormSquared", "attributionSum"}, …]}`.
    public var json: JSONValue {
        .object([
            .init("steps", .array(entries.map { entry in
                .object([
                    .init("start", .number(entry.start)), .init("end", .number(entry.end)),
                    .init("startValue", .number(entry.startValue)), .init("endValue", .number(entry.endValue)),
                    .init("deltaValue", .number(entry.deltaValue)),
                    .init("gradientNormSquared", .number(entry.gradientNormSquared)),
                    .init("attributionSum", .number(entry.attributionSum)),
                ])
            })),
        ])
    }
}
