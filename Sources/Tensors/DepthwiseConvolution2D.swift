/// The fast path of a depthwise convolution — every output channel reads one input channel
/// (groups = C, weight [O, 1, kh, kw], O = m·C) — forward, input gradient and parameter
/// gradients, with any
/// strides, padding and dilation. ``GroupedConvolution2D`` is its reference: the same products
/// added in the same order for every element, so the two agree bit for bit (tested).
///
/// Forward: output row by output row, each tap (u, v) adds w[o, u, v] · x along the row's
/// valid columns in one vector-friendly loop; an element still receives its taps in (u, v)
/// order, bias first, as the reference adds them. Input gradient: for each output channel,
/// output row and kernel row, the taps v are visited from the last to the first, so that an
/// input element receives its contributions with j ascending, the reference's order.
/// Images go to threads; each writes only its own output. Parameter gradients: output channels
/// go to threads (each owns its kh·kw weights and its bias), and each weight adds its products
/// image by image, row by row, column by column, as the reference does.
public enum DepthwiseConvolution2D {
    /// Whether `g` is depthwise (one input channel per output channel).
    public static func applies(to g: GroupedConvolution2D.Geometry) -> Bool { g.groups == g.inChannels && g.groupInChannels == 1 }

    /// The output columns j whose tap at column offset `offset` (= d_w·v − p_l) reads inside the
    /// input: 0 ≤ s_w·j + offset < W.
    @inline(__always)
    private static func columns(_ g: GroupedConvolution2D.Geometry, offset: Int) -> Range<Int> {
        let s = g.strideWidth
        let low = offset >= 0 ? 0 : (-offset + s - 1) / s
        let high = min(g.outWidth, (g.width - 1 - offset) >= 0 ? (g.width - 1 - offset) / s + 1 : 0)
        return low ..< max(low, high)
    }

    /// y = w ⋆ x + b for a batch [B, C, H, W] into [B, O, H′, W′].
    public static func forward(
        _ g: GroupedConvolution2D.Geometry, input x: UnsafePointer<Double>, weight w: UnsafePointer<Double>, bias b: UnsafePointer<Double>?,
        output y: UnsafeMutablePointer<Double>
    ) {
        precondition(applies(to: g), "DepthwiseConvolution2D needs one input channel per output channel")
        let (outPlane, inPlane) = (g.outHeight * g.outWidth, g.height * g.width)
        let multiplier = g.groupOutChannels
        let s = g.strideWidth
        GroupedConvolution2D.forEachImage(g) { image in
            for o in 0..<g.outChannels {
                let plane = x + (image * g.inChannels + o / multiplier) * inPlane
                let out = y + (image * g.outChannels + o) * outPlane
                let kernel = w + o * g.kernelHeight * g.kernelWidth
                for i in 0..<g.outHeight {
                    let row = out + i * g.outWidth
                    row.update(repeating: b?[o] ?? 0, count: g.outWidth)
                    for u in 0..<g.kernelHeight {
                        let inputRow = g.strideHeight * i - g.padTop + g.dilationHeight * u
                        guard inputRow >= 0, inputRow < g.height else { continue }
                        let source = plane + inputRow * g.width
                        for v in 0..<g.kernelWidth {
                            let offset = g.dilationWidth * v - g.padLeft
                            let weight = kernel[u * g.kernelWidth + v]
                            for j in columns(g, offset: offset) { row[j] += weight * source[s * j + offset] }
                        }
                    }
                }
            }
        }
    }

    /// ∂L/∂x for a batch: each output gradient sent back along the taps that read the input.
    public static func inputGradient(
        _ g: GroupedConvolution2D.Geometry, weight w: UnsafePointer<Double>, outputGradient dy: UnsafePointer<Double>,
        inputGradient dx: UnsafeMutablePointer<Double>
    ) {
        precondition(applies(to: g), "DepthwiseConvolution2D needs one input channel per output channel")
        let (outPlane, inPlane) = (g.outHeight * g.outWidth, g.height * g.width)
        let multiplier = g.groupOutChannels
        let s = g.strideWidth
        GroupedConvolution2D.forEachImage(g) { image in
            (dx + image * g.inChannels * inPlane).update(repeating: 0, count: g.inChannels * inPlane)
            for o in 0..<g.outChannels {
                let plane = dx + (image * g.inChannels + o / multiplier) * inPlane
                let incoming = dy + (image * g.outChannels + o) * outPlane
                let kernel = w + o * g.kernelHeight * g.kernelWidth
                for i in 0..<g.outHeight {
                    let gradientRow = incoming + i * g.outWidth
                    for u in 0..<g.kernelHeight {
                        let inputRow = g.strideHeight * i - g.padTop + g.dilationHeight * u
                        guard inputRow >= 0, inputRow < g.height else { continue }
                        let target = plane + inputRow * g.width
                        // v descending: an input column then hears from j in ascending order.
                        for v in stride(from: g.kernelWidth - 1, through: 0, by: -1) {
                            let offset = g.dilationWidth * v - g.padLeft
                            let weight = kernel[u * g.kernelWidth + v]
                            for j in columns(g, offset: offset) { target[s * j + offset] += weight * gradientRow[j] }
                        }
                    }
                }
            }
        }
    }

    /// ∂L/∂w [O, 1, kh, kw] and ∂L/∂b [O] summed over the batch (overwrites both).
    public static func parameterGradients(
        _ g: GroupedConvolution2D.Geometry, input x: UnsafePointer<Double>, outputGradient dy: UnsafePointer<Double>,
        weightGradient dw: UnsafeMutablePointer<Double>, biasGradient db: UnsafeMutablePointer<Double>
    ) {
        precondition(applies(to: g), "DepthwiseConvolution2D needs one input channel per output channel")
        let (outPlane, inPlane) = (g.outHeight * g.outWidth, g.height * g.width)
        let multiplier = g.groupOutChannels
        let s = g.strideWidth
        let taps = g.kernelHeight * g.kernelWidth
        Parallelism.forEachRange(
            count: g.outChannels, chunkSize: 1,
            inParallel: Parallelism.isWorthParallelizing(multiplyAdds: g.batch * g.multiplyAddsPerImage)
        ) { channels in
            for o in channels {
                let sums = dw + o * taps
                sums.update(repeating: 0, count: taps)
                var biasSum = 0.0
                for image in 0..<g.batch {
                    let plane = x + (image * g.inChannels + o / multiplier) * inPlane
                    let incoming = dy + (image * g.outChannels + o) * outPlane
                    for p in 0..<outPlane { biasSum += incoming[p] }
                    for i in 0..<g.outHeight {
                        let gradientRow = incoming + i * g.outWidth
                        for u in 0..<g.kernelHeight {
                            let inputRow = g.strideHeight * i - g.padTop + g.dilationHeight * u
                            guard inputRow >= 0, inputRow < g.height else { continue }
                            let source = plane + inputRow * g.width
                            for v in 0..<g.kernelWidth {
                                let offset = g.dilationWidth * v - g.padLeft
                                var sum = sums[u * g.kernelWidth + v]
                                for j in columns(g, offset: offset) { sum += gradientRow[j] * source[s * j + offset] }
                                sums[u * g.kernelWidth + v] = sum
                            }
                        }
                    }
                }
                db[o] = biasSum
            }
        }
    }
}
