import ArrayFormats
import Attribution
import Foundation
import Tensors

/// Multi-scale structural similarity (Wang, Simoncelli & Bovik, "Multiscale structural
/// similarity for image quality assessment", 2003), computed as pytorch_msssim 1.0's
/// `ms_ssim` computes it — the information measure of SIC/AIC's MS-SSIM variant.
///
/// Per channel, at each scale i = 1…S, with a Gaussian window g (separable, applied without
/// padding along H and then W), L = HI − LO, C₁ = (0.01 L)², C₂ = (0.03 L)²:
///
///     μ_x = g ∗ x,  σ_x² = g ∗ x² − μ_x²,  σ_xy = g ∗ (x y) − μ_x μ_y
///     cs  = mean[(2σ_xy + C₂) / (σ_x² + σ_y² + C₂)]
///     ssim = mean[(2μ_x μ_y + C₁) / (μ_x² + μ_y² + C₁) · (2σ_xy + C₂) / (σ_x² + σ_y² + C₂)]
///
/// then both images are average-pooled 2×2 with zero padding (h mod 2, w mod 2) counted in the
/// mean. MS-SSIM = Π_{i<S} relu(cs_i)^{w_i} · relu(ssim_S)^{w_S}, averaged over channels, with
/// weights (0.0448, 0.2856, 0.3001, 0.2363, 0.1333) (unnormalized, sum 1.0001).
///
/// The window is 11 taps, σ = 1.5, g_k ∝ exp(−(k − 5)²/2σ²), normalized — built here in
/// Double (pytorch_msssim builds it in float32, which moves MS-SSIM by about 1e−6 relative on
/// the test images; given a float64 window it agrees to round-off). Images too
/// small for pytorch_msssim (which needs a side > 160): the window is the largest odd
/// w ≤ min(11, H, W) with σ = 1.5·w/11, and S is the largest S ≤ 5 with
/// min(H, W) > (w − 1)·2^(S−1); for S < 5 the first S weights are renormalized to sum 1.
/// MS-SSIM(x, x) = 1; it falls as y loses x's structure at any scale.
public struct MultiScaleSSIM: Sendable {
    /// The standard weights of the five scales.
    public static let standardWeights = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333]

    /// HI − LO, the images' value range.
    public var dataRange: Double

    /// MS-SSIM for images of value range `dataRange`.
    public init(dataRange: Double = 1) { self.dataRange = dataRange }

    /// The window, scales and weights used for an H×W image.
    public struct Configuration: Sendable, Equatable {
        /// w (odd)
        public var windowSize: Int
        /// σ
        public var sigma: Double
        /// S
        public var scales: Int
        /// w_1 … w_S
        public var weights: [Double]
    }

    /// The configuration for an H×W image (pytorch_msssim's for sides > 160; the rule above otherwise).
    public static func configuration(height: Int, width: Int) -> Configuration {
        let side = min(height, width)
        var size = min(11, side)
        if size % 2 == 0 { size -= 1 }
        var scales = 5
        while scales > 1 && !(side > (size - 1) * (1 << (scales - 1))) { scales -= 1 }
        var weights = Array(standardWeights.prefix(scales))
        if scales < 5 {
            let total = weights.reduce(0, +)
            weights = weights.map { $0 / total }
        }
        return Configuration(windowSize: size, sigma: 1.5 * Double(size) / 11, scales: scales, weights: weights)
    }

    /// The normalized Gaussian window: g_k ∝ exp(−(k − ⌊size/2⌋)²/(2σ²)).
    public static func window(size: Int, sigma: Double) -> [Double] {
        let g = (0..<size).map { k -> Double in
            let c = Double(k - size / 2)
            return exp(-(c * c) / (2 * sigma * sigma))
        }
        let total = g.reduce(0, +)
        return g.map { $0 / total }
    }

    /// MS-SSIM of `x` against `y` (same shape, [C, H, W] or [D]).
    /// - Throws: ``EvaluationError`` for different shapes or a data range ≤ 0.
    public func value(_ x: Tensor, _ y: Tensor) throws(EvaluationError) -> Double {
        try PixelGrid.check(y, matches: x.shape, name: "reference")
        guard dataRange.isFinite, dataRange > 0 else { throw EvaluationError("the data range must be positive, got \(dataRange)") }
        let grid = try PixelGrid(shape: x.shape)
        let configuration = Self.configuration(height: grid.height, width: grid.width)
        let window = Self.window(size: configuration.windowSize, sigma: configuration.sigma)
        var total = 0.0
        for c in 0..<grid.channels {
            var a = Plane(values: Array(x.scalars[(c * grid.pixelCount)..<((c + 1) * grid.pixelCount)]), height: grid.height, width: grid.width)
            var b = Plane(values: Array(y.scalars[(c * grid.pixelCount)..<((c + 1) * grid.pixelCount)]), height: grid.height, width: grid.width)
            var product = 1.0
            for scale in 0..<configuration.scales {
                let (ssim, cs) = structuralSimilarity(a, b, window: window)
                let last = scale == configuration.scales - 1
                product *= pow(max(0, last ? ssim : cs), configuration.weights[scale])
                if !last {
                    a = a.averagePooled()
                    b = b.averagePooled()
                }
            }
            total += product
        }
        return total / Double(grid.channels)
    }

    /// (ssim, cs) of one channel at one scale.
    func structuralSimilarity(_ a: Plane, _ b: Plane, window: [Double]) -> (ssim: Double, cs: Double) {
        let c1 = (0.01 * dataRange) * (0.01 * dataRange)
        let c2 = (0.03 * dataRange) * (0.03 * dataRange)
        let muA = a.filtered(window)
        let muB = b.filtered(window)
        let aa = a.multiplied(a).filtered(window)
        let bb = b.multiplied(b).filtered(window)
        let ab = a.multiplied(b).filtered(window)
        var ssimSum = 0.0
        var csSum = 0.0
        for i in muA.values.indices {
            let (ma, mb) = (muA.values[i], muB.values[i])
            let sigmaA = aa.values[i] - ma * ma
            let sigmaB = bb.values[i] - mb * mb
            let sigmaAB = ab.values[i] - ma * mb
            let cs = (2 * sigmaAB + c2) / (sigmaA + sigmaB + c2)
            csSum += cs
            ssimSum += ((2 * ma * mb + c1) / (ma * ma + mb * mb + c1)) * cs
        }
        let n = Double(muA.values.count)
        return (ssimSum / n, csSum / n)
    }

    /// One channel's pixels.
    struct Plane {
        var values: [Double]
        var height: Int
        var width: Int

        func multiplied(_ other: Plane) -> Plane {
            Plane(values: zip(values, other.values).map { $0 * $1 }, height: height, width: width)
        }

        /// The valid convolution with the window along H, then along W (pytorch_msssim skips an
        /// axis shorter than the window; the configuration never makes one).
        func filtered(_ window: [Double]) -> Plane {
            let k = window.count
            let h = height >= k ? height - k + 1 : height
            var rows = [Double](repeating: 0, count: h * width)
            for r in 0..<h {
                for c in 0..<width {
                    if height >= k {
                        var sum = 0.0
                        for t in 0..<k { sum += window[t] * values[(r + t) * width + c] }
                        rows[r * width + c] = sum
                    } else {
                        rows[r * width + c] = values[r * width + c]
                    }
                }
            }
            let w = width >= k ? width - k + 1 : width
            var out = [Double](repeating: 0, count: h * w)
            for r in 0..<h {
                for c in 0..<w {
                    if width >= k {
                        var sum = 0.0
                        for t in 0..<k { sum += window[t] * rows[r * width + c + t] }
                        out[r * w + c] = sum
                    } else {
                        out[r * w + c] = rows[r * width + c]
                    }
                }
            }
            return Plane(values: out, height: h, width: w)
        }

        /// torch.nn.functional.avg_pool2d(kernel 2, stride 2, padding (h mod 2, w mod 2)),
        /// zero padding counted in each window's mean of 4.
        func averagePooled() -> Plane {
            let (padH, padW) = (height % 2, width % 2)
            let h = (height + 2 * padH - 2) / 2 + 1
            let w = (width + 2 * padW - 2) / 2 + 1
            var out = [Double](repeating: 0, count: h * w)
            for r in 0..<h {
                for c in 0..<w {
                    var sum = 0.0
                    for dr in 0..<2 {
                        for dc in 0..<2 {
                            let (row, column) = (2 * r - padH + dr, 2 * c - padW + dc)
                            if (0..<height).contains(row) && (0..<width).contains(column) { sum += values[row * width + column] }
                        }
                    }
                    out[r * w + c] = sum / 4
                }
            }
            return Plane(values: out, height: h, width: w)
        }
    }
}

extension MultiScaleSSIM {
    /// MS-SSIM's parameter.
    public struct Settings: Configurable {
        /// [LO, HI]: the images' value range.
        public var dataRange: ClosedRange<Double> = 0...1
        /// The defaults.
        public static var defaults: Settings { Settings() }
        /// `data-range`.
        public static let parameters: [Parameter<Settings>] = [.range("data-range", \.dataRange, help: "the images' value range")]
    }

    /// `ms-ssim`: of the input against the reference image (a similarity, not a quality score).
    public static let registration = MetricRegistration(
        name: "ms-ssim", summary: "MS-SSIM of --input against --reference (pytorch_msssim's computation)", settings: Settings.self,
        needs: [.reference], direction: nil
    ) { settings, context in
        guard let reference = context.reference else { throw EvaluationError("MS-SSIM compares the input with a reference image: give it") }
        return MetricScore(score: try MultiScaleSSIM(dataRange: settings.dataRange.upperBound - settings.dataRange.lowerBound).value(context.input, reference))
    }
}
