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
/// use the same α's. The network is used once per input to choose its cluster.
/// Cost: R·k gradient evaluations (IDGI: R·steps), plus one forward pass for the cluster.
public struct LocalPathIntegration: AttributionMethod {
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
    /// The reference set clustered in the network's logit space.
    public var clustering: ReferenceClustering
    /// The network whose logits choose an input's cluster.
    public var network: Sequential
    /// k, α samples per reference.
    public var samplesPerReference: Int
    /// ρ's kind.
    public var density: Density
    /// The α's (and random densities') seed.
    public var seed: UInt64
    /// The Riemann estimator or IDGI.
    public var integrator: any Integrator
    /// IDGI's segments per reference.
    public var steps: Int
    /// Given α's, one list per reference of the chosen cluster (to reproduce another
    /// implementation's samples).
    public var givenAlphas: [[Double]]?

    /// LPI over `references`, clustered with `clustering` (see ``cluster(_:network:clusters:subclusters:seed:)``).
    public init(
        references: [Tensor], clustering: ReferenceClustering, network: Sequential, samplesPerReference: Int = 5, density: Density = .cluster,
        seed: UInt64 = 0, integrator: any Integrator = RiemannSum(), steps: Int = 20, givenAlphas: [[Double]]? = nil
    ) {
        self.references = references
        self.clustering = clustering
        self.network = network
        self.samplesPerReference = samplesPerReference
        self.density = density
        self.seed = seed
        self.integrator = integrator
        self.steps = steps
        self.givenAlphas = givenAlphas
    }

    /// The reference set clustered in `network`'s logit space: compute it once per set and model.
    public static func cluster(_ references: [Tensor], network: Sequential, clusters: Int, subclusters: Int, seed: UInt64) throws -> ReferenceClustering {
        guard !references.isEmpty else { throw AttributionError("the reference set is empty; give at least one reference") }
        let logits = try network.logits(for: Tensor.stacking(references))
        let classes = network.classCount
        let rows = (0..<references.count).map { Array(logits.scalars[($0 * classes)..<(($0 + 1) * classes)]) }
        return try ReferenceClustering(logits: rows, clusters: clusters, subclusters: subclusters, seed: seed)
    }

    /// "lpi"
    public var name: String { "lpi" }

    /// The chosen cluster of `input` and its draws: references, α's and weights.
    public func draws(for input: Tensor) throws -> (cluster: Int, draws: [ReferenceSampling.Draw]) {
        let logits = try network.logits(for: input.reshaped([1] + input.shape)).scalars
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
        try Validate.atLeast(samplesPerReference, 1, "samples per reference")
        try Validate.atLeast(steps, 1, "steps")
        let chosen: (cluster: Int, draws: [ReferenceSampling.Draw])
        do { chosen = try draws(for: input) } catch let error as AttributionError { throw error } catch { throw AttributionError(String(describing: error)) }
        return try ReferenceSampling.plan(
            for: input, references: references, draws: chosen.draws, integrator: integrator, steps: steps,
            details: [.init("clusters", clustering.json(chosen: chosen.cluster))])
    }

    /// `--method lpi`.
    public static let registration = MethodRegistration(
        name: "lpi", summary: "LPI: IG from the references of the input's cluster in logit space, weighted by density (Yang et al. 2023)",
        options: [
            MethodOption("references", .array, default: "none (required)", help: "the reference set R.npy (a training set), shape [M] + the input's shape"),
            MethodOption("clusters", .integer(1...10_000), default: "1", help: "C, the top-level k-means clusters in logit space"),
            MethodOption("subclusters", .integer(1...10_000), default: "20", help: "R, sub-clusters (references) per cluster"),
            MethodOption("samples-per-reference", .integer(1...1_000_000), default: "5", help: "k, α samples per reference"),
            MethodOption("density", .choice(Density.allCases.map(\.rawValue)), default: "cluster", help: "the references' weights: cluster (ρ), uniform or random"),
            MethodOption("seed", .seed, default: "0", help: "the clustering's, α's and random densities' seed"),
            .integrator,
            .steps(default: 20, help: "IDGI only: left-rule segments per reference"),
        ],
        capabilities: [.walksPath, .takesReferences, .randomized, .needsNetwork],
        quickConfigurations: [["clusters": "2", "subclusters": "3", "samples-per-reference": "2"], ["clusters": "1", "subclusters": "3", "integrator": "idgi", "steps": "4"]]
    ) { arguments throws(MethodArgumentError) in
        if arguments.isGiven("steps") && arguments.choice("integrator") != "idgi" {
            throw MethodArgumentError("--steps applies to --integrator idgi only (the Riemann estimator samples --samples-per-reference α's)")
        }
        let network = try arguments.requireNetwork()
        let references = try arguments.references()
        let clustering: ReferenceClustering
        do {
            clustering = try cluster(
                references, network: network, clusters: arguments.integer("clusters"), subclusters: arguments.integer("subclusters"), seed: arguments.seed())
        } catch { throw MethodArgumentError(String(describing: error)) }
        return LocalPathIntegration(
            references: references, clustering: clustering, network: network, samplesPerReference: arguments.integer("samples-per-reference"),
            density: Density(rawValue: arguments.choice("density"))!, seed: arguments.seed(), integrator: arguments.integrator(), steps: arguments.integer("steps"))
    }
}
