/// A DEFLATE decoder (RFC 1951) for tests: stored, fixed-Huffman and dynamic-Huffman blocks,
/// written from the RFC independently of the encoder, so that round trips through it check
/// the encoder on any data. It validates what it reads and throws on malformed streams.
public enum Inflate {
    /// A malformed stream.
    public struct Failure: Error, CustomStringConvertible {
        /// What is wrong.
        public let description: String
    }

    /// The bytes a raw DEFLATE stream decodes to.
    public static func decompress(_ stream: [UInt8]) throws -> [UInt8] {
        var reader = Reader(bytes: stream)
        var out: [UInt8] = []
        var final = false
        while !final {
            final = try reader.bits(1) == 1
            switch try reader.bits(2) {
            case 0:
                reader.alignToByte()
                let length = try reader.bits(16)
                let complement = try reader.bits(16)
                guard length == ~complement & 0xFFFF else { throw Failure(description: "stored block length check failed") }
                for _ in 0..<length { out.append(UInt8(try reader.bits(8))) }
            case 1:
                let literal = try Decoder(lengths: Array(repeating: 8, count: 144) + Array(repeating: 9, count: 112) + Array(repeating: 7, count: 24) + Array(repeating: 8, count: 8))
                let distance = try Decoder(lengths: Array(repeating: 5, count: 30))
                try inflateBlock(&reader, &out, literal, distance)
            case 2:
                let literalCount = try reader.bits(5) + 257
                let distanceCount = try reader.bits(5) + 1
                let codeLengthCount = try reader.bits(4) + 4
                var codeLengthLengths = [Int](repeating: 0, count: 19)
                for symbol in [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15].prefix(codeLengthCount) {
                    codeLengthLengths[symbol] = try reader.bits(3)
                }
                let codeLengthDecoder = try Decoder(lengths: codeLengthLengths)
                var lengths: [Int] = []
                while lengths.count < literalCount + distanceCount {
                    let symbol = try codeLengthDecoder.decode(&reader)
                    switch symbol {
                    case 0...15: lengths.append(symbol)
                    case 16:
                        guard let last = lengths.last else { throw Failure(description: "repeat with no previous length") }
                        lengths += Array(repeating: last, count: 3 + (try reader.bits(2)))
                    case 17: lengths += Array(repeating: 0, count: 3 + (try reader.bits(3)))
                    default: lengths += Array(repeating: 0, count: 11 + (try reader.bits(7)))
                    }
                }
                guard lengths.count == literalCount + distanceCount else { throw Failure(description: "code lengths overrun") }
                let literal = try Decoder(lengths: Array(lengths[0..<literalCount]))
                let distance = try Decoder(lengths: Array(lengths[literalCount...]))
                try inflateBlock(&reader, &out, literal, distance)
            default:
                throw Failure(description: "reserved block type 3")
            }
        }
        return out
    }

    /// The bytes a zlib stream decodes to, with its header and Adler-32 checked.
    public static func zlib(_ stream: [UInt8]) throws -> [UInt8] {
        guard stream.count >= 6, stream[0] & 0x0F == 8, (Int(stream[0]) << 8 | Int(stream[1])) % 31 == 0 else {
            throw Failure(description: "bad zlib header")
        }
        let data = try decompress(Array(stream[2..<(stream.count - 4)]))
        var a = 1, b = 0
        for byte in data {
            a = (a + Int(byte)) % 65_521
            b = (b + a) % 65_521
        }
        let stored = stream.suffix(4).reduce(0) { $0 << 8 | Int($1) }
        guard stored == b << 16 | a else { throw Failure(description: "Adler-32 mismatch") }
        return data
    }

    static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
                               4097, 6145, 8193, 12289, 16385, 24577]
    static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    static func inflateBlock(_ reader: inout Reader, _ out: inout [UInt8], _ literal: Decoder, _ distance: Decoder) throws {
        while true {
            let symbol = try literal.decode(&reader)
            if symbol < 256 {
                out.append(UInt8(symbol))
            } else if symbol == 256 {
                return
            } else {
                let index = symbol - 257
                guard index < 29 else { throw Failure(description: "length symbol \(symbol)") }
                let length = lengthBase[index] + (try reader.bits(lengthExtra[index]))
                let code = try distance.decode(&reader)
                guard code < 30 else { throw Failure(description: "distance symbol \(code)") }
                let back = distanceBase[code] + (try reader.bits(distanceExtra[code]))
                guard back <= out.count else { throw Failure(description: "distance \(back) beyond the output") }
                for _ in 0..<length { out.append(out[out.count - back]) }
            }
        }
    }

    /// Bits least-significant first.
    struct Reader {
        let bytes: [UInt8]
        var position = 0
        var bit = 0
        mutating func bits(_ count: Int) throws -> Int {
            var value = 0
            for k in 0..<count {
                guard position < bytes.count else { throw Failure(description: "stream ends early") }
                value |= Int((bytes[position] >> UInt8(bit)) & 1) << k
                bit += 1
                if bit == 8 {
                    bit = 0
                    position += 1
                }
            }
            return value
        }
        mutating func alignToByte() {
            if bit > 0 {
                bit = 0
                position += 1
            }
        }
    }

    /// A canonical Huffman decoder, bit by bit (slow and plain: the first code whose value
    /// matches at its length).
    struct Decoder {
        let lengths: [Int]
        var table: [Int: [UInt32: Int]] = [:]
        init(lengths: [Int]) throws {
            self.lengths = lengths
            let maximum = lengths.max() ?? 0
            var counts = [Int](repeating: 0, count: maximum + 1)
            for length in lengths where length > 0 { counts[length] += 1 }
            var code: UInt32 = 0
            var next = [UInt32](repeating: 0, count: maximum + 2)
            for bits in stride(from: 1, through: maximum, by: 1) {
                code = (code + UInt32(counts[bits - 1])) << 1
                next[bits] = code
            }
            for (symbol, length) in lengths.enumerated() where length > 0 {
                table[length, default: [:]][next[length]] = symbol
                next[length] += 1
            }
        }
        func decode(_ reader: inout Reader) throws -> Int {
            var code: UInt32 = 0
            for length in 1...15 {
                code = code << 1 | UInt32(try reader.bits(1))
                if let symbol = table[length]?[code] { return symbol }
            }
            throw Failure(description: "no code matches")
        }
    }
}
