import ArrayFormats
import Tensors

/// A reference set clustered in a model's logit space, as LPI chooses its local references
/// (Yang et al., AAAI 2023; ypeiyu/LPI's `distribution_estimation.py`): k-means into C
/// clusters, then each cluster into R sub-clusters; each sub-cluster's reference is its member
/// nearest the sub-centroid, with density ρ = sub-cluster size / cluster size.
///
/// k-means here: ``KMeans``, k-means++ initialisation from a seeded generator, then Lloyd
/// iterations to a fixed point. The official code uses
/// scikit-learn's KMeans (n_init = 3, max_iter = 600); one seeded initialisation here, so the
/// same reference set and seed always give the same clusters.
///
/// Computed once per reference set and model (``init(logits:clusters:subclusters:seed:)``),
/// then reused for every input: ``nearestCluster(to:)`` chooses an input's cluster from its logits.
public struct ReferenceClustering: Sendable, Equatable {
    /// One sub-cluster of a cluster.
    public struct Subcluster: Sendable, Equatable {
        /// Its centroid in logit space.
        public var centroid: [Double]
        /// Its number of members.
        public var size: Int
        /// The index (in the reference set) of the member nearest the centroid.
        public var reference: Int
        /// ρ = size / the cluster's size.
        public var density: Double

        /// A sub-cluster.
        public init(centroid: [Double], size: Int, reference: Int, density: Double) {
            self.centroid = centroid
            self.size = size
            self.reference = reference
            self.density = density
        }
    }

    /// One top-level cluster.
    public struct Cluster: Sendable, Equatable {
        /// Its center in logit space.
        public var center: [Double]
        /// Its members' indices in the reference set.
        public var members: [Int]
        /// Its sub-clusters.
        public var subclusters: [Subcluster]

        /// A cluster.
        public init(center: [Double], members: [Int], subclusters: [Subcluster]) {
            self.center = center
            self.members = members
            self.subclusters = subclusters
        }
    }

    /// The C clusters.
    public var clusters: [Cluster]

    /// A clustering given outright (another implementation's, or a stored one).
    public init(clusters: [Cluster]) {
        self.clusters = clusters
    }

    /// The clustering of references whose logits are `logits` (one row per reference).
    /// - Throws: ``AttributionError`` for too few references, a cluster with fewer members
    ///   than `subclusters`, or fewer distinct logit vectors than clusters asked of them
    ///   (duplicated references), saying what to change.
    public init(logits: [[Double]], clusters: Int, subclusters: Int, seed: UInt64) throws(AttributionError) {
        try Validate.atLeast(clusters, 1, "the number of clusters")
        try Validate.atLeast(subclusters, 1, "the number of sub-clusters")
        guard logits.count >= clusters * subclusters else {
            throw AttributionError("\(logits.count) references cannot make \(clusters) clusters of \(subclusters) sub-clusters; give at least \(clusters * subclusters) references or fewer clusters")
        }
        var generator = Xoshiro256StarStar(seed: seed)
        let (centers, assignment) = try Self.kMeans(logits, k: clusters, using: &generator, naming: "the reference set", into: "clusters")
        var result: [Cluster] = []
        for c in 0..<clusters {
            let members = logits.indices.filter { assignment[$0] == c }
            guard members.count >= subclusters else {
                throw AttributionError("cluster \(c) has \(members.count) references, fewer than the \(subclusters) sub-clusters asked for; use fewer sub-clusters or clusters")
            }
            let points = members.map { logits[$0] }
            let (subCenters, subAssignment) = try Self.kMeans(points, k: subclusters, using: &generator, naming: "cluster \(c)", into: "sub-clusters")
            let subs = (0..<subclusters).map { s -> Subcluster in
                let inside = points.indices.filter { subAssignment[$0] == s }
                let nearest = inside.min { Self.distance(points[$0], subCenters[s]) < Self.distance(points[$1], subCenters[s]) }!
                return Subcluster(
                    centroid: subCenters[s], size: inside.count, reference: members[nearest],
                    density: Double(inside.count) / Double(members.count))
            }
            result.append(Cluster(center: centers[c], members: members, subclusters: subs))
        }
        self.clusters = result
    }

    /// The cluster whose center is nearest `logits` (the lower index among ties).
    public func nearestCluster(to logits: [Double]) -> Int {
        clusters.indices.min { Self.distance(logits, clusters[$0].center) < Self.distance(logits, clusters[$1].center) }!
    }

    /// Squared Euclidean distance.
    static func distance(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
    }

    /// k-means on `points` (``KMeans``), naming them in errors.
    static func kMeans(
        _ points: [[Double]], k: Int, using generator: inout Xoshiro256StarStar, naming name: String, into groups: String = "clusters"
    ) throws(AttributionError) -> (centers: [[Double]], assignment: [Int]) {
        var kMeans = try KMeans(points, k: k, naming: name, into: groups)
        return try kMeans.run(using: &generator)
    }

    /// Cluster `c`'s sub-clusters as the LPI ledger lists them, with every center.
    public func json(chosen c: Int) -> JSONValue {
        .object([
            .init("chosenCluster", .number(Double(c))),
            .init("centers", .array(clusters.map { .array($0.center.map { .number($0) }) })),
            .init("subclusters", .array(clusters[c].subclusters.map { sub in
                .object([
                    .init("centroid", .array(sub.centroid.map { .number($0) })), .init("size", .number(Double(sub.size))),
                    .init("reference", .number(Double(sub.reference))), .init("density", .number(sub.density)),
                ])
            })),
        ])
    }
}
