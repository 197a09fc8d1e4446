import Foundation
import Tensors

/// The object classes of the synthetic shapes data.
public enum ShapeKind: Int, Sendable, CaseIterable, CustomStringConvertible {
    /// A filled axis-aligned square.
    case square
    /// A filled disc.
    case disc
    /// A filled triangle, apex up.
    case triangle
    /// A plus-shaped cross.
    case cross

    /// The class name.
    public var description: String { ["square", "disc", "triangle", "cross"][rawValue] }

    /// Whether the point (x, y) lies inside a shape of this kind centred at (cx, cy) with
    /// half-extent s (pixel units; y grows downwards).
    func contains(x: Double, y: Double, cx: Double, cy: Double, s: Double) -> Bool {
        let dx = x - cx
        let dy = y - cy
        switch self {
        case .square:
            return abs(dx) <= 0.85 * s && abs(dy) <= 0.85 * s
        case .disc:
            return dx * dx + dy * dy <= s * s
        case .triangle:
            // Apex (cx, cy − s), base from (cx − s, cy + 0.8s) to (cx + s, cy + 0.8s).
            guard dy >= -s && dy <= 0.8 * s else { return false }
            return abs(dx) <= s * (dy + s) / (1.8 * s)
        case .cross:
            let arm = max(1.0, 0.35 * s)
            return (abs(dx) <= arm && abs(dy) <= s) || (abs(dy) <= arm && abs(dx) <= s)
        }
    }
}

/// What the shapes are painted on.
public enum ShapesBackground: String, Sendable {
    /// Smooth texture and noise, b₀ ∈ [0.05, 0.25] (the shipped data).
    case textured
    /// Zero everywhere.
    case black
}

/// Synthetic images with a known object and its mask.
public struct ShapesData: Sendable, Equatable {
    /// The images, shape [N, 1, 16, 16], values in [0, 1].
    public var images: LabeledData
    /// The object's mask for each image, shape [N, 1, 16, 16]: 1 where the object covers at
    /// least half of the pixel, 0 elsewhere (background, texture and clutter).
    public var masks: Tensor

    /// The number of images.
    public var count: Int { images.count }
}

extension Datasets {
    /// The side of a shapes image, in pixels.
    public static let shapesImageSize = 16

    /// Synthetic 16×16 single-channel images of four classes (``ShapeKind``): one object of
    /// random position, size (half-extent 3–5.5 px) and brightness (0.7–1.0) over textured
    /// noise, with two to four dimmer distractors (dots and short strokes) as clutter; each
    /// image comes with the object's ground-truth mask, for the pointing game and the
    /// localisation metrics.
    ///
    /// The picture, pixel by pixel:
    ///
    ///     background = b₀ + Σ_{k<3} a_k sin(ω_k·(x, y) + φ_k) + N(0, 0.03²)   (b₀ ∈ [0.05, 0.25], a_k = 0.05)
    ///     clutter    : 2–4 dots or strokes of brightness 0.3–0.6, painted over the background
    ///     object     : painted last, with its coverage c ∈ [0, 1] of each pixel from 4×4 samples:
    ///                  value = (1 − c)·below + c·brightness
    ///
    /// clamped to [0, 1]. The class is drawn uniformly; image `i` uses its own generator
    /// derived from (`seed`, i).
    ///
    /// With `background` ``ShapesBackground/black`` the texture is drawn (so every later draw,
    /// and with it every object, distractor and label, is the same as with the texture) and
    /// then replaced by 0: the same images on black, where IG's black baseline equals the
    /// background.
    public static func shapes(count: Int, seed: UInt64, background backgroundKind: ShapesBackground = .textured) -> ShapesData {
        precondition(count >= 0, "count must be ≥ 0")
        let size = shapesImageSize
        let area = size * size
        let generator = Xoshiro256StarStar(seed: seed)
        var pixels = [Double](repeating: 0, count: count * area)
        var masks = [Double](repeating: 0, count: count * area)
        var labels = [Int](repeating: 0, count: count)
        for i in 0..<count {
            var draw = generator.derived(i)
            let kind = ShapeKind(rawValue: draw.nextIndex(below: ShapeKind.allCases.count))!
            labels[i] = kind.rawValue
            var image = background(size: size, using: &draw)
            if backgroundKind == .black { image = [Double](repeating: 0, count: area) }
            paintClutter(&image, size: size, using: &draw)
            let (coverage, brightness) = object(kind, size: size, using: &draw)
            for p in 0..<area {
                pixels[i * area + p] = min(1, max(0, (1 - coverage[p]) * image[p] + coverage[p] * brightness))
                masks[i * area + p] = coverage[p] >= 0.5 ? 1 : 0
            }
        }
        return ShapesData(
            images: LabeledData(inputs: Tensor(shape: [count, 1, size, size], scalars: pixels), labels: labels, classCount: ShapeKind.allCases.count),
            masks: Tensor(shape: [count, 1, size, size], scalars: masks))
    }

    /// Smooth texture (three random plane waves) plus white noise.
    static func background<G: RandomNumberGenerator>(size: Int, using draw: inout G) -> [Double] {
        let base = draw.nextUniform(in: 0.05, 0.25)
        let waves = (0..<3).map { _ in
            let angle = draw.nextUniform(in: 0, 2 * .pi)
            let frequency = draw.nextUniform(in: 0.3, 1.2)
            return (frequency * cos(angle), frequency * sin(angle), draw.nextUniform(in: 0, 2 * .pi))
        }
        var image = [Double](repeating: 0, count: size * size)
        for row in 0..<size {
            for column in 0..<size {
                var value = base
                for (fx, fy, phase) in waves { value += 0.05 * sin(fx * Double(column) + fy * Double(row) + phase) }
                image[row * size + column] = value + 0.03 * draw.nextNormal()
            }
        }
        return image
    }

    /// Two to four distractors: small dots (radius 0.6–1.1 px) or short strokes (2–4 px long, 1 px wide).
    private static func paintClutter<G: RandomNumberGenerator>(_ image: inout [Double], size: Int, using draw: inout G) {
        for _ in 0..<(2 + draw.nextIndex(below: 3)) {
            let brightness = draw.nextUniform(in: 0.3, 0.6)
            let x0 = draw.nextUniform(in: 1, Double(size) - 1)
            let y0 = draw.nextUniform(in: 1, Double(size) - 1)
            if draw.nextIndex(below: 2) == 0 {
                let radius = draw.nextUniform(in: 0.6, 1.1)
                paint(&image, size: size, brightness: brightness) { x, y in (x - x0) * (x - x0) + (y - y0) * (y - y0) <= radius * radius }
            } else {
                let length = draw.nextUniform(in: 2, 4)
                let angle = draw.nextUniform(in: 0, .pi)
                let (ux, uy) = (cos(angle), sin(angle))
                paint(&image, size: size, brightness: brightness) { x, y in
                    let along = (x - x0) * ux + (y - y0) * uy
                    let across = -(x - x0) * uy + (y - y0) * ux
                    return abs(along) <= length / 2 && abs(across) <= 0.5
                }
            }
        }
    }

    /// The object's per-pixel coverage and its brightness.
    private static func object<G: RandomNumberGenerator>(_ kind: ShapeKind, size: Int, using draw: inout G) -> ([Double], Double) {
        let s = draw.nextUniform(in: 3, 5.5)
        let margin = s + 0.5
        let cx = draw.nextUniform(in: margin, Double(size) - margin)
        let cy = draw.nextUniform(in: margin, Double(size) - margin)
        let brightness = draw.nextUniform(in: 0.7, 1.0)
        return (coverage(size: size) { kind.contains(x: $0, y: $1, cx: cx, cy: cy, s: s) }, brightness)
    }

    /// The fraction of each pixel [column, column + 1) × [row, row + 1) inside a region, from 4×4 samples.
    private static func coverage(size: Int, inside: (Double, Double) -> Bool) -> [Double] {
        var result = [Double](repeating: 0, count: size * size)
        for row in 0..<size {
            for column in 0..<size {
                var hits = 0
                for sy in 0..<4 {
                    for sx in 0..<4 where inside(Double(column) + (Double(sx) + 0.5) / 4, Double(row) + (Double(sy) + 0.5) / 4) {
                        hits += 1
                    }
                }
                result[row * size + column] = Double(hits) / 16
            }
        }
        return result
    }

    private static func paint(_ image: inout [Double], size: Int, brightness: Double, inside: (Double, Double) -> Bool) {
        let cover = coverage(size: size, inside: inside)
        for p in image.indices { image[p] = (1 - cover[p]) * image[p] + cover[p] * brightness }
    }
}
