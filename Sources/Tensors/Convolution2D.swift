/// 2-D convolution (cross-correlation, as PyTorch's `conv2d`) with stride and zero padding:
/// forward, gradient to the input, and gradients to the weight and bias.
///
/// Layouts are PyTorch's: input x [B, C, H, W], weight w [O, C, kh, kw], bias [O],
/// output y [B, O, H′, W′] with H′ = ⌊(H + 2p − kh)/s⌋ + 1 (likewise W′):
///
///     y[b, o, i, j] = bias[o] + Σ_{c, u, v} w[o, c, u, v] · x[b, c, s·i − p + u, s·j − p + v]
///
/// (x is zero outside the image). The chain rule gives
///
///     ∂L/∂x[b, c, s·i − p + u, s·j − p + v] += w[o, c, u, v] · ∂L/∂y[b, o, i, j]
///     ∂L/∂w[o, c, u, v] = Σ_{b, i, j} ∂L/∂y[b, o, i, j] · x[b, c, s·i − p + u, s·j − p + v]
///     ∂L/∂bias[o]       = Σ_{b, i, j} ∂L/∂y[b, o, i, j]
///
/// The references are these sums as loops. The fast paths: a pointwise convolution (1×1,
/// stride 1, no padding) is one ``MatrixProduct`` per image, with the reference's bits; for
/// other stride-1 kernels, forward and input gradient run directly on zero-padded planes (``DirectConvolution``); otherwise they lower
/// one image to a matrix (im2col: column (i, j) holds the C·kh·kw inputs that output pixel
/// sees) so each sum becomes a ``MatrixProduct``: y_b = W · cols_b, dcols_b = Wᵀ · dy_b (then
/// scattered back, col2im). The weight gradient is always dW = Σ_b dy_b · cols_bᵀ. Images run in parallel; the weight gradient sums
/// fixed chunks of images in chunk order, so results do not depend on the thread count.
public enum Convolution2D {
    /// The sizes of one convolution. Out-of-range geometry is a caller's bug here; layers
    /// validate user-supplied shapes before they get this far.
    public struct Geometry: Sendable, Equatable, CustomStringConvertible {
        /// B, images in the batch.
        public var batch: Int
        /// C, input channels.
        public var inChannels: Int
        /// H, input height.
        public var height: Int
        /// W, input width.
        public var width: Int
        /// O, output channels.
        public var outChannels: Int
        /// kh
        public var kernelHeight: Int
        /// kw
        public var kernelWidth: Int
        /// s ≥ 1, the same along both axes.
        public var stride: Int
        /// p ≥ 0 zeros on every side.
        public var padding: Int

        /// A geometry; the output size follows from the others.
        public init(
            batch: Int, inChannels: Int, height: Int, width: Int, outChannels: Int,
            kernelHeight: Int, kernelWidth: Int, stride: Int = 1, padding: Int = 0
        ) {
            self.batch = batch; self.inChannels = inChannels; self.height = height; self.width = width
            self.outChannels = outChannels; self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
            self.stride = stride; self.padding = padding
        }

        /// H′ = ⌊(H + 2p − kh)/s⌋ + 1
        public var outHeight: Int { (height + 2 * padding - kernelHeight) / stride + 1 }
        /// W′ = ⌊(W + 2p − kw)/s⌋ + 1
        public var outWidth: Int { (width + 2 * padding - kernelWidth) / stride + 1 }
        /// C·kh·kw, the length of one im2col column.
        public var patchSize: Int { inChannels * kernelHeight * kernelWidth }
        /// H′·W′, the number of output pixels per channel.
        public var outPixels: Int { outHeight * outWidth }
        /// Elements of one input image, C·H·W.
        public var inputSize: Int { inChannels * height * width }
        /// Elements of one output image, O·H′·W′.
        public var outputSize: Int { outChannels * outPixels }
        /// A 1×1 kernel with stride 1 and no padding: each image is already the matrix the
        /// product needs (x_b [C, H·W]), so no lowering is done.
        public var isPointwise: Bool { kernelHeight == 1 && kernelWidth == 1 && stride == 1 && padding == 0 }
        /// True when the kernel fits the padded input at least once.
        public var isValid: Bool {
            stride >= 1 && padding >= 0 && kernelHeight >= 1 && kernelWidth >= 1
                && height + 2 * padding >= kernelHeight && width + 2 * padding >= kernelWidth
        }

        /// A compact summary for test messages.
        public var description: String {
            "conv[B\(batch) C\(inChannels) \(height)×\(width) → O\(outChannels) k\(kernelHeight)×\(kernelWidth) s\(stride) p\(padding)]"
        }
    }

    // MARK: Reference

    /// The forward sum as loops.
    public static func forwardReference(
        _ g: Geometry, input x: UnsafePointer<Double>, weight w: UnsafePointer<Double>,
        bias: UnsafePointer<Double>?, output y: UnsafeMutablePointer<Double>
    ) {
        let (oh, ow) = (g.outHeight, g.outWidth)
        for b in 0..<g.batch {
            for o in 0..<g.outChannels {
                for i in 0..<oh {
                    for j in 0..<ow {
                        var sum = 0.0
                        for c in 0..<g.inChannels {
                            for u in 0..<g.kernelHeight {
                                let row = i * g.stride - g.padding + u
                                if row < 0 || row >= g.height { continue }
                                for v in 0..<g.kernelWidth {
                                    let col = j * g.stride - g.padding + v
                                    if col < 0 || col >= g.width { continue }
                                    sum += w[((o * g.inChannels + c) * g.kernelHeight + u) * g.kernelWidth + v]
                                        * x[((b * g.inChannels + c) * g.height + row) * g.width + col]
                                }
                            }
                        }
                        y[((b * g.outChannels + o) * oh + i) * ow + j] = sum + (bias?[o] ?? 0)
                    }
                }
            }
        }
    }

    /// ∂L/∂x from ∂L/∂y, as loops.
    public static func inputGradientReference(
        _ g: Geometry, weight w: UnsafePointer<Double>,
        outputGradient dy: UnsafePointer<Double>, inputGradient dx: UnsafeMutablePointer<Double>
    ) {
        let (oh, ow) = (g.outHeight, g.outWidth)
        dx.update(repeating: 0, count: g.batch * g.inputSize)
        for b in 0..<g.batch {
            for o in 0..<g.outChannels {
                for i in 0..<oh {
                    for j in 0..<ow {
                        let gradient = dy[((b * g.outChannels + o) * oh + i) * ow + j]
                        for c in 0..<g.inChannels {
                            for u in 0..<g.kernelHeight {
                                let row = i * g.stride - g.padding + u
                                if row < 0 || row >= g.height { continue }
                                for v in 0..<g.kernelWidth {
                                    let col = j * g.stride - g.padding + v
                                    if col < 0 || col >= g.width { continue }
                                    dx[((b * g.inChannels + c) * g.height + row) * g.width + col] +=
                                        w[((o * g.inChannels + c) * g.kernelHeight + u) * g.kernelWidth + v] * gradient
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// ∂L/∂w and ∂L/∂bias from ∂L/∂y, as loops (overwrites both outputs).
    public static func parameterGradientsReference(
        _ g: Geometry, input x: UnsafePointer<Double>, outputGradient dy: UnsafePointer<Double>,
        weightGradient dw: UnsafeMutablePointer<Double>, biasGradient db: UnsafeMutablePointer<Double>?
    ) {
        let (oh, ow) = (g.outHeight, g.outWidth)
        for o in 0..<g.outChannels {
            for c in 0..<g.inChannels {
                for u in 0..<g.kernelHeight {
                    for v in 0..<g.kernelWidth {
                        var sum = 0.0
                        for b in 0..<g.batch {
                            for i in 0..<oh {
                                let row = i * g.stride - g.padding + u
                                if row < 0 || row >= g.height { continue }
                                for j in 0..<ow {
                                    let col = j * g.stride - g.padding + v
                                    if col < 0 || col >= g.width { continue }
                                    sum += dy[((b * g.outChannels + o) * oh + i) * ow + j]
                                        * x[((b * g.inChannels + c) * g.height + row) * g.width + col]
                                }
                            }
                        }
                        dw[((o * g.inChannels + c) * g.kernelHeight + u) * g.kernelWidth + v] = sum
                    }
                }
            }
            if let db {
                var sum = 0.0
                for b in 0..<g.batch {
                    for p in 0..<(oh * ow) { sum += dy[(b * g.outChannels + o) * oh * ow + p] }
                }
                db[o] = sum
            }
        }
    }

    // MARK: Fast

    /// Images per parallel chunk. Fixed, so that partial weight gradients are summed in the
    /// same order whatever the thread count.
    static let imagesPerChunk = 8

    /// The forward pass by im2col and ``MatrixProduct``; images in parallel.
    public static func forwardFast(
        _ g: Geometry, input x: UnsafePointer<Double>, weight w: UnsafePointer<Double>,
        bias: UnsafePointer<Double>?, output y: UnsafeMutablePointer<Double>
    ) {
        if g.isPointwise {
            forEachImageChunk(g) { images in
                for b in images {
                    let yb = y + b * g.outputSize
                    // y_b [O, P] = W [O, C] · x_b [C, P]: the image is already the matrix.
                    MatrixProduct.fast(.plain, m: g.outChannels, n: g.outPixels, k: g.inChannels, a: w, b: x + b * g.inputSize, c: yb, accumulate: false)
                    addBias(g, bias, to: yb)
                }
            }
            return
        }
        if g.stride == 1 {
            let block = DirectConvolution.channelsPerBlock
            let packed = UnsafeMutablePointer<Double>.allocate(capacity: DirectConvolution.packedSize(g, block: block))
            defer { packed.deallocate() }
            DirectConvolution.packForward(g, w, block: block, into: packed)
            forEachImageChunk(g) { images in
                let scratch = UnsafeMutablePointer<Double>.allocate(capacity: DirectConvolution.scratchSize(g))
                defer { scratch.deallocate() }
                for b in images {
                    DirectConvolution.forward(g, x + b * g.inputSize, packed: packed, bias, y + b * g.outputSize, scratch: scratch, block: block)
                }
            }
            return
        }
        forEachImageChunk(g) { images in
            let cols = UnsafeMutablePointer<Double>.allocate(capacity: g.patchSize * g.outPixels)
            defer { cols.deallocate() }
            for b in images {
                im2col(g, x + b * g.inputSize, cols)
                let yb = y + b * g.outputSize
                // y_b [O, P] = W [O, K] · cols [K, P]
                MatrixProduct.fast(.plain, m: g.outChannels, n: g.outPixels, k: g.patchSize, a: w, b: cols, c: yb, accumulate: false)
                addBias(g, bias, to: yb)
            }
        }
    }

    /// y_b[o, ·] += bias[o], after the sum (the reference's order: Σ first, then the bias).
    private static func addBias(_ g: Geometry, _ bias: UnsafePointer<Double>?, to yb: UnsafeMutablePointer<Double>) {
        guard let bias else { return }
        for o in 0..<g.outChannels {
            let row = yb + o * g.outPixels
            for p in 0..<g.outPixels { row[p] += bias[o] }
        }
    }

    /// ∂L/∂x by dcols = Wᵀ·dy (``MatrixProduct``) and col2im; images in parallel.
    public static func inputGradientFast(
        _ g: Geometry, weight w: UnsafePointer<Double>,
        outputGradient dy: UnsafePointer<Double>, inputGradient dx: UnsafeMutablePointer<Double>
    ) {
        if g.isPointwise {
            forEachImageChunk(g) { images in
                for b in images {
                    // dx_b [C, P] = Wᵀ [C, O] · dy_b [O, P], summed over o in order as the reference does.
                    MatrixProduct.fast(
                        .transposedA, m: g.inChannels, n: g.outPixels, k: g.outChannels,
                        a: w, b: dy + b * g.outputSize, c: dx + b * g.inputSize, accumulate: false)
                }
            }
            return
        }
        if g.stride == 1 {
            let block = DirectConvolution.channelsPerBlock
            let packed = UnsafeMutablePointer<Double>.allocate(capacity: DirectConvolution.packedSize(g, block: block))
            defer { packed.deallocate() }
            DirectConvolution.packInputGradient(g, w, block: block, into: packed)
            forEachImageChunk(g) { images in
                let scratch = UnsafeMutablePointer<Double>.allocate(capacity: DirectConvolution.scratchSize(g))
                defer { scratch.deallocate() }
                for b in images {
                    DirectConvolution.inputGradient(g, packed: packed, dy + b * g.outputSize, dx + b * g.inputSize, scratch: scratch, block: block)
                }
            }
            return
        }
        forEachImageChunk(g) { images in
            let cols = UnsafeMutablePointer<Double>.allocate(capacity: g.patchSize * g.outPixels)
            defer { cols.deallocate() }
            for b in images {
                // dcols [K, P] = Wᵀ [K, O] · dy_b [O, P]
                MatrixProduct.fast(
                    .transposedA, m: g.patchSize, n: g.outPixels, k: g.outChannels,
                    a: w, b: dy + b * g.outputSize, c: cols, accumulate: false)
                col2im(g, cols, dx + b * g.inputSize)
            }
        }
    }

    /// ∂L/∂w = Σ_b dy_b · cols_bᵀ (or its transpose Σ_b cols_b · dy_bᵀ, when K > O) and
    /// ∂L/∂bias = Σ_b Σ_p dy_b; fixed image chunks summed in order.
    public static func parameterGradientsFast(
        _ g: Geometry, input x: UnsafePointer<Double>, outputGradient dy: UnsafePointer<Double>,
        weightGradient dw: UnsafeMutablePointer<Double>, biasGradient db: UnsafeMutablePointer<Double>?
    ) {
        let weightCount = g.outChannels * g.patchSize
        let chunks = Parallelism.chunkCount(g.batch, chunkSize: imagesPerChunk)
        // One partial weight gradient (and bias gradient) per chunk.
        let stride = weightCount + g.outChannels
        let partials = UnsafeMutablePointer<Double>.allocate(capacity: max(1, chunks) * stride)
        partials.initialize(repeating: 0, count: max(1, chunks) * stride)
        defer { partials.deallocate() }
        // Both orientations make the same sums in the same order; the product packs its right
        // operand (a transpose, O(P) per row), so the one whose right operand is smaller goes:
        // dy_b (O·P values) when K > O, cols_b (K·P) otherwise.
        let transposed = g.patchSize > g.outChannels
        forEachImageChunk(g) { images in
            let chunk = images.lowerBound / imagesPerChunk
            let partialW = partials + chunk * stride
            let partialB = partialW + weightCount
            let cols = UnsafeMutablePointer<Double>.allocate(capacity: g.isPointwise ? 0 : g.patchSize * g.outPixels)
            defer { cols.deallocate() }
            for b in images {
                let columns: UnsafePointer<Double>
                if g.isPointwise {
                    columns = x + b * g.inputSize
                } else {
                    im2col(g, x + b * g.inputSize, cols)
                    columns = UnsafePointer(cols)
                }
                let dyb = dy + b * g.outputSize
                if transposed {
                    // dWᵀ [K, O] += cols_b [K, P] · dy_bᵀ [P, O]
                    MatrixProduct.fast(
                        .transposedB, m: g.patchSize, n: g.outChannels, k: g.outPixels,
                        a: columns, b: dyb, c: partialW, accumulate: true)
                } else {
                    // dW [O, K] += dy_b [O, P] · cols_bᵀ [P, K]
                    MatrixProduct.fast(
                        .transposedB, m: g.outChannels, n: g.patchSize, k: g.outPixels,
                        a: dyb, b: columns, c: partialW, accumulate: true)
                }
                for o in 0..<g.outChannels {
                    var sum = partialB[o]
                    for p in 0..<g.outPixels { sum += dyb[o * g.outPixels + p] }
                    partialB[o] = sum
                }
            }
        }
        dw.update(repeating: 0, count: weightCount)
        db?.update(repeating: 0, count: g.outChannels)
        for chunk in 0..<chunks {
            let partialW = partials + chunk * stride
            if transposed {
                for o in 0..<g.outChannels {
                    for p in 0..<g.patchSize { dw[o * g.patchSize + p] += partialW[p * g.outChannels + o] }
                }
            } else {
                for i in 0..<weightCount { dw[i] += partialW[i] }
            }
            if let db {
                for o in 0..<g.outChannels { db[o] += partialW[weightCount + o] }
            }
        }
    }

    // MARK: Lowering

    /// The output columns j whose input column s·j − p + v lies inside the image, 0 ≤ … < W:
    /// j from ⌈(p − v)/s⌉ to ⌊(W − 1 + p − v)/s⌋, clipped to the output width.
    @inline(__always)
    static func validColumns(_ g: Geometry, tap v: Int) -> Range<Int> {
        let offset = g.padding - v
        let low = offset > 0 ? (offset + g.stride - 1) / g.stride : 0
        let highInput = g.width - 1 + offset
        let high = highInput < 0 ? -1 : min(g.outWidth - 1, highInput / g.stride)
        return low <= high ? low..<(high + 1) : 0..<0
    }

    /// cols[(c·kh + u)·kw + v, i·W′ + j] = x[c, s·i − p + u, s·j − p + v], or 0 in the padding.
    /// Each output row is zeros, then a run read from one input row (contiguous when s = 1),
    /// then zeros: the run's bounds are computed once per tap, not tested per element.
    static func im2col(_ g: Geometry, _ x: UnsafePointer<Double>, _ cols: UnsafeMutablePointer<Double>) {
        let (oh, ow) = (g.outHeight, g.outWidth)
        var row = cols
        for c in 0..<g.inChannels {
            let plane = x + c * g.height * g.width
            for u in 0..<g.kernelHeight {
                for v in 0..<g.kernelWidth {
                    let valid = validColumns(g, tap: v)
                    for i in 0..<oh {
                        let inRow = i * g.stride - g.padding + u
                        let out = row + i * ow
                        if inRow < 0 || inRow >= g.height || valid.isEmpty {
                            out.update(repeating: 0, count: ow)
                            continue
                        }
                        out.update(repeating: 0, count: valid.lowerBound)
                        let line = plane + inRow * g.width - g.padding + v
                        if g.stride == 1 {
                            (out + valid.lowerBound).update(from: line + valid.lowerBound, count: valid.count)
                        } else {
                            for j in valid { out[j] = line[j * g.stride] }
                        }
                        (out + valid.upperBound).update(repeating: 0, count: ow - valid.upperBound)
                    }
                    row += oh * ow
                }
            }
        }
    }

    /// The adjoint of ``im2col(_:_:_:)``: dx[c, s·i − p + u, s·j − p + v] += cols[(c·kh + u)·kw + v, i·W′ + j].
    /// Overwrites `dx` (one image). Taps are visited in the same order as before the loops
    /// were restructured, so each pixel's sum is formed in the same order.
    static func col2im(_ g: Geometry, _ cols: UnsafePointer<Double>, _ dx: UnsafeMutablePointer<Double>) {
        let (oh, ow) = (g.outHeight, g.outWidth)
        dx.update(repeating: 0, count: g.inputSize)
        var row = cols
        for c in 0..<g.inChannels {
            let plane = dx + c * g.height * g.width
            for u in 0..<g.kernelHeight {
                for v in 0..<g.kernelWidth {
                    let valid = validColumns(g, tap: v)
                    for i in 0..<oh {
                        let inRow = i * g.stride - g.padding + u
                        if inRow < 0 || inRow >= g.height { continue }
                        let line = plane + inRow * g.width - g.padding + v
                        let source = row + i * ow
                        if g.stride == 1 {
                            for j in valid { line[j] += source[j] }
                        } else {
                            for j in valid { line[j * g.stride] += source[j] }
                        }
                    }
                    row += oh * ow
                }
            }
        }
    }

    /// Runs `body` over fixed chunks of images, in parallel when the work is large enough.
    private static func forEachImageChunk(_ g: Geometry, _ body: (Range<Int>) -> Void) {
        let work = g.batch * g.outputSize * g.patchSize
        Parallelism.forEachRange(
            count: g.batch, chunkSize: imagesPerChunk,
            inParallel: Parallelism.isWorthParallelizing(multiplyAdds: work), body)
    }
}
