import ArrayFormats
import Models
import Tensors

/// Local Path Integration, LPI (Yang et al., "Re-calibrating Feature Attributions for Model
/// Interpretation", AAAI 2023; ypeiyu/LPI): Integrated Gradients from references that look
/// like the input to the model, each weighted by how much of the data it stands for.
///
/// The reference set is clustered once in the model's logit space (``ReferenceClustering``:
/// C clusters, each split into R sub-clusters, a reference per sub-cluster with density
/// ρ_j = sub-cluster size / cluster size). An input's logits choose the nearest cluster; then
///
///     A = Σ_j ρ_j (x − r_j) ⊙ (1/k) Σ_m ∇F(r_j + α_jm (x − r_j)),   α_jm ~ U(0.01, 0.99)
///
/// over that cluster's R references (k = `samplesPerReference`). The weights sum to 1, so the
/// completeness target is F(x) − Σ_j ρ_j F(r_j), reached up to the Monte-Carlo error; with IDGI
/// each reference's line gets `steps` left-rule segments and the sum is exact.
///
/// Departures from the official code, each shown by a test: it averages the weighted terms
/// over the R references (an extra factor 1/R: its weights sum to 1/R), and it pairs each
/// gradient with the wrong reference (points are built from `ref.repeat(1, k, …)`, index
/// j ↦ reference j mod R, but gradients are read back as `bg_id·k + k_id`), which this
/// implementation does not copy. F is what the caller explains (the official code: the logit).
///
/// Densities: `cluster` (ρ as above), `uniform` (1/R) or `random` (seeded uniform draws,
/// normalized) — the supplementary's ablation. The α's come from a generator seeded with
/// `seed`, reference by reference, and the random densities after them, so all three densities
/// use the same α's. The network is used once per input to choose its cluster. With `rule`
/// exact, each reference's line is integrated exactly on the network's linear pieces
/// (``ExactLineIntegration``; the α's are not used): A = Σ_j ρ_j IG(r_j → x), complete to
/// rounding toward F(x) − Σ_j ρ_j F(r_j); with IDGI, its continuous limit.
/// Cost: R·k gradient evaluations (IDGI: R·steps; exact: one per piece of every line), plus one
/// forward pass for the cluster.
public struct LocalPathIntegration: ConfigurableMethod {
    /// How the chosen cluster's references are weighted.
    public enum Density: String, Sendable, CaseIterable {
        /// ρ_j = sub-cluster size / cluster size.
        case cluster
        /// 1/R each.
        case uniform
        /// Seeded random weights, normalized to sum 1.
        case random
    }

    /// The reference set.
    public var references: [Tensor]
    /// The network whose logits cluster the references and choose an input's cluster.
    public var network: Sequential?
    /// C, the top-level clusters, and R, the sub-clusters (references) per cluster.
    public var clusters: Int, subclusters: Int
    /// The reference set clustered in the network's logit space (``prepare()`` computes it
    /// from C, R and the seed; or give one computed once with ``cluster(_:network:clusters:subclusters:seed:)``).
    public var clustering: ReferenceClustering?
    /// k, α samples per reference.
    public var samplesPerReference: Int
    /// ρ's kind.
    public var density: Density
    /// The clustering's, α's and random densities' seed.
    public var seed: UInt64
    /// The Riemann estimator or IDGI.
    public var integrator: any Integrator
    /// IDGI's segments per reference.
    public var steps: Int
    /// The sampled α's (or IDGI's segments), or each line exactly.
    public var rule: ReferenceSampling.LineRule = .sampled
    /// The exact rule's tolerance on a softmax head (``ExactLineIntegration``).
    public var tolerance: Double = 1e-12
    /// Given α's, one list per reference of the chosen cluster (to reproduce another
    /// implementation's samples).
    public var givenAlphas: [[Double]]?

    /// LPI over `references` with the paper's settings (one cluster of 20 references, k = 5);
    /// the clustering is computed by ``prepare()`` once the network is set.
    public init(
        references: [Tensor] = [], network: Sequential? = nil, clusters: Int = 1, subclusters: Int = 20, samplesPerReference: Int = 5,
        density: Density = .cluster, seed: UInt64 = 0, integrator: any Integrator = RiemannSum(), steps: Int = 20
    ) {
        self.references = references
        self.network = network
        self.clusters = clusters
        self.subclusters = subclusters
        self.samplesPerReference = samplesPerReference
        self.density = density
        self.seed = seed
        self.integrator = integrator
        self.steps = steps
    }

    /// LPI over `references`, clustered with `clustering` (see ``cluster(_:network:clusters:subclusters:seed:)``).
    public init(
        references: [Tensor], clustering: ReferenceClustering, network: Sequential, samplesPerReference: Int = 5, density: Density = .cluster,
        seed: UInt64 = 0, integrator: any Integrator = RiemannSum(), steps: Int = 20, givenAlphas: [[Double]]? = nil
    ) {
        self.init(
            references: references, network: network, clusters: clustering.clusters.count,
            subclusters: clustering.clusters.first?.subclusters.count ?? 1, samplesPerReference: samplesPerReference, density: density, seed: seed,
            integrator: integrator, steps: steps)
        self.clustering = clustering
        self.givenAlphas = givenAlphas
    }

    /// The reference set clustered in `network`'s logit space: compute it once per set and model.
    public static func cluster(_ references: [Tensor], network: Sequential, clusters: Int, subclusters: Int, seed: UInt64) throws(AttributionError) -> ReferenceClustering {
        guard !references.isEmpty else { throw AttributionError("the reference set is empty; give at least one reference") }
        let logits: Tensor
        do { logits = try network.logits(for: Tensor.stacking(references)) } catch { throw AttributionError(error) }
        let classes = network.classCount
        let rows = (0..<references.count).map { Array(logits.scalars[($0 * classes)..<(($0 + 1) * classes)]) }
        return try ReferenceClustering(logits: rows, clusters: clusters, subclusters: subclusters, seed: seed)
    }

    /// "lpi"
    public var name: String { "lpi" }

    /// The chosen cluster of `input` and its draws: references, α's and weights.
    public func draws(for input: Tensor) throws(AttributionError) -> (cluster: Int, draws: [ReferenceSampling.Draw]) {
        guard let network, let clustering else {
            throw AttributionError("LPI has no clustering of its references: set `network` and call prepare(), or give a clustering")
        }
        let logits: [Double]
        do { logits = try network.logits(for: input.reshaped([1] + input.shape)).scalars } catch { throw AttributionError(error) }
        let c = clustering.nearestCluster(to: logits)
        let subclusters = clustering.clusters[c].subclusters
        if let givenAlphas, givenAlphas.count != subclusters.count {
            throw AttributionError("\(givenAlphas.count) lists of α's for \(subclusters.count) references")
        }
        // The α's first, reference by reference, then (random density only) the weights: the
        // three densities share their α's, so the ablation changes nothing but the weights.
        var generator = Xoshiro256StarStar(seed: seed)
        let alphas = subclusters.indices.map { j in
            givenAlphas?[j] ?? (0..<samplesPerReference).map { _ in generator.nextUniform(in: 0.01, 0.99) }
        }
        let weights: [Double]
        switch density {
        case .cluster: weights = subclusters.map(\.density)
        case .uniform: weights = subclusters.map { _ in 1 / Double(subclusters.count) }
        case .random:
            let raw = subclusters.map { _ in generator.nextUniform() + Double.leastNonzeroMagnitude }
            let total = raw.reduce(0, +)
            weights = raw.map { $0 / total }
        }
        let draws = subclusters.indices.map { j in
            ReferenceSampling.Draw(reference: subclusters[j].reference, alphas: alphas[j], weight: weights[j])
        }
        return (c, draws)
    }

    /// The chosen cluster's references, sampled and weighted.
    public func plan(for input: Tensor) throws(AttributionError) -> AttributionPlan {
        try validate()
        let chosen = try draws(for: input)
        let exact = rule == .exact ? try ExactLines(required: network, tolerance: tolerance) : nil
        return try ReferenceSampling.plan(
            for: input, references: references, draws: chosen.draws, integrator: integrator, steps: steps, exact: exact,
            details: [.init("clusters", clustering!.json(chosen: chosen.cluster))])
    }

    /// The paper's settings: one cluster of 20 references, k = 5, cluster densities, seed 0.
    public static var defaults: LocalPathIntegration { LocalPathIntegration() }

    /// `references`, `clusters`, `subclusters`, `samples-per-reference`, `density`, `seed`,
    /// `integrator`, `steps` (IDGI only).
    public static let parameters: [Parameter<LocalPathIntegration>] = [
        .references(\.references, help: "the reference set R.npy (a training set), shape [M] + the input's shape"),
        .integer("clusters", \.clusters, in: 1...10_000, help: "C, the top-level k-means clusters in logit space"),
        .integer("subclusters", \.subclusters, in: 1...10_000, help: "R, sub-clusters (references) per cluster"),
        Parameter.integer("samples-per-reference", \.samplesPerReference, in: 1...1_000_000, help: "k, α samples per reference")
            .only("with `rule` sampled (the exact rule integrates each line whole)") { $0.rule == .sampled },
        .choice("density", \.density, help: "the references' weights: cluster (ρ), uniform or random"),
        .seed("seed", \.seed, help: "the clustering's, α's and random densities' seed"),
        .integrator(\.integrator),
        Parameter.integer("steps", \.steps, in: 1...10_000_000, help: "IDGI only: left-rule segments per reference")
            .only("with `integrator` idgi and `rule` sampled (the Riemann estimator samples `samples-per-reference` α's)") {
                !$0.integrator.needs.contains(.riemannTerms) && $0.rule == .sampled
            },
        .choice("rule", \.rule, help: "sampled (the α's; IDGI's left segments) or exact (each reference's line integrated on a ReLU network's pieces)"),
        Parameter.number("tolerance", \.tolerance, in: 0...1, excludingLowerBound: true, help: "the exact rule's relative tolerance on a probability")
            .only("with `rule` exact") { $0.rule == .exact },
    ]

    /// A reference set is required, and C·R references at least; the exact rule needs a
    /// piecewise-linear network.
    public func validateCombination() throws(AttributionError) {
        if rule == .exact { try ExactLines.check(network) }
        if references.isEmpty {
            throw AttributionError(parameter: "references", "`references` is required: a reference set of shape [M] + the input's shape, M ≥ 1")
        }
        if clustering == nil && references.count < clusters * subclusters {
            throw AttributionError(
                parameter: "subclusters",
                "\(references.count) references cannot make `clusters` \(clusters) of `subclusters` \(subclusters) each; give at least \(clusters * subclusters) references, or fewer clusters")
        }
    }

    /// Takes the network whose logit space clusters the references.
    public mutating func attach(network: Sequential) throws(AttributionError) { self.network = network }

    /// Clusters the references in the network's logit space (once per build).
    public mutating func prepare() throws(AttributionError) {
        guard clustering == nil else { return }
        guard let network else { throw AttributionError("LPI clusters its references in the network's logit space: set `network` first") }
        clustering = try Self.cluster(references, network: network, clusters: clusters, subclusters: subclusters, seed: seed)
    }

    /// The method `lpi`.
    public static let registration = MethodRegistration(
        LocalPathIntegration.self,
        summary: "LPI: IG from the references of the input's cluster in logit space, weighted by density (Yang et al. 2023)",
        capabilities: [.walksPath, .takesReferences, .randomized, .needsNetwork, .buildsFromNetwork],
        quickConfigurations: [["clusters": "2", "subclusters": "3", "samples-per-reference": "2"], ["clusters": "1", "subclusters": "3", "integrator": "idgi", "steps": "4"]])
}
