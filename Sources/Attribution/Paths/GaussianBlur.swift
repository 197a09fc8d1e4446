import Foundation

/// The Gaussian blur of an image over its two spatial axes, channel by channel, computed
/// as `scipy.ndimage.gaussian_filter(image, sigma=[σ, σ, 0], mode="constant", truncate=4.0)`
/// computes it on an H×W×C array (what PAIR saliency's BlurIG calls):
///
/// - the kernel has radius r = ⌊4σ + ½⌋ and weights k_j ∝ exp((−½/σ² · j) · j), j = −r…r,
///   normalised to sum 1;
/// - the image is zero outside its borders (`mode="constant"`, `cval=0`);
/// - the filter runs along the rows axis H first, then along W, each pass as scipy's
///   symmetric correlation: k_0 x_i + Σ_{j=r…1} k_j (x_{i−j} + x_{i+j});
/// - σ = 0 returns the image unchanged.
///
/// ``derivative(_:height:width:channels:sigma:)`` is ∂blur/∂σ at a fixed radius: with
/// k_j = e_j / Σe and e_j = exp(−j²/2σ²), ∂k_j/∂σ = k_j (j² − Σ_i k_i i²)/σ³, and by the
/// product rule ∂(K_H K_W x)/∂σ = K′_H K_W x + K_H K′_W x. (The radius itself grows in
/// jumps with σ, which moves the blur by O(e⁻⁸) of a tap; neither PAIR's finite difference
/// nor this derivative accounts for that.)
public enum GaussianBlur {
    /// The normalised kernel k_{−r…r} for σ > 0, as scipy's `_gaussian_kernel1d`. Below
    /// σ = 1/8 the radius is 0 and the kernel is [1], the identity — returned as such, since
    /// −½/σ² overflows for σ below ~10⁻¹⁵⁴ (where scipy's kernel is NaN).
    public static func kernel(sigma: Double) -> [Double] {
        let radius = Int(4 * sigma + 0.5)
        if radius == 0 { return [1] }
        let c = -0.5 / (sigma * sigma)
        var weights = (-radius...radius).map { j -> Double in exp(c * Double(j) * Double(j)) }
        let total = weights.reduce(0, +)
        for i in weights.indices { weights[i] /= total }
        return weights
    }

    /// ∂k_j/∂σ at a fixed radius.
    public static func kernelDerivative(sigma: Double) -> [Double] {
        let k = kernel(sigma: sigma)
        let radius = (k.count - 1) / 2
        if radius == 0 { return [0] }  // one tap, always 1
        var secondMoment = 0.0
        for (index, weight) in k.enumerated() {
            let j = Double(index - radius)
            secondMoment += weight * j * j
        }
        let cube = sigma * sigma * sigma
        return k.enumerated().map { index, weight in
            let j = Double(index - radius)
            return weight * (j * j - secondMoment) / cube
        }
    }

    /// blur(x, σ) of a flattened [C, H, W] image.
    public static func blur(_ image: [Double], height: Int, width: Int, channels: Int, sigma: Double) -> [Double] {
        if sigma == 0 { return image }
        let k = kernel(sigma: sigma)
        let alongRows = filter(image, height: height, width: width, channels: channels, weights: k, alongHeight: true)
        return filter(alongRows, height: height, width: width, channels: channels, weights: k, alongHeight: false)
    }

    /// ∂blur(x, σ)/∂σ of a flattened [C, H, W] image (0 at σ = 0, where the blur is the identity).
    public static func derivative(_ image: [Double], height: Int, width: Int, channels: Int, sigma: Double) -> [Double] {
        if sigma == 0 { return [Double](repeating: 0, count: image.count) }
        let k = kernel(sigma: sigma)
        let dk = kernelDerivative(sigma: sigma)
        let first = filter(
            filter(image, height: height, width: width, channels: channels, weights: dk, alongHeight: true),
            height: height, width: width, channels: channels, weights: k, alongHeight: false)
        let second = filter(
            filter(image, height: height, width: width, channels: channels, weights: k, alongHeight: true),
            height: height, width: width, channels: channels, weights: dk, alongHeight: false)
        return zip(first, second).map { $0 + $1 }
    }

    /// One 1-D symmetric correlation pass with zero outside the image.
    static func filter(_ image: [Double], height: Int, width: Int, channels: Int, weights: [Double], alongHeight: Bool) -> [Double] {
        let radius = (weights.count - 1) / 2
        let length = alongHeight ? height : width
        var output = [Double](repeating: 0, count: image.count)
        for c in 0..<channels {
            for line in 0..<(alongHeight ? width : height) {
                // Element i of this line sits at base + i·stride.
                let (base, step) = alongHeight ? (c * height * width + line, width) : (c * height * width + line * width, 1)
                for i in 0..<length {
                    var sum = image[base + i * step] * weights[radius]
                    // Taps that fall outside the image on both sides add exact zeros: skip them.
                    let reach = min(radius, max(i, length - 1 - i))
                    for j in stride(from: reach, through: 1, by: -1) {
                        let before = i - j >= 0 ? image[base + (i - j) * step] : 0
                        let after = i + j < length ? image[base + (i + j) * step] : 0
                        sum += (before + after) * weights[radius - j]
                    }
                    output[base + i * step] = sum
                }
            }
        }
        return output
    }
}
