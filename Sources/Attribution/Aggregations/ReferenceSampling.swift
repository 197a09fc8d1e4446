import ArrayFormats
import Tensors

/// What Expected Gradients and LPI share: draws of references from a set, each with the α's
/// where its straight line r → x is sampled and the weight its term enters with, integrated
/// by the Riemann sum or by IDGI, and combined by the weights.
///
///     Riemann:  A = Σ_j w_j (x − r_j) ⊙ (1/k_j) Σ_m ∇F(r_j + α_jm (x − r_j))
///     IDGI:     A = Σ_j w_j · IDGI(r_j → x, `steps` left-rule segments)
///
/// The result's start value is Σ_j w_j F(r_j) and its end value F(x), so the completeness
/// delta is Σ A − (F(x) − Σ_j w_j F(r_j)): exactly 0 with IDGI when the weights sum to 1, and
/// the estimator's error with the Riemann sum. The ledger lists every gradient sample with its
/// reference (its index in the set), α and weight.
public enum ReferenceSampling {
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
        details: [JSONValue.Member] = []
    ) throws(AttributionError) -> AttributionPlan {
        guard !draws.isEmpty else { throw AttributionError("no reference was drawn; draw at least one") }
        var plans: [AttributionPlan] = []
        for draw in draws {
            guard references.indices.contains(draw.reference) else { throw AttributionError("reference \(draw.reference) is not in the set of \(references.count)") }
            let reference = references[draw.reference]
            try Validate.matching(reference, input, name: "reference \(draw.reference)")
            let path: StraightLinePath
            if integrator.needs.contains(.riemannTerms) {
                let k = draw.alphas.count
                guard k > 0, draw.alphas.allSatisfy({ (0...1).contains($0) }) else { throw AttributionError("each reference needs α's in [0, 1]") }
                let discretization = QuadratureRule.Discretization(
                    nodes: draw.alphas, weights: Array(repeating: 1 / Double(k), count: k),
                    cellBoundaries: (0...k).map { Double($0) / Double(k) })
                path = try StraightLinePath(from: reference, to: input, discretization: discretization)
            } else {
                path = try StraightLinePath(from: reference, to: input, rule: .left, steps: steps)
            }
            plans.append(.integrating(path, with: integrator, shape: input.shape))
        }
        let weights = draws.map(\.weight)
        let riemann = integrator.needs.contains(.riemannTerms)
        return .combining(plans) { results throws(AttributionError) in
            var combined = try Aggregation(.mean, weights: weights).combine(results, shape: input.shape)
            combined.startValue = zip(results, weights).reduce(0) { $0 + $1.1 * ($1.0.startValue ?? .nan) }
            combined.endValue = results[0].endValue
            if var ledger = combined.ledger {
                // The combined ledger tags each step with its walk's index, which is replaced
                // here by the reference's index in the set; steps of one walk are contiguous.
                var indexInWalk = 0
                var previousWalk: Int?
                for s in ledger.steps.indices {
                    let walk = ledger.steps[s].reference!
                    if walk != previousWalk { indexInWalk = 0 }
                    previousWalk = walk
                    let draw = draws[walk]
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
