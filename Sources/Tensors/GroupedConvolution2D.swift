/// A 2-D convolution in its general form (ONNX `Conv`; PyTorch `conv2d` with `groups`,
/// `dilation` and per-axis `stride` and `padding`): per-axis strides s_h, s_w, zero padding
/// on each side (top, left, bottom, right), dilations d_h, d_w, and G groups, so that output
/// channel o of group g = o / (O/G) reads only input channels g·(C/G) ..< (g+1)·(C/G).
/// Weight [O, C/G, kh, kw]; depthwise is G = C.
///
///     forward         y[o, i, j] = b[o] + Σ_{c′<C/G, u, v} w[o, c′, u, v] · x[g·C/G + c′, s_h·i − p_t + d_h·u, s_w·j − p_l + d_w·v]
///     input gradient  ∂L/∂x[g·C/G + c′, s_h·i − p_t + d_h·u, s_w·j − p_l + d_w·v] += w[o, c′, u, v] · ∂L/∂y[o, i, j]
///     weight gradient ∂L/∂w[o, c′, u, v] = Σ_{b, i, j} ∂L/∂y[b, o, i, j] · x[b, g·C/G + c′, s_h·i − p_t + d_h·u, s_w·j − p_l + d_w·v]
///
/// with H′ = ⌊(H + p_t + p_b − d_h·(kh − 1) − 1)/s_h⌋ + 1 (likewise W′). Taps that fall in
/// the padding read zero. The loops are written once, plainly: images go to threads (each
/// image's output and input gradient are its own, so the bits do not depend on the thread
/// count), and the weight gradient sums images in order on one thread. ``Convolution2D``'s
/// fast paths serve the common case (one group, no dilation, square stride and padding).
public enum GroupedConvolution2D {
    /// The sizes of one general convolution.
    public struct Geometry: Sendable, Equatable, CustomStringConvertible {
        /// B, C, H, W: the input batch.
        public var batch: Int, inChannels: Int, height: Int, width: Int
        /// O, kh, kw: output channels and the kernel's size.
        public var outChannels: Int, kernelHeight: Int, kernelWidth: Int
        /// s_h, s_w ≥ 1.
        public var strideHeight: Int, strideWidth: Int
        /// Zeros added above, left of, below and right of the input (≥ 0).
        public var padTop: Int, padLeft: Int, padBottom: Int, padRight: Int
        /// d_h, d_w ≥ 1: the step between a kernel's taps.
        public var dilationHeight: Int, dilationWidth: Int
        /// G ≥ 1, dividing both C and O.
        public var groups: Int

        /// A geometry; the output size follows from the others.
        public init(
            batch: Int, inChannels: Int, height: Int, width: Int, outChannels: Int, kernelHeight: Int, kernelWidth: Int,
            strides: (Int, Int), pads: (top: Int, left: Int, bottom: Int, right: Int), dilations: (Int, Int), groups: Int
        ) {
            self.batch = batch; self.inChannels = inChannels; self.height = height; self.width = width
            self.outChannels = outChannels; self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
            (strideHeight, strideWidth) = strides
            (padTop, padLeft, padBottom, padRight) = pads
            (dilationHeight, dilationWidth) = dilations
            self.groups = groups
        }

        /// H′ = ⌊(H + p_t + p_b − d_h·(kh − 1) − 1)/s_h⌋ + 1
        public var outHeight: Int { (height + padTop + padBottom - dilationHeight * (kernelHeight - 1) - 1) / strideHeight + 1 }
        /// W′ = ⌊(W + p_l + p_r − d_w·(kw − 1) − 1)/s_w⌋ + 1
        public var outWidth: Int { (width + padLeft + padRight - dilationWidth * (kernelWidth - 1) - 1) / strideWidth + 1 }
        /// C/G, the input channels one output channel reads.
        public var groupInChannels: Int { inChannels / groups }
        /// O/G, the output channels of one group.
        public var groupOutChannels: Int { outChannels / groups }
        /// Multiply-adds of one image's forward pass.
        public var multiplyAddsPerImage: Int { outChannels * outHeight * outWidth * groupInChannels * kernelHeight * kernelWidth }

        /// Why the sizes do not make a convolution, or nil when they do.
        public var problem: String? {
            if [strideHeight, strideWidth, dilationHeight, dilationWidth, groups].contains(where: { $0 < 1 }) {
                return "strides, dilations and groups must be ≥ 1"
            }
            if [padTop, padLeft, padBottom, padRight].contains(where: { $0 < 0 }) { return "pads must be ≥ 0" }
            if inChannels % groups != 0 || outChannels % groups != 0 {
                return "\(groups) groups must divide both the \(inChannels) input and the \(outChannels) output channels"
            }
            if height + padTop + padBottom < dilationHeight * (kernelHeight - 1) + 1
                || width + padLeft + padRight < dilationWidth * (kernelWidth - 1) + 1 {
                return "the dilated \(kernelHeight)×\(kernelWidth) kernel does not fit the padded \(height)×\(width) input"
            }
            return nil
        }

        /// A compact summary for test messages.
        public var description: String {
            "conv[B\(batch) C\(inChannels) \(height)×\(width) → O\(outChannels) k\(kernelHeight)×\(kernelWidth) "
                + "s\(strideHeight),\(strideWidth) p\(padTop),\(padLeft),\(padBottom),\(padRight) "
                + "d\(dilationHeight),\(dilationWidth) g\(groups)]"
        }
    }

    /// Calls `body(o, c, i, j, u, v, row, column)` for every tap of image-independent indices
    /// that reads the input (not the padding): the one loop nest all three passes share.
    @inline(__always)
    private static func forEachTap(_ g: Geometry, _ body: (_ o: Int, _ c: Int, _ i: Int, _ j: Int, _ u: Int, _ v: Int, _ row: Int, _ column: Int) -> Void) {
        for o in 0..<g.outChannels {
            let firstChannel = (o / g.groupOutChannels) * g.groupInChannels
            for channel in 0..<g.groupInChannels {
                for i in 0..<g.outHeight {
                    for u in 0..<g.kernelHeight {
                        let row = g.strideHeight * i - g.padTop + g.dilationHeight * u
                        guard row >= 0, row < g.height else { continue }
                        for j in 0..<g.outWidth {
                            for v in 0..<g.kernelWidth {
                                let column = g.strideWidth * j - g.padLeft + g.dilationWidth * v
                                guard column >= 0, column < g.width else { continue }
                                body(o, firstChannel + channel, i, j, u, v, row, column)
                            }
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    private static func weightIndex(_ g: Geometry, _ o: Int, _ c: Int, _ u: Int, _ v: Int) -> Int {
        ((o * g.groupInChannels + c % g.groupInChannels) * g.kernelHeight + u) * g.kernelWidth + v
    }

    /// Spreads images over threads when the work pays for it (``DepthwiseConvolution2D`` too).
    static func forEachImage(_ g: Geometry, _ body: (Int) -> Void) {
        Parallelism.forEachRange(
            count: g.batch, chunkSize: 1,
            inParallel: Parallelism.isWorthParallelizing(multiplyAdds: g.batch * g.multiplyAddsPerImage)
        ) { images in
            for image in images { body(image) }
        }
    }

    /// y = w ⋆ x + b for a batch [B, C, H, W] into [B, O, H′, W′].
    public static func forward(
        _ g: Geometry, input x: UnsafePointer<Double>, weight w: UnsafePointer<Double>, bias b: UnsafePointer<Double>?,
        output y: UnsafeMutablePointer<Double>
    ) {
        let outPlane = g.outHeight * g.outWidth
        forEachImage(g) { image in
            let input = x + image * g.inChannels * g.height * g.width
            let output = y + image * g.outChannels * outPlane
            for o in 0..<g.outChannels {
                (output + o * outPlane).update(repeating: b?[o] ?? 0, count: outPlane)
            }
            forEachTap(g) { o, c, i, j, u, v, row, column in
                output[o * outPlane + i * g.outWidth + j] += w[weightIndex(g, o, c, u, v)] * input[(c * g.height + row) * g.width + column]
            }
        }
    }

    /// ∂L/∂x for a batch: every output gradient sent back along the taps that read the input.
    public static func inputGradient(
        _ g: Geometry, weight w: UnsafePointer<Double>, outputGradient dy: UnsafePointer<Double>,
        inputGradient dx: UnsafeMutablePointer<Double>
    ) {
        let outPlane = g.outHeight * g.outWidth
        let inputSize = g.inChannels * g.height * g.width
        forEachImage(g) { image in
            let gradient = dx + image * inputSize
            let incoming = dy + image * g.outChannels * outPlane
            gradient.update(repeating: 0, count: inputSize)
            forEachTap(g) { o, c, i, j, u, v, row, column in
                gradient[(c * g.height + row) * g.width + column] += w[weightIndex(g, o, c, u, v)] * incoming[o * outPlane + i * g.outWidth + j]
            }
        }
    }

    /// ∂L/∂w and ∂L/∂b summed over the batch, images in order.
    public static func parameterGradients(
        _ g: Geometry, input x: UnsafePointer<Double>, outputGradient dy: UnsafePointer<Double>,
        weightGradient dw: UnsafeMutablePointer<Double>, biasGradient db: UnsafeMutablePointer<Double>
    ) {
        let outPlane = g.outHeight * g.outWidth
        dw.update(repeating: 0, count: g.outChannels * g.groupInChannels * g.kernelHeight * g.kernelWidth)
        db.update(repeating: 0, count: g.outChannels)
        for image in 0..<g.batch {
            let input = x + image * g.inChannels * g.height * g.width
            let incoming = dy + image * g.outChannels * outPlane
            for o in 0..<g.outChannels {
                for p in 0..<outPlane { db[o] += incoming[o * outPlane + p] }
            }
            forEachTap(g) { o, c, i, j, u, v, row, column in
                dw[weightIndex(g, o, c, u, v)] += incoming[o * outPlane + i * g.outWidth + j] * input[(c * g.height + row) * g.width + column]
            }
        }
    }
}
