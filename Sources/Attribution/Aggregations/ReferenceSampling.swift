import ArrayFormats
import Tensors

/// What Expected Gradients and LPI share: draws of references from a set, each with the α's
/// where its straight line r → x is sampled and the weight its term enters with, integrated
/// by the Riemann sum or by IDGI, and combined by the weights.
///
///     Riemann:  A = Σ_j w_j (x − r_j) ⊙ (1/k_j) Σ_m ∇F(r_j + α_jm (x − r_j))
///     IDGI:     A = Σ_j w_j · IDGI(r_j → x, `steps` left-rule segments)
///     exact:    A = Σ_j w_j · IG(r_j → x) on the line's linear pieces (``ExactLineIntegration``;
///               with IDGI, its continuous limit) — the α's are not used
///
/// The result's start value is Σ_j w_j F(r_j) and its end value F(x), so the completeness
/// delta is Σ A − (F(x) − Σ_j w_j F(r_j)): exactly 0 with IDGI when the weights sum to 1, and
/// the estimator's error with the Riemann sum. The ledger lists every gradient sample with its
/// reference (its index in the set), α and weight.
public enum ReferenceSampling {
    /// How each drawn reference's line r → x is integrated.
    public enum LineRule: String, Sendable, CaseIterable {
        /// The method's estimator: its α's (the Riemann sum), or IDGI's `steps` left-rule segments.
        case sampled
        /// Exactly, on the pieces where a piecewise-linear network is affine.
        case exact
    }

    /// One drawn reference: its index in the set, the α's on its line, its weight.
    public struct Draw: Sendable, Equatable {
        /// The reference's index in the reference set.
        public var reference: Int
        /// α_m ∈ [0, 1] where the line r → x is sampled (Riemann sum).
        public var alphas: [Double]
        /// w_j
        public var weight: Double

        /// A draw.
        public init(reference: Int, alphas: [Double], weight: Double) {
            self.reference = reference
            self.alphas = alphas
            self.weight = weight
        }
    }

    /// The plan for `input`: one straight-line walk per draw, combined by the draws' weights.
    public static func plan(
        for input: Tensor, references: [Tensor], draws: [Draw], integrator: any Integrator, steps: Int,
        exact: ExactLines? = nil, details: [JSONValue.Member] = []
    ) throws(AttributionError) -> AttributionPlan {
        try plan(
            for: input, references: references, count: draws.count, draw: { draws[$0] }, integrator: integrator, steps: steps, exact: exact,
            details: details)
    }

    /// The plan for `input` over `count` draws made on demand by `draw` (each draw's walk is
    /// made when the engine has room for it, and its result folded and released): memory
    /// stays flat in the number of draws.
    public static func plan(
        for input: Tensor, references: [Tensor], count: Int, draw: @escaping (Int) -> Draw, integrator: any Integrator, steps: Int,
        exact: ExactLines? = nil, details: [JSONValue.Member] = []
    ) throws(AttributionError) -> AttributionPlan {
        guard count > 0 else { throw AttributionError("no reference was drawn; draw at least one") }
        // The ledger's α and weight follow the α's only for the sampled Riemann estimator.
        let riemann = integrator.needs.contains(.riemannTerms) && exact == nil
        return AttributionPlan(
            count: count,
            part: { k throws(AttributionError) in
                let draw = draw(k)
                guard references.indices.contains(draw.reference) else { throw AttributionError("reference \(draw.reference) is not in the set of \(references.count)") }
                let reference = references[draw.reference]
                try Validate.matching(reference, input, name: "reference \(draw.reference)")
                if let exact { return .plan(try exact.plan(from: reference, to: input, integrator: integrator)) }
                let path: StraightLinePath
                if riemann {
                    let k = draw.alphas.count
                    guard k > 0, draw.alphas.allSatisfy({ (0...1).contains($0) }) else { throw AttributionError("each reference needs α's in [0, 1]") }
                    let discretization = QuadratureRule.Discretization(
                        nodes: draw.alphas, weights: Array(repeating: 1 / Double(k), count: k), cellBoundaries: (0...k).map { Double($0) / Double(k) })
                    path = try StraightLinePath(from: reference, to: input, discretization: discretization)
                } else {
                    path = try StraightLinePath(from: reference, to: input, rule: .left, steps: steps)
                }
                return .plan(.integrating(path, with: integrator, shape: input.shape))
            },
            fold: { Fold(draw: draw, weights: (0..<count).map { draw($0).weight }, shape: input.shape, riemann: riemann, details: details) })
    }

    /// The weighted mean of the draws' attributions (``Aggregation``'s fold), the start value
    /// Σ_j w_j F(r_j) summed as the draws arrive, and the ledger's steps labelled with their
    /// reference, α and weight.
    struct Fold: PlanFold {
        let draw: (Int) -> Draw
        let weights: [Double]
        let riemann: Bool
        let details: [JSONValue.Member]
        var mean: Aggregation.Fold
        var startValue = 0.0
        var endValue: Double?
        var k = 0
        /// Exact lines: the pieces of all lines, and Σ_j w_j × each line's error estimate.
        var pieces: Int?
        var errorEstimate: Double?

        init(draw: @escaping (Int) -> Draw, weights: [Double], shape: [Int], riemann: Bool, details: [JSONValue.Member]) {
            self.draw = draw
            self.weights = weights
            self.riemann = riemann
            self.details = details
            mean = Aggregation.Fold(Aggregation(.mean, weights: weights), shape: shape, count: weights.count)
        }

        mutating func add(_ result: AttributionResult) throws(AttributionError) {
            try mean.add(result)
            startValue = startValue + weights[k] * (result.startValue ?? .nan)
            if k == 0 { endValue = result.endValue }
            if let linearPieces = result.linearPieces { pieces = (pieces ?? 0) + linearPieces }
            if let estimate = result.integrationErrorEstimate { errorEstimate = (errorEstimate ?? 0) + weights[k] * estimate }
            k += 1
        }

        mutating func finish() throws(AttributionError) -> AttributionResult {
            var combined = try mean.finish()
            combined.startValue = startValue
            combined.endValue = endValue
            combined.linearPieces = pieces
            combined.integrationErrorEstimate = errorEstimate
            if var ledger = combined.ledger {
                // The aggregation tags each step with its walk's index, replaced here by the
                // reference's index in the set; steps of one walk are contiguous.
                var indexInWalk = 0
                var previousWalk: Int?
                for s in ledger.steps.indices {
                    let walk = ledger.steps[s].reference!
                    if walk != previousWalk { indexInWalk = 0 }
                    previousWalk = walk
                    let draw = draw(walk)
                    ledger.steps[s].reference = draw.reference
                    ledger.steps[s].alpha = riemann ? draw.alphas[indexInWalk] : ledger.steps[s].start
                    ledger.steps[s].weight = riemann ? draw.weight / Double(draw.alphas.count) : draw.weight
                    indexInWalk += 1
                }
                ledger.sampleFields = .references
                ledger.details = details
                combined.ledger = ledger
            }
            return combined
        }
    }
}
