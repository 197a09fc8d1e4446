// The packed layout the fast matrix product reads B in: its columns in strips of eight,
// each strip's k × 8 block contiguous, then the n mod 8 leftover columns (see
// ``MatrixProduct/fast(_:m:n:k:a:b:c:accumulate:)``).

extension MatrixProduct {
    /// A right-hand operand B [k, n] packed once for many products — a layer's weight, which
    /// every model call multiplies by — in the strip layout the fast path's kernel reads
    /// (each 8-column strip's k × 8 block contiguous, then the n mod 8 leftover columns).
    /// Packing moves elements only; a product with it has the same bits as with B itself.
    public struct PackedOperand: Sendable {
        /// k
        public let rows: Int
        /// n
        public let columns: Int
        let scalars: [Double]

        /// B given row-major [k, n] (`transposed` false), or as its transpose, row-major [n, k].
        public init(_ b: [Double], rows k: Int, columns n: Int, transposed: Bool = false) {
            precondition(b.count == k * n, "packed operand needs \(k * n) values, got \(b.count)")
            rows = k
            columns = n
            scalars = [Double](unsafeUninitializedCapacity: k * n) { buffer, initialized in
                b.withUnsafeBufferPointer { source in
                    if k * n > 0 {
                        PackedB.pack(transposed ? .columnsOfRows : .rows, b: source.baseAddress!, k: k, n: n, into: buffer.baseAddress!, inParallel: false)
                    }
                }
                initialized = k * n
            }
        }
    }
}

/// Where B's elements lie for ``Kernel``: its columns in strips of eight (the `SIMD8` loads),
/// then the `n mod 8` leftover columns.
///
/// B row-major [k, n] is used in place: strip s starts at column 8s and one step of k moves a
/// whole row (n doubles). Packed, B is copied once into strips that each hold their k × 8
/// block contiguously (one step of k moves 8 doubles), followed by the leftover columns as a
/// row-major [k, n mod 8] block: every block then streams B from consecutive addresses, which
/// the prefetcher and the TLB serve far better than rows n·8 bytes apart. Packing only moves
/// elements, so no product and no sum changes.
struct PackedB {
    /// Strip 0 at step 0.
    let strips: UnsafePointer<Double>
    /// From strip s to strip s + 1.
    let stripStride: Int
    /// From step p to step p + 1 within a strip.
    let stepStride: Int
    /// The leftover columns (n mod 8 of them) at step 0, and from step p to p + 1 among them.
    let tail: UnsafePointer<Double>, tailStride: Int

    /// B row-major [k, n], used in place.
    init(rowMajor b: UnsafePointer<Double>, n: Int) {
        strips = b
        stripStride = 8
        stepStride = n
        tail = b + n / 8 * 8
        tailStride = n
    }

    /// B packed by ``pack(_:b:k:n:into:inParallel:)``.
    init(packed buffer: UnsafePointer<Double>, k: Int, n: Int) {
        strips = buffer
        stripStride = 8 * k
        stepStride = 8
        tail = buffer + n / 8 * 8 * k
        tailStride = n % 8
    }

    private init(strips: UnsafePointer<Double>, stripStride: Int, stepStride: Int, tail: UnsafePointer<Double>, tailStride: Int) {
        self.strips = strips
        self.stripStride = stripStride
        self.stepStride = stepStride
        self.tail = tail
        self.tailStride = tailStride
    }

    /// The same B from step `p` on (a panel starting at row p of B).
    func fromStep(_ p: Int) -> PackedB {
        PackedB(strips: strips + p * stepStride, stripStride: stripStride, stepStride: stepStride, tail: tail + p * tailStride, tailStride: tailStride)
    }

    /// The strip holding columns j..<j + 8 (j a multiple of 8), at step 0.
    @inline(__always)
    func strip(_ j: Int) -> UnsafePointer<Double> { strips + (j >> 3) * stripStride }

    /// How B is stored before packing.
    enum Source {
        /// Row-major [k, n]: B[p, j] = b[p·n + j].
        case rows
        /// Row-major [n, k] (the operand of A·Bᵀ): B[p, j] = b[j·k + p].
        case columnsOfRows
    }

    /// Copies B into `buffer` (k·n doubles) in the packed layout; strips in parallel when
    /// `inParallel`.
    static func pack(_ source: Source, b: UnsafePointer<Double>, k: Int, n: Int, into buffer: UnsafeMutablePointer<Double>, inParallel: Bool) {
        let fullStrips = n / 8
        let width = n % 8
        // One chunk per strip, and one for the leftover columns.
        let chunks = fullStrips + (width > 0 ? 1 : 0)
        Parallelism.forEachRange(count: chunks, chunkSize: max(1, chunks / 8), inParallel: inParallel) { range in
            for s in range {
                let columns = s < fullStrips ? 8 : width
                let stride = s < fullStrips ? 8 : width
                let destination = buffer + s * 8 * k
                let j0 = 8 * s
                switch source {
                case .rows where columns == 8:
                    // A whole strip: one 8-wide copy per step of k.
                    for p in 0..<k {
                        UnsafeMutableRawPointer(destination + p * 8).storeBytes(
                            of: UnsafeRawPointer(b + p * n + j0).loadUnaligned(as: SIMD8<Double>.self), as: SIMD8<Double>.self)
                    }
                case .rows:
                    for p in 0..<k {
                        let row = b + p * n + j0
                        for l in 0..<columns { destination[p * stride + l] = row[l] }
                    }
                case .columnsOfRows:
                    for l in 0..<columns {
                        let column = b + (j0 + l) * k
                        for p in 0..<k { destination[p * stride + l] = column[p] }
                    }
                }
            }
        }
    }
}
