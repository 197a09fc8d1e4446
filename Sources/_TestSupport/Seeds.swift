import Tensors

/// Named seeds for tests, so that every test's random data is reproducible and no two
/// parameterised cases share a stream by accident.
public enum Seeds {
    /// A generator for one test case: a base seed per suite mixed with the case's index.
    public static func generator(_ suite: UInt64, case index: Int = 0) -> Xoshiro256StarStar {
        Xoshiro256StarStar(seed: suite &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(index))
    }

    /// A generator for a case named `label`, through a fixed hash (FNV-1a; Swift's own
    /// `hashValue` changes from run to run, so it must not seed anything).
    public static func generator(_ suite: UInt64, label: String) -> Xoshiro256StarStar {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in label.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return Xoshiro256StarStar(seed: suite &* 0x9E37_79B9_7F4A_7C15 ^ hash)
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
