import Tensors

/// A baseline method run from several references and combined — the reference axis:
///
///     A(x) = Σ_k w_k · M(x; x′ = r_k)
///
/// where M is any ``BaselineAttributionMethod`` (IG, Guided IG, …), the r_k are references
/// from a reference set, and the weights w_k sum to 1. Two ways to choose the references:
/// - ``Draws/every``: each reference once, in order, with the given weights (equal if none):
///   a fixed, weighted reference set (LPI's cluster-weighted references are this);
/// - ``Draws/sample(count:seed:)``: K references drawn by a seeded generator — without
///   replacement while K ≤ the set's size, with replacement beyond — each weighted 1/K
///   (Expected Gradients' estimator draws its references this way).
///
/// Axioms: linear in M's attribution, so whatever M satisfies for each reference carries
/// over to the weighted sum; completeness holds against Σ_k w_k (F(x) − F(r_k)).
/// Cost: the sum of M's costs over the references; all references' points share model calls.
public struct ReferenceAggregation: AttributionMethod {
    /// How the references are chosen.
    public enum Draws: Sendable, Equatable {
        /// Every reference once, in order.
        case every
        /// `count` references drawn with a generator seeded by `seed`.
        case sample(count: Int, seed: UInt64)
    }

    /// The method run from each reference.
    public var base: any BaselineAttributionMethod
    /// The reference set; each has the input's shape.
    public var references: [Tensor]
    /// One weight per reference for ``Draws/every`` (summing to 1); nil for equal weights.
    public var weights: [Double]?
    /// How references are chosen.
    public var draws: Draws

    /// An aggregation of `base` over `references`.
    public init(base: any BaselineAttributionMethod, references: [Tensor], weights: [Double]? = nil, draws: Draws = .every) {
        self.base = base
        self.references = references
        self.weights = weights
        self.draws = draws
    }

    /// "reference-aggregation"
    public var name: String { "reference-aggregation" }

    /// The indices of the references used, in order: 0…n−1, or K seeded draws.
    /// - Throws: ``AttributionError`` for an empty set or a non-positive count.
    public func chosenReferences() throws(AttributionError) -> [Int] {
        guard !references.isEmpty else { throw AttributionError("the reference set is empty; give at least one reference") }
        switch draws {
        case .every:
            return Array(references.indices)
        case .sample(let count, let seed):
            try Validate.atLeast(count, 1, "the number of reference draws")
            var generator = Xoshiro256StarStar(seed: seed)
            return Self.draw(count, from: references.count, using: &generator)
        }
    }

    /// K indices from 0..<n: a partial Fisher–Yates shuffle (without replacement) while
    /// K ≤ n, then uniform draws with replacement for the rest.
    public static func draw(_ count: Int, from n: Int, using generator: inout Xoshiro256StarStar) -> [Int] {
        var pool = Array(0..<n)
        var chosen: [Int] = []
        for k in 0..<min(count, n) {
            let j = k + generator.nextIndex(below: n - k)
            pool.swapAt(k, j)
            chosen.append(pool[k])
        }
        while chosen.count < count { chosen.append(generator.nextIndex(below: n)) }
        return chosen
    }

    /// The base method's plans from each chosen reference, combined by the weights.
    public func plan(for input: Tensor) throws(AttributionError) -> AttributionPlan {
        let chosen = try chosenReferences()
        let (references, base) = (self.references, self.base)
        var combinedWeights: [Double]? = nil
        if case .every = draws, let weights {
            guard weights.count == references.count else {
                throw AttributionError("\(weights.count) weights for \(references.count) references; give one weight per reference")
            }
            guard weights.allSatisfy({ $0.isFinite && $0 >= 0 }), abs(weights.reduce(0, +) - 1) <= 1e-12 else {
                throw AttributionError("reference weights must be ≥ 0 and sum to 1, got sum \(weights.reduce(0, +))")
            }
            combinedWeights = weights
        }
        return Aggregation(.mean, weights: combinedWeights).plan(count: chosen.count, part: { k throws(AttributionError) in
            let index = chosen[k]
            try Validate.matching(references[index], input, name: "reference \(index)")
            return try base.replacingBaseline(with: references[index]).plan(for: input)
        }, shape: input.shape)
    }
}
