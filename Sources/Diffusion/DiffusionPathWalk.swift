import Attribution
import Models
import Tensors

/// The walk of one DDPath attribution, in two phases.
///
/// 1. **Anchors.** The base path's points a_0 = x′, a_1, …, a_T = x. For IG and BlurIG they
///    are fixed (the straight line x′ + (i/T)(x − x′); the blur levels blur(x, σ_max(1 − i/T))),
///    and this phase asks the model nothing. For Guided IG they are the points of Guided IG's
///    own walk from x′ to x, which needs ∇F at each: those T gradients are evaluated first
///    (they are the first T of the run's `--path-points`; the ledger's `point` skips them).
/// 2. **The path.** Every interior anchor is denoised toward the explained class
///    (``AnchorDenoising``) — the class the engine names when the walk begins — and the
///    polyline x′ = p_0, p_1, …, p_T = x (``PolylinePath``) is integrated by the integrator as
///    any static path is.
///
/// The ledger's steps gain the diffusion time τ_k of their start point (0 at x′, which is
/// not denoised) and the index k of their anchor.
struct DiffusionPathWalk: Walk {
    let method: DenoisingDiffusionPath
    let model: DiffusionModel
    let input: [Double]
    let start: [Double]
    let shape: [Int]

    enum Phase {
        /// Walking Guided IG to collect its points.
        case guidedAnchors(GuidedPath.Walker)
        /// Integrating the denoised polyline.
        case integrating(any Walk)
        /// The anchors could not be denoised; ``finish()`` throws.
        case failed(AttributionError)
        /// Not begun.
        case idle
    }

    private var phase: Phase = .idle
    private var context: WalkContext? = nil
    private var anchors: [[Double]] = []
    private var times: [Int] = []
    /// Gradient points the anchor phase evaluated (Guided IG's walk).
    private var anchorEvaluations = 0

    init(method: DenoisingDiffusionPath, model: DiffusionModel, input: [Double], start: [Double], shape: [Int]) {
        self.method = method
        self.model = model
        self.input = input
        self.start = start
        self.shape = shape
    }

    var rule: BackwardRule { .gradient }

    mutating func begin(_ context: WalkContext) {
        self.context = context
        switch method.base {
        case .ig:
            let steps = Double(method.steps)
            anchors = (0...method.steps).map { i in
                let alpha = Double(i) / steps
                return zip(start, input).map { $0 + alpha * ($1 - $0) }
            }
            anchors[method.steps] = input
            buildPath()
        case .blurIG:
            let (c, h, w) = (shape[0], shape[1], shape[2])
            anchors = (0...method.steps).map { i in
                let sigma = method.maxSigma * (1 - Double(i) / Double(method.steps))
                return i == method.steps ? input : GaussianBlur.blur(input, height: h, width: w, channels: c, sigma: sigma)
            }
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

    /// Denoises the interior anchors and starts the polyline's integration.
    private mutating func buildPath() {
        guard let target = context?.explainedClass else {
            phase = .failed(AttributionError("DDPath guides its denoising toward the explained class: explain a classifier's output (a target class)"))
            return
        }
        let steps = method.steps
        let diffusionSteps = model.schedule.steps
        times = [0] + (1..<steps).map { method.denoising.time(anchor: $0, of: steps, diffusionSteps: diffusionSteps) } + [0]
        var generator = Xoshiro256StarStar(seed: method.seed).derived(1)
        let denoised: [[Double]]
        do {
            denoised = try method.denoising.denoise(
                Array(anchors[1..<steps]), times: Array(times[1..<steps]), target: target, model: model, using: &generator)
        } catch {
            phase = .failed(AttributionError("DDPath could not denoise its anchors: \(error.description)"))
            return
        }
        let points = [anchors[0]] + denoised + [anchors[steps]]
        if let bad = points.joined().first(where: { !$0.isFinite }) {
            phase = .failed(AttributionError("a denoised path point is \(bad); the diffusion model diverges at this guidance scale — lower --guidance-scale"))
            return
        }
        let path = PolylinePath(points: points, shape: shape, term: method.term)
        var integration = Self.integration(path, method.integrator, featureCount: input.count)
        integration.begin(context!)
        phase = .integrating(integration)
    }

    private static func integration(_ path: PolylinePath, _ integrator: some Integrator, featureCount: Int) -> any Walk {
        PathIntegration(path, with: integrator, featureCount: featureCount)
    }

    mutating func nextRequest(limit: Int) -> EvaluationRequest? {
        if case .guidedAnchors(var walker) = phase {
            if let request = walker.nextRequest(limit: limit) {
                anchors += request.gradientPoints
                anchorEvaluations += request.gradientPoints.count
                phase = .guidedAnchors(walker)
                return request
            }
            anchors.append(input)
            if anchors.count != method.steps + 1 {
                // A walk of length 0 (x = x′) takes no steps; the straight line's anchors are all x.
                anchors = Array(repeating: input, count: method.steps + 1)
            }
            anchors[0] = start
            buildPath()
        }
        guard case .integrating(var integration) = phase else { return nil }
        let request = integration.nextRequest(limit: limit)
        phase = .integrating(integration)
        return request
    }

    mutating func receive(_ evaluations: Evaluations) throws(AttributionError) {
        switch phase {
        case .guidedAnchors(var walker):
            _ = try walker.receive(evaluations)
            phase = .guidedAnchors(walker)
        case .integrating(var integration):
            try integration.receive(evaluations)
            phase = .integrating(integration)
        case .failed, .idle:
            break
        }
    }

    mutating func finish() throws(AttributionError) -> AttributionResult {
        switch phase {
        case .failed(let error): throw error
        case .integrating(var integration):
            var result = try integration.finish()
            if var ledger = result.ledger {
                for s in ledger.steps.indices {
                    ledger.steps[s].point += anchorEvaluations
                    ledger.steps[s].diffusionTime = times[s]
                    ledger.steps[s].anchor = s
                }
                ledger.sampleFields.insert(.diffusion)
                result.ledger = ledger
            }
            result.anchors = Tensor(shape: [anchors.count] + shape, scalars: anchors.flatMap { $0 })
            return result
        case .guidedAnchors, .idle:
            throw AttributionError("the DDPath walk finished before its path was built")
        }
    }
}
