import Models
import Tensors

/// Integrated Gradients — or IDGI's continuous limit — computed exactly on the pieces where a
/// piecewise-linear network is affine along the straight line (``LinePartition``; Sotoudeh &
/// Thakur, NeurIPS 2019, whose `pysyrenn/helpers/integrated_gradients.py` does the logit case).
///
/// On piece k = [α_k, α_{k+1}] of length ℓ_k the logits are z(α) = z_k + (α − α_k)/ℓ_k · Δz_k
/// and the input gradient of every logit is a constant Jacobian J_k, so with Δ = x − x′:
///
/// - **logit** F = z_t: ∇F = J_kᵀ e_t is constant on the piece, so
///   IG = Σ_k ℓ_k ∇F(p_k) ⊙ Δ with p_k the piece's midpoint — exact (rounding only); IDGI's
///   limit is Σ_k g_k ⊙ g_k ΔF_k / ‖g_k‖², the IDGI integrator on the pieces (ΔF_k = g_k · ℓ_k Δ
///   exactly, and a zero-gradient piece follows IDGI's carrying policy).
/// - **probability or log-probability** F = s(z): ∇F(α) = J_kᵀ ∇_z s(z(α)), so
///   ∫_piece ∇F dα = ℓ_k J_kᵀ v̄_k with v̄_k = ∫₀¹ ∇_z s(z_k + τ Δz_k) dτ, a K-vector integral
///   computed by adaptive Gauss–Kronrod (``GaussKronrod``) to the relative `tolerance`; then one
///   vector–Jacobian product at the midpoint gives the piece's contribution. IDGI's limit,
///   ∫ g ⊙ g (g · Δ)/‖g‖² dα with g = J_kᵀ v(τ), is Σ_{c,d} W_cd (J_c ⊙ J_d) with
///   W_cd = ∫₀¹ v_c v_d (v · Δz_k)/(vᵀ G_k v) dτ and G_k = J_k J_kᵀ, from the K rows of J_k (K
///   vector–Jacobian products at the midpoint); where g = 0 the integrand is 0, and since
///   ΔF_k = 0 on a piece with J_k = 0 nothing needs carrying.
///
/// The reported error estimate (``AttributionResult/integrationErrorEstimate``) is 0 for the
/// logit; for a softmax head it bounds the quadrature's effect on Σ A: Σ_k Σ_c ê_kc |Δz_kc|
/// with ê_k the Gauss–Kronrod error estimate of v̄_k (IDGI: the L1 norm of Σ_{c,d} ê_cd |J_c| ⊙ |J_d|).
///
/// Cost: the partition (a forward pass per breakpoint per layer), then one gradient per piece
/// (IDGI on a softmax head: one per class per piece), and forward passes at the breakpoints
/// when the ledger is kept. The ledger has one step per piece; the path points are the
/// midpoints.
public struct ExactLineIntegration<I: Integrator>: Walk {
    /// The line x′ → x.
    public let line: LineSegment
    /// The pieces.
    public let partition: LinePartition
    /// The Riemann sum or IDGI.
    public let integrator: I
    /// The relative tolerance of the per-piece integrals on a softmax head.
    public let tolerance: Double
    private var mode: Mode = .unset
    private var errorEstimate = 0.0

    private enum Mode {
        case unset
        /// The logit: a fixed discretization, walked as any static path.
        case logit(PathIntegration<StraightLinePath, I>)
        case softmax(SoftmaxState)
        case refused(AttributionError)
    }

    private struct SoftmaxState {
        var kind: OutputKind
        var target: Int
        var recordsLedger: Bool
        var integration: StepIntegration
        var nextPiece = 0
        var outstanding: Range<Int>? = nil
        var valuesRequested: [Int] = []
        var breakpointValues: [Int: Double] = [:]
        var endsRequested = false
        var ends: (Double, Double)? = nil
    }

    /// The pieces of `partition` on the line from `baseline` to `input` (flattened), integrated
    /// with `integrator`.
    public init(from baseline: [Double], to input: [Double], partition: LinePartition, integrator: I, tolerance: Double) {
        line = LineSegment(from: baseline, to: input)
        self.partition = partition
        self.integrator = integrator
        self.tolerance = tolerance
    }

    /// Plain gradients.
    public var rule: BackwardRule { .gradient }

    private var isImportantDirection: Bool { integrator.needs.contains(.segmentValues) }

    /// Chooses the logit's fixed pieces or the softmax head's per-piece integrals.
    public mutating func begin(_ context: WalkContext) {
        switch (context.output, context.explainedClass) {
        case (.logit?, _):
            let discretization = QuadratureRule.Discretization(
                nodes: (0..<partition.pieceCount).map { (partition.breakpoints[$0] + partition.breakpoints[$0 + 1]) / 2 },
                weights: (0..<partition.pieceCount).map { partition.breakpoints[$0 + 1] - partition.breakpoints[$0] },
                cellBoundaries: partition.breakpoints)
            do {
                let path = try StraightLinePath(
                    from: Tensor(shape: [line.start.count], scalars: line.start), to: Tensor(shape: [line.end.count], scalars: line.end), discretization: discretization)
                var walk = PathIntegration(path, with: integrator, featureCount: line.end.count)
                walk.begin(context)
                mode = .logit(walk)
            } catch {
                mode = .refused(error)
            }
        case (let kind?, let target?):
            mode = .softmax(SoftmaxState(
                kind: kind, target: target, recordsLedger: context.options.recordsLedger,
                integration: StepIntegration(RiemannSum(), featureCount: line.end.count, recordsLedger: context.options.recordsLedger)))
        default:
            mode = .refused(AttributionError(
                "the exact rule integrates a network's output; explain a class's logit, probability or log-probability of the network it was built with"))
        }
    }

    /// The point at piece k's middle, where its gradient is taken.
    private func midpoint(_ k: Int) -> [Double] { line.point(at: (partition.breakpoints[k] + partition.breakpoints[k + 1]) / 2) }

    /// The next pieces' gradients (and breakpoint values for the ledger), then F at the ends.
    public mutating func nextRequest(limit: Int) -> EvaluationRequest? {
        switch mode {
        case .unset, .refused: return nil
        case .logit(var walk):
            let request = walk.nextRequest(limit: limit)
            mode = .logit(walk)
            return request
        case .softmax(var state):
            defer { mode = .softmax(state) }
            let classes = partition.logits[0].count
            let perPiece = isImportantDirection ? classes : 1
            if state.nextPiece < partition.pieceCount {
                let pieces = state.nextPiece ..< min(partition.pieceCount, state.nextPiece + max(1, limit / perPiece))
                state.nextPiece = pieces.upperBound
                state.outstanding = pieces
                var cotangentPoints: [(point: [Double], cotangent: [Double])] = []
                for k in pieces {
                    let p = midpoint(k)
                    if isImportantDirection {
                        for c in 0..<classes {
                            var unit = [Double](repeating: 0, count: classes)
                            unit[c] = 1
                            cotangentPoints.append((p, unit))
                        }
                    } else {
                        let (mean, error) = meanLogitGradient(k, kind: state.kind, target: state.target)
                        errorEstimate += zip(error, logitChange(k)).reduce(0) { $0 + $1.0 * abs($1.1) }
                        cotangentPoints.append((p, mean))
                    }
                }
                state.valuesRequested = state.recordsLedger ? (pieces.lowerBound == 0 ? [0] : []) + pieces.map { $0 + 1 } : []
                return EvaluationRequest(valuePoints: state.valuesRequested.map { line.point(at: partition.breakpoints[$0]) }, cotangentPoints: cotangentPoints)
            }
            guard !state.endsRequested else { return nil }
            state.endsRequested = true
            state.outstanding = nil
            return EvaluationRequest(valuePoints: [line.start, line.end])
        }
    }

    /// Turns a chunk's vector–Jacobian products into one step per piece.
    public mutating func receive(_ evaluations: Evaluations) throws(AttributionError) {
        switch mode {
        case .unset, .refused: return
        case .logit(var walk):
            try walk.receive(evaluations)
            mode = .logit(walk)
        case .softmax(var state):
            defer { mode = .softmax(state) }
            guard let pieces = state.outstanding else {
                state.ends = (evaluations.values[0], evaluations.values[1])
                return
            }
            state.outstanding = nil
            for (index, value) in zip(state.valuesRequested, evaluations.values) { state.breakpointValues[index] = value }
            let classes = partition.logits[0].count
            for (offset, k) in pieces.enumerated() {
                let (start, end) = partition.piece(k)
                let length = end - start
                var meanGradient: [Double]
                var contribution: [Double]
                if isImportantDirection {
                    let rows = Array(evaluations.cotangentGradients[offset * classes ..< (offset + 1) * classes])
                    (meanGradient, contribution) = importantDirectionLimit(k, jacobian: rows, kind: state.kind, target: state.target)
                } else {
                    meanGradient = evaluations.cotangentGradients[offset]
                    contribution = meanGradient
                    for i in contribution.indices { contribution[i] = meanGradient[i] * length * line.difference[i] }
                }
                let step = PathStep(
                    index: k, point: isImportantDirection ? k * classes : k, startParameter: start, endParameter: end, gradient: meanGradient,
                    riemannTerm: contribution, startValue: state.breakpointValues[k], endValue: state.breakpointValues[k + 1])
                state.integration.add(step)
                state.breakpointValues[k] = nil
            }
        }
    }

    /// The attribution with the number of pieces and the error estimate.
    public mutating func finish() throws(AttributionError) -> AttributionResult {
        var result: AttributionResult
        switch mode {
        case .unset: throw AttributionError("the exact walk was not begun")
        case .refused(let error): throw error
        case .logit(var walk):
            result = try walk.finish()
        case .softmax(var state):
            let (startValue, endValue) = state.ends ?? (.nan, .nan)
            result = try state.integration.result(
                PathSummary(startValue: startValue, endValue: endValue, displacement: line.difference), featureCount: line.end.count)
        }
        result.linearPieces = partition.pieceCount
        result.integrationErrorEstimate = errorEstimate
        return result
    }

    /// Δz_k = z_{k+1} − z_k.
    private func logitChange(_ k: Int) -> [Double] { zip(partition.logits[k + 1], partition.logits[k]).map { $0 - $1 } }

    /// ∂s/∂z along piece k at τ ∈ [0, 1].
    private func outputGradient(_ k: Int, at tau: Double, kind: OutputKind, target: Int) -> [Double] {
        let (a, b) = (partition.logits[k], partition.logits[k + 1])
        return kind.valueAndLogitGradient(a.indices.map { a[$0] + tau * (b[$0] - a[$0]) }[...], target: target).gradient
    }

    /// v̄_k = ∫₀¹ ∂s/∂z(z(τ)) dτ and its per-class error estimate.
    private func meanLogitGradient(_ k: Int, kind: OutputKind, target: Int) -> (mean: [Double], error: [Double]) {
        let (value, error) = GaussKronrod.integrate(from: 0, to: 1, relativeTolerance: tolerance, maximumIntervals: 64) { tau in
            outputGradient(k, at: tau, kind: kind, target: target)
        }
        return (value, error)
    }

    /// IDGI's limit on piece k from the rows J_c of its Jacobian: the mean gradient J_kᵀ v̄_k
    /// (for the ledger) and Σ_{c,d} W_cd (J_c ⊙ J_d).
    private mutating func importantDirectionLimit(_ k: Int, jacobian rows: [[Double]], kind: OutputKind, target: Int) -> (mean: [Double], contribution: [Double]) {
        let classes = rows.count
        let features = line.end.count
        var gram = [Double](repeating: 0, count: classes * classes)
        for c in 0..<classes {
            for d in c..<classes {
                var sum = 0.0
                for i in 0..<features { sum += rows[c][i] * rows[d][i] }
                gram[c * classes + d] = sum
                gram[d * classes + c] = sum
            }
        }
        let change = logitChange(k)
        // Components: W_cd for c ≤ d, then v̄ (for the mean gradient).
        let pairs = (0..<classes).flatMap { c in (c..<classes).map { (c, $0) } }
        let (integral, pairError) = GaussKronrod.integrate(from: 0, to: 1, relativeTolerance: tolerance, maximumIntervals: 64) { tau in
            let v = outputGradient(k, at: tau, kind: kind, target: target)
            var quadratic = 0.0
            for c in 0..<classes { for d in 0..<classes { quadratic += v[c] * gram[c * classes + d] * v[d] } }
            let rate = zip(v, change).reduce(0) { $0 + $1.0 * $1.1 }
            // g = Jᵀv = 0: the integrand is 0 (IDGI's zero-gradient policy; ΔF = 0 there too).
            let scale = quadratic > 0 ? rate / quadratic : 0
            return pairs.map { v[$0.0] * v[$0.1] * scale } + v
        }
        var contribution = [Double](repeating: 0, count: features)
        var errorBound = [Double](repeating: 0, count: features)
        for (p, (c, d)) in pairs.enumerated() {
            let w = integral[p] * (c == d ? 1 : 2)
            let e = pairError[p] * (c == d ? 1 : 2)
            for i in 0..<features {
                contribution[i] += w * rows[c][i] * rows[d][i]
                errorBound[i] += e * abs(rows[c][i] * rows[d][i])
            }
        }
        errorEstimate += errorBound.reduce(0, +)
        let mean = Array(integral[pairs.count...])
        var meanGradient = [Double](repeating: 0, count: features)
        for c in 0..<classes { for i in 0..<features { meanGradient[i] += mean[c] * rows[c][i] } }
        return (meanGradient, contribution)
    }
}
