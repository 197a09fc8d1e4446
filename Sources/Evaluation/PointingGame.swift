import ArrayFormats
import Attribution
import Tensors

/// The pointing game (Zhang et al., "Top-down Neural Attention by Excitation Backprop",
/// ECCV 2016; TorchRay's `pointing_game.py`; DDPath's Table 2): does the most salient pixel
/// fall on the object?
///
/// The pixel of maximal saliency s (the first in row-major order among ties) is a hit when a
/// mask pixel lies within Euclidean distance `tolerance` of it (0: the pixel itself is in the
/// mask; TorchRay uses 15 pixels on ImageNet). The score is 1 for a hit, 0 for a miss; the
/// mean over images is the hit rate. It rewards maps whose peak is on the object, whatever
/// the rest of the map does.
public struct PointingGame: Sendable {
    /// The largest distance, in pixels, between the peak and a mask pixel that still counts.
    public var tolerance: Double
    /// Signed or absolute pixel saliency.
    public var ranking: PixelGrid.Ranking

    /// The game (defaults: tolerance 0, signed saliency).
    public init(tolerance: Double = 0, ranking: PixelGrid.Ranking = .signed) {
        self.tolerance = tolerance
        self.ranking = ranking
    }

    /// The outcome for one image.
    public struct Result: Sendable, Equatable {
        /// Whether the peak is within the tolerance of the mask.
        public var hit: Bool
        /// The peak pixel (row, column).
        public var argmax: (row: Int, column: Int)
        /// 1 for a hit, 0 for a miss.
        public var score: Double { hit ? 1 : 0 }

        /// Equal hit and peak (written out: a tuple member keeps Equatable from being synthesized).
        public static func == (a: Result, b: Result) -> Bool { a.hit == b.hit && a.argmax == b.argmax }
    }

    /// The game for `attribution` against `mask` ([H, W] of 0 and 1).
    /// - Throws: ``EvaluationError`` for a mask of the wrong shape or with other values.
    public func evaluate(attribution: Tensor, mask: Tensor) throws(EvaluationError) -> Result {
        let grid = try PixelGrid(shape: attribution.shape)
        let inside = try Self.maskPixels(mask, grid: grid)
        guard tolerance.isFinite, tolerance >= 0 else { throw EvaluationError("the tolerance must be a number ≥ 0, got \(tolerance)") }
        let peak = PixelGrid.order(grid.saliency(attribution, ranking: ranking))[0]
        let (row, column) = (peak / grid.width, peak % grid.width)
        let hit = inside.indices.contains { p in
            guard inside[p] else { return false }
            let (dr, dc) = (Double(p / grid.width - row), Double(p % grid.width - column))
            return (dr * dr + dc * dc).squareRoot() <= tolerance
        }
        return Result(hit: hit, argmax: (row, column))
    }

    /// The mask as booleans, checked to be [H, W] of 0 and 1.
    static func maskPixels(_ mask: Tensor, grid: PixelGrid) throws(EvaluationError) -> [Bool] {
        guard mask.shape == [grid.height, grid.width] || (grid.height == 1 && mask.shape == [grid.width]) else {
            throw EvaluationError("the mask has shape \(mask.shape); it must be [H, W] = [\(grid.height), \(grid.width)], one 0 or 1 per pixel")
        }
        guard mask.scalars.allSatisfy({ $0 == 0 || $0 == 1 }) else {
            throw EvaluationError("the mask must hold only 0 (outside) and 1 (inside)")
        }
        return mask.scalars.map { $0 == 1 }
    }
}

extension PointingGame {
    /// The pointing game's parameters (defaults from its initializer).
    public struct Settings: Configurable {
        /// The distance in pixels that still counts.
        public var tolerance = PointingGame().tolerance
        /// Signed or absolute pixel saliency.
        public var rank = PointingGame().ranking
        /// The defaults.
        public static var defaults: Settings { Settings() }
        /// `tolerance`, `rank`.
        public static let parameters: [Parameter<Settings>] = [
            .number("tolerance", \.tolerance, in: 0...1e9, help: "the distance in pixels from the mask that still counts"),
            .choice("rank", \.rank, help: "pixel saliency Σ_c A (signed) or Σ_c |A| (absolute)"),
        ]
    }

    /// `pointing-game`.
    public static let registration = MetricRegistration(
        name: "pointing-game", summary: "whether the saliency peak lies within --tolerance of the --mask", settings: Settings.self,
        needs: [.attribution, .mask], direction: .higherIsBetter
    ) { settings, context in
        guard let mask = context.mask else { throw EvaluationError("the pointing game needs the input's object mask") }
        let result = try PointingGame(tolerance: settings.tolerance, ranking: settings.rank).evaluate(attribution: try context.requireAttribution(), mask: mask)
        return MetricScore(
            score: result.score,
            members: [.init("hit", .bool(result.hit)), .init("argmax", .array([.number(Double(result.argmax.row)), .number(Double(result.argmax.column))]))])
    }
}
