import Models
import Tensors

/// A path walked and integrated: the walk every path method's plan consists of.
///
/// It starts the path's walker with what the integrator needs (plus F at the segment ends
/// when the ledger is kept), hands every step to the integrator's accumulator as it comes,
/// records the ledger, and at the end asks the accumulator for the attribution.
public struct PathIntegration<P: Path, I: Integrator>: Walk {
    /// The path.
    public let path: P
    /// The integrator.
    public let integrator: I
    let featureCount: Int
    private var walker: P.Walker? = nil
    private var integration: StepIntegration

    /// `path` integrated with `integrator`, for points of `featureCount` features.
    public init(_ path: P, with integrator: I, featureCount: Int) {
        self.path = path
        self.integrator = integrator
        self.featureCount = featureCount
        integration = StepIntegration(integrator, featureCount: featureCount, recordsLedger: false)
    }

    /// Gradients are the plain chain rule.
    public var rule: BackwardRule { .gradient }

    /// Starts the walker with the integrator's needs (and segment values for the ledger).
    public mutating func begin(_ context: WalkContext) {
        let recordsLedger = context.options.recordsLedger
        integration = StepIntegration(integrator, featureCount: featureCount, recordsLedger: recordsLedger)
        walker = path.makeWalker(needs: recordsLedger ? integrator.needs.union(.segmentValues) : integrator.needs)
    }

    /// The walker's next request.
    public mutating func nextRequest(limit: Int) -> EvaluationRequest? { walker!.nextRequest(limit: limit) }

    /// The completed steps go to the accumulator (and the ledger).
    public mutating func receive(_ evaluations: Evaluations) throws(AttributionError) {
        for step in try walker!.receive(evaluations) { integration.add(step) }
    }

    /// The integrator's attribution, F at the path's ends, and the ledger.
    public mutating func finish() throws(AttributionError) -> AttributionResult {
        try integration.result(walker!.summary, featureCount: featureCount)
    }
}
