import Attribution
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

@Suite("The method registry and methods written outside the library", .tags(.axiom))
struct RegistryTests {
    @Test("Every parameter's default is one of its own values; every quick configuration builds; names are unique")
    func registryIsConsistent() throws {
        let registry = TestRegistry.methods
        #expect(Set(registry.names).count == registry.names.count)
        for registration in registry.methods {
            #expect(!registration.summary.isEmpty, "\(registration.name)")
            for parameter in registration.parameters {
                #expect(!parameter.help.isEmpty, "\(registration.name) \(parameter.name)")
                #expect(!parameter.defaultDescription.isEmpty, "\(registration.name) \(parameter.name)")
            }
            // The defaults themselves pass the method's one check (with the inputs a method cannot go without).
            for configuration in registration.quickConfigurations where !registration.capabilities.contains(.takesReferences) {
                if registration.parameters.contains(where: { if case .resource = $0.kind { return true } else { return false } }) { continue }
                #expect(throws: Never.self, "\(registration.name) \(configuration)") {
                    try registry.build(registration.name, text: configuration, network: try ShippedModels.network("digits-mlp"))
                }
            }
        }
    }

    @Test("A parameter of another method is refused, naming the method — or, for SmoothGrad, the method and its base")
    func foreignParameters() {
        let registry = TestRegistry.methods
        #expect(throws: AttributionError(parameter: "rule", "`rule` does not apply to quadratic-schedule-ig")) {
            try registry.build("quadratic-schedule-ig", text: ["rule": "left"])
        }
        #expect(throws: AttributionError(parameter: "rule", "`rule` does not apply to smoothgrad or its base gradient")) {
            try registry.build("smoothgrad", text: ["rule": "left"])
        }
        #expect(throws: AttributionError(parameter: "max-sigma", "`max-sigma` does not apply to ig")) { try registry.build("ig", text: ["max-sigma": "3"]) }
        #expect(throws: Never.self) { try registry.build("smoothgrad", text: ["base": "quadratic-schedule-ig", "steps": "4"]) }
    }

    @Test("A base's parameters are scoped: SmoothGrad over Expected Gradients sets both methods' samples and seeds, and equals the composition built by hand")
    func scopedBaseParameters() throws {
        let registry = TestRegistry.methods
        let references = Tensor(shape: [5, 3], scalars: (0..<15).map { Double($0 % 7) / 7 - 0.4 })
        let files: [String: ParameterValue] = ["base.references": .array(references, source: "R")]
        let built = try registry.build(
            "smoothgrad", text: ["base": "expected-gradients", "base.samples": "7", "base.seed": "3", "samples": "4", "seed": "9"], files: files)
        let byHand = SmoothGrad(
            base: ExpectedGradients(references: (0..<5).map { references.point($0) }, samples: 7, seed: 3), samples: 4, seed: 9)
        let f = SigmoidOfLinear(weights: [1.5, -2, 0.75], bias: 0.2)
        let x = Tensor(shape: [3], scalars: [1, -0.5, 2])
        #expect(try built.attribute(x, of: f).attribution.scalars == byHand.attribute(x, of: f).attribution.scalars)
        // An unscoped name only the base has is the base's; one both have must be scoped.
        let unscoped = try registry.specification("smoothgrad", text: ["base": "expected-gradients", "references": "R.npy"])
        #expect(unscoped.nested("base")?.values["references"].map(\.text) == "R.npy")
        #expect(
            throws: AttributionError(
                parameter: "samples",
                "`samples` is a parameter of both smoothgrad and its base expected-gradients: write `samples` for smoothgrad's and `base.samples` for the base's")
        ) { try registry.specification("smoothgrad", text: ["base": "expected-gradients", "samples": "3"]) }
        #expect(throws: Never.self) { try registry.specification("smoothgrad", text: ["base": "expected-gradients", "samples": "3", "base.samples": "2"]) }
        // A base's error names the base's parameter with its scope.
        #expect(throws: AttributionError(parameter: "base.samples", "`base.samples` must be an integer in 1…100000000, got 0")) {
            try registry.build("smoothgrad", text: ["base": "expected-gradients", "base.samples": "0"], files: files)
        }
        // An aggregation cannot be its own base.
        #expect(throws: AttributionError.self) { try registry.build("smoothgrad", text: ["base": "smoothgrad"]) }
    }

    @Test("Values are typed and checked once, by the method's own validate: the registry and a struct built by hand give the same error")
    func oneValidation() {
        #expect(throws: AttributionError(parameter: "steps", "`steps` must be an integer in 1…10000000, got 0")) {
            try TestRegistry.methods.build("ig", text: ["steps": "0"])
        }
        #expect(throws: AttributionError(parameter: "steps", "`steps` must be an integer in 1…10000000, got 0")) { try IntegratedGradients(steps: 0).validate() }
        #expect(throws: AttributionError(parameter: "steps", "`steps` must be an integer in 1…10000000, got x")) {
            try TestRegistry.methods.build("ig", text: ["steps": "x"])
        }
        #expect(throws: AttributionError(parameter: "max-sigma", "`max-sigma` must be a number in [0, 1000000], got -1")) {
            try BlurIntegratedGradients(maxSigma: -1).validate()
        }
    }

    @Test("IG's rule defaults by what the integrator reads, not by its type: Gauss–Legendre for Riemann terms, left for segments")
    func ruleDefaultsByNeeds() throws {
        #expect(IntegratedGradients(integrator: RiemannSum()).rule == .gaussLegendre)
        #expect(IntegratedGradients(integrator: ImportantDirection()).rule == .left)
        #expect(IntegratedGradients(integrator: RescaledRiemann()).rule == .gaussLegendre)
        let built = try #require(try TestRegistry.methods.build("ig", text: ["integrator": "idgi"]) as? IntegratedGradients)
        #expect(built.rule == .left)
    }

    @Test("Every registered path method is complete exactly with IDGI, and with the Riemann sum its gap shrinks as the steps grow")
    func completenessOfEveryPathMethod() throws {
        let f = SigmoidOfLinear(weights: [1.5, -2, 0.75], bias: 0.2)
        let x = Tensor(shape: [3], scalars: [1, -0.5, 2])
        let x0 = Tensor(shape: [3], scalars: [-1, 0.5, -1])
        let registry = TestRegistry.methods
        for configured in try AxiomMethods.configurations(registry, domain: .vectors, required: .walksPath, baseline: x0) {
            let result = try configured.method.attribute(x, of: f)
            let target = try #require(result.endValue) - (try #require(result.startValue))
            let gap = try #require(result.completenessDelta)
            if configured.description.contains("integrator=idgi") {
                // Σ A is the sum of per-step ΔF: round-off at the scale of F.
                #expect(abs(gap) <= 1e-14 * max(1, abs(target)), "\(configured): gap \(gap)")
            } else {
                // Quadrupling the steps must shrink a discretisation gap (first order at least: ×4 smaller).
                var values = configured.registration.quickConfigurations[0]
                values["steps"] = String(4 * (Int(values["steps"]!)!))
                let finer = try registry.build(configured.registration.name, text: values, files: ["baseline": .array(x0, source: "x0")]).attribute(x, of: f)
                let finerGap = try #require(finer.completenessDelta)
                #expect(abs(finerGap) <= abs(gap) / 3 || abs(finerGap) < 1e-14, "\(configured): gaps \(gap) → \(finerGap)")
            }
        }
    }

    @Test("The toy method converges to IG's closed form at second order")
    func toyConvergesToIG() throws {
        let f = SigmoidOfLinear(weights: [1.5, -2, 0.75, 1], bias: 0.2)
        let x = Tensor(shape: [4], scalars: [1, -0.5, 2, 0.3])
        let x0 = Tensor(shape: [4], scalars: [-1, 0.5, -1, 0])
        let exact = f.integratedGradients(input: x.scalars, baseline: x0.scalars)
        func error(_ n: Int) throws -> Double {
            normwiseRelativeError(try QuadraticScheduleIG(baseline: x0, steps: n).attribute(x, of: f).attribution.scalars, exact)
        }
        let order = log2(try error(64) / error(128))
        print("quadratic-schedule-ig: e(64) = \(try error(64)), observed order \(order)")
        #expect(abs(order - 2) < 0.1)
    }

    @Test("An integrator written outside the library: each step rescaled to explain its ΔF exactly")
    func externalIntegrator() throws {
        let f = GaussianBump(center: [0.5, -0.5, 1], width: 0.8, amplitude: 2)
        let x = Tensor(shape: [3], scalars: [0.2, 0.1, 0.4])
        let x0 = Tensor(shape: [3], scalars: [-1, 1, 0])
        let result = try IntegratedGradients(baseline: x0, steps: 12, rule: .middle, integrator: RescaledRiemann())
            .attribute(x, of: f, options: RunOptions(recordsLedger: true))
        let ledger = try #require(result.ledger)
        #expect(ledger.steps.count == 12)
        for step in ledger.steps {
            expectClose(step.attributionSum, step.deltaValue, Tolerance(relative: 1e-12, absolute: 1e-15), "step \(step.point)")
        }
        expectClose(try #require(result.completenessDelta), 0, Tolerance(relative: 0, absolute: 1e-14), "complete")
    }

    @Test("Public inits: IDGI's accumulator on hand-made steps gives g²·ΔF/‖g‖² per step and carries a flat step's ΔF")
    func handMadeSteps() {
        var accumulator = ImportantDirection().makeAccumulator(featureCount: 2)
        let first = PathStep(index: 0, point: 0, startParameter: 0, endParameter: 0.5, gradient: [3, 4], startValue: 1, endValue: 1.5)
        let flat = PathStep(index: 1, point: 1, startParameter: 0.5, endParameter: 1, gradient: [0, 0], startValue: 1.5, endValue: 2)
        #expect(accumulator.add(first) == 0.5)
        #expect(accumulator.add(flat) == 0)
        // The flat step's ΔF = 0.5 goes along the last gradient's direction (9, 16)/25.
        let attribution = accumulator.finish(PathSummary(startValue: 1, endValue: 2, displacement: [1, 1]))
        expectClose(attribution, [9.0 / 25, 16.0 / 25], Tolerance(relative: 1e-15), "carried")
        let ledger = Ledger(steps: [Ledger.Step(start: 0, end: 1, startValue: 1, endValue: 2, gradientNormSquared: 25, attributionSum: 1, point: 0)])
        #expect(ledger.json["steps"]?.arrayValue?.first?["deltaValue"]?.doubleValue == 1)
        let result = AttributionResult(attribution: Tensor(shape: [2], scalars: attribution), gradientEvaluations: 2, valueEvaluations: 0, startValue: 1, endValue: 2)
        expectClose(try! #require(result.completenessDelta), 0, Tolerance(relative: 0, absolute: 1e-15), "delta")
    }
}

/// A Riemann sum rescaled per step so that each step explains exactly its own ΔF:
/// A += r_j · ΔF_j / Σ_i r_{j,i} (the plain r_j where Σ r_j = 0). Written outside the library
/// from its public parts, to show that an integrator needs nothing internal.
struct RescaledRiemann: Integrator {
    var name: String { "rescaled-riemann" }
    var needs: StepNeeds { [.riemannTerms, .segmentValues] }
    func makeAccumulator(featureCount: Int) -> Accumulator { Accumulator(total: Array(repeating: 0, count: featureCount)) }

    struct Accumulator: IntegralAccumulator {
        var total: [Double]
        mutating func add(_ step: PathStep) -> Double {
            let term = step.riemannTerm!
            let sum = Reductions.sumInNumpyOrder(term)
            let scale = sum != 0 ? (step.endValue! - step.startValue!) / sum : 1
            var stepSum = 0.0
            for i in total.indices {
                total[i] += term[i] * scale
                stepSum += term[i] * scale
            }
            return stepSum
        }
        mutating func finish(_ summary: PathSummary) -> [Double] { total }
    }
}

@Suite("The reference axis: an aggregation over references")
struct ReferenceAggregationTests {
    let f = GaussianBump(center: [0.5, -0.5, 1], width: 0.8, amplitude: 2)
    let x = Tensor(shape: [3], scalars: [0.2, 0.1, 0.4])
    let references = [
        Tensor(shape: [3], scalars: [0, 0, 0]), Tensor(shape: [3], scalars: [1, -1, 0.5]), Tensor(shape: [3], scalars: [-0.5, 0.3, 2]),
    ]

    @Test("Every reference with weights: Σ_k w_k IG(x; r_k), bit for bit, complete against Σ_k w_k (F(x) − F(r_k)) with IDGI")
    func weightedReferenceSet() throws {
        let weights = [0.5, 0.3, 0.2]
        let base = IntegratedGradients(steps: 10, integrator: ImportantDirection())
        let aggregated = try ReferenceAggregation(base: base, references: references, weights: weights).attribute(x, of: f)
        var expected = [Double](repeating: 0, count: 3)
        var target = 0.0
        for (reference, w) in zip(references, weights) {
            let a = try base.replacingBaseline(with: reference).attribute(x, of: f).attribution.scalars
            for i in 0..<3 { expected[i] += w * a[i] }
            target += w * (try f.value(at: x) - f.value(at: reference))
        }
        #expect(aggregated.attribution.scalars == expected)
        expectClose(aggregated.attribution.sum, target, Tolerance(relative: 1e-14), "weighted completeness")
        #expect(aggregated.gradientEvaluations == 30)
    }

    @Test("Seeded draws: without replacement while K ≤ n, with replacement beyond; same seed, same draws")
    func draws() throws {
        var generator = Xoshiro256StarStar(seed: 5)
        let three = ReferenceAggregation.draw(3, from: 3, using: &generator)
        #expect(three.sorted() == [0, 1, 2])
        for seed: UInt64 in 0..<20 {
            var g = Xoshiro256StarStar(seed: seed)
            let drawn = ReferenceAggregation.draw(7, from: 10, using: &g)
            #expect(Set(drawn).count == 7, "seed \(seed): \(drawn)")
        }
        var a = Xoshiro256StarStar(seed: 9)
        var b = Xoshiro256StarStar(seed: 9)
        let many = ReferenceAggregation.draw(12, from: 4, using: &a)
        #expect(many == ReferenceAggregation.draw(12, from: 4, using: &b))
        #expect(Set(many.prefix(4)).count == 4 && many.count == 12)
        let sampled = ReferenceAggregation(base: IntegratedGradients(steps: 4), references: references, draws: .sample(count: 5, seed: 1))
        #expect(try sampled.attribute(x, of: f) == sampled.attribute(x, of: f))
        #expect(throws: AttributionError.self) {
            try ReferenceAggregation(base: IntegratedGradients(steps: 4), references: references, weights: [0.5, 0.5, 0.5]).attribute(x, of: f)
        }
    }
}

@Suite("The engine: batches and shared model calls change no bit", .tags(.determinism))
struct EngineTests {
    @Test("Every registered method on 5 digits (and 2 shapes through the residual graph) with their own targets equals single runs, bit for bit, ledgers and path points too",
          arguments: ["digits-cnn", "shapes-resnet"])
    func batchEqualsSingleRuns(model: String) throws {
        let network = try ShippedModels.network(model)
        let inputs = try ShippedModels.checkInputs(model)
        let count = model == "digits-cnn" ? 5 : 2
        let points = (0..<count).map { inputs.point($0) }
        let targets = Array([3, 1, 2, 1, 0].map { $0 % network.classCount }.prefix(count))
        let output = try ClassifierOutput(network: network, target: 0, kind: .probability)
        let functions = try ExplainedFunctions(output, targets: targets)
        let references = Tensor.stacking((10..<22).map { inputs.point($0) })
        let resources = model == "digits-cnn" ? try AxiomMethods.digitsResources() : try AxiomMethods.shapesResources()
        let all = try AxiomMethods.configurations(domain: .networkImages, references: references, network: network, resources: resources)
        #expect(Set(all.map(\.registration.name)) == Set(TestRegistry.methods.names), "every method, DDPath and the toy included")
        for configured in all {
            let keepsLedger = !configured.registration.capabilities.isDisjoint(with: [.walksPath, .keepsLedger])
            let options = RunOptions(batchSize: 7, recordsLedger: keepsLedger, recordsPathPoints: true)
            let batch = try configured.method.attribute(points, of: functions, options: options)
            for b in 0..<count {
                let single = try configured.method.attribute(
                    points[b], of: try ClassifierOutput(network: network, target: targets[b], kind: .probability), options: options)
                // Compared part by part, so that a failure names the part without printing whole tensors.
                #expect(batch[b].attribution == single.attribution, "\(configured) input \(b): attribution")
                #expect(batch[b].ledger == single.ledger, "\(configured) input \(b): ledger")
                #expect(batch[b].pathPoints == single.pathPoints, "\(configured) input \(b): path points")
                #expect(batch[b].gradientEvaluations == single.gradientEvaluations, "\(configured) input \(b): gradient evaluations")
                #expect(batch[b].valueEvaluations == single.valueEvaluations, "\(configured) input \(b): \(batch[b].valueEvaluations) and \(single.valueEvaluations) value evaluations")
            }
        }
    }

    @Test("Path points: each ledger step's gradient, recomputed at its point, has the ledger's ‖g‖², and IDGI is recomputed from points and ledger")
    func recomputeFromPathPoints() throws {
        let network = try ShippedModels.network("digits-cnn")
        let x = try ShippedModels.exampleInput("digits-cnn")
        let output = try ClassifierOutput(network: network, target: 2)
        for method: any AttributionMethod in [
            IntegratedGradients(steps: 12, integrator: ImportantDirection()), BlurIntegratedGradients(maxSigma: 3, steps: 12, integrator: ImportantDirection()),
            GuidedIntegratedGradients(steps: 12, integrator: ImportantDirection()),
        ] {
            let result = try method.attribute(x, of: output, options: RunOptions(recordsLedger: true, recordsPathPoints: true))
            let ledger = try #require(result.ledger)
            let pathPoints = try #require(result.pathPoints)
            #expect(pathPoints.shape == [12, 1, 8, 8])
            var recomputed = [Double](repeating: 0, count: 64)
            for step in ledger.steps {
                let g = try output.gradient(at: pathPoints.point(step.point)).scalars
                let normSquared = Reductions.sumInNumpyOrder(g.map { $0 * $0 })
                #expect(normSquared == step.gradientNormSquared, "\(method.name) step \(step.point)")
                for i in 0..<64 { recomputed[i] += g[i] * g[i] * step.deltaValue / normSquared }
            }
            expectClose(recomputed, result.attribution.scalars, Tolerance(relative: 1e-12), "\(method.name) from its points")
        }
    }

    @Test("An aggregation's ledger: each copy's steps tagged with the copy, points counted across copies, weights 1/n, every IDGI step exact")
    func aggregatedLedger() throws {
        let network = try ShippedModels.network("digits-cnn")
        let x = try ShippedModels.exampleInput("digits-cnn")
        let output = try ClassifierOutput(network: network, target: 2)
        let method = SmoothGrad(base: IntegratedGradients(steps: 6, integrator: ImportantDirection()), samples: 3, seed: 5)
        let result = try method.attribute(x, of: output, options: RunOptions(recordsLedger: true, recordsPathPoints: true))
        let ledger = try #require(result.ledger)
        #expect(ledger.steps.count == 18)
        let expectedReferences: [Int?] = (0..<3).flatMap { r in Array(repeating: Optional(r), count: 6) }
        #expect(ledger.steps.map(\.reference) == expectedReferences)
        #expect(ledger.steps.map(\.point) == Array(0..<18))
        let third = 1.0 / 3
        #expect(ledger.referenceWeights == [third, third, third])
        #expect(try #require(result.pathPoints).batchCount == 18)
        for step in ledger.steps {
            expectClose(step.attributionSum, step.deltaValue, Tolerance(relative: 1e-12, absolute: 1e-300), "copy \(step.reference!) point \(step.point)")
        }
        // The mean of the copies' exact totals is the attribution's total.
        let totals = (0..<3).map { r in ledger.steps.filter { $0.reference == r }.map(\.deltaValue).reduce(0, +) }
        expectClose(result.attribution.sum, totals.reduce(0, +) / 3, Tolerance(relative: 1e-12), "mean of the copies' ΔF")
    }

    @Test("BlurIG with IDGI computes no path derivative: it takes no blur beyond the gradient and segment points")
    func blurIDGISkipsRiemannTerms() throws {
        // A path walked for IDGI is asked for segment values only; its Riemann terms stay nil.
        let path = try BlurPath(input: Tensor(shape: [1, 3, 3], repeating: 1), maxSigma: 2, steps: 4)
        var walker = path.makeWalker(needs: ImportantDirection().needs)
        let next = walker.nextRequest(limit: 10)
        let request = try #require(next)
        let answers = Evaluations(
            gradientValues: request.gradientPoints.map { _ in 0 }, gradients: request.gradientPoints.map { $0 },
            values: request.valuePoints.map { _ in 0 })
        let steps = try walker.receive(answers)
        #expect(steps.count == 4 && steps.allSatisfy { $0.riemannTerm == nil && $0.startValue != nil })
        var riemann = path.makeWalker(needs: RiemannSum().needs)
        let nextRiemann = riemann.nextRequest(limit: 10)
        let riemannRequest = try #require(nextRiemann)
        #expect(riemannRequest.valuePoints.isEmpty)
        let riemannSteps = try riemann.receive(Evaluations(
            gradientValues: riemannRequest.gradientPoints.map { _ in 0 }, gradients: riemannRequest.gradientPoints, values: []))
        #expect(riemannSteps.allSatisfy { $0.riemannTerm != nil && $0.startValue == nil })
    }
}
