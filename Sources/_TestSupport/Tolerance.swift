import Testing

/// A mixed tolerance: a and b agree when |a − b| ≤ absolute + relative · scale, where scale
/// is max(|a|, |b|) for single numbers and the largest magnitude in the expected vector for
/// vectors (a normwise test: components near zero are judged against the vector's size,
/// which is how round-off actually behaves).
public struct Tolerance: Sendable, CustomStringConvertible {
    /// The relative part.
    public var relative: Double
    /// The absolute floor, for results that are zero.
    public var absolute: Double

    /// A tolerance.
    public init(relative: Double, absolute: Double = 0) {
        self.relative = relative
        self.absolute = absolute
    }

    /// The tolerance in words, for failure messages.
    public var description: String { "relative \(relative), absolute \(absolute)" }

    /// Whether two numbers agree.
    public func accepts(_ a: Double, _ b: Double) -> Bool {
        abs(a - b) <= absolute + relative * max(abs(a), abs(b))
    }

    /// Whether two vectors agree, normwise (see the type's description).
    public func accepts(_ actual: [Double], _ expected: [Double]) -> Bool {
        guard actual.count == expected.count else { return false }
        let scale = expected.map(abs).max() ?? 0
        return zip(actual, expected).allSatisfy { abs($0 - $1) <= absolute + relative * scale }
    }
}

/// Largest |a − b| / max|b|: the normwise relative difference (0 when both are zero).
public func normwiseRelativeError(_ actual: [Double], _ expected: [Double]) -> Double {
    precondition(actual.count == expected.count, "lengths \(actual.count) and \(expected.count) differ")
    let scale = expected.map(abs).max() ?? 0
    let worst = zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
    if worst == 0 { return 0 }
    return scale == 0 ? .infinity : worst / scale
}

/// Expects two vectors to agree within `tolerance` (normwise), reporting the worst difference.
public func expectClose(
    _ actual: [Double], _ expected: [Double], _ tolerance: Tolerance, _ what: @autoclosure () -> String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual.count == expected.count else {
        Issue.record("\(what()): lengths differ, \(actual.count) vs \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    if !tolerance.accepts(actual, expected) {
        let error = normwiseRelativeError(actual, expected)
        let index = zip(actual, expected).enumerated().max { abs($0.1.0 - $0.1.1) < abs($1.1.0 - $1.1.1) }!.offset
        Issue.record(
            "\(what()): normwise relative error \(error) exceeds \(tolerance); worst at \(index): \(actual[index]) vs \(expected[index])",
            sourceLocation: sourceLocation)
    }
}

/// Expects two numbers to agree within `tolerance`.
public func expectClose(
    _ actual: Double, _ expected: Double, _ tolerance: Tolerance, _ what: @autoclosure () -> String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    if !tolerance.accepts(actual, expected) {
        Issue.record("\(what()): \(actual) vs \(expected) (difference \(actual - expected)) exceeds \(tolerance)", sourceLocation: sourceLocation)
    }
}

extension Tolerance {
    /// Agreement with an independent float64 implementation (PyTorch, Captum): both sides
    /// compute in float64 and differ only in summation order (~1e-15 seen); the acceptance
    /// line is 1e-10 relative, normwise.
    public static let float64Peer = Tolerance(relative: 1e-10, absolute: 1e-15)
}
