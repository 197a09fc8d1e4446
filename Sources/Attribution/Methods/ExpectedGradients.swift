import Models
import Tensors

/// Expected Gradients (Erion et al., "Improving performance of deep learning models with
/// axiomatic attribution priors and expected gradients", Nature Machine Intelligence 2021;
/// path_explain's estimator): Integrated Gradients averaged over baselines drawn from data,
/// estimated by one random point per draw.
///
///     r_k drawn from the reference set (without replacement while K ≤ its size, with
///     replacement beyond), α_k ~ U(0, 1), k = 1…K
///     EG(x) = (1/K) Σ_k (x − r_k) ⊙ ∇F(r_k + α_k (x − r_k))
///
/// It is an unbiased estimate of E_{r, α}[(x − r) ⊙ ∇F(r + α(x − r))], whose sum is
/// F(x) − E_r[F(r)]: completeness toward the mean reference value, up to the Monte-Carlo error
/// (which shrinks as 1/√K). Sensitivity (b) holds exactly. With IDGI (`integrator:
/// ImportantDirection()`), each drawn reference gets the straight line r_k → x in `steps`
/// left-rule segments integrated by IDGI and weighted 1/K: complete exactly, toward
/// F(x) − (1/K) Σ_k F(r_k). The draws come from a generator seeded with `seed`: first the K
/// reference indices (a partial Fisher–Yates shuffle), then the K α's. With `rule` exact, each
/// drawn reference's line is integrated exactly on a piecewise-linear network's pieces
/// (``ExactLineIntegration``; the α's are drawn but not used): A = (1/K) Σ_k IG(r_k → x),
/// complete to rounding toward F(x) − (1/K) Σ_k F(r_k); with IDGI, its continuous limit.
/// Cost: K gradient evaluations (IDGI: K·steps; exact: one per piece of every line), plus
/// forward passes for F at each line's ends.
public struct ExpectedGradients: ConfigurableMethod {
    /// The reference set (training data), each of the input's shape.
    public var references: [Tensor]
    /// K ≥ 1
    public var samples: Int
    /// The draws' seed.
    public var seed: UInt64
    /// The Riemann sum (path_explain's estimator) or IDGI.
    public var integrator: any Integrator
    /// IDGI's segments per reference.
    public var steps: Int
    /// Given draws instead of seeded ones (to reproduce another implementation's samples).
    public var givenDraws: [ReferenceSampling.Draw]?
    /// The drawn α's (or IDGI's segments), or each line exactly.
    public var rule: ReferenceSampling.LineRule = .sampled
    /// The exact rule's tolerance on a softmax head (``ExactLineIntegration``).
    public var tolerance: Double = 1e-12
    /// The network the exact rule partitions (the builder attaches the explained one).
    public var network: Sequential?

    /// Expected Gradients with path_explain's default of 50 samples.
    public init(
        references: [Tensor] = [], samples: Int = 50, seed: UInt64 = 0, integrator: any Integrator = RiemannSum(), steps: Int = 20,
        givenDraws: [ReferenceSampling.Draw]? = nil
    ) {
        self.references = references
        self.samples = samples
        self.seed = seed
        self.integrator = integrator
        self.steps = steps
        self.givenDraws = givenDraws
    }

    /// "expected-gradients"
    public var name: String { "expected-gradients" }

    /// The K draws: seeded reference indices, then seeded α's, each weighted 1/K.
    public func draws() throws(AttributionError) -> [ReferenceSampling.Draw] {
        if let givenDraws { return givenDraws }
        let (indices, alphas) = try drawn()
        return indices.indices.map { k in ReferenceSampling.Draw(reference: indices[k], alphas: [alphas[k]], weight: 1 / Double(samples)) }
    }

    /// The K reference indices, then the K α's, from one seeded generator (two flat arrays:
    /// 16 bytes a draw, so a million draws take 16 MB).
    func drawn() throws(AttributionError) -> (indices: [Int], alphas: [Double]) {
        try validate()
        var generator = Xoshiro256StarStar(seed: seed)
        let indices = ReferenceAggregation.draw(samples, from: references.count, using: &generator)
        return (indices, indices.map { _ in generator.nextUniform() })
    }

    /// One straight-line sample per draw, averaged; each draw's walk is made when the engine
    /// has room for it, so memory is flat in K.
    public func plan(for input: Tensor) throws(AttributionError) -> AttributionPlan {
        try validate()
        let exact = rule == .exact ? try ExactLines(required: network, tolerance: tolerance) : nil
        if let givenDraws {
            return try ReferenceSampling.plan(for: input, references: references, draws: givenDraws, integrator: integrator, steps: steps, exact: exact)
        }
        let (indices, alphas) = try drawn()
        let weight = 1 / Double(samples)
        return try ReferenceSampling.plan(
            for: input, references: references, count: indices.count,
            draw: { k in ReferenceSampling.Draw(reference: indices[k], alphas: [alphas[k]], weight: weight) }, integrator: integrator, steps: steps,
            exact: exact)
    }

    /// Keeps the explained network for the exact rule.
    public mutating func attach(network: Sequential) throws(AttributionError) { self.network = network }

    /// path_explain's default of 50 draws, seed 0, the Riemann estimator; no references.
    public static var defaults: ExpectedGradients { ExpectedGradients() }

    /// `references`, `samples`, `seed`, `integrator`, `steps` (IDGI only).
    public static let parameters: [Parameter<ExpectedGradients>] = [
        .references(\.references, help: "the reference set R.npy, shape [M] + the input's shape (training data)"),
        .integer("samples", \.samples, in: 1...100_000_000, help: "K, the number of (reference, α) draws"),
        .seed("seed", \.seed, help: "the draws' seed"),
        .integrator(\.integrator),
        Parameter.integer("steps", \.steps, in: 1...10_000_000, help: "IDGI only: left-rule segments per drawn reference")
            .only("with `integrator` idgi and `rule` sampled (the Riemann estimator takes one point per draw)") {
                !$0.integrator.needs.contains(.riemannTerms) && $0.rule == .sampled
            },
        .choice("rule", \.rule, help: "sampled (the drawn α's; IDGI's left segments) or exact (each drawn reference's line integrated on a ReLU network's pieces)"),
        Parameter.number("tolerance", \.tolerance, in: 0...1, excludingLowerBound: true, help: "the exact rule's relative tolerance on a probability")
            .only("with `rule` exact") { $0.rule == .exact },
    ]

    /// A reference set is required; the exact rule needs a piecewise-linear network.
    public func validateCombination() throws(AttributionError) {
        if rule == .exact { try ExactLines.check(network) }
        if references.isEmpty && givenDraws == nil {
            throw AttributionError(parameter: "references", "`references` is required: a reference set of shape [M] + the input's shape, M ≥ 1")
        }
    }

    /// The method `expected-gradients`.
    public static let registration = MethodRegistration(
        ExpectedGradients.self,
        summary: "Expected Gradients: (x − r) ⊙ ∇F at random points of lines from references drawn from --references (Erion et al. 2021)",
        capabilities: [.walksPath, .takesReferences, .randomized],
        quickConfigurations: [["samples": "6", "seed": "1"], ["samples": "3", "seed": "2", "integrator": "idgi", "steps": "6"]])
}
