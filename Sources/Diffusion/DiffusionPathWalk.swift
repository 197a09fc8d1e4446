import Attribution
import Foundation
import Models
import Tensors

/// The walk of one DDPath attribution, in two phases.
///
/// 1. **Anchors.** The base path's points a_0 = x′, a_1, …, a_T = x. For IG and BlurIG they
///    are fixed (the straight line x′ + (i/T)(x − x′); the blur levels blur(x, σ_max(1 − i/T)))
///    and made when needed, and this phase asks the model nothing. For Guided IG they are the
///    points of Guided IG's own walk from x′ to x, which needs ∇F at each: those T gradients
///    are evaluated first (they are the first T of the run's `--path-points`; the ledger's
///    `point` skips them), and the anchors kept.
/// 2. **The path.** Every interior anchor is denoised toward the explained class
///    (``AnchorDenoising``) — the class the engine names when the walk begins — a chunk at a
///    time as the walk reaches it (``DenoisedPoints``), and the polyline x′ = p_0, p_1, …,
///    p_T = x (``PolylinePath``) is integrated by the integrator as any static path is. Memory
///    holds a window of points, not the path, unless the anchors are asked for
///    (``RunOptions/recordsAnchors``).
///
/// The ledger's steps gain the diffusion time τ_k of their start point (0 at x′, which is
/// not denoised) and the index k of their anchor.
struct DiffusionPathWalk: Walk {
    let method: DenoisingDiffusionPath
    let model: DiffusionModel
    /// The exact denoiser used instead of the learned one, when the method names it.
    let empirical: EmpiricalDenoiser?
    let input: [Double]
    let start: [Double]
    let shape: [Int]

    enum Phase {
        /// Walking Guided IG to collect its points.
        case guidedAnchors(GuidedPath.Walker)
        /// Integrating the denoised polyline.
        case integrating(any Walk, DenoisedPoints)
        /// The anchors could not be denoised; ``finish()`` throws.
        case failed(AttributionError)
        /// Not begun.
        case idle
    }

    private var phase: Phase = .idle
    private var context: WalkContext? = nil
    /// Guided IG's anchors (the other bases make theirs on demand).
    private var guidedAnchors: [[Double]] = []
    private var times: [Int] = []
    /// Gradient points the anchor phase evaluated (Guided IG's walk).
    private var anchorEvaluations = 0

    init(method: DenoisingDiffusionPath, model: DiffusionModel, empirical: EmpiricalDenoiser?, input: [Double], start: [Double], shape: [Int]) {
        self.method = method
        self.model = model
        self.empirical = empirical
        self.input = input
        self.start = start
        self.shape = shape
    }

    var rule: BackwardRule { .gradient }

    mutating func begin(_ context: WalkContext) {
        self.context = context
        switch method.base {
        case .ig, .blurIG:
            buildPath()
        case .guidedIG:
            do {
                let path = try GuidedPath(
                    from: Tensor(shape: shape, scalars: start), to: Tensor(shape: shape, scalars: input), steps: method.steps,
                    fraction: method.fraction, maxDistance: method.maxDistance)
                phase = .guidedAnchors(path.makeWalker(needs: []))
            } catch {
                phase = .failed(error)
            }
        }
    }

    /// Anchor i of the base path.
    private func anchorSource() -> @Sendable (Int) -> [Double] {
        let (start, input, steps, shape) = (self.start, self.input, method.steps, self.shape)
        switch method.base {
        case .ig:
            return { i in
                if i == steps { return input }
                let alpha = Double(i) / Double(steps)
                return zip(start, input).map { $0 + alpha * ($1 - $0) }
            }
        case .blurIG:
            let maxSigma = method.maxSigma
            return { i in
                if i == steps { return input }
                return GaussianBlur.blur(input, height: shape[1], width: shape[2], channels: shape[0], sigma: maxSigma * (1 - Double(i) / Double(steps)))
            }
        case .guidedIG:
            let anchors = guidedAnchors
            return { anchors[$0] }
        }
    }

    /// τ_1 … τ_{T−1} of the interior anchors: the schedule's, or those whose SNR is each anchor's
    /// own (``SignalMatchedTimes``; progress i/T on IG's line, the L1 share on Guided IG's walk;
    /// m the baseline's mean square in the diffusion scale).
    private func anchorTimes() -> [Int] {
        let (steps, schedule) = (method.steps, model.schedule)
        switch method.denoising.times {
        case .schedule:
            return (1..<steps).map { method.denoising.time(anchor: $0, of: steps, diffusionSteps: schedule.steps) }
        case .snr:
            let m = SignalMatchedTimes.meanSquare(model.diffusionScale(Tensor(shape: [start.count], scalars: start)).scalars)
            let ratios = (1..<steps).map { i in
                let progress = method.base == .guidedIG
                    ? SignalMatchedTimes.progress(of: guidedAnchors[i], from: start, to: input) : Double(i) / Double(steps)
                return SignalMatchedTimes.anchorRatio(progress: progress, baselineMeanSquare: m)
            }
            return SignalMatchedTimes.times(matching: ratios, schedule: schedule)
        }
    }

    /// Starts the polyline's integration over points denoised as the walk reaches them.
    private mutating func buildPath() {
        guard let target = context?.explainedClass else {
            phase = .failed(AttributionError("DDPath guides its denoising toward the explained class: explain a classifier's output (a target class)"))
            return
        }
        let steps = method.steps
        times = [0] + anchorTimes() + [0]
        let generator = Xoshiro256StarStar(seed: method.seed).derived(1)
        let points = DenoisedPoints(
            anchor: anchorSource(), start: start, input: input, times: times,
            denoiser: AnchorDenoising.Denoiser(method.denoising, target: target, model: model, empirical: empirical, generator: generator))
        let path = PolylinePath(count: steps + 1, shape: shape, term: method.term) { points.point($0) }
        var integration = Self.integration(path, method.integrator, featureCount: input.count)
        integration.begin(context!)
        phase = .integrating(integration, points)
    }

    private static func integration(_ path: PolylinePath, _ integrator: some Integrator, featureCount: Int) -> any Walk {
        PathIntegration(path, with: integrator, featureCount: featureCount)
    }

    mutating func nextRequest(limit: Int) -> EvaluationRequest? {
        if case .guidedAnchors(var walker) = phase {
            if let request = walker.nextRequest(limit: limit) {
                guidedAnchors += request.gradientPoints
                anchorEvaluations += request.gradientPoints.count
                phase = .guidedAnchors(walker)
                return request
            }
            guidedAnchors.append(input)
            if guidedAnchors.count != method.steps + 1 {
                // A walk of length 0 (x = x′) takes no steps; the straight line's anchors are all x.
                guidedAnchors = Array(repeating: input, count: method.steps + 1)
            }
            guidedAnchors[0] = start
            buildPath()
        }
        guard case .integrating(var integration, let points) = phase else { return nil }
        points.reach(limit)
        let request = integration.nextRequest(limit: limit)
        if let failure = points.failure {
            phase = .failed(failure)
            return nil
        }
        phase = .integrating(integration, points)
        return request
    }

    mutating func receive(_ evaluations: Evaluations) throws(AttributionError) {
        switch phase {
        case .guidedAnchors(var walker):
            _ = try walker.receive(evaluations)
            phase = .guidedAnchors(walker)
        case .integrating(var integration, let points):
            try integration.receive(evaluations)
            if let failure = points.failure { throw failure }
            phase = .integrating(integration, points)
        case .failed, .idle:
            break
        }
    }

    mutating func finish() throws(AttributionError) -> AttributionResult {
        switch phase {
        case .failed(let error): throw error
        case .integrating(var integration, let points):
            var result = try integration.finish()
            if let failure = points.failure { throw failure }
            if var ledger = result.ledger {
                for s in ledger.steps.indices {
                    ledger.steps[s].point += anchorEvaluations
                    ledger.steps[s].detail = [Ledger.Field("diffusionTime", Double(times[s])), Ledger.Field("anchor", Double(s))]
                }
                result.ledger = ledger
            }
            if context?.options.recordsAnchors == true {
                let anchor = anchorSource()
                result.anchors = Tensor(shape: [method.steps + 1] + shape, scalars: (0...method.steps).flatMap { anchor($0) })
            }
            return result
        case .guidedAnchors, .idle:
            throw AttributionError("the DDPath walk finished before its path was built")
        }
    }
}

/// DDPath's path points p_0 = a_0 (x′), p_1 … p_{T−1} (the anchors, denoised), p_T = x, made a chunk
/// of anchors at a time as the walk asks for them, in path order, and forgotten once the walk
/// is past them (the walk asks again only for points within one request of the furthest).
final class DenoisedPoints: @unchecked Sendable {
    let anchor: @Sendable (Int) -> [Double]
    let start: [Double]
    let input: [Double]
    let times: [Int]
    var denoiser: AnchorDenoising.Denoiser
    /// Anchors denoised per model call.
    let chunk = 64
    /// Denoised points by index, from `window.lowerBound`.
    private var denoised: [Int: [Double]] = [:]
    /// The next interior anchor to denoise.
    private var next = 1
    /// How far back the walk may still ask: its largest request so far, and a chunk.
    private var reachBack = 64
    /// Why the points could not be made.
    private(set) var failure: AttributionError?
    private let lock = NSLock()

    init(anchor: @escaping @Sendable (Int) -> [Double], start: [Double], input: [Double], times: [Int], denoiser: AnchorDenoising.Denoiser) {
        self.anchor = anchor
        self.start = anchor(0)
        self.input = input
        self.times = times
        self.denoiser = denoiser
    }

    /// The walk's next request holds at most `limit` points.
    func reach(_ limit: Int) { lock.withLock { reachBack = max(reachBack, limit + chunk + 2) } }

    /// p_k.
    func point(_ k: Int) -> [Double] {
        lock.withLock {
            let steps = times.count - 1
            if k == 0 { return start }
            if k == steps { return input }
            while next <= k && failure == nil { denoiseNextChunk(steps: steps) }
            if let point = denoised[k] { return point }
            return [Double](repeating: .nan, count: input.count)  // after a failure, which the walk reports
        }
    }

    private func denoiseNextChunk(steps: Int) {
        let range = next..<min(next + chunk, steps)
        let anchors = range.map(anchor)
        do {
            let points = try denoiser.denoise(anchors, times: Array(times[range]))
            if let bad = points.joined().first(where: { !$0.isFinite }) {
                failure = AttributionError("a denoised path point is \(bad); the diffusion model diverges at this guidance scale — lower `guidance-scale`")
                return
            }
            for (k, point) in zip(range, points) { denoised[k] = point }
        } catch {
            failure = AttributionError("DDPath could not denoise its anchors: \(error.description)")
            return
        }
        next = range.upperBound
        // Forget what the walk is past.
        for key in denoised.keys where key < next - reachBack { denoised[key] = nil }
    }
}
