import Foundation
/// Dense matrix products on row-major buffers: C = A·B, C = Aᵀ·B and C = A·Bᵀ.
///
/// These three shapes are every product a batched forward and backward pass needs. For a
/// dense layer with weight W [out, in] and a batch X [B, in]:
///
///     forward          Y  = X · Wᵀ     (transposedB)
///     input gradient   dX = dY · W     (plain)
///     weight gradient  dW = dYᵀ · X    (transposedA)
///
/// and a convolution lowered to matrices (im2col) uses the same three.
///
/// Two implementations share one signature:
/// - ``reference(_:m:n:k:a:b:c:accumulate:)`` is the textbook triple loop;
/// - ``fast(_:m:n:k:a:b:c:accumulate:)`` computes blocks of C in `SIMD8<Double>`
///   registers — 8 × 8 on an 8-wide vector unit (AVX-512), 4 × 8 on a 4-wide one (AVX2,
///   NEON), where eight accumulators would spill (``VectorUnit``) — then 1 × 8 rows and scalar
///   tails; it reads B packed into 8-column strips (``PackedOperand``; packed per call when
///   enough rows reuse it), walks B in blocks of up to 256 steps that stay in the
///   second-level cache, and spreads row blocks over threads when the product is large.
///
/// Both compute every C[i, j] as the same sequence of roundings — start from C[i, j] (when
/// accumulating) or 0, then add A[i, p]·B[p, j] for p = 0, 1, …, k−1, each product rounded
/// before it is added — so the fast path equals the reference bit for bit, for any thread
/// count. (Fusing multiply and add would change the last bit; see the README's performance
/// section for what the build does.)
public enum MatrixProduct {
    /// Which operands are transposed. Shapes (row-major): C is [m, n];
    /// `.plain`: A [m, k], B [k, n]; `.transposedA`: A [k, m], B [k, n];
    /// `.transposedB`: A [m, k], B [n, k].
    public enum Form: String, Sendable, CaseIterable {
        /// C = A·B
        case plain
        /// C = Aᵀ·B
        case transposedA
        /// C = A·Bᵀ
        case transposedB
    }

    /// The textbook triple loop: C[i, j] (+)= Σ_p op(A)[i, p]·op(B)[p, j].
    public static func reference(
        _ form: Form, m: Int, n: Int, k: Int,
        a: UnsafePointer<Double>, b: UnsafePointer<Double>, c: UnsafeMutablePointer<Double>,
        accumulate: Bool
    ) {
        for i in 0..<m {
            for j in 0..<n {
                var sum = accumulate ? c[i * n + j] : 0
                for p in 0..<k {
                    let aip = form == .transposedA ? a[p * m + i] : a[i * k + p]
                    let bpj = form == .transposedB ? b[j * k + p] : b[p * n + j]
                    sum += aip * bpj
                }
                c[i * n + j] = sum
            }
        }
    }

    /// The register-blocked SIMD product; same contract and same bits as ``reference(_:m:n:k:a:b:c:accumulate:)``.
    ///
    /// A·Bᵀ first copies B into row-major [k, n] order (O(nk) work against the product's
    /// O(mnk)) so that every form runs the same kernel, which reads B along rows.
    public static func fast(
        _ form: Form, m: Int, n: Int, k: Int,
        a: UnsafePointer<Double>, b: UnsafePointer<Double>, c: UnsafeMutablePointer<Double>,
        accumulate: Bool
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            if !accumulate { c.update(repeating: 0, count: m * n) }
            return
        }
        let threaded = usesThreads(m: m, n: n, k: k)
        // A(i, p) = a[i * rowStride + p * depthStride]. Aᵀ·B deeper than 128 with more than a few columns
        // first copies A into row-major [m, k] order (O(mk) against O(mnk)): read in place, each
        // step of k would jump m doubles, and a block of 256 steps would touch 256 cache lines.
        var (a, rowStride, depthStride) = form == .transposedA ? (a, 1, m) : (a, k, 1)
        var rowMajorA: UnsafeMutablePointer<Double>? = nil
        defer { rowMajorA?.deallocate() }
        if form == .transposedA && n >= 16 && k > 128 {
            let buffer = UnsafeMutablePointer<Double>.allocate(capacity: m * k)
            transpose(a, rows: k, columns: m, into: buffer, inParallel: threaded && m * k >= 1 << 16)
            (a, rowStride, depthStride) = (UnsafePointer(buffer), k, 1)
            rowMajorA = buffer
        }
        let eightRows = VectorUnit.current.doublesPerRegister >= 8
        let kernel: Kernel
        var packed: UnsafeMutablePointer<Double>? = nil
        defer { packed?.deallocate() }
        if form == .transposedB || m >= packingRowThreshold {
            let buffer = UnsafeMutablePointer<Double>.allocate(capacity: k * n)
            PackedB.pack(form == .transposedB ? .columnsOfRows : .rows, b: b, k: k, n: n, into: buffer, inParallel: threaded && k * n >= 1 << 16)
            packed = buffer
            kernel = Kernel(
                n: n, k: k, a: a, rowStride: rowStride, depthStride: depthStride,
                b: .init(packed: UnsafePointer(buffer), k: k, n: n), c: c, accumulate: accumulate, eightRows: eightRows)
        } else {
            kernel = Kernel(
                n: n, k: k, a: a, rowStride: rowStride, depthStride: depthStride,
                b: .init(rowMajor: b, n: n), c: c, accumulate: accumulate, eightRows: eightRows)
        }
        run(kernel, m: m, threaded: threaded)
    }

    /// A·B with B packed beforehand (``PackedOperand``): the plain form's sums, bit for bit,
    /// without packing B on every call. A is row-major [m, k] and C [m, n], with B's k and n.
    public static func fast(
        m: Int, a: UnsafePointer<Double>, packed b: PackedOperand, c: UnsafeMutablePointer<Double>, accumulate: Bool
    ) {
        let (k, n) = (b.rows, b.columns)
        if m == 0 || n == 0 { return }
        if k == 0 {
            if !accumulate { c.update(repeating: 0, count: m * n) }
            return
        }
        b.scalars.withUnsafeBufferPointer { packed in
            let kernel = Kernel(
                n: n, k: k, a: a, rowStride: k, depthStride: 1, b: .init(packed: packed.baseAddress!, k: k, n: n), c: c,
                accumulate: accumulate, eightRows: VectorUnit.current.doublesPerRegister >= 8)
            run(kernel, m: m, threaded: usesThreads(m: m, n: n, k: k))
        }
    }

    /// Runs `kernel` over C's m rows: on this thread, or in chunks of whole 8-row blocks (at
    /// least two chunks per thread, for balance) spread over threads.
    private static func run(_ kernel: Kernel, m: Int, threaded: Bool) {
        if threaded {
            let blocks = (m + Kernel.rowsPerBlock - 1) / Kernel.rowsPerBlock
            let chunkBlocks = max(1, blocks / (2 * Parallelism.threadCount))
            let chunkRows = chunkBlocks * Kernel.rowsPerBlock
            Parallelism.forEachChunk(Parallelism.chunkCount(m, chunkSize: chunkRows)) { chunk in
                kernel.run(rows: Parallelism.range(ofChunk: chunk, chunkSize: chunkRows, count: m))
            }
        } else {
            kernel.run(rows: 0..<m)
        }
    }

    /// Writes the transpose of `source` (row-major [rows, columns]) into `destination`
    /// (row-major [columns, rows]), in 8 × 8 tiles so that both sides stay in cache; tiles of
    /// destination rows in parallel when `inParallel`.
    static func transpose(
        _ source: UnsafePointer<Double>, rows: Int, columns: Int, into destination: UnsafeMutablePointer<Double>, inParallel: Bool
    ) {
        Parallelism.forEachRange(count: columns, chunkSize: max(8, (columns + 15) / 16 / 8 * 8), inParallel: inParallel) { range in
            for rowStart in stride(from: 0, to: rows, by: 8) {
                let rowEnd = min(rowStart + 8, rows)
                for column in range {
                    for row in rowStart..<rowEnd { destination[column * rows + row] = source[row * columns + column] }
                }
            }
        }
    }

    /// The fewest rows of C for which the fast path packs a row-major B into strips before
    /// multiplying (A·Bᵀ always packs: its B must be rearranged anyway). Packing costs one
    /// copy of B, O(kn); it pays once enough row blocks reuse each strip.
    static let packingRowThreshold = 32

    /// The smallest product, in multiply-adds m·n·k, that the fast path spreads over threads:
    /// 2²⁰ (about a million). Below it — about 50 µs on one core — waking a second thread
    /// costs more than it saves; at 200×128×64 (1.6 million) two threads give 55–63 GFLOP/s
    /// against one's 38 (measured with `bench` on an AVX2 machine; the threshold was 2²³
    /// before, which left every path-batch product of the dense models on one thread). The
    /// other kernels use ``Parallelism/isWorthParallelizing(multiplyAdds:)``'s smaller
    /// threshold because their chunks (images, planes, rows of a model call) are coarser.
    public static let parallelThreshold = 1 << 20

    /// Whether the fast path splits an m×n×k product over threads in the current context:
    /// more than one thread allowed, at least ``parallelThreshold`` multiply-adds, and at least
    /// two 8-row blocks to share. Each C[i, j] is computed by one chunk alone, so the result
    /// is the same either way.
    public static func usesThreads(m: Int, n: Int, k: Int) -> Bool {
        Parallelism.threadCount > 1 && m * n * k >= parallelThreshold && m >= 2 * Kernel.rowsPerBlock
    }

    /// The product of two rank-2 tensors, C = op(A)·op(B), by the fast path.
    public static func product(_ a: Tensor, _ b: Tensor, _ form: Form = .plain) -> Tensor {
        precondition(a.rank == 2 && b.rank == 2, "matrix product needs rank-2 tensors, got \(a.shape) and \(b.shape)")
        let (m, k) = form == .transposedA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (kb, n) = form == .transposedB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        precondition(k == kb, "inner dimensions differ: \(a.shape) and \(b.shape) as \(form)")
        var c = [Double](repeating: 0, count: m * n)
        a.scalars.withUnsafeBufferPointer { ap in
            b.scalars.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    fast(form, m: m, n: n, k: k, a: ap.baseAddress!, b: bp.baseAddress!, c: cp.baseAddress!, accumulate: false)
                }
            }
        }
        return Tensor(shape: [m, n], scalars: c)
    }
}

/// The inner kernel of ``MatrixProduct/fast(_:m:n:k:a:b:c:accumulate:)``: rows of C in
/// blocks of 8 (8-wide units) or 4, columns in blocks of 8 held in `SIMD8<Double>`
/// accumulators; leftover rows and columns take narrower versions of the same loop.
///
/// What each step bought, measured with `bench`. On an AVX2 machine (AMD EPYC, 2 cores):
/// 4 × 8 blocks matched 4 × 16 on the path-batch shapes (26–29 GFLOP/s on one thread) and
/// beat a 6 × 8 block of `SIMD4` accumulators (20–22, which spills without fused
/// multiply-add's saved register); B's panels took 200×256×784 from 16 to 23–26 GFLOP/s on one
/// thread and 1000³ from 12 to 29–31; two steps of k per pass of the 4 × 8 block took the
/// path-batch shapes to 33–39; B packed into strips and cut into blocks 256 steps deep (C
/// reloaded once per block, not once per 32–128 steps) took them to 37–41, 200×784×256 from
/// 30 to 38 and 1000³ from 29 to 36. On an AVX-512 machine (AMD EPYC, 2 cores, arithmetic
/// peak without FMA 58.7 GFLOP/s per core): 4 × 16 blocks ran at 38–40 (67% of the peak),
/// because each broadcast of A feeds two multiplies and so stays a separate instruction;
/// 8 × 16 blocks did no better; 8 × 8 blocks, whose broadcasts fold into the multiplies, run
/// at 52–56 (89–95%), and 4 × 8 at 50.
private struct Kernel {
    let n: Int, k: Int
    let a: UnsafePointer<Double>, rowStride: Int, depthStride: Int
    let b: PackedB
    let c: UnsafeMutablePointer<Double>
    let accumulate: Bool

    /// The rows a thread's share of C is counted in: a multiple of the largest block.
    static let rowsPerBlock = 8
    /// Whether 8 × 8 blocks fit the registers (an 8-wide unit); otherwise 4 × 8 blocks are used.
    let eightRows: Bool

    /// The depth of one block of B (kc steps of k): at most 256, so that C's blocks are loaded
    /// and stored once per up to 256 steps, not once per few dozen; k is cut into equal
    /// blocks (784 = 4 × 196, not 3 × 256 + 16, whose last block would reload C for 16 steps).
    var blockDepth: Int {
        let blocks = (k + 255) / 256
        return (k + blocks - 1) / blocks
    }

    /// The width of one block of B (nc columns, a multiple of 16): about 256 KB of B (kc·nc
    /// doubles), so the block stays in the second-level cache while every row block of this
    /// thread passes over it.
    var blockWidth: Int { max(16, (256 << 10) / (8 * blockDepth) / 16 * 16) }

    /// C's rows `rows`, over B in blocks of ``blockDepth`` steps × ``blockWidth`` columns:
    /// column block by column block, and within one, depth block after depth block, every
    /// row block adds that block's products to C[i, j] (stored and reloaded between depth
    /// blocks, which changes no rounding), so C[i, j] still adds its products for
    /// p = 0, 1, …, k − 1 in turn.
    func run(rows: Range<Int>) {
        let width = blockWidth, depth = blockDepth
        for columnStart in stride(from: 0, to: n, by: width) {
            let columns = columnStart ..< min(columnStart + width, n)
            for start in stride(from: 0, to: k, by: depth) {
                let block = Kernel(
                    n: n, k: min(depth, k - start), a: a + start * depthStride, rowStride: rowStride, depthStride: depthStride,
                    b: b.fromStep(start), c: c, accumulate: accumulate || start > 0, eightRows: eightRows)
                block.runBlock(rows: rows, columns: columns)
            }
        }
    }

    /// C's rows `rows` and columns `columns` (starting at a multiple of 16; ending at one, or
    /// at n) over all of this kernel's depth k.
    func runBlock(rows: Range<Int>, columns: Range<Int>) {
        let end = columns.upperBound
        var i = rows.lowerBound
        while eightRows && i + 8 <= rows.upperBound {
            var j = columns.lowerBound
            while j + 8 <= end {
                block8x8(i, j)
                j += 8
            }
            if end == n { for row in i..<i + 8 { scalarTail(row, from: j) } }
            i += 8
        }
        while i + 4 <= rows.upperBound {
            var j = columns.lowerBound
            while j + 8 <= end {
                block4x8(i, j)
                j += 8
            }
            if end == n { for row in i..<i + 4 { scalarTail(row, from: j) } }
            i += 4
        }
        while i < rows.upperBound {
            var j = columns.lowerBound
            while j + 8 <= end {
                block1x8(i, j)
                j += 8
            }
            if end == n { scalarTail(i, from: j) }
            i += 1
        }
    }

    @inline(__always)
    private func load(_ pointer: UnsafePointer<Double>) -> SIMD8<Double> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Double>.self)
    }

    @inline(__always)
    private func store(_ value: SIMD8<Double>, _ pointer: UnsafeMutablePointer<Double>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Double>.self)
    }

    private func block4x8(_ i: Int, _ j: Int) {
        let a0 = a + i * rowStride, a1 = a0 + rowStride, a2 = a1 + rowStride, a3 = a2 + rowStride
        let c0p = c + i * n + j, c1p = c0p + n, c2p = c1p + n, c3p = c2p + n
        var c0: SIMD8<Double> = accumulate ? load(c0p) : .zero
        var c1: SIMD8<Double> = accumulate ? load(c1p) : .zero
        var c2: SIMD8<Double> = accumulate ? load(c2p) : .zero
        var c3: SIMD8<Double> = accumulate ? load(c3p) : .zero
        var bp = b.strip(j)
        let step = b.stepStride
        var offset = 0
        // Two steps of k per pass (each accumulator still adds p, then p + 1): half the loop
        // overhead, and the next step's loads issue while this step's products finish.
        for _ in 0..<(k / 2) {
            let bv = load(bp)
            let bw = load(bp + step)
            let next = offset &+ depthStride
            c0 += SIMD8(repeating: a0[offset]) * bv
            c1 += SIMD8(repeating: a1[offset]) * bv
            c2 += SIMD8(repeating: a2[offset]) * bv
            c3 += SIMD8(repeating: a3[offset]) * bv
            c0 += SIMD8(repeating: a0[next]) * bw
            c1 += SIMD8(repeating: a1[next]) * bw
            c2 += SIMD8(repeating: a2[next]) * bw
            c3 += SIMD8(repeating: a3[next]) * bw
            bp += 2 &* step
            offset = next &+ depthStride
        }
        if k % 2 == 1 {
            let bv = load(bp)
            c0 += SIMD8(repeating: a0[offset]) * bv
            c1 += SIMD8(repeating: a1[offset]) * bv
            c2 += SIMD8(repeating: a2[offset]) * bv
            c3 += SIMD8(repeating: a3[offset]) * bv
        }
        store(c0, c0p); store(c1, c1p); store(c2, c2p); store(c3, c3p)
    }

    /// Eight columns of eight rows: eight accumulators, one load of B and eight broadcasts of
    /// A per step of k. Each broadcast feeds one multiply, so the compiler folds it into the
    /// multiply's memory operand (`vmulpd zmm, zmm, [a]{1to8}` on AVX-512): no separate
    /// broadcast instruction, which a 4 × 16 block (each broadcast feeding two multiplies)
    /// needs. Needs 16 of a 4-wide unit's 16 registers for the accumulators alone, so it is
    /// used on 8-wide units only.
    private func block8x8(_ i: Int, _ j: Int) {
        let a0 = a + i * rowStride, a1 = a0 + rowStride, a2 = a1 + rowStride, a3 = a2 + rowStride
        let a4 = a3 + rowStride, a5 = a4 + rowStride, a6 = a5 + rowStride, a7 = a6 + rowStride
        let c0p = c + i * n + j, c1p = c0p + n, c2p = c1p + n, c3p = c2p + n
        let c4p = c3p + n, c5p = c4p + n, c6p = c5p + n, c7p = c6p + n
        var c0: SIMD8<Double> = accumulate ? load(c0p) : .zero
        var c1: SIMD8<Double> = accumulate ? load(c1p) : .zero
        var c2: SIMD8<Double> = accumulate ? load(c2p) : .zero
        var c3: SIMD8<Double> = accumulate ? load(c3p) : .zero
        var c4: SIMD8<Double> = accumulate ? load(c4p) : .zero
        var c5: SIMD8<Double> = accumulate ? load(c5p) : .zero
        var c6: SIMD8<Double> = accumulate ? load(c6p) : .zero
        var c7: SIMD8<Double> = accumulate ? load(c7p) : .zero
        var bp = b.strip(j)
        let step = b.stepStride
        var offset = 0
        for _ in 0..<k {
            let bv = load(bp)
            c0 += SIMD8(repeating: a0[offset]) * bv; c1 += SIMD8(repeating: a1[offset]) * bv; c2 += SIMD8(repeating: a2[offset]) * bv; c3 += SIMD8(repeating: a3[offset]) * bv
            c4 += SIMD8(repeating: a4[offset]) * bv; c5 += SIMD8(repeating: a5[offset]) * bv; c6 += SIMD8(repeating: a6[offset]) * bv; c7 += SIMD8(repeating: a7[offset]) * bv
            bp += step
            offset += depthStride
        }
        store(c0, c0p); store(c1, c1p); store(c2, c2p); store(c3, c3p)
        store(c4, c4p); store(c5, c5p); store(c6, c6p); store(c7, c7p)
    }

    private func block1x8(_ i: Int, _ j: Int) {
        let a0 = a + i * rowStride
        let cp = c + i * n + j
        var c0: SIMD8<Double> = accumulate ? load(cp) : .zero
        var bp = b.strip(j)
        let step = b.stepStride
        var offset = 0
        for _ in 0..<k {
            c0 += SIMD8(repeating: a0[offset]) * load(bp)
            bp += step
            offset += depthStride
        }
        store(c0, cp)
    }

    private func scalarTail(_ i: Int, from j0: Int) {
        let a0 = a + i * rowStride
        for j in j0..<n {
            var sum = accumulate ? c[i * n + j] : 0
            var offset = 0
            for p in 0..<k {
                sum += a0[offset] * b.tail[p * b.tailStride + (j - j0)]
                offset += depthStride
            }
            c[i * n + j] = sum
        }
    }
}
