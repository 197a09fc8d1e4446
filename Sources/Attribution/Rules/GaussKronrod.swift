/// The 15-point Gauss–Kronrod rule and its embedded 7-point Gauss rule (Kronrod 1965; the
/// constants of QUADPACK's `qk15`, Piessens et al. 1983), and adaptive integration with it.
///
/// On an interval the Kronrod rule K₁₅ is exact for polynomials of degree ≤ 22 and the Gauss
/// rule G₇, on 7 of the same nodes, for degree ≤ 13; |K₁₅ − G₇| is the error estimate. It is
/// the plain difference, not QUADPACK's (200 |K − G| / I)^{3/2} rescaling, so it overstates
/// K₁₅'s error on smooth integrands (for an analytic one K₁₅'s error is far below G₇'s): an
/// honest bound rather than a guess.
public enum GaussKronrod {
    /// The 15 nodes on [0, 1], in increasing order.
    public static let nodes: [Double] = abscissae.map { (1 - $0) / 2 } + [0.5] + abscissae.reversed().map { (1 + $0) / 2 }
    /// K₁₅'s weights on [0, 1], matching ``nodes``.
    public static let kronrodWeights: [Double] = {
        let w = kronrod.dropLast().map { $0 / 2 }
        return w + [kronrod.last! / 2] + w.reversed()
    }()
    /// G₇'s weights on [0, 1], matching ``nodes`` (zero at the nodes G₇ does not use).
    public static let gaussWeights: [Double] = {
        // G₇ uses the odd-numbered abscissae (x₁, x₃, x₅) and the centre.
        let side: [Double] = [0, gauss[0], 0, gauss[1], 0, gauss[2], 0].map { $0 / 2 }
        return side + [gauss[3] / 2] + side.reversed()
    }()

    /// x₀ … x₆ of qk15 on [−1, 1] (the centre x₇ = 0 apart), decreasing.
    private static let abscissae: [Double] = [
        0.991455371120812639206854697526329, 0.949107912342758524526189684047851, 0.864864423359769072789712788640926,
        0.741531185599394439863864773280788, 0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
        0.207784955007898467600689403773245,
    ]
    /// K₁₅'s weights for x₀ … x₆ and the centre.
    private static let kronrod: [Double] = [
        0.022935322010529224963732008058970, 0.063092092629978553290700663189204, 0.104790010322250183839876322541518,
        0.140653259715525918745189590510238, 0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
        0.204432940075298892414161999234649, 0.209482141084727828012999174891714,
    ]
    /// G₇'s weights for x₁, x₃, x₅ and the centre.
    private static let gauss: [Double] = [
        0.129484966168869693270611432679082, 0.279705391489276667901467771423780, 0.381830050505118944950369775488975,
        0.417959183673469387755102040816327,
    ]

    /// K₁₅ and the error estimate |K₁₅ − G₇| (per component) of the values `f` took at the
    /// 15 nodes of an interval of length `length`.
    public static func estimate(_ f: [[Double]], length: Double) -> (value: [Double], error: [Double]) {
        let n = f[0].count
        var kronrodSum = [Double](repeating: 0, count: n)
        var gaussSum = [Double](repeating: 0, count: n)
        for (j, values) in f.enumerated() {
            let (wk, wg) = (kronrodWeights[j], gaussWeights[j])
            for i in 0..<n {
                kronrodSum[i] += wk * values[i]
                gaussSum[i] += wg * values[i]
            }
        }
        return (kronrodSum.map { $0 * length }, zip(kronrodSum, gaussSum).map { abs($0 - $1) * length })
    }

    /// ∫_a^b f(α) dα of a vector-valued f, adaptively: intervals are bisected, the one with the
    /// largest estimated error (‖K₁₅ − G₇‖₁) first, until the total estimate is at most
    /// `relativeTolerance` · ‖∫f‖₁ or `maximumIntervals` intervals are used. Returns the integral
    /// and its per-component error estimate (the intervals' estimates summed). Intervals are
    /// summed left to right, so the bits depend only on the inputs.
    public static func integrate(
        from a: Double, to b: Double, relativeTolerance: Double, maximumIntervals: Int = 200, _ f: (Double) -> [Double]
    ) -> (value: [Double], error: [Double]) {
        struct Interval {
            var start: Double
            var end: Double
            var value: [Double]
            var errors: [Double]
            var error: Double
        }
        func evaluate(_ start: Double, _ end: Double) -> Interval {
            let length = end - start
            let (value, error) = estimate(nodes.map { f(start + $0 * length) }, length: length)
            return Interval(start: start, end: end, value: value, errors: error, error: error.reduce(0, +))
        }
        var intervals = [evaluate(a, b)]
        /// Σ over the intervals, left to right, of their values or their errors.
        func total(errors: Bool = false) -> [Double] {
            var sum = [Double](repeating: 0, count: intervals[0].value.count)
            for interval in intervals {
                let part = errors ? interval.errors : interval.value
                for i in sum.indices { sum[i] += part[i] }
            }
            return sum
        }
        while intervals.count < maximumIntervals {
            let error = intervals.reduce(0) { $0 + $1.error }
            guard error > relativeTolerance * total().reduce(0, { $0 + abs($1) }) else { break }
            var worst = 0
            for k in intervals.indices where intervals[k].error > intervals[worst].error { worst = k }
            let interval = intervals[worst]
            let middle = (interval.start + interval.end) / 2
            guard middle > interval.start && middle < interval.end else { break }  // no room left to bisect
            intervals.replaceSubrange(worst...worst, with: [evaluate(interval.start, middle), evaluate(middle, interval.end)])
        }
        return (total(), total(errors: true))
    }
}
