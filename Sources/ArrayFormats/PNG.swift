import Foundation

/// A PNG encoder (ISO/IEC 15948): 8-bit greyscale or RGB, no interlacing, each row with the
/// filter that makes its bytes smallest in absolute value (libpng's heuristic: the sum of the
/// filtered bytes read as signed, ties to the lower filter type), the scanlines compressed by
/// this package's ``Deflate`` in a zlib stream. Deterministic: the same pixels always give the
/// same bytes, which the information metric relies on.
public enum PNG {
    /// The PNG bytes of an RGB image: `pixels` holds width·height·3 bytes, row by row.
    public static func encode(rgb pixels: [UInt8], width: Int, height: Int) -> [UInt8] {
        precondition(width > 0 && height > 0 && pixels.count == width * height * 3, "RGB pixels do not match \(width)×\(height)")
        return encode(pixels, width: width, height: height, channels: 3)
    }

    /// The PNG bytes of a greyscale image: `pixels` holds width·height bytes, row by row.
    public static func encode(gray pixels: [UInt8], width: Int, height: Int) -> [UInt8] {
        precondition(width > 0 && height > 0 && pixels.count == width * height, "grey pixels do not match \(width)×\(height)")
        return encode(pixels, width: width, height: height, channels: 1)
    }

    private static func encode(_ pixels: [UInt8], width: Int, height: Int, channels: Int) -> [UInt8] {
        var header: [UInt8] = []
        appendBigEndian(UInt32(width), to: &header)
        appendBigEndian(UInt32(height), to: &header)
        // Bit depth 8; colour type 0 (grey) or 2 (RGB); deflate; adaptive filters; no interlace.
        header += [8, channels == 1 ? 0 : 2, 0, 0, 0]
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        appendChunk("IHDR", header, to: &png)
        appendChunk("IDAT", Deflate.zlib(filteredScanlines(pixels, width: width, height: height, channels: channels)), to: &png)
        appendChunk("IEND", [], to: &png)
        return png
    }

    /// Each row preceded by its filter type, filtered (ISO/IEC 15948 §9.2): 0 none, 1 sub,
    /// 2 up, 3 average, 4 Paeth, with the filter whose output has the least Σ|signed byte|.
    static func filteredScanlines(_ pixels: [UInt8], width: Int, height: Int, channels: Int) -> [UInt8] {
        let stride = width * channels
        var out: [UInt8] = []
        out.reserveCapacity(height * (stride + 1))
        let zeros = [UInt8](repeating: 0, count: stride)
        for row in 0..<height {
            let line = Array(pixels[(row * stride)..<((row + 1) * stride)])
            let above = row > 0 ? Array(pixels[((row - 1) * stride)..<(row * stride)]) : zeros
            var best: (type: UInt8, bytes: [UInt8], cost: Int)? = nil
            for type in UInt8(0)...4 {
                var filtered = [UInt8](repeating: 0, count: stride)
                for i in 0..<stride {
                    let a = i >= channels ? Int(line[i - channels]) : 0
                    let b = Int(above[i])
                    let c = i >= channels ? Int(above[i - channels]) : 0
                    let predictor: Int
                    switch type {
                    case 0: predictor = 0
                    case 1: predictor = a
                    case 2: predictor = b
                    case 3: predictor = (a + b) / 2
                    default: predictor = paeth(a, b, c)
                    }
                    filtered[i] = UInt8(truncatingIfNeeded: Int(line[i]) - predictor)
                }
                let cost = filtered.reduce(0) { $0 + abs(Int(Int8(bitPattern: $1))) }
                if best == nil || cost < best!.cost { best = (type, filtered, cost) }
            }
            out.append(best!.type)
            out += best!.bytes
        }
        return out
    }

    /// The Paeth predictor (§9.4): whichever of left, above, upper-left is closest to left + above − upper-left.
    static func paeth(_ a: Int, _ b: Int, _ c: Int) -> Int {
        let p = a + b - c
        let (pa, pb, pc) = (abs(p - a), abs(p - b), abs(p - c))
        if pa <= pb && pa <= pc { return a }
        return pb <= pc ? b : c
    }

    /// Adler-32 (RFC 1950 §8).
    public static func adler32(_ data: [UInt8]) -> UInt32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return b << 16 | a
    }

    /// CRC-32 (ISO 3309, the polynomial 0xEDB88320 reflected), as PNG chunks use it.
    public static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }

    private static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    private static func appendChunk(_ type: String, _ data: [UInt8], to png: inout [UInt8]) {
        appendBigEndian(UInt32(data.count), to: &png)
        let typed = Array(type.utf8) + data
        png += typed
        appendBigEndian(crc32(typed), to: &png)
    }

    private static func appendBigEndian(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes += [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}
