import ArrayFormats
import Models
import Tensors

/// Adversarial Gradient Integration, AGI (Pan, Li & Zhu, "Explaining Deep Neural Network
/// Models with Adversarial Gradient Integration", IJCAI 2021; pd90506/AGI): integrate the
/// explained class's gradient along adversarial walks toward every false class, instead of
/// along a line from a chosen baseline.
///
/// For each false class t (every class but the explained y; or `classes` K ids evenly spaced
/// as the official code picks them, range(0, C − 1, ⌊C/K⌋), without y), from x_0 = x:
///
///     while argmax F(x_k) ≠ t and k < maxIterations:
///         x_{k+1} = clamp(x_k + ε · sign(∇p_t(x_k)), LO, HI)
///         A += −∇p_y(x_k) ⊙ (x_{k+1} − x_k)
///
/// summed over t (p the explained output kind: the softmax probability by default). The walk
/// is a path from the adversarial end back to x, segment x_{k+1} → x_k with the gradient at x_k,
/// so IDGI applies on its own segments (`integrator: ImportantDirection()`): each step
/// explains p_y(x_k) − p_y(x_{k+1}) exactly. Deterministic.
///
/// `variant: .official` reproduces the official PyTorch code, whose `fgsm_step` is given the
/// *original* image each iteration: x_{k+1} = clamp(x_0 + ε·sign(∇p_t(x_k))) and it
/// accumulates −∇p_y(x_k) ⊙ (x_{k+1} − x_0), so the point never moves more than one ε-step
/// from x and the "path" does not chain — no completeness of any kind, and IDGI does not apply.
/// The paper (and the TF port) step from x_k, as `.corrected` does.
/// Completeness: no baseline, so no F(x) − F(x′) target; the corrected walk's IDGI version sums
/// to Σ_t (p_y(x) − p_y(x_end^t)) exactly. Sensitivity (b) holds (a feature F ignores has
/// zero ∇p_y). Cost per class: at most `maxIterations` pairs of gradient evaluations, plus a
/// forward pass per point for the prediction.
public struct AdversarialGradientIntegration: ConfigurableMethod {
    /// The paper's stepping, or the official code's.
    public enum Variant: String, Sendable, CaseIterable {
        /// Each step from the last point (the paper).
        case corrected
        /// Each step from the original input (pd90506/AGI's `fgsm_step(image, …)`).
        case official
    }

    /// C, the classifier's classes.
    public var classCount: Int
    /// ε, the step size (in the data's units).
    public var epsilon: Double
    /// The most steps per false class.
    public var maxIterations: Int
    /// K evenly spaced false classes (the official selection), or nil for all.
    public var classes: Int?
    /// Where the walks are clamped: [LO, HI].
    public var dataRange: ClosedRange<Double>
    /// Corrected or official.
    public var variant: Variant
    /// The Riemann sum (AGI's own) or IDGI.
    public var integrator: any Integrator

    /// AGI with the paper's settings (ε 0.05, 20 iterations, data in [0, 1]).
    public init(
        classCount: Int = 0, epsilon: Double = 0.05, maxIterations: Int = 20, classes: Int? = nil, dataRange: ClosedRange<Double> = 0...1,
        variant: Variant = .corrected, integrator: any Integrator = RiemannSum()
    ) {
        self.classCount = classCount
        self.epsilon = epsilon
        self.maxIterations = maxIterations
        self.classes = classes
        self.dataRange = dataRange
        self.variant = variant
        self.integrator = integrator
    }

    /// "agi"
    public var name: String { "agi" }

    /// The candidate false classes before the explained one is left out: all, or the official
    /// code's range(0, C − 1, ⌊C/K⌋).
    public var candidateClasses: [Int] {
        guard let classes else { return Array(0..<classCount) }
        return Array(stride(from: 0, to: classCount - 1, by: max(1, classCount / classes)))
    }

    /// One walk per candidate class (the explained class's walk does nothing), summed.
    public func plan(for input: Tensor) throws(AttributionError) -> AttributionPlan {
        try validate()
        let walks: [any Walk] = candidateClasses.map { t in
            AdversarialWalk(input: input.scalars, targetClass: t, method: self, featureCount: input.count)
        }
        let shape = input.shape
        return AttributionPlan(walks: walks) { results throws(AttributionError) in
            var total = [Double](repeating: 0, count: input.count)
            for result in results { for i in total.indices { total[i] += result.attribution.scalars[i] } }
            var steps: [Ledger.Step] = []
            var offset = 0
            var keptLedger = true
            for result in results {
                guard let ledger = result.ledger else {
                    keptLedger = false
                    break
                }
                steps += ledger.steps.map { step in
                    var step = step
                    step.point += offset
                    return step
                }
                offset += result.gradientEvaluations / 2
            }
            return AttributionResult(
                attribution: Tensor(shape: shape, scalars: total),
                ledger: keptLedger ? Ledger(steps: steps, sampleFields: .references) : nil,
                gradientEvaluations: results.map(\.gradientEvaluations).reduce(0, +),
                valueEvaluations: results.map(\.valueEvaluations).reduce(0, +))
        }
    }

    /// The paper's settings (ε 0.05, 20 iterations, every false class, data in [0, 1]); the
    /// class count comes from the network (``attach(network:)``).
    public static var defaults: AdversarialGradientIntegration { AdversarialGradientIntegration() }

    /// `epsilon`, `max-iterations`, `classes`, `data-range`, `variant`, `integrator`.
    public static let parameters: [Parameter<AdversarialGradientIntegration>] = [
        .number("epsilon", \.epsilon, in: 0...1e6, excludingLowerBound: true, help: "ε, the ascent's step size"),
        .integer("max-iterations", \.maxIterations, in: 0...100_000, help: "the most steps per false class"),
        Parameter(
            "classes", .integer(0...1_000_000), help: "K evenly spaced false classes as the official code picks them; 0 for all",
            read: { .integer($0.classes ?? 0) }
        ) { agi, value throws(AttributionError) in
            guard case .integer(let k) = value else { throw Parameter<AdversarialGradientIntegration>.mismatch("classes", .integer(0...1_000_000), value) }
            agi.classes = k == 0 ? nil : k
        },
        .range("data-range", \.dataRange, help: "[LO, HI]: the walks are clamped to it"),
        .choice("variant", \.variant, help: "corrected: step from x_k (the paper); official: from x_0 (pd90506/AGI)"),
        .integrator(\.integrator),
    ]

    /// A classifier of at least two classes, at most C − 1 false classes, and IDGI only on the
    /// corrected walk.
    public func validateCombination() throws(AttributionError) {
        guard classCount >= 2 else {
            throw AttributionError("AGI walks toward the classifier's other classes: it needs the class count (≥ 2), got \(classCount); build it with the network")
        }
        if let classes, classes > classCount - 1 {
            throw AttributionError(parameter: "classes", "`classes` \(classes) exceeds the \(classCount - 1) false classes of a \(classCount)-class model; give 1…\(classCount - 1), or 0 for all")
        }
        if variant == .official && !integrator.needs.contains(.riemannTerms) {
            throw AttributionError(
                parameter: "integrator",
                "`integrator` \(integrator.name) needs `variant` corrected: the official variant's steps all start from the input, so they make no path")
        }
    }

    /// Takes the classifier's class count.
    public mutating func attach(network: Sequential) throws(AttributionError) { classCount = network.classCount }

    /// The method `agi`.
    public static let registration = MethodRegistration(
        AdversarialGradientIntegration.self, summary: "AGI: −∇p_y along sign-gradient ascents toward every false class, summed (Pan et al. 2021)",
        capabilities: [.keepsLedger, .needsNetwork, .buildsFromNetwork],
        quickConfigurations: [["max-iterations": "4", "epsilon": "0.1"], ["max-iterations": "4", "epsilon": "0.1", "integrator": "idgi"]])
}

/// One adversarial walk toward class t: per iteration, a forward pass for the prediction (and
/// F for IDGI's segment values), then, unless the walk is over, ∇p_y and ∇p_t at the point.
/// Its steps are handed to the integrator from the adversarial end back to x.
struct AdversarialWalk: Walk {
    let input: [Double]
    let targetClass: Int
    let method: AdversarialGradientIntegration
    let featureCount: Int
    var rule: BackwardRule { .gradient }

    private var x: [Double]
    private var iteration = 0
    private var done = false
    private var awaitingGradients = false
    private var needsValues = false
    private var recordsLedger = false
    /// F(x_k) by iteration, for the segments' ends.
    private var values: [Double] = []
    /// Each step: x_k's gradient of p_y and the Riemann term.
    private var steps: [(gradient: [Double], term: [Double])] = []

    init(input: [Double], targetClass: Int, method: AdversarialGradientIntegration, featureCount: Int) {
        self.input = input
        self.targetClass = targetClass
        self.method = method
        self.featureCount = featureCount
        self.x = input
    }

    mutating func begin(_ context: WalkContext) {
        // The explained class is not a false class.
        done = context.explainedClass == targetClass
        recordsLedger = context.options.recordsLedger
        needsValues = recordsLedger || method.integrator.needs.contains(.segmentValues)
    }

    mutating func nextRequest(limit: Int) -> EvaluationRequest? {
        if done { return nil }
        if awaitingGradients {
            return EvaluationRequest(gradientPoints: [x], classGradientPoints: [(x, targetClass)])
        }
        return EvaluationRequest(valuePoints: needsValues ? [x] : [], predictionPoints: [x])
    }

    mutating func receive(_ evaluations: Evaluations) throws(AttributionError) {
        if !awaitingGradients {
            if needsValues { values.append(evaluations.values[0]) }
            if evaluations.predictions[0] == targetClass || iteration >= method.maxIterations {
                done = true
            } else {
                awaitingGradients = true
            }
            return
        }
        awaitingGradients = false
        let gradientY = evaluations.gradients[0]
        let gradientT = evaluations.classGradients[0]
        let origin = method.variant == .official ? input : x
        var next = origin
        for i in next.indices {
            let sign: Double = gradientT[i] > 0 ? 1 : (gradientT[i] < 0 ? -1 : 0)
            next[i] = min(method.dataRange.upperBound, max(method.dataRange.lowerBound, origin[i] + method.epsilon * sign))
        }
        // −∇p_y ⊙ (x_{k+1} − x_k), or (official) − x_0: the Riemann term of the reversed segment.
        let term = gradientY.indices.map { -gradientY[$0] * (next[$0] - origin[$0]) }
        steps.append((gradientY, term))
        x = next
        iteration += 1
    }

    mutating func finish() throws(AttributionError) -> AttributionResult {
        var integration = StepIntegration(method.integrator, featureCount: featureCount, recordsLedger: recordsLedger)
        // The path runs from the adversarial end back to x: step k is x_{k+1} → x_k.
        for k in steps.indices.reversed() {
            let step = PathStep(
                index: steps.count - 1 - k, point: k, startParameter: Double(k + 1), endParameter: Double(k), gradient: steps[k].gradient,
                riemannTerm: steps[k].term, startValue: needsValues ? values[k + 1] : nil, endValue: needsValues ? values[k] : nil)
            // "t", the paper's name for the false class the walk ascends.
            integration.add(step, weight: 1, detail: [Ledger.Field("t", Double(targetClass)), Ledger.Field("iteration", Double(k))])
        }
        let summary = PathSummary(
            startValue: values.last ?? .nan, endValue: values.first ?? .nan,
            displacement: input.indices.map { input[$0] - x[$0] })
        let attribution = integration.finish(summary)
        if let bad = attribution.firstIndex(where: { !$0.isFinite }) {
            throw AttributionError("the attribution is not finite at feature \(bad); the model's gradients overflow on this walk")
        }
        return AttributionResult(
            attribution: Tensor(shape: [featureCount], scalars: attribution), ledger: recordsLedger ? Ledger(steps: integration.steps.reversed()) : nil,
            gradientEvaluations: 0, valueEvaluations: 0)
    }
}
