import Foundation

/// Elementwise activation functions, their derivatives, and the guided-backprop rule.
///
/// | activation | f(x) | f′(x), as computed |
/// |---|---|---|
/// | `relu` | max(x, 0) | 1 if x > 0 else 0 (so f′(0) = 0, as PyTorch) |
/// | `leakyReLU(slope)` | x if x > 0 else slope·x | 1 if x > 0 else slope |
/// | `softplus` | log(1 + eˣ), as max(x, 0) + log1p(e^−|x|) | σ(x) |
/// | `tanh` | tanh x | 1 − y² with y = f(x) |
/// | `sigmoid` | σ(x) = 1/(1 + e^−x), split by sign to avoid overflow | y(1 − y) |
/// | `silu` | x·σ(x) (SiLU, "swish"; PyTorch `nn.SiLU`) | σ(x)(1 + x(1 − σ(x))) |
///
/// Softplus is computed exactly for every x. (PyTorch's `Softplus` switches to f(x) = x and
/// f′(x) = 1 above x = 20, a relative change of about 2·10⁻⁹; the PyTorch goldens keep
/// pre-activations well below 20, where the two agree to round-off.)
///
/// The backward pass is dX = dY ⊙ f′(X). Each operation has a reference (one scalar loop)
/// and a fast path: `SIMD8<Double>` masks for the piecewise-linear functions, and for the
/// transcendental ones the same scalar formula spread over threads in fixed chunks. Both
/// paths give the same bits.
public enum Activation: Sendable, Equatable, Hashable {
    /// max(x, 0)
    case relu
    /// x for x > 0, slope·x otherwise
    case leakyReLU(slope: Double)
    /// log(1 + eˣ)
    case softplus
    /// tanh x
    case tanh
    /// 1 / (1 + e⁻ˣ)
    case sigmoid
    /// x·σ(x): smooth, non-monotone near 0, the usual activation of diffusion denoisers
    case silu

    /// f(x) for one value.
    @inline(__always)
    public func value(_ x: Double) -> Double {
        switch self {
        case .relu: return x > 0 ? x : 0
        case .leakyReLU(let slope): return x > 0 ? x : slope * x
        case .softplus: return Swift.max(x, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(x)))
        case .tanh: return Foundation.tanh(x)
        case .sigmoid: return Activation.logistic(x)
        case .silu: return x * Activation.logistic(x)
        }
    }

    /// f′(x), given the input x and the output y = f(x) (whichever is cheaper is used).
    @inline(__always)
    public func derivative(input x: Double, output y: Double) -> Double {
        switch self {
        case .relu: return x > 0 ? 1 : 0
        case .leakyReLU(let slope): return x > 0 ? 1 : slope
        case .softplus: return Activation.logistic(x)
        case .tanh: return 1 - y * y
        case .sigmoid: return y * (1 - y)
        case .silu:
            let s = Activation.logistic(x)
            return s * (1 + x * (1 - s))
        }
    }

    /// The logistic function, written so that e^(±x) never overflows.
    @inline(__always)
    public static func logistic(_ x: Double) -> Double {
        if x >= 0 { return 1 / (1 + Foundation.exp(-x)) }
        let e = Foundation.exp(x)
        return e / (1 + e)
    }

    // MARK: Forward

    /// y = f(x), one element at a time.
    public func forwardReference(_ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count { y[i] = value(x[i]) }
    }

    /// y = f(x): SIMD masks for ReLU and leaky ReLU, threads in fixed chunks for the rest.
    public func forwardFast(_ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, count: Int) {
        switch self {
        case .relu:
            Activation.simd(
                count, x, y, vector: { v in SIMD8<Double>.zero.replacing(with: v, where: v .> 0) },
                scalar: { v in v > 0 ? v : 0 })
        case .leakyReLU(let slope):
            Activation.simd(
                count, x, y, vector: { v in (slope * v).replacing(with: v, where: v .> 0) },
                scalar: { v in v > 0 ? v : slope * v })
        case .softplus, .tanh, .sigmoid, .silu:
            Activation.inChunks(count) { range in
                for i in range { y[i] = value(x[i]) }
            }
        }
    }

    // MARK: Backward

    /// dX = dY ⊙ f′(X), one element at a time.
    public func backwardReference(
        input x: UnsafePointer<Double>, output y: UnsafePointer<Double>,
        outputGradient dy: UnsafePointer<Double>, inputGradient dx: UnsafeMutablePointer<Double>, count: Int
    ) {
        for i in 0..<count { dx[i] = dy[i] * derivative(input: x[i], output: y[i]) }
    }

    /// dX = dY ⊙ f′(X), fused into one pass; SIMD masks for ReLU and leaky ReLU.
    public func backwardFast(
        input x: UnsafePointer<Double>, output y: UnsafePointer<Double>,
        outputGradient dy: UnsafePointer<Double>, inputGradient dx: UnsafeMutablePointer<Double>, count: Int
    ) {
        switch self {
        case .relu:
            Activation.simd2(
                count, x, dy, dx, vector: { v, g in g * SIMD8<Double>.one.replacing(with: 0, where: .!(v .> 0)) },
                scalar: { v, g in g * (v > 0 ? 1 : 0) })
        case .leakyReLU(let slope):
            Activation.simd2(
                count, x, dy, dx, vector: { v, g in g * SIMD8<Double>(repeating: slope).replacing(with: 1, where: v .> 0) },
                scalar: { v, g in g * (v > 0 ? 1 : slope) })
        case .softplus, .tanh, .sigmoid, .silu:
            Activation.inChunks(count) { range in
                for i in range { dx[i] = dy[i] * derivative(input: x[i], output: y[i]) }
            }
        }
    }

    // MARK: Guided backprop

    /// Guided backprop's ReLU rule (Springenberg et al. 2015; Captum `GuidedBackprop`):
    /// pass the incoming gradient only where the forward input is > 0 *and* the incoming
    /// gradient is > 0: dX = dY ⊙ [X > 0] ⊙ [dY > 0].
    public static func guidedReLUBackwardReference(
        input x: UnsafePointer<Double>, outputGradient dy: UnsafePointer<Double>,
        inputGradient dx: UnsafeMutablePointer<Double>, count: Int
    ) {
        for i in 0..<count { dx[i] = (x[i] > 0 && dy[i] > 0) ? dy[i] : 0 }
    }

    /// The guided ReLU rule with SIMD masks; same bits as the reference.
    public static func guidedReLUBackwardFast(
        input x: UnsafePointer<Double>, outputGradient dy: UnsafePointer<Double>,
        inputGradient dx: UnsafeMutablePointer<Double>, count: Int
    ) {
        simd2(
            count, x, dy, dx, vector: { v, g in SIMD8<Double>.zero.replacing(with: g, where: (v .> 0) .& (g .> 0)) },
            scalar: { v, g in (v > 0 && g > 0) ? g : 0 })
    }

    // MARK: Loop helpers

    /// Elements per chunk when a transcendental activation is spread over threads.
    static let chunkSize = 4096

    private static func inChunks(_ count: Int, _ body: (Range<Int>) -> Void) {
        // ~20 ns per exp/tanh: threads pay from a few chunks up.
        Parallelism.forEachRange(
            count: count, chunkSize: chunkSize,
            inParallel: count >= 4 * chunkSize && Parallelism.threadCount > 1, body)
    }

    @inline(__always)
    private static func simd(
        _ count: Int, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>,
        vector: (SIMD8<Double>) -> SIMD8<Double>, scalar: (Double) -> Double
    ) {
        var i = 0
        while i + 8 <= count {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Double>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: vector(v), as: SIMD8<Double>.self)
            i += 8
        }
        while i < count {
            y[i] = scalar(x[i])
            i += 1
        }
    }

    @inline(__always)
    private static func simd2(
        _ count: Int, _ x: UnsafePointer<Double>, _ g: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>,
        vector: (SIMD8<Double>, SIMD8<Double>) -> SIMD8<Double>, scalar: (Double, Double) -> Double
    ) {
        var i = 0
        while i + 8 <= count {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Double>.self)
            let w = UnsafeRawPointer(g + i).loadUnaligned(as: SIMD8<Double>.self)
            UnsafeMutableRawPointer(out + i).storeBytes(of: vector(v, w), as: SIMD8<Double>.self)
            i += 8
        }
        while i < count {
            out[i] = scalar(x[i], g[i])
            i += 1
        }
    }
}
