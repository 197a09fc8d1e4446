import Tensors

/// A walk's steps turned into attribution, the one way every walk does it: each step goes to
/// the integrator's accumulator and, when the run keeps a ledger, into the ledger with the
/// step's sum — shared by ``PathIntegration`` (every path) and AGI's adversarial walk.
public struct StepIntegration {
    private var accumulator: any IntegralAccumulator
    /// Whether the ledger is kept.
    public let recordsLedger: Bool
    /// The ledger's steps so far.
    public private(set) var steps: [Ledger.Step] = []

    /// Steps integrated by `integrator` for points of `featureCount` features.
    public init(_ integrator: some Integrator, featureCount: Int, recordsLedger: Bool) {
        accumulator = integrator.makeAccumulator(featureCount: featureCount)
        self.recordsLedger = recordsLedger
    }

    /// Adds `step` (with F at both ends when the ledger is kept); its ledger entry carries
    /// `weight` and the method's `detail` fields.
    public mutating func add(_ step: PathStep, weight: Double? = nil, detail: [Ledger.Field] = []) {
        let sum = accumulator.add(step)
        guard recordsLedger else { return }
        steps.append(Ledger.Step(
            start: step.startParameter, end: step.endParameter, startValue: step.startValue!, endValue: step.endValue!,
            gradientNormSquared: Reductions.sumInNumpyOrder(step.gradient.map { $0 * $0 }), attributionSum: sum, point: step.point,
            weight: weight, detail: detail))
    }

    /// The attribution (flattened) once every step is in.
    public mutating func finish(_ summary: PathSummary) -> [Double] { accumulator.finish(summary) }

    /// The walk's result once every step is in: the attribution of `featureCount` features,
    /// F at the path's ends and the ledger (when kept).
    /// - Throws: ``AttributionError`` when the attribution is not finite (the model's
    ///   gradients overflow on the path).
    public mutating func result(_ summary: PathSummary, featureCount: Int) throws(AttributionError) -> AttributionResult {
        let attribution = Tensor(shape: [featureCount], scalars: finish(summary))
        if let bad = attribution.firstNonFiniteIndex {
            throw AttributionError("the attribution is not finite at feature \(bad) (\(attribution.scalars[bad])); the model's gradients overflow on this path")
        }
        return AttributionResult(
            attribution: attribution, ledger: recordsLedger ? Ledger(steps: steps) : nil, gradientEvaluations: 0, valueEvaluations: 0,
            startValue: summary.startValue, endValue: summary.endValue)
    }
}
