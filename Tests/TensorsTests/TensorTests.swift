import Testing
import Tensors
import _TestSupport

@Suite("Tensor storage and shapes")
struct TensorTests {
    @Test("Row-major indexing matches the flat offset formula")
    func rowMajorIndexing() {
        var t = Tensor(zeros: [2, 3, 4])
        t[1, 2, 3] = 5
        #expect(t.scalars[(1 * 3 + 2) * 4 + 3] == 5)
        #expect(t.flatIndex([1, 0, 2]) == 14)
        #expect(t.point(1).shape == [3, 4])
        #expect(t.point(1)[2, 3] == 5)
    }

    @Test("Stacking points and taking them apart are inverse")
    func stackAndSplit() {
        var generator = Seeds.generator(10)
        let points = (0..<3).map { _ in Tensor.uniform(shape: [2, 5], using: &generator) }
        let batch = Tensor.stacking(points)
        #expect(batch.shape == [3, 2, 5])
        #expect((0..<3).map { batch.point($0) } == points)
    }

    @Test("Shapes from users are validated with a message, not a trap")
    func validatingShapes() {
        #expect(throws: TensorError.self) { try Tensor(validatingShape: [2, 3], scalars: [1, 2, 3]) }
        #expect(throws: TensorError.self) { try Tensor(validatingShape: [-1], scalars: []) }
        #expect(throws: TensorError.self) { try Tensor(validatingShape: [Int.max, 4], scalars: []) }
        #expect(throws: Never.self) { try Tensor(validatingShape: [], scalars: [4]) }
        #expect(Tensor.checkedElementCount(of: [Int.max / 2, 3]) == nil)
    }

    @Test("Elementwise arithmetic")
    func arithmetic() {
        let a = Tensor(shape: [3], scalars: [1, 2, 3])
        let b = Tensor(shape: [3], scalars: [4, 5, 6])
        #expect((a + b).scalars == [5, 7, 9])
        #expect((b - a).scalars == [3, 3, 3])
        #expect((a * b).scalars == [4, 10, 18])
        #expect((2 * a).scalars == [2, 4, 6])
        #expect((a * b).sum == 32)
        #expect(Tensor(shape: [2], scalars: [1, .nan]).firstNonFiniteIndex == 1)
    }
}

@Suite("Deterministic parallel loops", .tags(.determinism))
struct ParallelismTests {
    @Test("Every chunk runs exactly once, for any thread limit", arguments: [1, 2, 3, 8])
    func everyChunkOnce(threads: Int) {
        let chunks = 37
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: chunks)
        counts.initialize(repeating: 0, count: chunks)
        defer { counts.deallocate() }
        Parallelism.$threadLimit.withValue(threads) {
            Parallelism.forEachChunk(chunks) { counts[$0] += 1 }
        }
        #expect((0..<chunks).allSatisfy { counts[$0] == 1 })
    }

    @Test("Callers on many threads at once (the pool serves one, Dispatch the rest): every chunk of every call runs exactly once, and a product gives the same bits")
    func concurrentCallers() async {
        var generator = Xoshiro256StarStar(seed: 77)
        let (m, n, k) = (200, 128, 64)
        let a = (0..<(m * k)).map { _ in generator.nextUniform(in: -1, 1) }
        let b = (0..<(k * n)).map { _ in generator.nextUniform(in: -1, 1) }
        func product() -> [Double] {
            var c = [Double](repeating: 0, count: m * n)
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in
                        MatrixProduct.fast(.plain, m: m, n: n, k: k, a: ap.baseAddress!, b: bp.baseAddress!, c: cp.baseAddress!, accumulate: false)
                    }
                }
            }
            return c
        }
        let single = Parallelism.$threadLimit.withValue(1) { product() }
        let results = await withTaskGroup(of: (Bool, Bool).self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var allOnce = true
                    for _ in 0..<20 {
                        let chunks = 29
                        let counts = UnsafeMutablePointer<Int>.allocate(capacity: chunks)
                        counts.initialize(repeating: 0, count: chunks)
                        Parallelism.forEachChunk(chunks) { counts[$0] += 1 }
                        allOnce = allOnce && (0..<chunks).allSatisfy { counts[$0] == 1 }
                        counts.deallocate()
                    }
                    return (allOnce, product() == single)
                }
            }
            var all: [(Bool, Bool)] = []
            for await result in group { all.append(result) }
            return all
        }
        #expect(results.count == 8 && results.allSatisfy { $0.0 && $0.1 })
    }

    @Test("Ranges cover 0..<count without overlap")
    func rangesCover() {
        for (count, size) in [(0, 4), (1, 4), (8, 4), (9, 4), (100, 7)] {
            let chunks = Parallelism.chunkCount(count, chunkSize: size)
            let covered = (0..<chunks).flatMap { Array(Parallelism.range(ofChunk: $0, chunkSize: size, count: count)) }
            #expect(covered == Array(0..<count))
        }
    }
}
