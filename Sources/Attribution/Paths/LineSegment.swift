/// The straight line γ(α) = x′ + α (x − x′), α ∈ [0, 1], between two flattened points: the
/// line the exact and adaptive walks integrate along (``ExactLineIntegration``,
/// ``AdaptiveLineIntegration``).
public struct LineSegment: Sendable, Equatable {
    /// x′, the start (the baseline or a reference).
    public let start: [Double]
    /// x, the end (the input).
    public let end: [Double]
    /// x − x′
    public let difference: [Double]

    /// The line from `start` to `end`, of equal length.
    public init(from start: [Double], to end: [Double]) {
        precondition(start.count == end.count, "a line's ends must have the same number of values")
        self.start = start
        self.end = end
        difference = zip(end, start).map { $0 - $1 }
    }

    /// x′ + α (x − x′), computed as ``StraightLinePath`` computes it.
    public func point(at alpha: Double) -> [Double] {
        var p = start
        for i in p.indices { p[i] = start[i] + alpha * difference[i] }
        return p
    }
}
