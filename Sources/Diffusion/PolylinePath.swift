import Attribution
import Tensors

/// The piecewise-linear path through fixed points p_0 = x′, p_1, …, p_T = x, walked as T
/// steps: step k is the segment [p_k, p_{k+1}] with its gradient g_k = ∇F(p_k) taken at the
/// segment's start (the left Riemann rule on each segment, as the straight line's
/// `--rule left` takes it). The path parameter of p_k is k/T.
///
/// Two Riemann terms (DDPath's `--attribution`):
///
///     path          r_k = g_k ⊙ (p_{k+1} − p_k)       Σ_k r_k → F(x) − F(x′) as the segments shrink
///     algorithm-1   r_k = g_k ⊙ (x − x′)/T            DDPath's Algorithm 1: A = (x − x′) ⊙ (1/T) Σ_k g_k
///
/// The first is the line integral of ∇F along the polyline, complete up to discretisation.
/// The second is the paper's literal return value: the straight line's displacement times
/// the mean gradient along the curved path, which is complete only when the path is the
/// straight line (it ignores where the path actually went). IDGI needs neither term: it
/// reads g_k and F at the segment ends.
public struct PolylinePath: StaticPath {
    /// How a step's Riemann term is formed.
    public enum Term: String, Sendable, CaseIterable {
        /// g_k ⊙ (p_{k+1} − p_k)
        case path
        /// g_k ⊙ (x − x′)/T
        case algorithm1 = "algorithm-1"
    }

    /// The number of points, T + 1.
    public let pointCount: Int
    /// p_k, flattened (asked for in path order, each a few times).
    let pointAt: @Sendable (Int) -> [Double]
    /// The shape of one point.
    public let pointShape: [Int]
    /// The Riemann term.
    public let term: Term

    /// The path through `points` (at least two, all of `shape`'s size).
    public init(points: [[Double]], shape: [Int], term: Term) {
        precondition(points.count >= 2 && points.allSatisfy { $0.count == Tensor.elementCount(of: shape) })
        self.init(count: points.count, shape: shape, term: term) { points[$0] }
    }

    /// The path through `count` points made on demand by `point` (p_k for k = 0…T, asked
    /// for in path order): DDPath denoises its points a chunk at a time as the walk reaches them.
    public init(count: Int, shape: [Int], term: Term, point: @escaping @Sendable (Int) -> [Double]) {
        precondition(count >= 2)
        pointCount = count
        pointAt = point
        pointShape = shape
        self.term = term
    }

    /// p_k
    public func point(_ k: Int) -> [Double] { pointAt(k) }

    /// T
    public var stepCount: Int { pointCount - 1 }
    /// 0 (x′) to 1 (x).
    public var parameterRange: (start: Double, end: Double) { (0, 1) }
    /// Step k: from k/T to (k + 1)/T.
    public func segment(_ k: Int) -> (start: Double, end: Double) { (parameter(k), parameter(k + 1)) }
    /// g_k is taken at p_k.
    public func gradientParameter(_ k: Int) -> Double { parameter(k) }
    /// p_k for the parameter k/T.
    public func point(at parameter: Double) -> [Double] { pointAt(index(of: parameter)) }

    /// The Riemann term of step k.
    public func riemannTerm(_ k: Int, gradient: [Double]) -> [Double] {
        switch term {
        case .path:
            let (start, end) = (pointAt(k), pointAt(k + 1))
            return gradient.indices.map { gradient[$0] * (end[$0] - start[$0]) }
        case .algorithm1:
            let (start, end, steps) = (pointAt(0), pointAt(stepCount), Double(stepCount))
            return gradient.indices.map { gradient[$0] * ((end[$0] - start[$0]) / steps) }
        }
    }

    func parameter(_ k: Int) -> Double { Double(k) / Double(stepCount) }
    func index(of parameter: Double) -> Int { Int((parameter * Double(stepCount)).rounded()) }
}
