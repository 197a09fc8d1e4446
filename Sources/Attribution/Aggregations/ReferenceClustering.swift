import ArrayFormats
import Tensors

/// A reference set clustered in a model's logit space, as LPI chooses its local references
/// (Yang et al., AAAI 2023; ypeiyu/LPI's `distribution_estimation.py`): k-means into C
/// clusters, then each cluster into R sub-clusters; each sub-cluster's reference is its member
/// nearest the sub-centroid, with density ρ = sub-cluster size / cluster size.
///
/// k-means here: k-means++ initialisation (Arthur & Vassilvitskii 2007) from a seeded
/// generator, then Lloyd iterations until no assignment changes (ties go to the lower-numbered
/// center; a center that loses all its points moves to the point farthest from its own center,
/// as scikit-learn relocates empty clusters). The official code uses
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

    /// k-means++ then Lloyd to a fixed point: the centers and each point's center, every
    /// cluster non-empty. k-means++ picks distinct points as long as a point lies off every
    /// chosen center (probability ∝ D(x)² > 0), so k distinct points make k non-empty clusters;
    /// a Lloyd step that empties a cluster moves its center to the point farthest from its own
    /// center (which lowers the k-means objective, so the iteration still ends).
    /// - Throws: ``AttributionError`` when the points have fewer than k distinct values.
    static func kMeans(
        _ points: [[Double]], k: Int, using generator: inout Xoshiro256StarStar, naming name: String, into groups: String = "clusters"
    ) throws(AttributionError) -> (centers: [[Double]], assignment: [Int]) {
        let distinct = Set(points).count
        guard distinct >= k else {
            throw AttributionError("\(name) has \(distinct) distinct logit vectors among its \(points.count) references (duplicates?), fewer than the \(k) \(groups) asked of it; remove duplicate references or ask for fewer \(groups)")
        }
        // Flat row-major storage: point i at flat[i·D ..< (i+1)·D], center c likewise.
        let n = points.count, dimension = points[0].count
        let flat = points.flatMap { $0 }
        var centers = [Double](repeating: 0, count: k * dimension)
        func setCenter(_ c: Int, toPoint i: Int) {
            for d in 0..<dimension { centers[c * dimension + d] = flat[i * dimension + d] }
        }
        func distance(point i: Int, center c: Int) -> Double {
            var sum = 0.0
            for d in 0..<dimension {
                let e = flat[i * dimension + d] - centers[c * dimension + d]
                sum += e * e
            }
            return sum
        }

        // k-means++: the first center uniformly, each next one with probability ∝ D(x)², D the
        // distance to the nearest center so far (kept up to date one new center at a time).
        setCenter(0, toPoint: generator.nextIndex(below: n))
        var nearest = (0..<n).map { distance(point: $0, center: 0) }
        for c in 1..<max(k, 1) {
            let total = nearest.reduce(0, +)
            var chosen = generator.nextIndex(below: n)
            if total > 0 {
                var u = generator.nextUniform() * total
                chosen = n - 1
                for (i, w) in nearest.enumerated() {
                    if u < w {
                        chosen = i
                        break
                    }
                    u -= w
                }
            }
            setCenter(c, toPoint: chosen)
            for i in 0..<n { nearest[i] = min(nearest[i], distance(point: i, center: c)) }
        }
        /// Each point's nearest center, the lower index among ties.
        func assign() -> [Int] {
            (0..<n).map { i in
                var best = 0
                var bestDistance = distance(point: i, center: 0)
                for c in 1..<max(k, 1) {
                    let d = distance(point: i, center: c)
                    if d < bestDistance {
                        best = c
                        bestDistance = d
                    }
                }
                return best
            }
        }
        /// Moves each empty cluster's center to the point farthest from its own center (that
        /// point's cluster keeps at least one member: with k distinct points, some cluster has two).
        func relocateEmptyClusters(_ assignment: inout [Int]) {
            for c in 0..<k where !assignment.contains(c) {
                var sizes = [Int](repeating: 0, count: k)
                for a in assignment { sizes[a] += 1 }
                var farthest: Int?
                var farthestDistance = -1.0
                for i in 0..<n where sizes[assignment[i]] > 1 {
                    let d = distance(point: i, center: assignment[i])
                    if d > farthestDistance {
                        farthest = i
                        farthestDistance = d
                    }
                }
                guard let farthest else { continue }
                setCenter(c, toPoint: farthest)
                assignment[farthest] = c
            }
        }
        var assignment = assign()
        relocateEmptyClusters(&assignment)
        for _ in 0..<10_000 {
            // Each center to its members' mean (summed in index order); an empty one stays.
            var sums = [Double](repeating: 0, count: k * dimension)
            var counts = [Int](repeating: 0, count: k)
            for i in 0..<n {
                let c = assignment[i]
                counts[c] += 1
                for d in 0..<dimension { sums[c * dimension + d] += flat[i * dimension + d] }
            }
            for c in 0..<k where counts[c] > 0 {
                for d in 0..<dimension { centers[c * dimension + d] = sums[c * dimension + d] / Double(counts[c]) }
            }
            var next = assign()
            relocateEmptyClusters(&next)
            if next == assignment { break }
            assignment = next
        }
        guard (0..<k).allSatisfy(assignment.contains) else {
            throw AttributionError("k-means on \(name) left one of its \(k) \(groups) empty; ask for fewer \(groups)")
        }
        return ((0..<k).map { Array(centers[($0 * dimension)..<(($0 + 1) * dimension)]) }, assignment)
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
