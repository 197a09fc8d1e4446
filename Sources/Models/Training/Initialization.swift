import Tensors

/// Seeded weight initialisers. Every one takes the generator explicitly.
public enum Initialization {
    /// He (Kaiming) normal initialisation for layers followed by ReLU (He et al. 2015):
    /// N(0, 2/fanIn).
    public static func heNormal<G: RandomNumberGenerator>(shape: [Int], fanIn: Int, using generator: inout G) -> Tensor {
        Tensor.normal(shape: shape, standardDeviation: (2 / Double(fanIn)).squareRoot(), using: &generator)
    }

    /// Glorot (Xavier) uniform initialisation (Glorot & Bengio 2010): U(±√(6/(fanIn + fanOut))).
    public static func glorotUniform<G: RandomNumberGenerator>(shape: [Int], fanIn: Int, fanOut: Int, using generator: inout G) -> Tensor {
        let bound = (6 / Double(fanIn + fanOut)).squareRoot()
        return Tensor.uniform(shape: shape, in: -bound, bound, using: &generator)
    }
}
