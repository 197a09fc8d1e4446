/// A name that identifies a thing of kind `Thing` (a ``QualityMethod``, a ``QualityMetric``):
/// typed, so a claim cannot name a metric where a method belongs, and resolvable, so a test can
/// check that every claim names things that exist.
public struct Identifier<Thing>: RawRepresentable, Hashable, Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The name.
    public let rawValue: String
    /// An identifier.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// An identifier.
    public init(_ name: String) { rawValue = name }
    /// An identifier from a literal.
    public init(stringLiteral value: String) { rawValue = value }
    /// The name.
    public var description: String { rawValue }
}
