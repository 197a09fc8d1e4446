import ArrayFormats
import Attribution
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

extension InformationLevel {
    /// The information level's parameters.
    public struct Settings: Configurable {
        /// [LO, HI]: the input's value range.
        public var dataRange: ClosedRange<Double> = 0...1
        /// Where to write the PNG whose length is e(x).
        public var pngOut: String? = nil
        /// The defaults.
        public static var defaults: Settings { Settings() }
        /// `png-out`, `data-range`.
        public static let parameters: [Parameter<Settings>] = [
            Parameter("png-out", .outputFile(extension: "png"), help: "write the PNG whose length is e(x)", read: nil) { settings, value throws(AttributionError) in
                guard case .path(let path) = value else { throw AttributionError(parameter: "png-out", "`png-out` must be a path, got \(value.text)") }
                settings.pngOut = path
            },
            .range("data-range", \.dataRange, help: "the input's value range"),
        ]
    }

    /// `information`: e(x), the byte length of this library's PNG of the input.
    public static let registration = MetricRegistration(
        name: "information", summary: "e(x): the byte length of this library's PNG of the input (--png-out writes it)", settings: Settings.self,
        needs: [], direction: nil
    ) { settings, context in
        let png = try png(context.input, range: settings.dataRange)
        return MetricScore(
            score: Double(png.count), members: [.init("bytes", .number(Double(png.count)))], files: settings.pngOut.map { [($0, png)] } ?? [])
    }
}
