/// Stride-1 convolution computed directly, without lowering to im2col: the fast path
/// ``Convolution2D`` takes when s = 1.
///
/// Forward. The input plane is copied once into a zero-padded buffer X̃ [C, H + 2p, W + 2p];
/// then every output row is a sum of shifted rows of X̃:
///
///     y[o, i, j…j+7] = b[o] + Σ_{c,u,v} w[o, c, u, v] · X̃[c, i + u, j + v … j + v + 7]
///
/// computed eight columns at a time in `SIMD8<Double>` registers, for eight output channels
/// at once on an 8-wide unit, four on a 4-wide one (one load of X̃ feeds that many accumulators). The sum runs over (c, u, v) in the
/// reference's order; padding contributes exact zeros, so the result equals the reference.
///
/// Input gradient. With the output gradient zero-padded to D [O, H + kh − 1, W + kw − 1]
/// (D[o, a, b] = ∂L/∂y[o, a − kh + 1 + p, b − kw + 1 + p], zero outside), the adjoint is the
/// same kind of sum with the filter flipped:
///
///     ∂L/∂x[c, y, x…x+7] = Σ_{o,u,v} w[o, c, u, v] · D[o, y + kh − 1 − u, x + kw − 1 − v … + 7]
///
/// for a block of input channels at once. Its summation order differs from the reference's, so the
/// two agree to round-off. Profiling on digits-cnn: the im2col/col2im lowering took a third
/// of an attribution's time on 8×8 images; this path removes it.
enum DirectConvolution {
    /// Output columns per vector.
    static let width = 8

    /// y (one image) from x (one image); `scratch` has room for ``scratchSize(_:)`` values and
    /// `packed` holds the weights from ``packForward(_:_:)``.
    static func forward(
        _ g: Convolution2D.Geometry, _ x: UnsafePointer<Double>, packed: UnsafePointer<Double>,
        _ bias: UnsafePointer<Double>?, _ y: UnsafeMutablePointer<Double>, scratch: UnsafeMutablePointer<Double>, block: Int
    ) {
        let (hp, wp) = (g.height + 2 * g.padding, g.width + 2 * g.padding)
        pad(x, channels: g.inChannels, height: g.height, width: g.width, top: g.padding, left: g.padding, into: scratch, paddedHeight: hp, paddedWidth: wp)
        accumulate(
            outputs: g.outChannels, inputs: g.inChannels, rows: g.outHeight, columns: g.outWidth,
            source: scratch, sourceHeight: hp, sourceWidth: wp, kernelHeight: g.kernelHeight, kernelWidth: g.kernelWidth,
            packed: packed, block: block, bias: bias, into: y)
    }

    /// ∂L/∂x (one image) from ∂L/∂y (one image); `packed` from ``packInputGradient(_:_:)``.
    static func inputGradient(
        _ g: Convolution2D.Geometry, packed: UnsafePointer<Double>, _ dy: UnsafePointer<Double>,
        _ dx: UnsafeMutablePointer<Double>, scratch: UnsafeMutablePointer<Double>, block: Int
    ) {
        let (hd, wd) = (g.height + g.kernelHeight - 1, g.width + g.kernelWidth - 1)
        pad(dy, channels: g.outChannels, height: g.outHeight, width: g.outWidth,
            top: g.kernelHeight - 1 - g.padding, left: g.kernelWidth - 1 - g.padding, into: scratch, paddedHeight: hd, paddedWidth: wd)
        accumulate(
            outputs: g.inChannels, inputs: g.outChannels, rows: g.height, columns: g.width,
            source: scratch, sourceHeight: hd, sourceWidth: wd, kernelHeight: g.kernelHeight, kernelWidth: g.kernelWidth,
            packed: packed, block: block, bias: nil, into: dx)
    }

    /// Room the scratch buffer needs for either pass.
    static func scratchSize(_ g: Convolution2D.Geometry) -> Int {
        max(g.inChannels * (g.height + 2 * g.padding) * (g.width + 2 * g.padding),
            g.outChannels * (g.height + g.kernelHeight - 1) * (g.width + g.kernelWidth - 1))
    }

    /// Values ``packForward(_:_:)`` and ``packInputGradient(_:_:)`` write.
    static func packedSize(_ g: Convolution2D.Geometry, block: Int) -> Int {
        let taps = g.kernelHeight * g.kernelWidth
        return max((g.outChannels + block - 1) / block * g.inChannels, (g.inChannels + block - 1) / block * g.outChannels) * taps * block
    }

    /// Output channels computed together: 8 on an 8-wide unit (eight accumulators, each load
    /// of the source feeding eight multiplies whose weight broadcasts fold into them), 4 on a
    /// 4-wide one, where eight `SIMD8` accumulators would take all sixteen registers. Read once
    /// by the caller (the override that tests use is task-local, and the pool's threads do not
    /// see it) and passed to the packing and to the loops.
    static var channelsPerBlock: Int { VectorUnit.current.doublesPerRegister >= 8 ? 8 : 4 }

    /// The forward weights in loop order: blocks of ``channelsPerBlock`` output channels, then
    /// input channel, row and column of the tap, then the block's channels side by side (zeros past O).
    static func packForward(_ g: Convolution2D.Geometry, _ w: UnsafePointer<Double>, block: Int, into packed: UnsafeMutablePointer<Double>) {
        pack(outputs: g.outChannels, inputs: g.inChannels, kernelHeight: g.kernelHeight, kernelWidth: g.kernelWidth, block: block, into: packed) { o, c, u, v in
            w[((o * g.inChannels + c) * g.kernelHeight + u) * g.kernelWidth + v]
        }
    }

    /// The input-gradient weights: input channels play the outputs' part, and each filter is
    /// flipped (tap (u, v) reads w[…, kh − 1 − u, kw − 1 − v]) so the loop is the forward one.
    static func packInputGradient(_ g: Convolution2D.Geometry, _ w: UnsafePointer<Double>, block: Int, into packed: UnsafeMutablePointer<Double>) {
        pack(outputs: g.inChannels, inputs: g.outChannels, kernelHeight: g.kernelHeight, kernelWidth: g.kernelWidth, block: block, into: packed) { c, o, u, v in
            w[((o * g.inChannels + c) * g.kernelHeight + (g.kernelHeight - 1 - u)) * g.kernelWidth + (g.kernelWidth - 1 - v)]
        }
    }

    private static func pack(
        outputs: Int, inputs: Int, kernelHeight: Int, kernelWidth: Int, block: Int, into packed: UnsafeMutablePointer<Double>,
        weight: (Int, Int, Int, Int) -> Double
    ) {
        var at = packed
        for q0 in stride(from: 0, to: outputs, by: block) {
            for p in 0..<inputs {
                for u in 0..<kernelHeight {
                    for v in 0..<kernelWidth {
                        for q in 0..<block { at[q] = q0 + q < outputs ? weight(q0 + q, p, u, v) : 0 }
                        at += block
                    }
                }
            }
        }
    }

    /// Copies planes into a zero border: source pixel (r, c) lands at (r + top, c + left);
    /// pixels that would land outside the padded plane (negative padding) are dropped.
    private static func pad(
        _ source: UnsafePointer<Double>, channels: Int, height: Int, width: Int, top: Int, left: Int,
        into target: UnsafeMutablePointer<Double>, paddedHeight: Int, paddedWidth: Int
    ) {
        target.update(repeating: 0, count: channels * paddedHeight * paddedWidth)
        for c in 0..<channels {
            for r in 0..<height {
                let row = r + top
                guard row >= 0 && row < paddedHeight else { continue }
                let from = max(0, -left)
                let to = min(width, paddedWidth - left)
                guard from < to else { continue }
                (target + (c * paddedHeight + row) * paddedWidth + left + from)
                    .update(from: source + (c * height + r) * width + from, count: to - from)
            }
        }
    }

    /// out[q, i, j] = (bias[q] +) Σ_{p, u, v} W[q, p, u, v] · S[p, i + u, j + v], a block of
    /// ``channelsPerBlock`` q and eight j at a time, with W packed by
    /// ``pack(outputs:inputs:kernelHeight:kernelWidth:block:into:weight:)``.
    private static func accumulate(
        outputs: Int, inputs: Int, rows: Int, columns: Int,
        source: UnsafePointer<Double>, sourceHeight: Int, sourceWidth: Int, kernelHeight: Int, kernelWidth: Int,
        packed: UnsafePointer<Double>, block: Int, bias: UnsafePointer<Double>?, into out: UnsafeMutablePointer<Double>
    ) {
        let plane = sourceHeight * sourceWidth
        let blockSize = inputs * kernelHeight * kernelWidth * block
        for blockIndex in 0..<((outputs + block - 1) / block) {
            let q0 = block * blockIndex
            let count = min(block, outputs - q0)
            let weights = packed + blockIndex * blockSize
            // A lone channel (a first layer's input gradient): four output rows at once, so
            // that four independent sums hide each add's latency (one sum alone would wait on
            // its previous add at every tap). Each element's sum keeps its order.
            var fourRowStart = 0
            if count == 1 {
                while fourRowStart + 4 <= rows {
                    var j = 0
                    while j + width <= columns {
                        let sums = singleInFourRows(
                            source + fourRowStart * sourceWidth + j, inputs: inputs, plane: plane, sourceWidth: sourceWidth,
                            kernelHeight: kernelHeight, kernelWidth: kernelWidth, weights: weights, step: block)
                        let biasVector = SIMD8(repeating: bias?[q0] ?? 0)
                        let target = out + (q0 * rows + fourRowStart) * columns + j
                        func store(_ sum: SIMD8<Double>, row k: Int) {
                            let value = bias == nil ? sum : sum + biasVector
                            UnsafeMutableRawPointer(target + k * columns).storeBytes(of: value, as: SIMD8<Double>.self)
                        }
                        store(sums.0, row: 0); store(sums.1, row: 1); store(sums.2, row: 2); store(sums.3, row: 3)
                        j += width
                    }
                    for i in fourRowStart..<(fourRowStart + 4) {
                        leftoverColumns(from: j, row: i, count: count, q0: q0, inputs: inputs, rows: rows, columns: columns, source: source,
                                        plane: plane, sourceWidth: sourceWidth, kernelHeight: kernelHeight, kernelWidth: kernelWidth,
                                        weights: weights, block: block, bias: bias, into: out)
                    }
                    fourRowStart += 4
                }
            }
            for i in fourRowStart..<rows {
                var j = 0
                while j + width <= columns {
                    // The sums over (p, u, v) for channels q0 ..< q0 + count at columns j ..< j + 8.
                    let origin = source + i * sourceWidth + j
                    var sums: (SIMD8<Double>, SIMD8<Double>, SIMD8<Double>, SIMD8<Double>, SIMD8<Double>, SIMD8<Double>, SIMD8<Double>, SIMD8<Double>)
                    if count == 1 {
                        // A lone channel (a first layer's input gradient): one accumulator.
                        sums.0 = single(origin, inputs: inputs, plane: plane, sourceWidth: sourceWidth, kernelHeight: kernelHeight, kernelWidth: kernelWidth, weights: weights, step: block)
                        sums.1 = .zero; sums.2 = .zero; sums.3 = .zero; sums.4 = .zero; sums.5 = .zero; sums.6 = .zero; sums.7 = .zero
                    } else if count > 4 {
                        sums = eight(origin, inputs: inputs, plane: plane, sourceWidth: sourceWidth, kernelHeight: kernelHeight, kernelWidth: kernelWidth, weights: weights)
                    } else {
                        // Up to four channels (a 4-wide unit's block, or a last block of 2–4, as
                        // an RGB input's gradient): four accumulators, not eight.
                        let four = four(origin, inputs: inputs, plane: plane, sourceWidth: sourceWidth, kernelHeight: kernelHeight, kernelWidth: kernelWidth, weights: weights, step: block)
                        sums = (four.0, four.1, four.2, four.3, .zero, .zero, .zero, .zero)
                    }
                    withUnsafeBytes(of: &sums) { raw in
                        for q in 0..<count {
                            var value = raw.load(fromByteOffset: q * MemoryLayout<SIMD8<Double>>.stride, as: SIMD8<Double>.self)
                            if let bias { value += SIMD8(repeating: bias[q0 + q]) }
                            UnsafeMutableRawPointer(out + ((q0 + q) * rows + i) * columns + j).storeBytes(of: value, as: SIMD8<Double>.self)
                        }
                    }
                    j += width
                }
                leftoverColumns(from: j, row: i, count: count, q0: q0, inputs: inputs, rows: rows, columns: columns, source: source,
                                plane: plane, sourceWidth: sourceWidth, kernelHeight: kernelHeight, kernelWidth: kernelWidth,
                                weights: weights, block: block, bias: bias, into: out)
            }
        }
    }

    /// Row `i`'s columns from `j` on (fewer than eight), one at a time, in the same order.
    @inline(__always)
    private static func leftoverColumns(
        from j0: Int, row i: Int, count: Int, q0: Int, inputs: Int, rows: Int, columns: Int, source: UnsafePointer<Double>,
        plane: Int, sourceWidth: Int, kernelHeight: Int, kernelWidth: Int, weights: UnsafePointer<Double>, block: Int,
        bias: UnsafePointer<Double>?, into out: UnsafeMutablePointer<Double>
    ) {
        for j in j0..<columns {
            for q in 0..<count {
                var sum = 0.0
                var wp = weights + q
                for p in 0..<inputs {
                    var row = source + p * plane + i * sourceWidth + j
                    for _ in 0..<kernelHeight {
                        for v in 0..<kernelWidth {
                            sum += wp[0] * row[v]
                            wp += block
                        }
                        row += sourceWidth
                    }
                }
                out[((q0 + q) * rows + i) * columns + j] = bias.map { sum + $0[q0 + q] } ?? sum
            }
        }
    }

    /// One channel's sums at eight columns of four consecutive output rows (from `origin`'s
    /// row on): one broadcast of each weight feeds four accumulators.
    @inline(__always)
    private static func singleInFourRows(
        _ origin: UnsafePointer<Double>, inputs: Int, plane: Int, sourceWidth: Int, kernelHeight: Int, kernelWidth: Int,
        weights: UnsafePointer<Double>, step: Int
    ) -> (SIMD8<Double>, SIMD8<Double>, SIMD8<Double>, SIMD8<Double>) {
        var a0 = SIMD8<Double>.zero, a1 = SIMD8<Double>.zero, a2 = SIMD8<Double>.zero, a3 = SIMD8<Double>.zero
        var wp = weights
        for p in 0..<inputs {
            var row = origin + p * plane
            for _ in 0..<kernelHeight {
                for v in 0..<kernelWidth {
                    let w = SIMD8(repeating: wp[0])
                    a0 += w * load(row + v)
                    a1 += w * load(row + sourceWidth + v)
                    a2 += w * load(row + 2 * sourceWidth + v)
                    a3 += w * load(row + 3 * sourceWidth + v)
                    wp += step
                }
                row += sourceWidth
            }
        }
        return (a0, a1, a2, a3)
    }

    @inline(__always)
    private static func load(_ pointer: UnsafePointer<Double>) -> SIMD8<Double> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Double>.self)
    }

    /// One channel's sum at eight columns; weights `step` apart in the packed block.
    @inline(__always)
    private static func single(
        _ origin: UnsafePointer<Double>, inputs: Int, plane: Int, sourceWidth: Int, kernelHeight: Int, kernelWidth: Int,
        weights: UnsafePointer<Double>, step: Int
    ) -> SIMD8<Double> {
        var a0 = SIMD8<Double>.zero
        var wp = weights
        for p in 0..<inputs {
            var row = origin + p * plane
            for _ in 0..<kernelHeight {
                for v in 0..<kernelWidth {
                    a0 += SIMD8(repeating: wp[0]) * load(row + v)
                    wp += step
                }
                row += sourceWidth
            }
        }
        return a0
    }

    /// Four channels' sums at eight columns: one load of the source feeds four accumulators;
    /// each tap's weights `step` apart in the packed block.
    @inline(__always)
    private static func four(
        _ origin: UnsafePointer<Double>, inputs: Int, plane: Int, sourceWidth: Int, kernelHeight: Int, kernelWidth: Int,
        weights: UnsafePointer<Double>, step: Int
    ) -> (SIMD8<Double>, SIMD8<Double>, SIMD8<Double>, SIMD8<Double>) {
        var a0 = SIMD8<Double>.zero, a1 = SIMD8<Double>.zero, a2 = SIMD8<Double>.zero, a3 = SIMD8<Double>.zero
        var wp = weights
        for p in 0..<inputs {
            var row = origin + p * plane
            for _ in 0..<kernelHeight {
                for v in 0..<kernelWidth {
                    let x = load(row + v)
                    a0 += SIMD8(repeating: wp[0]) * x
                    a1 += SIMD8(repeating: wp[1]) * x
                    a2 += SIMD8(repeating: wp[2]) * x
                    a3 += SIMD8(repeating: wp[3]) * x
                    wp += step
                }
                row += sourceWidth
            }
        }
        return (a0, a1, a2, a3)
    }

    /// Eight channels' sums at eight columns: one load of the source feeds eight accumulators.
    @inline(__always)
    private static func eight(
        _ origin: UnsafePointer<Double>, inputs: Int, plane: Int, sourceWidth: Int, kernelHeight: Int, kernelWidth: Int,
        weights: UnsafePointer<Double>
    ) -> (SIMD8<Double>, SIMD8<Double>, SIMD8<Double>, SIMD8<Double>, SIMD8<Double>, SIMD8<Double>, SIMD8<Double>, SIMD8<Double>) {
        var a0 = SIMD8<Double>.zero, a1 = SIMD8<Double>.zero, a2 = SIMD8<Double>.zero, a3 = SIMD8<Double>.zero
        var a4 = SIMD8<Double>.zero, a5 = SIMD8<Double>.zero, a6 = SIMD8<Double>.zero, a7 = SIMD8<Double>.zero
        var wp = weights
        for p in 0..<inputs {
            var row = origin + p * plane
            for _ in 0..<kernelHeight {
                for v in 0..<kernelWidth {
                    let x = load(row + v)
                    a0 += SIMD8(repeating: wp[0]) * x; a1 += SIMD8(repeating: wp[1]) * x
                    a2 += SIMD8(repeating: wp[2]) * x; a3 += SIMD8(repeating: wp[3]) * x
                    a4 += SIMD8(repeating: wp[4]) * x; a5 += SIMD8(repeating: wp[5]) * x
                    a6 += SIMD8(repeating: wp[6]) * x; a7 += SIMD8(repeating: wp[7]) * x
                    wp += 8
                }
                row += sourceWidth
            }
        }
        return (a0, a1, a2, a3, a4, a5, a6, a7)
    }
}
