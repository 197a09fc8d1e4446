import Foundation

/// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators",
/// OOPSLA 2014): a 64-bit state advanced by a Weyl increment and finalised by a mixer.
/// Used here to expand one seed into the 256-bit state of ``Xoshiro256StarStar``, as its
/// authors recommend.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The generator's whole state.
    public private(set) var state: UInt64

    /// A generator starting from `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256** 1.0 (Blackman & Vigna, "Scrambled linear pseudorandom number generators",
/// ACM TOMS 2021): the generator behind every random choice in this library.
///
/// Every function that draws random numbers takes one of these (or any
/// `RandomNumberGenerator`) as an explicit `inout` argument; nothing uses a global source.
/// The same seed gives the same stream on every platform: the generator is pure integer
/// arithmetic. (Normal draws go through `log` and `cos`, which may differ in the last bit
/// between C libraries; on one machine they are reproducible.)
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64

    /// A generator whose state is four outputs of ``SplitMix64`` seeded with `seed`.
    public init(seed: UInt64) {
        var mixer = SplitMix64(seed: seed)
        s0 = mixer.next(); s1 = mixer.next(); s2 = mixer.next(); s3 = mixer.next()
    }

    /// A generator with the given 256-bit state (not all zero), for reproducing published
    /// test vectors; use ``init(seed:)`` otherwise.
    public init(state: (UInt64, UInt64, UInt64, UInt64)) {
        precondition(state != (0, 0, 0, 0), "the all-zero state is a fixed point of xoshiro256**")
        (s0, s1, s2, s3) = state
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, by: 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, by: 45)
        return result
    }

    /// An independent generator for sub-task `index` (a chunk of a parallel loop, one
    /// sample of SmoothGrad): seeded from this generator's seed material and the index, so
    /// each sub-task's stream is the same whatever thread runs it.
    public func derived(_ index: Int) -> Xoshiro256StarStar {
        var mixer = SplitMix64(seed: s0 ^ rotateLeft(s1, by: 13) ^ (UInt64(truncatingIfNeeded: index) &* 0xD1B5_4A32_D192_ED03))
        return Xoshiro256StarStar(seed: mixer.next())
    }

    private func rotateLeft(_ x: UInt64, by k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

extension RandomNumberGenerator {
    /// A uniform draw from [0, 1): the top 53 bits of one 64-bit output, scaled by 2⁻⁵³.
    /// Every representable multiple of 2⁻⁵³ in [0, 1) is equally likely.
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform draw from [lower, upper).
    public mutating func nextUniform(in lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * nextUniform()
    }

    /// A standard normal draw by the Box–Muller transform, using two uniforms per draw
    /// (the second variate is discarded, so a draw never depends on an earlier call).
    /// u₁ ∈ (0, 1] so that log u₁ is finite.
    public mutating func nextNormal() -> Double {
        let u1 = 1 - nextUniform()
        let u2 = nextUniform()
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }

    /// A normal draw with the given mean and standard deviation.
    public mutating func nextNormal(mean: Double, standardDeviation: Double) -> Double {
        mean + standardDeviation * nextNormal()
    }

    /// A uniform integer in `0..<upperBound` (Lemire's nearly-divisionless method, unbiased).
    public mutating func nextIndex(below upperBound: Int) -> Int {
        precondition(upperBound > 0, "upper bound must be positive")
        let bound = UInt64(upperBound)
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold {
                product = next().multipliedFullWidth(by: bound)
            }
        }
        return Int(product.high)
    }

    /// A uniformly random permutation of `0..<count` (Fisher–Yates).
    public mutating func permutation(_ count: Int) -> [Int] {
        var order = Array(0..<count)
        if count < 2 { return order }
        for i in stride(from: count - 1, to: 0, by: -1) {
            order.swapAt(i, nextIndex(below: i + 1))
        }
        return order
    }
}

extension Tensor {
    /// A tensor of independent uniform draws from [lower, upper).
    public static func uniform<G: RandomNumberGenerator>(
        shape: [Int], in lower: Double = 0, _ upper: Double = 1, using generator: inout G
    ) -> Tensor {
        let n = elementCount(of: shape)
        var scalars = [Double](repeating: 0, count: n)
        for i in 0..<n { scalars[i] = generator.nextUniform(in: lower, upper) }
        return Tensor(shape: shape, scalars: scalars)
    }

    /// A tensor of independent normal draws.
    public static func normal<G: RandomNumberGenerator>(
        shape: [Int], mean: Double = 0, standardDeviation: Double = 1, using generator: inout G
    ) -> Tensor {
        let n = elementCount(of: shape)
        var scalars = [Double](repeating: 0, count: n)
        for i in 0..<n { scalars[i] = generator.nextNormal(mean: mean, standardDeviation: standardDeviation) }
        return Tensor(shape: shape, scalars: scalars)
    }
}
