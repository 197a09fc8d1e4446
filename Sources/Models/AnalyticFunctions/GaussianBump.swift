import Foundation

/// F(x) = a · exp(−‖x − μ‖² / (2s²)).
///
///     ∇F(x) = −F(x) · (x − μ) / s²
///
/// Curved everywhere and flat far away: the straight line from a distant baseline crosses
/// a region of tiny gradients and then a steep one, the situation Guided IG and IDGI target.
public struct GaussianBump: AnalyticFunction {
    /// μ
    public var center: [Double]
    /// s > 0
    public var width: Double
    /// a
    public var amplitude: Double

    /// F(x) = amplitude · exp(−‖x − center‖² / (2 width²)).
    public init(center: [Double], width: Double = 1, amplitude: Double = 1) {
        precondition(width > 0, "the bump's width must be positive")
        self.center = center
        self.width = width
        self.amplitude = amplitude
    }

    /// n, the length of the centre.
    public var dimension: Int { center.count }

    /// a · exp(−‖x − μ‖² / (2s²))
    public func value(_ x: [Double]) -> Double {
        var squared = 0.0
        for i in center.indices { squared += (x[i] - center[i]) * (x[i] - center[i]) }
        return amplitude * exp(-squared / (2 * width * width))
    }

    /// −F(x) · (x − μ) / s²
    public func gradient(_ x: [Double]) -> [Double] {
        let f = value(x)
        return center.indices.map { -f * (x[$0] - center[$0]) / (width * width) }
    }
}
