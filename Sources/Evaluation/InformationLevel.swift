import ArrayFormats
import Tensors

/// The information in an image, estimated as the byte length of its lossless compression —
/// the "compressed" information level of SIC and AIC (Kapishnikov et al. 2021 use WebP's
/// lossless mode; this library uses its own PNG, whose DEFLATE is written in ``Deflate``).
///
///     q = round(255 · clamp((img − LO)/(HI − LO), 0, 1))      (8 bits per channel)
///     e(img) = the byte length of the PNG of q: greyscale for C = 1, RGB for C = 3, and one
///              8-bit greyscale plane per channel, stacked vertically (C·H rows), otherwise
///
/// (`round` halves away from zero.) A blurrier image compresses better, so e falls as detail
/// is removed — the property SIC's x-axis needs. Deterministic: the same image always gives
/// the same bytes.
public enum InformationLevel {
    /// The 8-bit quantization of `image` over `range`, channel planes one after another.
    public static func quantized(_ image: Tensor, range: ClosedRange<Double>) -> [UInt8] {
        let span = range.upperBound - range.lowerBound
        return image.scalars.map { value in
            let t = span > 0 ? min(1, max(0, (value - range.lowerBound) / span)) : 0
            return UInt8((255 * t).rounded())
        }
    }

    /// The PNG of `image` ([C, H, W] or [D]) quantized over `range`.
    public static func png(_ image: Tensor, range: ClosedRange<Double>) throws(EvaluationError) -> [UInt8] {
        let grid = try PixelGrid(shape: image.shape)
        let planes = quantized(image, range: range)
        if grid.channels == 3 {
            var rgb = [UInt8](repeating: 0, count: planes.count)
            for p in 0..<grid.pixelCount {
                for c in 0..<3 { rgb[p * 3 + c] = planes[c * grid.pixelCount + p] }
            }
            return PNG.encode(rgb: rgb, width: grid.width, height: grid.height)
        }
        return PNG.encode(gray: planes, width: grid.width, height: grid.channels * grid.height)
    }

    /// e(img): the PNG's byte length.
    public static func compressedSize(_ image: Tensor, range: ClosedRange<Double>) throws(EvaluationError) -> Int {
        try png(image, range: range).count
    }
}
