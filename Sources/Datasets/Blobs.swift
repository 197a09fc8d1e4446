import Tensors

extension Datasets {
    /// Isotropic Gaussian blobs: point i has class c = i mod k and position
    /// centers[c] + N(0, σ² I).
    /// - Parameters:
    ///   - count: the number of points.
    ///   - centers: one centre per class, all of the same dimension.
    ///   - standardDeviation: σ ≥ 0.
    ///   - seed: the seed of the draw.
    public static func blobs(count: Int, centers: [[Double]], standardDeviation: Double, seed: UInt64) -> LabeledData {
        precondition(!centers.isEmpty && centers.allSatisfy { $0.count == centers[0].count }, "centres of one dimension")
        precondition(standardDeviation >= 0, "σ ≥ 0")
        let dimension = centers[0].count
        let generator = Xoshiro256StarStar(seed: seed)
        var scalars: [Double] = []
        scalars.reserveCapacity(count * dimension)
        var labels: [Int] = []
        for i in 0..<count {
            let label = i % centers.count
            var draw = generator.derived(i)
            for d in 0..<dimension { scalars.append(centers[label][d] + standardDeviation * draw.nextNormal()) }
            labels.append(label)
        }
        return LabeledData(inputs: Tensor(shape: [count, dimension], scalars: scalars), labels: labels, classCount: centers.count)
    }
}
