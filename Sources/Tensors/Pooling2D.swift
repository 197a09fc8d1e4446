/// 2-D max and average pooling over square windows, without padding (PyTorch's
/// `max_pool2d` / `avg_pool2d` with `padding=0, ceil_mode=False`), forward and backward.
///
/// Input x [B, C, H, W]; window `size`, step `stride`; output [B, C, H′, W′] with
/// H′ = ⌊(H − size)/stride⌋ + 1 (likewise W′).
///
///     max:      y[b, c, i, j] = max_{u, v < size} x[b, c, s·i + u, s·j + v]
///               ∂L/∂x at the window's arg-max += ∂L/∂y[b, c, i, j]
///     average:  y[b, c, i, j] = (Σ_{u, v} x[b, c, s·i + u, s·j + v]) / size²
///               ∂L/∂x[b, c, s·i + u, s·j + v] += ∂L/∂y[b, c, i, j] / size²
///
/// Ties in a max window go to the first maximum in row-major window order, as PyTorch's CPU
/// kernel does; the backward pass recomputes the arg-max from the input rather than storing it.
/// When windows overlap (stride < size) gradients add up.
///
/// The fast paths walk each (b, c) plane with row pointers and spread planes over threads in
/// fixed chunks. A pooling window has a handful of elements, too few for SIMD lanes to pay;
/// both paths do the same arithmetic in the same order, so they agree bit for bit.
public enum Pooling2D {
    /// The sizes of one pooling operation.
    public struct Geometry: Sendable, Equatable, CustomStringConvertible {
        /// B, images in the batch.
        public var batch: Int
        /// C, channels.
        public var channels: Int
        /// H, input height.
        public var height: Int
        /// W, input width.
        public var width: Int
        /// The window's side.
        public var size: Int
        /// The step between windows.
        public var stride: Int

        /// A geometry; the output size follows from the others.
        public init(batch: Int, channels: Int, height: Int, width: Int, size: Int, stride: Int) {
            self.batch = batch; self.channels = channels; self.height = height; self.width = width
            self.size = size; self.stride = stride
        }

        /// H′ = ⌊(H − size)/stride⌋ + 1
        public var outHeight: Int { (height - size) / stride + 1 }
        /// W′ = ⌊(W − size)/stride⌋ + 1
        public var outWidth: Int { (width - size) / stride + 1 }
        /// B·C, the number of independent planes.
        public var planes: Int { batch * channels }
        /// True when the window fits the input at least once.
        public var isValid: Bool { size >= 1 && stride >= 1 && height >= size && width >= size }

        /// A compact summary for test messages.
        public var description: String { "pool[B\(batch) C\(channels) \(height)×\(width) size \(size) stride \(stride)]" }
    }

    // MARK: Reference

    /// Max pooling, forward, as loops.
    public static func maxForwardReference(_ g: Geometry, input x: UnsafePointer<Double>, output y: UnsafeMutablePointer<Double>) {
        for plane in 0..<g.planes {
            for i in 0..<g.outHeight {
                for j in 0..<g.outWidth {
                    let at = argmaxReference(g, x, plane, i, j)
                    y[(plane * g.outHeight + i) * g.outWidth + j] = x[at]
                }
            }
        }
    }

    /// Max pooling, backward: route each output gradient to its window's arg-max.
    public static func maxBackwardReference(
        _ g: Geometry, input x: UnsafePointer<Double>, outputGradient dy: UnsafePointer<Double>,
        inputGradient dx: UnsafeMutablePointer<Double>
    ) {
        dx.update(repeating: 0, count: g.planes * g.height * g.width)
        for plane in 0..<g.planes {
            for i in 0..<g.outHeight {
                for j in 0..<g.outWidth {
                    dx[argmaxReference(g, x, plane, i, j)] += dy[(plane * g.outHeight + i) * g.outWidth + j]
                }
            }
        }
    }

    /// Average pooling, forward, as loops.
    public static func averageForwardReference(_ g: Geometry, input x: UnsafePointer<Double>, output y: UnsafeMutablePointer<Double>) {
        let area = Double(g.size * g.size)
        for plane in 0..<g.planes {
            for i in 0..<g.outHeight {
                for j in 0..<g.outWidth {
                    var sum = 0.0
                    for u in 0..<g.size {
                        for v in 0..<g.size {
                            sum += x[(plane * g.height + i * g.stride + u) * g.width + j * g.stride + v]
                        }
                    }
                    y[(plane * g.outHeight + i) * g.outWidth + j] = sum / area
                }
            }
        }
    }

    /// Average pooling, backward: spread each output gradient evenly over its window.
    public static func averageBackwardReference(
        _ g: Geometry, outputGradient dy: UnsafePointer<Double>, inputGradient dx: UnsafeMutablePointer<Double>
    ) {
        let area = Double(g.size * g.size)
        dx.update(repeating: 0, count: g.planes * g.height * g.width)
        for plane in 0..<g.planes {
            for i in 0..<g.outHeight {
                for j in 0..<g.outWidth {
                    let share = dy[(plane * g.outHeight + i) * g.outWidth + j] / area
                    for u in 0..<g.size {
                        for v in 0..<g.size {
                            dx[(plane * g.height + i * g.stride + u) * g.width + j * g.stride + v] += share
                        }
                    }
                }
            }
        }
    }

    /// Flat index of the first maximum in window (i, j) of `plane`.
    private static func argmaxReference(_ g: Geometry, _ x: UnsafePointer<Double>, _ plane: Int, _ i: Int, _ j: Int) -> Int {
        var best = (plane * g.height + i * g.stride) * g.width + j * g.stride
        for u in 0..<g.size {
            for v in 0..<g.size {
                let at = (plane * g.height + i * g.stride + u) * g.width + j * g.stride + v
                if x[at] > x[best] { best = at }
            }
        }
        return best
    }

    // MARK: Fast

    /// Max pooling, forward, plane by plane with row pointers; planes in parallel.
    public static func maxForwardFast(_ g: Geometry, input x: UnsafePointer<Double>, output y: UnsafeMutablePointer<Double>) {
        forEachPlane(g) { plane in
            let input = x + plane * g.height * g.width
            let output = y + plane * g.outHeight * g.outWidth
            for i in 0..<g.outHeight {
                for j in 0..<g.outWidth {
                    output[i * g.outWidth + j] = input[windowArgmax(g, input, i, j)]
                }
            }
        }
    }

    /// Max pooling, backward, plane by plane; planes in parallel.
    public static func maxBackwardFast(
        _ g: Geometry, input x: UnsafePointer<Double>, outputGradient dy: UnsafePointer<Double>,
        inputGradient dx: UnsafeMutablePointer<Double>
    ) {
        forEachPlane(g) { plane in
            let input = x + plane * g.height * g.width
            let gradient = dx + plane * g.height * g.width
            let incoming = dy + plane * g.outHeight * g.outWidth
            gradient.update(repeating: 0, count: g.height * g.width)
            for i in 0..<g.outHeight {
                for j in 0..<g.outWidth {
                    gradient[windowArgmax(g, input, i, j)] += incoming[i * g.outWidth + j]
                }
            }
        }
    }

    /// Average pooling, forward, plane by plane; planes in parallel.
    public static func averageForwardFast(_ g: Geometry, input x: UnsafePointer<Double>, output y: UnsafeMutablePointer<Double>) {
        let area = Double(g.size * g.size)
        forEachPlane(g) { plane in
            let input = x + plane * g.height * g.width
            let output = y + plane * g.outHeight * g.outWidth
            for i in 0..<g.outHeight {
                for j in 0..<g.outWidth {
                    var sum = 0.0
                    var row = input + i * g.stride * g.width + j * g.stride
                    for _ in 0..<g.size {
                        for v in 0..<g.size { sum += row[v] }
                        row += g.width
                    }
                    output[i * g.outWidth + j] = sum / area
                }
            }
        }
    }

    /// Average pooling, backward, plane by plane; planes in parallel.
    public static func averageBackwardFast(
        _ g: Geometry, outputGradient dy: UnsafePointer<Double>, inputGradient dx: UnsafeMutablePointer<Double>
    ) {
        let area = Double(g.size * g.size)
        forEachPlane(g) { plane in
            let gradient = dx + plane * g.height * g.width
            let incoming = dy + plane * g.outHeight * g.outWidth
            gradient.update(repeating: 0, count: g.height * g.width)
            for i in 0..<g.outHeight {
                for j in 0..<g.outWidth {
                    let share = incoming[i * g.outWidth + j] / area
                    var row = gradient + i * g.stride * g.width + j * g.stride
                    for _ in 0..<g.size {
                        for v in 0..<g.size { row[v] += share }
                        row += g.width
                    }
                }
            }
        }
    }

    /// Offset within a plane of the first maximum of window (i, j).
    @inline(__always)
    private static func windowArgmax(_ g: Geometry, _ plane: UnsafePointer<Double>, _ i: Int, _ j: Int) -> Int {
        let origin = i * g.stride * g.width + j * g.stride
        if g.size == 2 {
            // The common 2×2 window, unrolled: the same comparisons in the same order, written
            // as selects so they compile without branches (which images make unpredictable:
            // profiled at 12% of IG on digits-cnn with branches).
            let (a, b, c, d) = (plane[origin], plane[origin + 1], plane[origin + g.width], plane[origin + g.width + 1])
            let takeB = b > a
            var best = takeB ? origin + 1 : origin
            var value = takeB ? b : a
            let takeC = c > value
            best = takeC ? origin + g.width : best
            value = takeC ? c : value
            return d > value ? origin + g.width + 1 : best
        }
        var best = origin
        var bestValue = plane[origin]
        var rowStart = origin
        for _ in 0..<g.size {
            for v in 0..<g.size where plane[rowStart + v] > bestValue {
                best = rowStart + v
                bestValue = plane[best]
            }
            rowStart += g.width
        }
        return best
    }

    /// Planes per parallel chunk.
    static let planesPerChunk = 16

    private static func forEachPlane(_ g: Geometry, _ body: (Int) -> Void) {
        let work = g.planes * g.outHeight * g.outWidth * g.size * g.size
        Parallelism.forEachRange(
            count: g.planes, chunkSize: planesPerChunk,
            inParallel: Parallelism.isWorthParallelizing(multiplyAdds: work)
        ) { planes in
            for plane in planes { body(plane) }
        }
    }
}
