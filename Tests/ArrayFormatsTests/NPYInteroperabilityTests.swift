import ArrayFormats
import Foundation
import Tensors
import Testing
import _TestSupport

/// A file written by numpy (Fixtures/npy/make_npy_fixtures.py) and the values its formula gives.
struct NumpyFile: Sendable, CustomStringConvertible {
    var name: String
    var shape: [Int]
    var values: [Double]
    /// Whether numpy.save wrote it as float64 version 1, so the Swift writer must reproduce its bytes.
    var isNumpySaveOutput: Bool
    var description: String { name }

    static let all: [NumpyFile] = [
        NumpyFile(name: "f8-0d-v1.npy", shape: [], values: [3.25], isNumpySaveOutput: true),
        NumpyFile(
            name: "f8-1d-v1.npy", shape: [7],
            values: [-0.0, Double.leastNonzeroMagnitude, 1.7976931348623157e308, -1e-300, Double.pi, 1.0 / 3, -2.5], isNumpySaveOutput: true),
        NumpyFile(name: "f8-2d-v1.npy", shape: [3, 5], values: (0..<15).map { Double($0) * 0.1 - 0.7 }, isNumpySaveOutput: true),
        NumpyFile(name: "f8-4d-v1.npy", shape: [2, 1, 3, 4], values: (0..<24).map { Double($0) * 0.25 }, isNumpySaveOutput: true),
        NumpyFile(name: "f8-empty-v1.npy", shape: [2, 0], values: [], isNumpySaveOutput: true),
        NumpyFile(name: "f4-3d-v1.npy", shape: [2, 3, 4], values: (0..<24).map { Double($0) / 8 - 1.5 }, isNumpySaveOutput: false),
        NumpyFile(name: "f8-2d-v2.npy", shape: [4, 3], values: (0..<12).map { Double($0) * 0.1 - 0.7 }, isNumpySaveOutput: false),
        NumpyFile(name: "f4-1d-v2.npy", shape: [5], values: (0..<5).map { Double($0) / 8 - 1.5 }, isNumpySaveOutput: false),
        // Integers and booleans, exactly (±2⁵³ is the largest magnitude a double holds exactly).
        NumpyFile(name: "i8-1d-v1.npy", shape: [5], values: [0, -3, 7, 9_007_199_254_740_992, -9_007_199_254_740_992], isNumpySaveOutput: false),
        NumpyFile(name: "i4-2d-v1.npy", shape: [2, 3], values: (0..<6).map { Double($0 - 3) }, isNumpySaveOutput: false),
        NumpyFile(name: "i2-1d-v1.npy", shape: [3], values: [-32768, 0, 32767], isNumpySaveOutput: false),
        NumpyFile(name: "i1-1d-v1.npy", shape: [3], values: [-128, 0, 127], isNumpySaveOutput: false),
        NumpyFile(name: "u1-1d-v1.npy", shape: [3], values: [0, 1, 255], isNumpySaveOutput: false),
        NumpyFile(name: "u8-1d-v1.npy", shape: [2], values: [0, 9_007_199_254_740_992], isNumpySaveOutput: false),
        NumpyFile(name: "b1-1d-v1.npy", shape: [3], values: [1, 0, 1], isNumpySaveOutput: false),
    ]
}

@Suite("NPY interoperates with numpy", .tags(.formats))
struct NPYInteroperabilityTests {
    @Test("Files numpy wrote read back identical, bit for bit", arguments: NumpyFile.all)
    func readsNumpyFiles(file: NumpyFile) throws {
        let tensor = try NPY.read(contentsOf: FixturePaths.url("npy/\(file.name)"))
        #expect(tensor.shape == file.shape)
        // Bit patterns, so that −0.0 and subnormals count.
        #expect(tensor.scalars.map(\.bitPattern) == file.values.map(\.bitPattern))
    }

    @Test("The writer produces exactly the bytes numpy.save wrote", arguments: NumpyFile.all.filter(\.isNumpySaveOutput))
    func writesNumpyBytes(file: NumpyFile) throws {
        let url = FixturePaths.url("npy/\(file.name)")
        let numpyBytes = [UInt8](try Data(contentsOf: url))
        let tensor = Tensor(shape: file.shape, scalars: file.values)
        #expect(NPY.encode(tensor) == numpyBytes)
    }

    @Test("Encode then decode is the identity on random tensors of rank 0 to 5")
    func roundTrip() throws {
        var generator = Seeds.generator(600)
        for rank in 0...5 {
            let shape = (0..<rank).map { _ in 1 + generator.nextIndex(below: 4) }
            var tensor = Tensor.normal(shape: shape, standardDeviation: 1e3, using: &generator)
            if tensor.count > 0 { tensor.scalars[0] = -0.0 }
            let decoded = try NPY.decode(NPY.encode(tensor))
            #expect(decoded.shape == shape)
            #expect(decoded.scalars.map(\.bitPattern) == tensor.scalars.map(\.bitPattern))
            // numpy aligns the data to 64 bytes.
            #expect((NPY.encode(tensor).count - 8 * tensor.count) % 64 == 0)
        }
    }

    @Test("Writing is atomic: the destination appears whole, and a failed write leaves nothing")
    func atomicWrite() throws {
        let directory = try FixturePaths.temporaryDirectory("npy")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("a.npy")
        try NPY.write(Tensor(shape: [2], scalars: [1, 2]), to: url)
        try NPY.write(Tensor(shape: [3], scalars: [4, 5, 6]), to: url)  // replaces
        #expect(try NPY.read(contentsOf: url).scalars == [4, 5, 6])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["a.npy"])
        let missing = directory.appendingPathComponent("no/such/dir/b.npy")
        #expect(throws: FileWriteError.self) { try NPY.write(Tensor(scalar: 1), to: missing) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["a.npy"])
    }
}
