import Tensors

/// The seed of one image in one run seed.
public enum ImageSeeds {
    /// The first number of `Xoshiro256StarStar(seed: run).derived(index)`: a stream per
    /// (run seed, image), the same whichever thread or order computes it.
    public static func seed(run: UInt64, image index: Int) -> UInt64 {
        var generator = Xoshiro256StarStar(seed: run).derived(index)
        return generator.next()
    }
}
