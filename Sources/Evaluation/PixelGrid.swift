import Tensors

/// The common ground of the image metrics: an input seen as C channels of H×W pixels (a flat
/// `[D]` input is C = 1, H = 1, W = D), the pixel saliency of an attribution, and the order in
/// which pixels are revealed or removed.
///
///     s[h, w] = Σ_c A[c, h, w]      (signed, the default)
///     s[h, w] = Σ_c |A[c, h, w]|    (absolute)
///
/// Pixels are ordered by descending s, ties by ascending row-major index h·W + w. Revealing
/// or removing a pixel changes all its channels.
public struct PixelGrid: Sendable, Equatable {
    /// C
    public let channels: Int
    /// H
    public let height: Int
    /// W
    public let width: Int

    /// The grid of an input of `shape` ([C, H, W], or [D] as 1×1×D).
    /// - Throws: ``EvaluationError`` for other ranks or an empty shape.
    public init(shape: [Int]) throws(EvaluationError) {
        switch shape.count {
        case 3: (channels, height, width) = (shape[0], shape[1], shape[2])
        case 1: (channels, height, width) = (1, 1, shape[0])
        default: throw EvaluationError("an image metric needs an input of shape [C, H, W] or [D], got \(shape)")
        }
        guard channels > 0, height > 0, width > 0 else { throw EvaluationError("the input shape \(shape) has no pixels") }
    }

    /// P = H·W
    public var pixelCount: Int { height * width }

    /// How a pixel's channels add up to its saliency.
    public enum Ranking: String, Sendable, CaseIterable {
        /// Σ_c A[c, h, w]
        case signed
        /// Σ_c |A[c, h, w]|
        case absolute
    }

    /// s[h, w], row-major, from an attribution of the grid's shape.
    public func saliency(_ attribution: Tensor, ranking: Ranking) -> [Double] {
        var s = [Double](repeating: 0, count: pixelCount)
        for c in 0..<channels {
            for p in 0..<pixelCount {
                let a = attribution.scalars[c * pixelCount + p]
                s[p] += ranking == .signed ? a : abs(a)
            }
        }
        return s
    }

    /// The pixels by descending saliency, ties by ascending index.
    public static func order(_ saliency: [Double]) -> [Int] {
        saliency.indices.sorted { saliency[$0] != saliency[$1] ? saliency[$0] > saliency[$1] : $0 < $1 }
    }

    /// The image whose pixels with `fromFirst[p]` true come from `first`, the others from `second`.
    public func composite(_ first: Tensor, _ second: Tensor, fromFirst: [Bool]) -> Tensor {
        var out = second
        for c in 0..<channels {
            for p in 0..<pixelCount where fromFirst[p] {
                out.scalars[c * pixelCount + p] = first.scalars[c * pixelCount + p]
            }
        }
        return out
    }

    /// The first `count` pixels of `order`, as a mask.
    public func mask(firstOf order: [Int], count: Int) -> [Bool] {
        var mask = [Bool](repeating: false, count: pixelCount)
        for p in order.prefix(count) { mask[p] = true }
        return mask
    }

    /// Checks that `tensor` has `shape` (an attribution or a reference beside the input).
    public static func check(_ tensor: Tensor, matches shape: [Int], name: String) throws(EvaluationError) {
        guard tensor.shape == shape else {
            throw EvaluationError("the \(name) has shape \(tensor.shape) but the input has \(shape); they must match")
        }
        if let bad = tensor.firstNonFiniteIndex {
            throw EvaluationError("the \(name) has a non-finite value (\(tensor.scalars[bad])) at element \(bad)")
        }
    }
}
