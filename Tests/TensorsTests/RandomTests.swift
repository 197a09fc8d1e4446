import Testing
import Tensors
import _TestSupport

@Suite("Seeded random generators", .tags(.determinism))
struct RandomTests {
    @Test("SplitMix64 reproduces the published sequence for seed 1234567")
    func splitMixVector() {
        // Vigna's splitmix64.c, seed 1234567: the first five outputs.
        var generator = SplitMix64(seed: 1_234_567)
        let expected: [UInt64] = [
            6_457_827_717_110_365_317, 3_203_168_211_198_807_973, 9_817_491_932_198_370_423,
            4_593_380_528_125_082_431, 16_408_922_859_458_223_821,
        ]
        #expect((0..<5).map { _ in generator.next() } == expected)
    }

    @Test("xoshiro256** reproduces the reference implementation from state (1, 2, 3, 4)")
    func xoshiroVector() {
        // Blackman & Vigna's xoshiro256starstar.c from s = {1, 2, 3, 4}: 11520, 0, 1509978240, 1215971899390074240.
        var generator = Xoshiro256StarStar(state: (1, 2, 3, 4))
        #expect((0..<4).map { _ in generator.next() } == [11520, 0, 1_509_978_240, 1_215_971_899_390_074_240])
    }

    @Test("The same seed gives the same stream; different seeds differ")
    func sameSeedSameStream() {
        var a = Xoshiro256StarStar(seed: 42)
        var b = Xoshiro256StarStar(seed: 42)
        var c = Xoshiro256StarStar(seed: 43)
        let streamA = (0..<100).map { _ in a.next() }
        #expect(streamA == (0..<100).map { _ in b.next() })
        #expect(streamA != (0..<100).map { _ in c.next() })
    }

    @Test("Uniform draws lie in [0, 1) and have mean 1/2 and variance 1/12")
    func uniformMoments() {
        var generator = Seeds.generator(1)
        let n = 100_000
        let draws = (0..<n).map { _ in generator.nextUniform() }
        #expect(draws.allSatisfy { $0 >= 0 && $0 < 1 })
        let mean = draws.reduce(0, +) / Double(n)
        let variance = draws.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n - 1)
        // Standard error of the mean is √(1/12n) ≈ 9.1e-4; 5 standard errors.
        #expect(abs(mean - 0.5) < 5 * (1.0 / 12 / Double(n)).squareRoot())
        // Var of the sample variance of U(0,1) is (1/80 − 1/144)/n; 5 standard errors ≈ 1.2e-3.
        #expect(abs(variance - 1.0 / 12) < 5 * ((1.0 / 80 - 1.0 / 144) / Double(n)).squareRoot())
    }

    @Test("Normal draws have mean 0, variance 1 and kurtosis 3")
    func normalMoments() {
        var generator = Seeds.generator(2)
        let n = 100_000
        let draws = (0..<n).map { _ in generator.nextNormal() }
        #expect(draws.allSatisfy { $0.isFinite })
        let mean = draws.reduce(0, +) / Double(n)
        let variance = draws.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)
        let kurtosis = draws.map { pow4(($0 - mean)) }.reduce(0, +) / Double(n) / (variance * variance)
        // Standard errors: mean 1/√n, variance √(2/n), kurtosis √(24/n); 5 of each.
        #expect(abs(mean) < 5 / Double(n).squareRoot())
        #expect(abs(variance - 1) < 5 * (2 / Double(n)).squareRoot())
        #expect(abs(kurtosis - 3) < 5 * (24 / Double(n)).squareRoot())
    }

    @Test("Bounded integers are unbiased (chi-square over 7 bins) and permutations are permutations")
    func integersAndPermutations() {
        var generator = Seeds.generator(3)
        let bins = 7
        let n = 70_000
        var counts = [Int](repeating: 0, count: bins)
        for _ in 0..<n { counts[generator.nextIndex(below: bins)] += 1 }
        let expected = Double(n) / Double(bins)
        let chiSquare = counts.map { (Double($0) - expected) * (Double($0) - expected) / expected }.reduce(0, +)
        // 6 degrees of freedom: P(χ² > 22.46) = 0.001.
        #expect(chiSquare < 22.46)
        for size in [0, 1, 2, 17] {
            #expect(generator.permutation(size).sorted() == Array(0..<size))
        }
    }

    @Test("Derived generators are independent of each other and reproducible")
    func derivedStreams() {
        let parent = Xoshiro256StarStar(seed: 7)
        var first = parent.derived(0)
        var again = parent.derived(0)
        var second = parent.derived(1)
        let a = (0..<10).map { _ in first.next() }
        #expect(a == (0..<10).map { _ in again.next() })
        #expect(a != (0..<10).map { _ in second.next() })
    }
}

private func pow4(_ x: Double) -> Double { x * x * x * x }
