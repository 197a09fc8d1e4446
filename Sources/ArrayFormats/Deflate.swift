/// DEFLATE compression (RFC 1951) and the zlib wrapper (RFC 1950), written out: LZ77 string
/// matching over a 32 KiB window, then Huffman coding with codes built for each block.
///
/// 1. **LZ77.** Each position's next three bytes are hashed; a chain of earlier positions with
///    the same hash is searched (at most ``maximumChain`` links) for the longest match of
///    3…258 bytes within 32,768 bytes back. Matching is lazy, as zlib's: a match found at i is
///    kept only if the match at i + 1 is not longer; otherwise byte i goes out as a literal.
/// 2. **Huffman.** The literal/length and distance symbols of a block (at most
///    ``symbolsPerBlock`` of them) get canonical codes of at most 15 bits from their
///    frequencies, by the package-merge algorithm (Larmore & Hirschberg 1990), which gives
///    optimal length-limited codes. The code lengths are sent run-length coded (symbols
///    16, 17, 18) with their own code of at most 7 bits (§3.2.7).
/// 3. Each block is written as a dynamic-Huffman block, or as stored bytes when that is
///    smaller (incompressible data then grows by 5 bytes per 65,535).
///
/// Deterministic: the same bytes always give the same stream. The output is checked by
/// decompressing it with Python's zlib (Fixtures/deflate) and by this package's test
/// inflater on random and structured data.
public enum Deflate {
    /// Links of a hash chain searched per position: the usual speed/ratio trade-off (zlib's
    /// level 6 searches 128).
    public static let maximumChain = 128
    /// Symbols per block: each block gets its own Huffman codes.
    public static let symbolsPerBlock = 16_384

    /// The raw DEFLATE stream of `data`.
    public static func compress(_ data: [UInt8]) -> [UInt8] {
        var writer = BitWriter()
        let symbols = LZ77.symbols(data)
        var start = 0
        var byteStart = 0
        repeat {
            let end = min(start + symbolsPerBlock, symbols.count)
            let block = symbols[start..<end]
            let byteCount = block.reduce(0) { $0 + $1.byteLength }
            let final = end == symbols.count
            writeBlock(block, bytes: data[byteStart..<(byteStart + byteCount)], final: final, to: &writer)
            start = end
            byteStart += byteCount
        } while start < symbols.count
        return writer.finish()
    }

    /// A zlib stream (RFC 1950): header, ``compress(_:)``, Adler-32.
    public static func zlib(_ data: [UInt8]) -> [UInt8] {
        // CMF 0x78: deflate with a 32 KiB window; FLG 0x9C: default level, no dictionary,
        // and 0x789C is a multiple of 31 as the header check requires.
        var out: [UInt8] = [0x78, 0x9C]
        out += compress(data)
        let adler = PNG.adler32(data)
        out += [UInt8(adler >> 24), UInt8((adler >> 16) & 0xFF), UInt8((adler >> 8) & 0xFF), UInt8(adler & 0xFF)]
        return out
    }

    // MARK: Blocks

    /// Writes one block, dynamic or stored, whichever is shorter.
    static func writeBlock(_ block: ArraySlice<LZ77.Symbol>, bytes: ArraySlice<UInt8>, final: Bool, to writer: inout BitWriter) {
        var literalFrequencies = [Int](repeating: 0, count: 286)
        var distanceFrequencies = [Int](repeating: 0, count: 30)
        for symbol in block {
            switch symbol {
            case .literal(let byte): literalFrequencies[Int(byte)] += 1
            case .match(let length, let distance):
                literalFrequencies[Tables.lengthCode(length).code] += 1
                distanceFrequencies[Tables.distanceCode(distance).code] += 1
            }
        }
        literalFrequencies[256] = 1  // end of block
        // Inflaters want complete codes: at least two distance codes, even when none is used.
        for d in 0..<2 where distanceFrequencies.filter({ $0 > 0 }).count < 2 && distanceFrequencies[d] == 0 { distanceFrequencies[d] = 1 }
        let literalLengths = Huffman.lengths(literalFrequencies, limit: 15)
        let distanceLengths = Huffman.lengths(distanceFrequencies, limit: 15)
        let header = DynamicHeader(literalLengths: literalLengths, distanceLengths: distanceLengths)

        var dynamicBits = 3 + header.bitCount
        for (symbol, count) in literalFrequencies.enumerated() where count > 0 {
            dynamicBits += count * (literalLengths[symbol] + (symbol > 256 ? Tables.lengthExtraBits[symbol - 257] : 0))
        }
        for (code, count) in distanceFrequencies.enumerated() where count > 0 {
            dynamicBits += count * (distanceLengths[code] + Tables.distanceExtraBits[code])
        }
        let storedBlocks = max(1, (bytes.count + 65_534) / 65_535)
        let storedBits = storedBlocks * 40 + 8 * bytes.count + 7  // header bytes, data, alignment
        if storedBits < dynamicBits {
            writeStored(bytes, final: final, to: &writer)
            return
        }

        writer.write(final ? 1 : 0, bits: 1)
        writer.write(2, bits: 2)  // BTYPE = 10: dynamic Huffman codes
        header.write(to: &writer)
        let literalCodes = Huffman.canonicalCodes(literalLengths)
        let distanceCodes = Huffman.canonicalCodes(distanceLengths)
        for symbol in block {
            switch symbol {
            case .literal(let byte):
                writer.writeCode(literalCodes[Int(byte)], length: literalLengths[Int(byte)])
            case .match(let length, let distance):
                let (code, extra, extraBits) = Tables.lengthCode(length)
                writer.writeCode(literalCodes[code], length: literalLengths[code])
                writer.write(UInt32(extra), bits: extraBits)
                let (dCode, dExtra, dExtraBits) = Tables.distanceCode(distance)
                writer.writeCode(distanceCodes[dCode], length: distanceLengths[dCode])
                writer.write(UInt32(dExtra), bits: dExtraBits)
            }
        }
        writer.writeCode(literalCodes[256], length: literalLengths[256])
    }

    /// Stored blocks (§3.2.4) of at most 65,535 bytes, the last one final if `final`.
    static func writeStored(_ bytes: ArraySlice<UInt8>, final: Bool, to writer: inout BitWriter) {
        var offset = bytes.startIndex
        repeat {
            let length = min(65_535, bytes.endIndex - offset)
            let last = offset + length == bytes.endIndex
            writer.write(final && last ? 1 : 0, bits: 1)
            writer.write(0, bits: 2)  // BTYPE = 00: stored
            writer.alignToByte()
            writer.appendBytes([UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)])
            writer.appendBytes(bytes[offset..<(offset + length)])
            offset += length
        } while offset < bytes.endIndex
    }
}

/// Bits packed least-significant first into bytes, as DEFLATE stores them (§3.1.1).
struct BitWriter {
    private(set) var bytes: [UInt8] = []
    private var buffer: UInt64 = 0
    private var count = 0

    /// The low `bits` bits of `value`, least significant first (extra bits, header fields).
    mutating func write(_ value: UInt32, bits: Int) {
        guard bits > 0 else { return }
        buffer |= UInt64(value & (bits == 32 ? 0xFFFF_FFFF : (1 << UInt32(bits)) - 1)) << UInt64(count)
        count += bits
        while count >= 8 {
            bytes.append(UInt8(buffer & 0xFF))
            buffer >>= 8
            count -= 8
        }
    }

    /// A Huffman code, most significant bit first (§3.1.1: codes are packed starting with
    /// their most significant bit), by writing it bit-reversed.
    mutating func writeCode(_ code: UInt32, length: Int) {
        var reversed: UInt32 = 0
        for i in 0..<length where code & (1 << UInt32(i)) != 0 { reversed |= 1 << UInt32(length - 1 - i) }
        write(reversed, bits: length)
    }

    /// Pads with zero bits to the next byte boundary.
    mutating func alignToByte() {
        if count > 0 { write(0, bits: 8 - count) }
    }

    /// Whole bytes (after ``alignToByte()``).
    mutating func appendBytes(_ more: some Collection<UInt8>) { bytes += more }

    /// The bytes, the last one padded with zero bits.
    mutating func finish() -> [UInt8] {
        alignToByte()
        return bytes
    }
}

/// The length and distance codes of §3.2.5.
enum Tables {
    static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtraBits = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
                               4097, 6145, 8193, 12289, 16385, 24577]
    static let distanceExtraBits = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    /// The literal/length symbol (257…285), its extra value and extra bit count for a match length 3…258.
    static func lengthCode(_ length: Int) -> (code: Int, extra: Int, extraBits: Int) {
        var index = lengthBase.count - 1
        while lengthBase[index] > length { index -= 1 }
        return (257 + index, length - lengthBase[index], lengthExtraBits[index])
    }

    /// The distance symbol (0…29), its extra value and extra bit count for a distance 1…32,768.
    static func distanceCode(_ distance: Int) -> (code: Int, extra: Int, extraBits: Int) {
        var index = distanceBase.count - 1
        while distanceBase[index] > distance { index -= 1 }
        return (index, distance - distanceBase[index], distanceExtraBits[index])
    }
}
