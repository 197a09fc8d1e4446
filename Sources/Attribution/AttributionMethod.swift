import Models
import Tensors

/// An attribution method: given an input and the function F being explained, a map of the
/// input's shape saying how much each feature contributed to F.
///
/// A method does not call the model. It says what gradient work attributing one input takes
/// — an ``AttributionPlan``: walks along paths, gradients at points, and how their results
/// combine — and ``AttributionEngine`` runs the plans of one or many inputs, putting their
/// points into shared model calls. Call ``attribute(_:of:options:)`` for one input and
/// ``attribute(_:of:options:)-([Tensor],_,_)`` for a batch.
///
/// To add a method, see CONTRIBUTING.md ("Add an attribution method"): one file in
/// `Sources/Attribution/Methods/` with the method and its ``MethodRegistration``, and one
/// line in ``MethodRegistry/standard``.
public protocol AttributionMethod: Sendable {
    /// The method's name, as the command line spells it ("ig", "blur-ig", …).
    var name: String { get }
    /// The gradient work that attributes `input` and how its results combine. The engine has
    /// already checked that `input` has the model's input shape and only finite values.
    /// - Throws: ``AttributionError`` for a parameter out of range or a baseline that does not fit.
    func plan(for input: Tensor) throws(AttributionError) -> AttributionPlan
}

/// A method that starts from a baseline x′ and can be given another one — the reference
/// axis: aggregations over references (``ReferenceAggregation``, Expected Gradients, LPI) run
/// such a method once per reference.
public protocol BaselineAttributionMethod: AttributionMethod {
    /// x′; nil means all zeros.
    var baseline: Tensor? { get set }
}

extension BaselineAttributionMethod {
    /// The same method from `baseline` instead.
    public func replacingBaseline(with baseline: Tensor) -> Self {
        var copy = self
        copy.baseline = baseline
        return copy
    }

    /// x′ for `input`: the baseline, or zeros of the input's shape.
    /// - Throws: ``AttributionError`` if the baseline's shape differs from the input's or it is not finite.
    public func baselinePoint(for input: Tensor) throws(AttributionError) -> Tensor {
        let start = baseline ?? Tensor(zeros: input.shape)
        try Validate.matching(start, input, name: "baseline")
        return start
    }
}

/// How a run is carried out and what it keeps; none of it changes the attribution's bits.
public struct RunOptions: Sendable, Equatable {
    /// The most points per model call; nil for ``AttributionEngine/automaticBatchSize(pointSize:)``.
    public var batchSize: Int?
    /// Keep the per-step ``Ledger`` (costs F at every segment end).
    public var recordsLedger: Bool
    /// Keep every point a gradient was taken at (``AttributionResult/pathPoints``).
    public var recordsPathPoints: Bool
    /// Keep the anchors a path was built from (``AttributionResult/anchors``; DDPath).
    public var recordsAnchors: Bool

    /// Options; the defaults keep nothing extra, so memory stays flat in steps and samples.
    public init(batchSize: Int? = nil, recordsLedger: Bool = false, recordsPathPoints: Bool = false, recordsAnchors: Bool = false) {
        self.batchSize = batchSize
        self.recordsLedger = recordsLedger
        self.recordsPathPoints = recordsPathPoints
        self.recordsAnchors = recordsAnchors
    }
}

extension AttributionMethod {
    /// The attribution of F at `input` (shape `function.inputShape`).
    /// - Throws: ``AttributionError`` for an invalid input or parameter, or a model error.
    public func attribute(
        _ input: Tensor, of function: some DifferentiableFunction, options: RunOptions = RunOptions()
    ) throws(AttributionError) -> AttributionResult {
        try AttributionEngine.run(self, on: [input], explaining: ExplainedFunctions(function), options: options)[0]
    }

    /// The attributions of many inputs, input b explaining `functions`' function for b; all
    /// inputs' points go to the model in shared batches. Each result has the bits a run on
    /// its input alone gives.
    public func attribute(
        _ inputs: [Tensor], of functions: ExplainedFunctions, options: RunOptions = RunOptions()
    ) throws(AttributionError) -> [AttributionResult] {
        try AttributionEngine.run(self, on: inputs, explaining: functions, options: options)
    }
}
