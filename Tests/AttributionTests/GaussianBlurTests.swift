import ArrayFormats
import Attribution
import Foundation
import Tensors
import Testing
import _TestSupport

@Suite("Gaussian blur: scipy's, exactly as PAIR's BlurIG calls it", .tags(.golden))
struct GaussianBlurTests {
    static let sigmas = [0.0, 0.01, 0.1, 0.3, 0.7, 1.0, 1.5, 2.6, 4.0, 12.5, 50.0]

    @Test("blur(x, σ) equals scipy.ndimage.gaussian_filter(mode=constant, truncate=4)", arguments: ["1x8x8", "3x5x7", "2x1x9", "1x16x16"])
    func matchesScipy(name: String) throws {
        let golden = try NPY.read(contentsOf: FixturePaths.url("numerics/blur-\(name).npy"))
        let shape = Array(golden.shape.dropFirst())
        let image = golden.point(0).scalars
        var worst = 0.0
        for (k, sigma) in Self.sigmas.enumerated() {
            let ours = GaussianBlur.blur(image, height: shape[1], width: shape[2], channels: shape[0], sigma: sigma)
            let scipy = golden.point(k + 1).scalars
            // The same sums in the same order (symmetric taps, H then W); only the kernel's
            // normalising sum may be ordered differently: round-off of a few ulps.
            expectClose(ours, scipy, Tolerance(relative: 1e-14, absolute: 1e-16), "\(name) σ = \(sigma)")
            worst = max(worst, normwiseRelativeError(ours, scipy))
        }
        print("blur \(name): worst normwise relative difference from scipy \(worst)")
    }

    @Test("The analytic ∂blur/∂σ equals a central difference of the blur (radius unchanged)")
    func derivative() {
        var generator = Seeds.generator(1300)
        let image = (0..<(2 * 6 * 5)).map { _ in generator.nextUniform(in: -1, 1) }
        // σ values whose radius ⌊4σ + ½⌋ is the same at σ ± h.
        for sigma in [0.3, 0.8, 1.3, 2.1, 5.05] {
            let h = 1e-6
            let plus = GaussianBlur.blur(image, height: 6, width: 5, channels: 2, sigma: sigma + h)
            let minus = GaussianBlur.blur(image, height: 6, width: 5, channels: 2, sigma: sigma - h)
            let numeric = zip(plus, minus).map { ($0 - $1) / (2 * h) }
            let analytic = GaussianBlur.derivative(image, height: 6, width: 5, channels: 2, sigma: sigma)
            expectClose(analytic, numeric, Tolerance(relative: 1e-7, absolute: 1e-10), "σ = \(sigma)")
        }
    }

    @Test("The kernel sums to 1, is symmetric, and has radius ⌊4σ + ½⌋")
    func kernel() {
        for sigma in [0.1, 0.5, 1, 3.3, 50] {
            let k = GaussianBlur.kernel(sigma: sigma)
            #expect(k.count == 2 * Int(4 * sigma + 0.5) + 1)
            // A sum of up to 401 normalised terms: n·ε ≈ 4.5e-14.
            expectClose(k.reduce(0, +), 1, Tolerance(relative: 5e-14), "σ = \(sigma)")
            #expect(k == Array(k.reversed()))
        }
    }
}
