@testable import ArrayFormats
import Foundation
import Testing
import _TestSupport

@Suite("DEFLATE: a real compressor, checked by an independent inflater", .tags(.formats))
struct DeflateTests {
    /// Byte strings that exercise every part of the encoder: empty and one byte, long runs
    /// (matches of 258 and overlapping copies), text, smooth and noisy image-like data,
    /// incompressible noise (stored blocks), and several blocks' worth.
    static func samples() -> [(String, [UInt8])] {
        var generator = Seeds.generator(2100)
        let noise = (0..<70_000).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let text = Array(String(repeating: "Integrated Gradients integrates the gradient along a path from a baseline. ", count: 300).utf8)
        let ramp = (0..<40_000).map { UInt8(truncatingIfNeeded: $0 / 7 + Int(generator.next() % 3)) }
        let fewSymbols = (0..<20_000).map { _ in UInt8(generator.next() % 4) }
        return [
            ("empty", []), ("one byte", [42]), ("two bytes", [0, 255]), ("run of 100,000", [UInt8](repeating: 7, count: 100_000)),
            ("text", text), ("ramp with noise", ramp), ("four symbols", fewSymbols), ("noise", noise),
            ("abcabc… overlapping copies", Array(String(repeating: "abc", count: 5_000).utf8)),
        ]
    }

    @Test("Round trip: every sample inflates back to itself, through the raw stream and through zlib with its Adler-32")
    func roundTrip() throws {
        for (name, data) in Self.samples() {
            let stream = Deflate.compress(data)
            #expect(try Inflate.decompress(stream) == data, "\(name)")
            #expect(try Inflate.zlib(Deflate.zlib(data)) == data, "\(name) (zlib)")
        }
    }

    @Test("Round trip on 50 seeded random strings of random alphabets and lengths")
    func randomRoundTrips() throws {
        var generator = Seeds.generator(2101)
        for case_ in 0..<50 {
            let alphabet = 1 + generator.nextIndex(below: 256)
            let count = generator.nextIndex(below: 5_000)
            // Bursts of repeats make matches of every length and distance.
            var data: [UInt8] = []
            while data.count < count {
                if generator.nextIndex(below: 4) == 0 && data.count > 3 {
                    let back = 1 + generator.nextIndex(below: data.count)
                    let length = 3 + generator.nextIndex(below: 300)
                    for _ in 0..<length { data.append(data[data.count - back]) }
                } else {
                    data.append(UInt8(generator.nextIndex(below: alphabet)))
                }
            }
            #expect(try Inflate.decompress(Deflate.compress(data)) == data, "case \(case_): alphabet \(alphabet), \(data.count) bytes")
        }
    }

    @Test("It compresses: repetitive data shrinks many-fold, low-entropy noise near its entropy, incompressible noise grows by 5 bytes per block")
    func sizes() {
        let samples = Dictionary(uniqueKeysWithValues: Self.samples())
        for name in ["text", "run of 100,000", "abcabc… overlapping copies"] {
            let data = samples[name]!
            let ratio = Double(Deflate.compress(data).count) / Double(data.count)
            print("deflate \(name): \(data.count) → \(Deflate.compress(data).count) bytes")
            #expect(ratio < 0.05, "\(name): ratio \(ratio)")
        }
        let noise = samples["noise"]!
        let compressed = Deflate.compress(noise)
        // Stored instead of coded: 5 header bytes per block of at most 16,384 symbols, plus padding.
        #expect(compressed.count <= noise.count + 5 * ((noise.count + Deflate.symbolsPerBlock - 1) / Deflate.symbolsPerBlock) + 1)
        let fewSymbols = samples["four symbols"]!
        // Four equiprobable symbols carry 2 bits each (ratio 0.25); LZ77 pays for short chance
        // matches on such data — Python's zlib at level 6 gets 0.309 on the same kind of data.
        let ratio = Double(Deflate.compress(fewSymbols).count) / Double(fewSymbols.count)
        print("deflate four symbols: ratio \(ratio) (entropy bound 0.25, zlib level 6 about 0.31)")
        #expect(ratio > 0.25 && ratio < 0.32)
    }

    @Test("Package-merge gives complete codes within the limit, Huffman-optimal when the limit does not bind")
    func codeLengths() {
        // Frequencies 1, 1, 2, 4, 8, …: unlimited Huffman lengths are n−1, n−1, n−2, …, 1.
        let doubling = [1] + (0..<11).map { 1 << $0 }
        let free = Huffman.lengths(doubling, limit: 15)
        #expect(free == [11, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1])
        // With a limit of 7 every length is ≤ 7 and the code stays complete (Kraft sum 1).
        let limited = Huffman.lengths(doubling, limit: 7)
        #expect(limited.max()! <= 7)
        #expect(limited.reduce(0.0) { $0 + pow(2, -Double($1)) } == 1)
        // An optimal code never gives a rarer symbol a shorter code than a more frequent one.
        for i in doubling.indices { for j in doubling.indices where doubling[i] < doubling[j] { #expect(limited[i] >= limited[j]) } }
        #expect(Huffman.lengths([0, 5, 0], limit: 15) == [0, 1, 0])
        #expect(Huffman.lengths([3, 3, 3, 3], limit: 15) == [2, 2, 2, 2])
        // Canonical codes (RFC 1951 §3.2.2's example): lengths (3, 3, 3, 3, 3, 2, 4, 4).
        #expect(Huffman.canonicalCodes([3, 3, 3, 3, 3, 2, 4, 4]) == [0b010, 0b011, 0b100, 0b101, 0b110, 0b00, 0b1110, 0b1111])
    }
}
