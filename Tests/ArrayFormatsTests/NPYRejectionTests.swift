import ArrayFormats
import Foundation
import Tensors
import Testing
import _TestSupport

@Suite("NPY rejects what it cannot read, with a message naming file and problem", .tags(.formats, .badInput))
struct NPYRejectionTests {
    /// (numpy-made file, a phrase its error message must contain)
    static let numpyMadeRejects: [(String, String)] = [
        ("reject-fortran-order.npy", "Fortran"),
        ("reject-big-endian.npy", "big-endian"),
        ("reject-complex.npy", "dtype '<c16' is not supported"),
        ("reject-int64-beyond-2-53.npy", "element 1 (of shape [2]) is an integer beyond ±2⁵³"),
        ("reject-structured.npy", "structured"),
        ("reject-nan.npy", "element 1"),
        ("reject-infinity.npy", "element 1"),
    ]

    @Test("numpy-made files of the wrong kind", arguments: numpyMadeRejects)
    func numpyRejects(file: String, phrase: String) {
        let url = FixturePaths.url("npy/\(file)")
        do {
            _ = try NPY.read(contentsOf: url)
            Issue.record("\(file) was accepted")
        } catch {
            #expect(error.file == url.path)
            #expect(error.description.contains(phrase), "\(error.description)")
        }
    }

    @Test("Non-finite values are accepted when the caller allows them")
    func nonFiniteAllowed() throws {
        let tensor = try NPY.read(contentsOf: FixturePaths.url("npy/reject-nan.npy"), requireFinite: false)
        #expect(tensor.scalars[1].isNaN)
    }

    @Test("Every truncation of a valid file is an error, never a crash or a short array")
    func truncations() throws {
        let bytes = [UInt8](try Data(contentsOf: FixturePaths.url("npy/f8-2d-v1.npy")))
        for length in 0..<bytes.count {
            #expect(throws: NPYError.self, "prefix of \(length) bytes") { try NPY.decode(Array(bytes[..<length])) }
        }
        let message = try #require(throws: NPYError.self) { try NPY.decode(Array(bytes.dropLast(8))) }
        #expect(message.problem.contains("truncated"))
    }

    @Test("Surplus bytes after the data are an error")
    func surplus() throws {
        let bytes = [UInt8](try Data(contentsOf: FixturePaths.url("npy/f8-2d-v1.npy"))) + [0, 0, 0, 0, 0, 0, 0, 0]
        let error = try #require(throws: NPYError.self) { try NPY.decode(bytes) }
        #expect(error.problem.contains("unexpected bytes"))
    }

    /// Builds a version-1 file around an arbitrary header text and data.
    static func file(header: String, data: [UInt8] = []) -> [UInt8] {
        let text = header + "\n"
        let length = text.utf8.count
        return [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(text.utf8) + data
    }

    static let badHeaders: [(String, String)] = [
        ("{'descr': '<f8', 'fortran_order': False}", "no 'shape'"),
        ("{'descr': '<f8', 'shape': (2,)}", "fortran_order"),
        ("{'fortran_order': False, 'shape': (1,)}", "descr"),
        ("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,)}", "non-negative"),
        ("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 'a')}", "non-negative"),
        ("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,)}", "malformed"),
        ("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4)}", "too large"),
        ("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'extra': 1}", "unexpected header key"),
        ("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (1,)}", "duplicate"),
        ("{'descr': '<f8' 'fortran_order': False, 'shape': (1,)}", "malformed"),
        ("['descr', '<f8']", "not a dictionary"),
        ("{'descr': '<c16', 'fortran_order': False, 'shape': (1,)}", "not supported"),
        ("{'descr': '<f8', 'fortran_order': 0, 'shape': (1,)}", "fortran_order"),
        ("((((((((((((((((((((((((((((((((((((((((", "nesting too deep"),
        ("{'descr': '<f8\\n', 'fortran_order': False, 'shape': (1,)}", "escape"),
        ("", "malformed"),
    ]

    @Test("Malformed headers", arguments: badHeaders)
    func malformedHeaders(header: String, phrase: String) {
        do {
            _ = try NPY.decode(Self.file(header: header, data: [UInt8](repeating: 0, count: 8)), name: "bad.npy")
            Issue.record("header \(header) was accepted")
        } catch {
            #expect(error.description.hasPrefix("bad.npy: "))
            #expect(error.problem.contains(phrase), "\(error.problem)")
        }
    }

    @Test("Shape and data disagree: too little and too much data")
    func shapeMismatch() {
        let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }"
        #expect(throws: NPYError.self) { try NPY.decode(Self.file(header: header, data: [UInt8](repeating: 0, count: 16))) }
        #expect(throws: NPYError.self) { try NPY.decode(Self.file(header: header, data: [UInt8](repeating: 0, count: 32))) }
        #expect(throws: Never.self) { try NPY.decode(Self.file(header: header, data: [UInt8](repeating: 0, count: 24))) }
    }

    @Test("Not an NPY file at all; an unknown version; a missing file; a directory")
    func notNPY() throws {
        #expect(throws: NPYError.self) { try NPY.decode(Array("hello, world".utf8)) }
        var bytes = [UInt8](try Data(contentsOf: FixturePaths.url("npy/f8-2d-v1.npy")))
        bytes[6] = 9
        let version = try #require(throws: NPYError.self) { try NPY.decode(bytes) }
        #expect(version.problem.contains("version 9"))
        let missing = try #require(throws: NPYError.self) { try NPY.read(contentsOf: FixturePaths.url("npy/no-such-file.npy")) }
        #expect(missing.problem.contains("no such file"))
        #expect(throws: NPYError.self) { try NPY.read(contentsOf: FixturePaths.url("npy")) }
    }

    @Test("Random corruption of valid files never crashes the reader (2,000 mutants)")
    func garbled() throws {
        var generator = Seeds.generator(601)
        let originals = try ["f8-2d-v1.npy", "f4-3d-v1.npy", "f8-2d-v2.npy", "f8-0d-v1.npy"].map {
            [UInt8](try Data(contentsOf: FixturePaths.url("npy/\($0)")))
        }
        var accepted = 0
        for _ in 0..<2_000 {
            var bytes = originals[generator.nextIndex(below: originals.count)]
            for _ in 0..<(1 + generator.nextIndex(below: 4)) {
                let at = generator.nextIndex(below: bytes.count)
                switch generator.nextIndex(below: 3) {
                case 0: bytes[at] = UInt8(truncatingIfNeeded: generator.next())
                case 1: bytes.remove(at: at)
                default: bytes.insert(UInt8(truncatingIfNeeded: generator.next()), at: at)
                }
            }
            // Either a clean error or a well-formed tensor (a flip inside the data is still a valid file).
            if let tensor = try? NPY.decode(bytes) {
                accepted += 1
                #expect(tensor.count == Tensor.elementCount(of: tensor.shape))
                #expect(tensor.firstNonFiniteIndex == nil)
            }
        }
        print("NPY garbling: \(accepted) of 2000 mutants still decoded (data-byte flips), the rest raised NPYError")
    }
}
