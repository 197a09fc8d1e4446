import Models
import Tensors
import Testing
import _TestSupport

/// An analytic function under test, with the region its random points come from.
struct AnalyticCase: Sendable, CustomStringConvertible {
    var description: String
    var function: any AnalyticFunction
    var range: ClosedRange<Double> = -2...2

    static let all: [AnalyticCase] = [
        AnalyticCase(description: "linear", function: LinearFunction(weights: [0.5, -1.5, 2, 0.25], bias: 0.3)),
        AnalyticCase(
            description: "quadratic form",
            function: QuadraticForm(matrix: [[1, 2, 0], [-1, 3, 0.5], [0.25, 0, -2]], linear: [1, -1, 0.5], constant: 2)),
        AnalyticCase(description: "product x1·x2", function: ProductFunction()),
        AnalyticCase(description: "product x2·x4 in R^5", function: ProductFunction(dimension: 5, first: 1, second: 3)),
        AnalyticCase(description: "IG paper's ReLU example", function: ReLUExample()),
        AnalyticCase(description: "sigmoid of linear", function: SigmoidOfLinear(weights: [1, -2, 0.5], bias: 0.1)),
        AnalyticCase(description: "Gaussian bump", function: GaussianBump(center: [0.5, -0.5, 1], width: 0.8, amplitude: 2)),
        AnalyticCase(description: "Rosenbrock in R^4", function: Rosenbrock(dimension: 4)),
    ]
}

@Suite("Analytic functions: gradients and closed-form Integrated Gradients", .tags(.gradients))
struct AnalyticFunctionTests {
    /// Finite-difference agreement: central differences err by ~1e-10 of the gradient's scale
    /// here (FiniteDifferences), so 1e-6 normwise is the acceptance line with a wide margin.
    static let finiteDifferenceTolerance = Tolerance(relative: 1e-6, absolute: 1e-12)

    @Test("Batched gradients equal central finite differences", arguments: AnalyticCase.all)
    func gradientsMatchFiniteDifferences(testCase: AnalyticCase) throws {
        var generator = Seeds.generator(800, label: testCase.description)
        let f = testCase.function
        let batch = 7
        let points = Tensor.uniform(shape: [batch, f.dimension], in: testCase.range.lowerBound, testCase.range.upperBound, using: &generator)
        let result = try f.valuesAndGradients(at: points)
        for b in 0..<batch {
            let x = points.point(b).scalars
            if testCase.function is ReLUExample, abs(1 - x[0] - x[1]) < 1e-3 { continue }  // the kink
            let numeric = FiniteDifferences.gradient(at: x) { f.value($0) }
            expectClose(result.gradients.point(b).scalars, numeric, Self.finiteDifferenceTolerance, "\(testCase) at \(x)")
            #expect(result.values[b] == f.value(x))
        }
    }

    @Test("A batch gives exactly the bits of its points evaluated one at a time", arguments: AnalyticCase.all)
    func batchEqualsOnePoint(testCase: AnalyticCase) throws {
        var generator = Seeds.generator(801, label: testCase.description)
        let f = testCase.function
        let points = Tensor.uniform(shape: [5, f.dimension], in: -2, 2, using: &generator)
        let batched = try f.valuesAndGradients(at: points)
        for b in 0..<5 {
            let single = try f.valuesAndGradients(at: points.point(b).reshaped([1, f.dimension]))
            #expect(single.values == [batched.values[b]])
            #expect(single.gradients.scalars == batched.gradients.point(b).scalars)
        }
    }

    /// The closed-form IG against an independent numerical integral of the gradient along the
    /// line: composite Simpson with 2,000 panels (error ~h⁴ ≈ 1e-14 for these smooth
    /// integrands; exact for the polynomial ones), or, for the ReLU example whose integrand
    /// jumps, a 100,000-point midpoint sum (error ≤ |x_i − x′_i|/100,000).
    @Test("Closed-form IG equals the integral of the gradient along the line, and is complete")
    func closedFormIntegratedGradients() {
        var generator = Seeds.generator(802)
        let functions: [any ClosedFormIntegratedGradients] = [
            LinearFunction(weights: [0.5, -1.5, 2, 0.25], bias: 0.3),
            QuadraticForm(matrix: [[1, 2, 0], [-1, 3, 0.5], [0.25, 0, -2]], linear: [1, -1, 0.5], constant: 2),
            ProductFunction(), ProductFunction(dimension: 5, first: 1, second: 3), ReLUExample(),
        ]
        for f in functions {
            for _ in 0..<5 {
                let x = (0..<f.dimension).map { _ in generator.nextUniform(in: -2, 2) }
                let baseline = (0..<f.dimension).map { _ in generator.nextUniform(in: -1, 1) }
                let closedForm = f.integratedGradients(input: x, baseline: baseline)
                let isStep = f is ReLUExample
                let integral = isStep
                    ? midpointIntegral(of: f, from: baseline, to: x, points: 100_000)
                    : simpsonIntegral(of: f, from: baseline, to: x, panels: 2_000)
                let ig = zip(integral, zip(x, baseline)).map { $0 * ($1.0 - $1.1) }
                expectClose(closedForm, ig, isStep ? Tolerance(relative: 0, absolute: 5e-5) : Tolerance(relative: 1e-11, absolute: 1e-12), "\(type(of: f))")
                // Completeness: Σ IG = F(x) − F(x′), exactly up to round-off.
                expectClose(closedForm.reduce(0, +), f.value(x) - f.value(baseline), Tolerance(relative: 1e-12, absolute: 1e-12), "completeness of \(type(of: f))")
            }
        }
    }

    @Test("The IG paper's ReLU example: zero gradient at the input, IG gives both features 1/2")
    func reluExamplePaperNumbers() {
        // Sundararajan et al. §2.1: at x = (1, 1) from x′ = (0, 0), F goes from 0 to 1, the gradient is 0,
        // and by symmetry IG assigns 1/2 to each feature.
        let f = ReLUExample()
        #expect(f.gradient([1, 1]) == [0, 0])
        #expect(f.value([0, 0]) == 0 && f.value([1, 1]) == 1)
        #expect(f.integratedGradients(input: [1, 1], baseline: [0, 0]) == [0.5, 0.5])
    }

    @Test("Batches of the wrong shape are rejected with a message")
    func wrongShape() {
        let f = LinearFunction(weights: [1, 2, 3])
        #expect(throws: ModelError.self) { try f.valuesAndGradients(at: Tensor(zeros: [2, 4])) }
        #expect(throws: ModelError.self) { try f.values(at: Tensor(zeros: [3])) }
    }
}

private func simpsonIntegral(of f: some AnalyticFunction, from a: [Double], to b: [Double], panels: Int) -> [Double] {
    var sum = [Double](repeating: 0, count: a.count)
    for k in 0...panels {
        let alpha = Double(k) / Double(panels)
        let weight: Double = (k == 0 || k == panels) ? 1 : (k % 2 == 1 ? 4 : 2)
        let g = f.gradient(zip(a, b).map { $0 + alpha * ($1 - $0) })
        for i in sum.indices { sum[i] += weight * g[i] }
    }
    return sum.map { $0 / (3 * Double(panels)) }
}

private func midpointIntegral(of f: some AnalyticFunction, from a: [Double], to b: [Double], points: Int) -> [Double] {
    var sum = [Double](repeating: 0, count: a.count)
    for k in 0..<points {
        let alpha = (Double(k) + 0.5) / Double(points)
        let g = f.gradient(zip(a, b).map { $0 + alpha * ($1 - $0) })
        for i in sum.indices { sum[i] += g[i] }
    }
    return sum.map { $0 / Double(points) }
}
