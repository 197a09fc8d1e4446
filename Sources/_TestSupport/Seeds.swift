import Tensors

/// Named seeds for tests, so that every test's random data is reproducible and no two
/// parameterised cases share a stream by accident.
public enum Seeds {
    /// A generator for one test case: a base seed per suite mixed with the case's index.
    public static func generator(_ suite: UInt64, case index: Int = 0) -> Xoshiro256StarStar {
        Xoshiro256StarStar(seed: suite &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(index))
    }
}

/// Random test shapes that include the awkward sizes: 1, primes, and widths that are not a
/// multiple of the SIMD width (8).
public enum TestSizes {
    /// Sizes drawn for shape tests.
    public static let pool = [1, 2, 3, 5, 7, 8, 9, 11, 13, 15, 16, 17, 19, 23, 24, 29, 31, 33, 37]

    /// A size from ``pool`` no larger than `limit`.
    public static func draw<G: RandomNumberGenerator>(limit: Int = .max, using generator: inout G) -> Int {
        let allowed = pool.filter { $0 <= limit }
        return allowed[generator.nextIndex(below: allowed.count)]
    }
}
