/// 2-D max and average pooling in ONNX's general form (`MaxPool`, `AveragePool` with
/// `ceil_mode = 0`): a kh × kw window, per-axis strides, and padding on each side
/// (top, left, bottom, right).
///
///     H′ = ⌊(H + p_t + p_b − kh)/s_h⌋ + 1   (likewise W′)
///     max:      y[i, j] = max over the window's taps inside the input (padding is −∞)
///               ∂L/∂x at the first arg-max (row-major window order) += ∂L/∂y[i, j]
///     average:  y[i, j] = Σ_{taps inside} x / n,  n = kh·kw      (count_include_pad = 1)
///                                             n = taps inside    (count_include_pad = 0, ONNX's default)
///               ∂L/∂x[tap] += ∂L/∂y[i, j] / n for every tap inside
///
/// A window lying wholly in the padding has no tap: its max is refused by ``Geometry/problem``
/// (ONNX requires pads smaller than the kernel, so it cannot happen in a valid model). The
/// loops are written once and plainly; planes (b, c) go to threads, each writing only its own
/// output, so the bits do not depend on the thread count. ``Pooling2D``'s fast paths serve the
/// common case (square window, one stride, no padding).
public enum PaddedPooling2D {
    /// The sizes of one pooling operation.
    public struct Geometry: Sendable, Equatable, CustomStringConvertible {
        /// B, C, H, W: the input batch.
        public var batch: Int, channels: Int, height: Int, width: Int
        /// kh, kw: the window.
        public var kernelHeight: Int, kernelWidth: Int
        /// s_h, s_w ≥ 1.
        public var strideHeight: Int, strideWidth: Int
        /// Padding above, left of, below and right of the input.
        public var padTop: Int, padLeft: Int, padBottom: Int, padRight: Int

        /// A geometry; the output size follows from the others.
        public init(
            batch: Int, channels: Int, height: Int, width: Int, kernel: (Int, Int), strides: (Int, Int),
            pads: (top: Int, left: Int, bottom: Int, right: Int)
        ) {
            self.batch = batch; self.channels = channels; self.height = height; self.width = width
            (kernelHeight, kernelWidth) = kernel
            (strideHeight, strideWidth) = strides
            (padTop, padLeft, padBottom, padRight) = pads
        }

        /// H′ = ⌊(H + p_t + p_b − kh)/s_h⌋ + 1
        public var outHeight: Int { (height + padTop + padBottom - kernelHeight) / strideHeight + 1 }
        /// W′ = ⌊(W + p_l + p_r − kw)/s_w⌋ + 1
        public var outWidth: Int { (width + padLeft + padRight - kernelWidth) / strideWidth + 1 }
        /// B·C, the independent planes.
        public var planes: Int { batch * channels }

        /// Why the sizes do not make a pooling, or nil when they do.
        public var problem: String? {
            if [kernelHeight, kernelWidth, strideHeight, strideWidth].contains(where: { $0 < 1 }) { return "the window and strides must be ≥ 1" }
            if [padTop, padLeft, padBottom, padRight].contains(where: { $0 < 0 }) { return "pads must be ≥ 0" }
            if padTop >= kernelHeight || padBottom >= kernelHeight || padLeft >= kernelWidth || padRight >= kernelWidth {
                return "each pad must be smaller than the window (\(kernelHeight)×\(kernelWidth)), as ONNX requires"
            }
            if height + padTop + padBottom < kernelHeight || width + padLeft + padRight < kernelWidth {
                return "the \(kernelHeight)×\(kernelWidth) window does not fit the padded \(height)×\(width) input"
            }
            return nil
        }

        /// A compact summary for test messages.
        public var description: String {
            "pool[B\(batch) C\(channels) \(height)×\(width) k\(kernelHeight)×\(kernelWidth) s\(strideHeight),\(strideWidth) p\(padTop),\(padLeft),\(padBottom),\(padRight)]"
        }

        /// The input rows (and columns) window (i, j) covers inside the input.
        @inline(__always) func rows(_ i: Int) -> Range<Int> {
            max(0, i * strideHeight - padTop) ..< min(height, i * strideHeight - padTop + kernelHeight)
        }
        @inline(__always) func columns(_ j: Int) -> Range<Int> {
            max(0, j * strideWidth - padLeft) ..< min(width, j * strideWidth - padLeft + kernelWidth)
        }
    }

    private static func forEachPlane(_ g: Geometry, _ body: (Int) -> Void) {
        let work = g.planes * g.outHeight * g.outWidth * g.kernelHeight * g.kernelWidth
        Parallelism.forEachRange(count: g.planes, chunkSize: 8, inParallel: Parallelism.isWorthParallelizing(multiplyAdds: work)) { planes in
            for plane in planes { body(plane) }
        }
    }

    /// Index within a plane of window (i, j)'s first maximum.
    @inline(__always)
    private static func argmax(_ g: Geometry, _ x: UnsafePointer<Double>, _ i: Int, _ j: Int) -> Int {
        let rows = g.rows(i), columns = g.columns(j)
        var best = rows.lowerBound * g.width + columns.lowerBound
        for row in rows {
            for column in columns where x[row * g.width + column] > x[best] { best = row * g.width + column }
        }
        return best
    }

    /// Max pooling, forward.
    public static func maxForward(_ g: Geometry, input x: UnsafePointer<Double>, output y: UnsafeMutablePointer<Double>) {
        forEachPlane(g) { plane in
            let input = x + plane * g.height * g.width
            let output = y + plane * g.outHeight * g.outWidth
            for i in 0..<g.outHeight {
                for j in 0..<g.outWidth { output[i * g.outWidth + j] = input[argmax(g, input, i, j)] }
            }
        }
    }

    /// Max pooling, backward: each output gradient to its window's first arg-max.
    public static func maxBackward(
        _ g: Geometry, input x: UnsafePointer<Double>, outputGradient dy: UnsafePointer<Double>, inputGradient dx: UnsafeMutablePointer<Double>
    ) {
        forEachPlane(g) { plane in
            let input = x + plane * g.height * g.width
            let gradient = dx + plane * g.height * g.width
            let incoming = dy + plane * g.outHeight * g.outWidth
            gradient.update(repeating: 0, count: g.height * g.width)
            for i in 0..<g.outHeight {
                for j in 0..<g.outWidth { gradient[argmax(g, input, i, j)] += incoming[i * g.outWidth + j] }
            }
        }
    }

    /// The divisor n of window (i, j).
    @inline(__always)
    private static func divisor(_ g: Geometry, _ i: Int, _ j: Int, countIncludePad: Bool) -> Double {
        countIncludePad ? Double(g.kernelHeight * g.kernelWidth) : Double(g.rows(i).count * g.columns(j).count)
    }

    /// Average pooling, forward.
    public static func averageForward(_ g: Geometry, countIncludePad: Bool, input x: UnsafePointer<Double>, output y: UnsafeMutablePointer<Double>) {
        forEachPlane(g) { plane in
            let input = x + plane * g.height * g.width
            let output = y + plane * g.outHeight * g.outWidth
            for i in 0..<g.outHeight {
                for j in 0..<g.outWidth {
                    var sum = 0.0
                    for row in g.rows(i) {
                        for column in g.columns(j) { sum += input[row * g.width + column] }
                    }
                    output[i * g.outWidth + j] = sum / divisor(g, i, j, countIncludePad: countIncludePad)
                }
            }
        }
    }

    /// Average pooling, backward: each output gradient spread over its window's taps inside.
    public static func averageBackward(
        _ g: Geometry, countIncludePad: Bool, outputGradient dy: UnsafePointer<Double>, inputGradient dx: UnsafeMutablePointer<Double>
    ) {
        forEachPlane(g) { plane in
            let gradient = dx + plane * g.height * g.width
            let incoming = dy + plane * g.outHeight * g.outWidth
            gradient.update(repeating: 0, count: g.height * g.width)
            for i in 0..<g.outHeight {
                for j in 0..<g.outWidth {
                    let share = incoming[i * g.outWidth + j] / divisor(g, i, j, countIncludePad: countIncludePad)
                    for row in g.rows(i) {
                        for column in g.columns(j) { gradient[row * g.width + column] += share }
                    }
                }
            }
        }
    }
}
