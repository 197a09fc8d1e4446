/// LZ77 string matching for ``Deflate``: the input as literals and (length, distance)
/// back-references, with hash chains over a 32 KiB window and zlib's lazy evaluation.
enum LZ77 {
    /// One output symbol.
    enum Symbol: Equatable {
        /// A byte as it is.
        case literal(UInt8)
        /// `length` (3…258) bytes copied from `distance` (1…32,768) bytes back.
        case match(length: Int, distance: Int)

        /// How many input bytes the symbol stands for.
        var byteLength: Int {
            switch self {
            case .literal: return 1
            case .match(let length, _): return length
            }
        }
    }

    static let window = 32_768
    static let minimumMatch = 3
    static let maximumMatch = 258
    static let hashBits = 15

    /// `data` as symbols.
    static func symbols(_ data: [UInt8]) -> [Symbol] {
        let n = data.count
        var symbols: [Symbol] = []
        symbols.reserveCapacity(n / 2)
        guard n > 0 else { return symbols }
        let hashSize = 1 << hashBits
        var head = [Int](repeating: -1, count: hashSize)
        var previous = [Int](repeating: -1, count: window)

        func hash(_ i: Int) -> Int {
            (Int(data[i]) << 10 ^ Int(data[i + 1]) << 5 ^ Int(data[i + 2])) & (hashSize - 1)
        }
        /// Adds position i to its hash chain.
        func insert(_ i: Int) {
            guard i + minimumMatch <= n else { return }
            let h = hash(i)
            previous[i & (window - 1)] = head[h]
            head[h] = i
        }
        /// The longest match for position i among earlier positions on its chain.
        func longestMatch(_ i: Int) -> (length: Int, distance: Int) {
            guard i + minimumMatch <= n else { return (0, 0) }
            let limit = min(maximumMatch, n - i)
            var best = (length: 0, distance: 0)
            var candidate = head[hash(i)]
            var links = 0
            while candidate >= 0 && i - candidate <= window && links < Deflate.maximumChain {
                if data[candidate + best.length] == data[i + best.length] || best.length == 0 {
                    var length = 0
                    while length < limit && data[candidate + length] == data[i + length] { length += 1 }
                    if length > best.length {
                        best = (length, i - candidate)
                        if length == limit { break }
                    }
                }
                let next = previous[candidate & (window - 1)]
                // Chains only go back; a stale slot (overwritten by a newer position) ends the chain.
                if next >= candidate { break }
                candidate = next
                links += 1
            }
            return best.length >= minimumMatch ? best : (0, 0)
        }

        var i = 0
        var pending: (length: Int, distance: Int)? = nil  // the match found at i − 1, deferred
        while i < n {
            let match = longestMatch(i)
            if let deferred = pending {
                if match.length > deferred.length {
                    // A longer match starts here: byte i − 1 goes out as a literal.
                    symbols.append(.literal(data[i - 1]))
                    insert(i)
                    pending = match
                    i += 1
                    continue
                }
                // Keep the deferred match at i − 1 (position i − 1 is already in the chains).
                symbols.append(.match(length: deferred.length, distance: deferred.distance))
                let end = i - 1 + deferred.length
                while i < end {
                    insert(i)
                    i += 1
                }
                pending = nil
                continue
            }
            insert(i)
            if match.length >= minimumMatch {
                pending = match
            } else {
                symbols.append(.literal(data[i]))
            }
            i += 1
        }
        if let deferred = pending { symbols.append(.match(length: deferred.length, distance: deferred.distance)) }
        return symbols
    }
}
