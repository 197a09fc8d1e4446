import Tensors

/// The pieces of a straight line on which a piecewise-linear network is affine: ExactLine
/// (Sotoudeh & Thakur, "Computing Linear Restrictions of Neural Networks", NeurIPS 2019; the
/// primitive of `95616ARG/SyReNN`).
///
/// For the segment x′ → x, γ(α) = x′ + α (x − x′), it finds 0 = α_0 < α_1 < … < α_m = 1 such
/// that the network's logits z(γ(α)) are affine in α on every piece [α_k, α_{k+1}]. It pushes
/// the breakpoints through the layers, keeping each layer's values at every breakpoint:
///
/// - an affine layer (dense, conv2d, avgpool2d, flatten, batchnorm, affine, pad, reshape) maps the points it is given — between
///   two breakpoints its input is affine in α, so its output is too;
/// - a ReLU or leaky ReLU adds, between neighbouring breakpoints with values a and b, every
///   α where a pre-activation changes sign, t = a_j/(a_j − b_j) of the way (the values there
///   are a + t(b − a), exact because the layer's input is affine on the piece);
/// - a max-pool adds every α where a window's arg-max changes: the upper envelope of the
///   window's lines e_c(t) = a_c + t(b_c − a_c), walked from t = 0 by the crossings with
///   lines of larger slope.
///
/// Between breakpoints no unit changes its linear regime, so the composition is affine.
/// Exact up to rounding: a breakpoint is where rounded values cross, and a spurious sliver
/// piece (a crossing of values that are zero up to rounding) only adds a breakpoint, which
/// exact integration does not mind. A smooth layer (softplus, tanh, sigmoid, silu) has no
/// finite partition: it is refused, naming the layer.
///
/// Cost: one forward pass of every layer per breakpoint known at that layer, all of a layer's
/// points in one batched call — about (pieces at the end) × (one forward pass) at worst, plus
/// the sign scan (the size of every ReLU's input per piece) and, for a max-pool, the envelope
/// of every window per piece. It stays cheap while the pieces number in the thousands
/// (digits-cnn: about 560 pieces from black to a test digit); its memory is one layer's values
/// at every breakpoint, so on an image network with 10⁴–10⁵ pieces per line (a ResNet on
/// 32 × 32 inputs) it costs gigabytes, and a cheaper answer is a quadrature rule. Points are
/// processed in order on one thread, and layers give every point the bits it gets alone, so
/// the partition's bits do not depend on the thread count.
public struct LinePartition: Sendable, Equatable {
    /// α_0 = 0 < α_1 < … < α_m = 1.
    public let breakpoints: [Double]
    /// The logits at each breakpoint, as the partition carried them through the layers
    /// (interpolated where a breakpoint was added inside a layer): `[m + 1][classes]`.
    public let logits: [[Double]]

    /// The number of pieces, m.
    public var pieceCount: Int { breakpoints.count - 1 }

    /// Piece k's ends [α_k, α_{k+1}].
    public func piece(_ k: Int) -> (start: Double, end: Double) { (breakpoints[k], breakpoints[k + 1]) }

    /// The partition of the line from `start` to `end` (flattened points of the network's
    /// input shape) for `network`.
    /// - Throws: ``ModelError`` naming the first layer that is not piecewise linear, or for
    ///   points of the wrong size or values that are not finite.
    public init(network: Sequential, from start: [Double], to end: [Double]) throws(ModelError) {
        let size = Tensor.elementCount(of: network.inputShape)
        guard start.count == size, end.count == size else {
            throw ModelError("the line's ends have \(start.count) and \(end.count) values; the network takes \(size)")
        }
        guard start.allSatisfy(\.isFinite), end.allSatisfy(\.isFinite) else {
            throw ModelError("the line's ends must be finite")
        }
        try Self.checkPiecewiseLinear(network)
        var alphas: [Double] = [0, 1]
        var values = Tensor(shape: [2] + network.inputShape, scalars: start + end)
        for layer in network.layers {
            switch layer {
            case let activation as ActivationLayer:
                (alphas, values) = Self.splitAtSignChanges(alphas, values)
                values = activation.forward(values)
            case let pool as MaxPool2D:
                (alphas, values) = Self.splitAtArgmaxChanges(alphas, values, pool: pool)
                values = pool.forward(values)
            default:
                values = layer.forward(values)
            }
        }
        let classes = network.classCount
        breakpoints = alphas
        logits = (0..<alphas.count).map { Array(values.scalars[$0 * classes ..< ($0 + 1) * classes]) }
        guard logits.allSatisfy({ $0.allSatisfy(\.isFinite) }) else {
            throw ModelError("the network's logits overflow on this line; scale the input to the range the model was trained on")
        }
    }

    /// Throws unless every layer is affine, ReLU, leaky ReLU or max-pool.
    public static func checkPiecewiseLinear(_ network: Sequential) throws(ModelError) {
        guard network.isChain else {
            throw ModelError("the network is a graph with residual connections; the exact line partition is built for chains of layers here, so use the adaptive rule")
        }
        for (index, layer) in network.layers.enumerated() {
            if let activation = layer as? ActivationLayer {
                switch activation.activation {
                case .relu, .leakyReLU: continue
                case .softplus, .tanh, .sigmoid, .silu:
                    throw ModelError(
                        "layer \(index) (\(layer.kind)) is smooth, so the network is not piecewise linear and has no exact line partition; use the adaptive rule")
                }
            }
            if let pool = layer as? MaxPool2D, pool.window.square == nil {
                throw ModelError("layer \(index) (\(layer.kind)) has a padded or rectangular window, which the exact line partition does not split; use the adaptive rule")
            }
            let affine = layer is Dense || layer is Conv2D || layer is AvgPool2D || layer is Flatten || layer is BatchNormalization
                || layer is ElementwiseAffine || layer is ZeroPad || layer is Reshape
            guard affine || layer is MaxPool2D else {
                throw ModelError("layer \(index) (\(layer.kind)) is not known to be piecewise linear; use the adaptive rule")
            }
        }
    }

    /// Adds, between neighbouring points, every α where a value changes sign strictly.
    static func splitAtSignChanges(_ alphas: [Double], _ values: Tensor) -> ([Double], Tensor) {
        let width = values.count / alphas.count
        return insert(into: alphas, values, width: width) { a, b in
            var crossings: [Double] = []
            for j in 0..<width {
                let (u, v) = (a[j], b[j])
                if (u < 0 && v > 0) || (u > 0 && v < 0) { crossings.append(u / (u - v)) }
            }
            return crossings
        }
    }

    /// Adds, between neighbouring points, every α where some window's arg-max changes.
    static func splitAtArgmaxChanges(_ alphas: [Double], _ values: Tensor, pool: MaxPool2D) -> ([Double], Tensor) {
        let (channels, height, width) = (values.shape[1], values.shape[2], values.shape[3])
        let (outHeight, outWidth) = ((height - pool.size) / pool.stride + 1, (width - pool.size) / pool.stride + 1)
        var window: [Int] = []
        for u in 0..<pool.size { for v in 0..<pool.size { window.append(u * width + v) } }
        let count = window.count
        return insert(into: alphas, values, width: channels * height * width) { a, b in
            var crossings: [Double] = []
            var starts = [Double](repeating: 0, count: count)
            var slopes = [Double](repeating: 0, count: count)
            window.withUnsafeBufferPointer { window in
                starts.withUnsafeMutableBufferPointer { starts in
                    slopes.withUnsafeMutableBufferPointer { slopes in
                        for c in 0..<channels {
                            for i in 0..<outHeight {
                                for j in 0..<outWidth {
                                    let origin = c * height * width + i * pool.stride * width + j * pool.stride
                                    // One element strictly largest at both ends stays largest
                                    // between them (every other line is below it at both ends,
                                    // so everywhere): no break.
                                    let first = strictArgmax(a, origin, window)
                                    if first >= 0 && first == strictArgmax(b, origin, window) { continue }
                                    for w in 0..<count {
                                        starts[w] = a[origin + window[w]]
                                        slopes[w] = b[origin + window[w]] - a[origin + window[w]]
                                    }
                                    appendUpperEnvelopeBreaks(starts: UnsafeBufferPointer(starts), slopes: UnsafeBufferPointer(slopes), to: &crossings)
                                }
                            }
                        }
                    }
                }
            }
            return crossings
        }
    }

    /// The index in `window` of the window's strictly largest element, or −1 on a tie.
    @inline(__always)
    private static func strictArgmax(_ values: UnsafeBufferPointer<Double>, _ origin: Int, _ window: UnsafeBufferPointer<Int>) -> Int {
        var best = 0
        var largest = values[origin + window[0]]
        var tie = false
        for w in 1..<window.count {
            let x = values[origin + window[w]]
            if x > largest {
                (best, largest, tie) = (w, x, false)
            } else if x == largest {
                tie = true
            }
        }
        return tie ? -1 : best
    }

    /// Appends to `breaks` the t ∈ (0, 1) where the maximum of the lines s_c + t·d_c changes
    /// from one line to another. From the line on top at t = 0 (the steepest among ties), the
    /// next line to take over is the first of the steeper ones to cross it; slopes only
    /// increase, so there are at most as many breaks as lines.
    static func appendUpperEnvelopeBreaks(starts: UnsafeBufferPointer<Double>, slopes: UnsafeBufferPointer<Double>, to breaks: inout [Double]) {
        var top = 0
        for c in 1..<starts.count where starts[c] > starts[top] || (starts[c] == starts[top] && slopes[c] > slopes[top]) {
            top = c
        }
        var t = 0.0
        while true {
            var next = -1
            var nextT = 0.0
            for c in 0..<starts.count where slopes[c] > slopes[top] {
                // s_top + t d_top = s_c + t d_c
                let candidate = max((starts[top] - starts[c]) / (slopes[c] - slopes[top]), t)
                if next < 0 || candidate < nextT || (candidate == nextT && slopes[c] > slopes[next]) {
                    (next, nextT) = (c, candidate)
                }
            }
            guard next >= 0, nextT < 1 else { return }
            if nextT > 0 && nextT > t { breaks.append(nextT) }
            t = nextT
            top = next
        }
    }

    /// Inserts, between each pair of neighbouring points, the fractions t ∈ (0, 1) that
    /// `crossings(a, b)` returns, as α's and as interpolated values a + t(b − a).
    private static func insert(
        into alphas: [Double], _ values: Tensor, width: Int, crossings: (UnsafeBufferPointer<Double>, UnsafeBufferPointer<Double>) -> [Double]
    ) -> ([Double], Tensor) {
        // First every interval's new fractions (distinct, increasing, strictly inside), then
        // the new points written once into storage of the final size.
        var fractions: [[Double]] = []
        var added = 0
        values.scalars.withUnsafeBufferPointer { all in
            for k in 0..<(alphas.count - 1) {
                let a = UnsafeBufferPointer(rebasing: all[k * width ..< (k + 1) * width])
                let b = UnsafeBufferPointer(rebasing: all[(k + 1) * width ..< (k + 2) * width])
                let (lower, upper) = (alphas[k], alphas[k + 1])
                var last = lower
                var kept: [Double] = []
                for t in Set(crossings(a, b)).sorted() where t > 0 && t < 1 {
                    let alpha = lower + t * (upper - lower)
                    guard alpha > last && alpha < upper else { continue }
                    last = alpha
                    kept.append(t)
                }
                added += kept.count
                fractions.append(kept)
            }
        }
        guard added > 0 else { return (alphas, values) }
        let count = alphas.count + added
        var newAlphas: [Double] = []
        newAlphas.reserveCapacity(count)
        let newValues = [Double](unsafeUninitializedCapacity: count * width) { output, initialized in
            values.scalars.withUnsafeBufferPointer { all in
                var row = 0
                func copy(_ source: Int) {
                    for j in 0..<width { output[row * width + j] = all[source * width + j] }
                    row += 1
                }
                newAlphas.append(alphas[0])
                copy(0)
                for k in 0..<(alphas.count - 1) {
                    let (lower, upper) = (alphas[k], alphas[k + 1])
                    for t in fractions[k] {
                        newAlphas.append(lower + t * (upper - lower))
                        for j in 0..<width {
                            let (u, v) = (all[k * width + j], all[(k + 1) * width + j])
                            output[row * width + j] = u + t * (v - u)
                        }
                        row += 1
                    }
                    newAlphas.append(upper)
                    copy(k + 1)
                }
            }
            initialized = count * width
        }
        return (newAlphas, Tensor(shape: [count] + Array(values.shape.dropFirst()), scalars: newValues))
    }
}
