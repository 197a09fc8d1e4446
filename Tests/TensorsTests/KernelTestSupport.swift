import Tensors
import _TestSupport

/// Fast kernels must equal their references to 1e-12, normwise: the fast paths reorder no
/// sums (matrix products, column sums, pooling, activations) or reorder them into SIMD
/// lanes and fixed chunks (reductions, the convolution's im2col sums), so differences are a
/// few ulps of the largest magnitude involved.
let kernelTolerance = Tolerance(relative: 1e-12)

/// Number of random shapes per kernel (the acceptance asks for at least 50).
let shapesPerKernel = 50

/// Calls `body` with read pointers to `inputs` and a zeroed output buffer of `count`; returns the output.
func withBuffers(
    _ inputs: [[Double]], outputCount count: Int, initial: [Double]? = nil,
    _ body: ([UnsafePointer<Double>], UnsafeMutablePointer<Double>) -> Void
) -> [Double] {
    var output = initial ?? [Double](repeating: 0, count: count)
    let pointers = inputs.map { array -> UnsafeMutablePointer<Double> in
        let p = UnsafeMutablePointer<Double>.allocate(capacity: max(1, array.count))
        p.initialize(from: array, count: array.count)
        return p
    }
    defer { pointers.forEach { $0.deallocate() } }
    output.withUnsafeMutableBufferPointer { out in
        body(pointers.map { UnsafePointer($0) }, out.baseAddress!)
    }
    return output
}

/// Uniform random values in [−1, 1).
func randomValues<G: RandomNumberGenerator>(_ count: Int, using generator: inout G) -> [Double] {
    (0..<count).map { _ in generator.nextUniform(in: -1, 1) }
}

/// Tracks the worst difference a kernel test saw, and prints it.
struct WorstDifference {
    let name: String
    private(set) var worst = 0.0
    private(set) var cases = 0

    init(_ name: String) { self.name = name }

    mutating func record(_ fast: [Double], _ reference: [Double]) {
        worst = max(worst, normwiseRelativeError(fast, reference))
        cases += 1
    }

    func report() {
        print("\(name): worst normwise relative difference fast vs reference \(worst) over \(cases) cases")
    }
}
