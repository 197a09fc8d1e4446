/// A problem with what a metric was asked to evaluate — a shape, a mask, a parameter —
/// stated so a user can fix it. (A case a metric cannot score, such as SIC on an image
/// whose blurred base is already as informative as the image, is a skip, not an error.)
public struct EvaluationError: Error, CustomStringConvertible, Equatable {
    /// What is wrong and how to fix it.
    public var description: String
    /// An error with the given message.
    public init(_ description: String) { self.description = description }
}
