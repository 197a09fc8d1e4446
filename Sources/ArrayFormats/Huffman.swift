/// Huffman codes for ``Deflate``: optimal code lengths under a length limit, the canonical
/// codes of RFC 1951 §3.2.2, and a dynamic block's header (§3.2.7).
enum Huffman {
    /// Optimal code lengths for `frequencies`, none longer than `limit`, by package-merge
    /// (Larmore & Hirschberg, "A fast algorithm for optimal length-limited Huffman codes",
    /// 1990): `limit` levels of coins, each level's items paired into packages that join the
    /// next level up; the 2(n − 1) cheapest items of the last level decide how often each
    /// symbol is chosen, which is its code length. Symbols of frequency 0 get length 0. One
    /// used symbol gets length 1 (a code must have at least one bit).
    static func lengths(_ frequencies: [Int], limit: Int) -> [Int] {
        let used = frequencies.indices.filter { frequencies[$0] > 0 }
        var lengths = [Int](repeating: 0, count: frequencies.count)
        if used.count == 1 { lengths[used[0]] = 1 }
        guard used.count > 1 else { return lengths }
        precondition(used.count <= 1 << limit, "\(used.count) symbols cannot have codes of at most \(limit) bits")

        // An item is a weight and the symbols it contains (with multiplicity, as counts).
        struct Item { var weight: Int; var symbols: [Int] }
        // Leaves sorted by weight, ties by symbol, so the result is deterministic.
        let leaves = used.sorted { (frequencies[$0], $0) < (frequencies[$1], $1) }.map { Item(weight: frequencies[$0], symbols: [$0]) }
        var level = leaves
        for _ in 1..<limit {
            var packages: [Item] = []
            var k = 0
            while k + 1 < level.count {
                packages.append(Item(weight: level[k].weight + level[k + 1].weight, symbols: level[k].symbols + level[k + 1].symbols))
                k += 2
            }
            // Merge the leaves with the packages, stably (leaves first on equal weight).
            var merged: [Item] = []
            merged.reserveCapacity(leaves.count + packages.count)
            var (a, b) = (0, 0)
            while a < leaves.count || b < packages.count {
                if b == packages.count || (a < leaves.count && leaves[a].weight <= packages[b].weight) {
                    merged.append(leaves[a])
                    a += 1
                } else {
                    merged.append(packages[b])
                    b += 1
                }
            }
            level = merged
        }
        for item in level.prefix(2 * (used.count - 1)) {
            for symbol in item.symbols { lengths[symbol] += 1 }
        }
        return lengths
    }

    /// The canonical codes for `lengths` (§3.2.2): codes of each length are consecutive, in
    /// symbol order, and shorter codes come first.
    static func canonicalCodes(_ lengths: [Int]) -> [UInt32] {
        let maximum = lengths.max() ?? 0
        var countPerLength = [Int](repeating: 0, count: maximum + 1)
        for length in lengths where length > 0 { countPerLength[length] += 1 }
        var nextCode = [UInt32](repeating: 0, count: maximum + 2)
        var code: UInt32 = 0
        for bits in stride(from: 1, through: maximum, by: 1) {
            code = (code + UInt32(countPerLength[bits - 1])) << 1
            nextCode[bits] = code
        }
        return lengths.map { length in
            guard length > 0 else { return 0 }
            defer { nextCode[length] += 1 }
            return nextCode[length]
        }
    }
}

/// A dynamic block's header (§3.2.7): HLIT, HDIST, HCLEN, the code-length code, and the
/// literal/length and distance code lengths run-length coded with symbols 16 (repeat the
/// previous length 3–6 times), 17 (3–10 zeros) and 18 (11–138 zeros).
struct DynamicHeader {
    /// The order the code-length code's lengths are sent in.
    static let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    let literalCount: Int
    let distanceCount: Int
    let codeLengthCount: Int
    /// The run-length coded lengths: (symbol 0…18, extra value, extra bits).
    let runs: [(symbol: Int, extra: Int, extraBits: Int)]
    let codeLengthLengths: [Int]
    let codeLengthCodes: [UInt32]

    init(literalLengths: [Int], distanceLengths: [Int]) {
        literalCount = max(257, (literalLengths.lastIndex { $0 > 0 } ?? 0) + 1)
        distanceCount = max(1, (distanceLengths.lastIndex { $0 > 0 } ?? 0) + 1)
        let all = Array(literalLengths[0..<literalCount]) + Array(distanceLengths[0..<distanceCount])
        var runs: [(Int, Int, Int)] = []
        var i = 0
        while i < all.count {
            let length = all[i]
            var run = 1
            while i + run < all.count && all[i + run] == length { run += 1 }
            var remaining = run
            if length == 0 {
                while remaining >= 11 {
                    let take = min(remaining, 138)
                    runs.append((18, take - 11, 7))
                    remaining -= take
                }
                if remaining >= 3 {
                    runs.append((17, remaining - 3, 3))
                    remaining = 0
                }
                while remaining > 0 {
                    runs.append((0, 0, 0))
                    remaining -= 1
                }
            } else {
                runs.append((length, 0, 0))
                remaining -= 1
                while remaining >= 3 {
                    let take = min(remaining, 6)
                    runs.append((16, take - 3, 2))
                    remaining -= take
                }
                while remaining > 0 {
                    runs.append((length, 0, 0))
                    remaining -= 1
                }
            }
            i += run
        }
        self.runs = runs
        var frequencies = [Int](repeating: 0, count: 19)
        for run in runs { frequencies[run.0] += 1 }
        // A complete code needs two symbols; add an unused one if only one occurs.
        if frequencies.filter({ $0 > 0 }).count < 2 { frequencies[frequencies[0] == 0 ? 0 : 1] += 1 }
        let lengths = Huffman.lengths(frequencies, limit: 7)
        codeLengthLengths = lengths
        codeLengthCodes = Huffman.canonicalCodes(lengths)
        codeLengthCount = max(4, (DynamicHeader.order.lastIndex { lengths[$0] > 0 } ?? 0) + 1)
    }

    /// The header's size in bits.
    var bitCount: Int {
        5 + 5 + 4 + 3 * codeLengthCount + runs.reduce(0) { $0 + codeLengthLengths[$1.symbol] + $1.extraBits }
    }

    /// Writes HLIT, HDIST, HCLEN, the code-length code's lengths and the coded lengths.
    func write(to writer: inout BitWriter) {
        writer.write(UInt32(literalCount - 257), bits: 5)
        writer.write(UInt32(distanceCount - 1), bits: 5)
        writer.write(UInt32(codeLengthCount - 4), bits: 4)
        for symbol in DynamicHeader.order.prefix(codeLengthCount) { writer.write(UInt32(codeLengthLengths[symbol]), bits: 3) }
        for run in runs {
            writer.writeCode(codeLengthCodes[run.symbol], length: codeLengthLengths[run.symbol])
            writer.write(UInt32(run.extra), bits: run.extraBits)
        }
    }
}
