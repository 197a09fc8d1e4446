import Tensors

/// k-means as LPI's clustering uses it: k-means++ initialisation (Arthur & Vassilvitskii
/// 2007) from a seeded generator, then Lloyd iterations until no assignment changes. Ties go
/// to the lower-numbered center; a center that loses all its points moves to the point
/// farthest from its own center, as scikit-learn relocates empty clusters.
///
/// What holds: k-means++ picks distinct points as long as a point lies off every chosen
/// center (probability ∝ D(x)² > 0), so k distinct points make k non-empty clusters; a Lloyd
/// step that empties a cluster is repaired by a relocation that lowers the k-means objective,
/// so the iteration still ends. The same points and generator give the same clusters on
/// every machine (sums in index order, no threads).
struct KMeans {
    /// Point i at flat[i·D ..< (i+1)·D].
    let flat: [Double]
    let n: Int, dimension: Int, k: Int
    /// Center c at centers[c·D ..< (c+1)·D].
    var centers: [Double]
    let name: String, groups: String

    /// k-means of `points` into `k` groups; `name` and `groups` word the errors.
    /// - Throws: ``AttributionError`` when the points have fewer than k distinct values.
    init(_ points: [[Double]], k: Int, naming name: String, into groups: String) throws(AttributionError) {
        let distinct = Set(points).count
        guard distinct >= k else {
            throw AttributionError("\(name) has \(distinct) distinct logit vectors among its \(points.count) references (duplicates?), fewer than the \(k) \(groups) asked of it; remove duplicate references or ask for fewer \(groups)")
        }
        n = points.count
        dimension = points[0].count
        flat = points.flatMap { $0 }
        self.k = k
        centers = [Double](repeating: 0, count: k * dimension)
        self.name = name
        self.groups = groups
    }

    /// The centers and each point's center, every cluster non-empty.
    mutating func run(using generator: inout Xoshiro256StarStar) throws(AttributionError) -> (centers: [[Double]], assignment: [Int]) {
        seed(using: &generator)
        var assignment = assign()
        relocateEmptyClusters(&assignment)
        for _ in 0..<10_000 {
            updateCenters(assignment)
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

    mutating func setCenter(_ c: Int, toPoint i: Int) {
        for d in 0..<dimension { centers[c * dimension + d] = flat[i * dimension + d] }
    }

    /// Squared distance from point i to center c.
    func distance(point i: Int, center c: Int) -> Double {
        var sum = 0.0
        for d in 0..<dimension {
            let e = flat[i * dimension + d] - centers[c * dimension + d]
            sum += e * e
        }
        return sum
    }

    /// k-means++: the first center uniformly, each next one with probability ∝ D(x)², D the
    /// distance to the nearest center so far (kept up to date one new center at a time).
    mutating func seed(using generator: inout Xoshiro256StarStar) {
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
    mutating func relocateEmptyClusters(_ assignment: inout [Int]) {
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

    /// Each center to its members' mean (summed in index order); an empty one stays.
    mutating func updateCenters(_ assignment: [Int]) {
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
    }
}
