import Foundation
import Tensors

extension Datasets {
    /// The digits composited onto the shapes' textured background: the same images with no
    /// black background, where IG's black baseline equals almost no pixel.
    ///
    /// Pixel by pixel, with d the digit's ink in [0, 1] and b an 8×8 texture drawn as the
    /// shapes' background is (b₀ ∈ [0.05, 0.25] plus three plane waves of amplitude 0.05 and
    /// N(0, 0.03²) noise; ``shapes(count:seed:background:)``):
    ///
    ///     x = d + (1 − d)·b, clamped to [0, 1]
    ///
    /// so ink stays ink and the background becomes texture. Image i's texture comes from the
    /// generator derived from (`seed`, i); the labels and the split are the digits'.
    public static func texturedDigits(_ digits: LabeledData, seed: UInt64) -> LabeledData {
        let shape = digits.pointShape
        precondition(shape.count == 3 && shape[0] == 1 && shape[1] == shape[2], "textured digits take square single-channel images")
        let (size, area) = (shape[1], shape[1] * shape[2])
        let generator = Xoshiro256StarStar(seed: seed)
        var pixels = digits.inputs.scalars
        for i in 0..<digits.count {
            var draw = generator.derived(i)
            let texture = background(size: size, using: &draw)
            for p in 0..<area {
                let ink = pixels[i * area + p]
                pixels[i * area + p] = min(1, max(0, ink + (1 - ink) * texture[p]))
            }
        }
        return LabeledData(inputs: Tensor(shape: digits.inputs.shape, scalars: pixels), labels: digits.labels, classCount: digits.classCount)
    }
}
