import ArrayFormats
import Attribution
import Foundation
import Models
import Quality
import Tensors

/// `bench exact`: how far each quadrature rule's Integrated Gradients is from the exact
/// answer on the shipped piecewise-linear models (ExactLine's Table 2 question), what exact
/// IG costs beside IG-200, and how far IDGI's Riemann sums are from their continuous limit.
///
/// Every model explains the logit of its predicted class on its first check inputs (its first
/// test images), from a black baseline. The error of a map A against exact IG A* is the L1
/// relative error ‖A − A*‖₁ / ‖A*‖₁, per image; the tables give its median and 90th
/// percentile over the images, and the lower median over images of the smallest N on the grid
/// 10, 20, 50, … 10⁴ whose error is within 1% and 0.1%.
struct ExactStudy {
    let quick: Bool

    static let models = ["digits-mlp", "digits-cnn", "shapes-cnn", "digits-textured-cnn", "shapes-black-cnn"]
    static let rules: [QuadratureRule] = [.left, .middle, .trapezoid, .gaussLegendre, .uniform, .captumTrapezoid]
    static let tableSteps = [20, 50, 200, 1000]
    static let thresholds = [0.01, 0.001]
    var imageCount: Int { quick ? 4 : 20 }
    var searchSteps: [Int] { quick ? [10, 20, 50, 100, 200, 500, 1000] : [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000] }

    static let usage = """
        USAGE: bench exact [--quick] [--out DIR]
          Exact Integrated Gradients against every quadrature rule on the shipped
          piecewise-linear models, IDGI against its continuous limit, and exact IG's cost.
          --quick    4 images per model and N up to 1,000 (about a minute)
          --out DIR  write DIR/summary.json and DIR/RESULTS.md (the directory must exist;
                     both files are written together or not at all)
        """

    /// L1 relative error of `a` against `exact`.
    static func relativeError(_ a: [Double], _ exact: [Double]) -> Double {
        zip(a, exact).reduce(0) { $0 + abs($1.0 - $1.1) } / exact.reduce(0) { $0 + abs($1) }
    }

    /// The nearest-rank q-quantile of `values` (a value of the list, so a median of grid
    /// points is a grid point; medians of errors are ``Bootstrap/median(_:)``'s).
    static func quantile(_ values: [Double], _ q: Double) -> Double {
        let sorted = values.sorted()
        return sorted[max(0, min(sorted.count - 1, Int((q * Double(sorted.count)).rounded(.up)) - 1))]
    }

    /// Runs `method` on `inputs` and returns the results and the wall time per input.
    static func timed(_ method: some AttributionMethod, _ inputs: [Tensor], _ functions: ExplainedFunctions) throws -> ([AttributionResult], Double) {
        let start = Timing.clock.now
        let results = try AttributionEngine.run(method, on: inputs, explaining: functions)
        return (results, Timing.seconds(Timing.clock.now - start) / Double(inputs.count))
    }

    func run() throws -> JSONValue {
        var models: [JSONValue] = []
        for name in Self.models {
            let network = try ModelDirectory.load(Benchmarks.fixture(name))
            let checks = try NPY.read(contentsOf: Benchmarks.fixture(name).appendingPathComponent("check/inputs.npy"))
            let inputs = (0..<imageCount).map { checks.point($0) }
            let targets = try network.predictions(for: Tensor(shape: [imageCount] + network.inputShape, scalars: inputs.flatMap(\.scalars)))
            let functions = try ExplainedFunctions(ClassifierOutput(network: network, target: 0, kind: .logit), targets: targets)

            var exactMethod = IntegratedGradients(rule: .exact)
            exactMethod.network = network
            let (exact, exactSeconds) = try Self.timed(exactMethod, inputs, functions)
            let (_, igSeconds) = try Self.timed(IntegratedGradients(steps: 200), inputs, functions)
            let pieces = exact.map { Double($0.linearPieces!) }
            let partitionStart = Timing.clock.now
            for input in inputs { _ = try LinePartition(network: network, from: [Double](repeating: 0, count: input.count), to: input.scalars) }
            let partitionSeconds = Timing.seconds(Timing.clock.now - partitionStart) / Double(imageCount)

            var ruleRows: [JSONValue] = []
            for rule in Self.rules {
                var errorsByN: [Int: [Double]] = [:]
                for n in Set(Self.tableSteps + searchSteps).sorted() {
                    let results = try AttributionEngine.run(IntegratedGradients(steps: n, rule: rule), on: inputs, explaining: functions)
                    errorsByN[n] = zip(results, exact).map { Self.relativeError($0.attribution.scalars, $1.attribution.scalars) }
                }
                let needed = Self.thresholds.map { threshold -> JSONValue in
                    let perImage = (0..<imageCount).map { i in searchSteps.first { errorsByN[$0]![i] <= threshold }.map(Double.init) ?? .infinity }
                    // The lower median (nearest rank), so the answer is a point of the grid.
                    let m = Self.quantile(perImage, 0.5)
                    return m.isFinite ? .number(m) : .null
                }
                ruleRows.append(.object([
                    .init("rule", .string(rule.rawValue)),
                    .init("errors", .array(Self.tableSteps.map { n in
                        .object([.init("steps", .number(Double(n))), .init("median", .number(Bootstrap.median(errorsByN[n]!))),
                                 .init("p90", .number(Self.quantile(errorsByN[n]!, 0.9)))])
                    })),
                    .init("stepsFor1Percent", needed[0]), .init("stepsFor0.1Percent", needed[1]),
                ]))
            }

            var limitMethod = IntegratedGradients(rule: .exact, integrator: ImportantDirection())
            limitMethod.network = network
            let limit = try AttributionEngine.run(limitMethod, on: inputs, explaining: functions)
            let idgiRows: [JSONValue] = try Self.tableSteps.map { n in
                let results = try AttributionEngine.run(IntegratedGradients(steps: n, integrator: ImportantDirection()), on: inputs, explaining: functions)
                let errors = zip(results, limit).map { Self.relativeError($0.attribution.scalars, $1.attribution.scalars) }
                return .object([.init("steps", .number(Double(n))), .init("median", .number(Bootstrap.median(errors))), .init("p90", .number(Self.quantile(errors, 0.9)))])
            }
            let completeness = exact.map { abs($0.completenessDelta!) / max(1, abs($0.endValue! - $0.startValue!)) }.max()!
            models.append(.object([
                .init("model", .string(name)), .init("images", .number(Double(imageCount))),
                .init("pieces", .object([.init("median", .number(Bootstrap.median(pieces))), .init("min", .number(pieces.min()!)), .init("max", .number(pieces.max()!))])),
                .init("exactSecondsPerImage", .number(exactSeconds)), .init("partitionSecondsPerImage", .number(partitionSeconds)),
                .init("ig200SecondsPerImage", .number(igSeconds)), .init("worstRelativeCompletenessDelta", .number(completeness)),
                .init("rules", .array(ruleRows)), .init("idgiAgainstLimit", .array(idgiRows)),
            ]))
            print("bench exact: \(name) done (median \(Int(Bootstrap.median(pieces))) pieces)")
        }
        return .object([
            .init("format", .string("pathattribution.exact-ig")), .init("version", .number(1)),
            .init("machine", .string(Benchmarks.machineDescription)), .init("quick", .bool(quick)),
            .init("output", .string("logit of the predicted class")), .init("baseline", .string("black (zeros)")),
            .init("stepsGrid", .array(searchSteps.map { .number(Double($0)) })), .init("models", .array(models)),
        ])
    }

    /// RESULTS.md from a summary.
    static func markdown(_ summary: JSONValue) -> String {
        func percent(_ x: Double?) -> String { x.map { $0 >= 0.1 ? String(format: "%.1f%%", 100 * $0) : String(format: "%.2g%%", 100 * $0) } ?? "–" }
        func steps(_ value: JSONValue?) -> String { value?.doubleValue.map { String(Int($0)) } ?? "> grid" }
        var text = """
            # Exact Integrated Gradients against the quadrature rules

            Written by `swift run -c release bench exact --out Benchmarks/exact-ig` on \(summary["machine"]?.stringValue ?? "?").
            Each model explains the logit of its predicted class on its first \(summary["models"]?.arrayValue?.first?["images"]?.intValue ?? 0) test images,
            from a black baseline. Error: ‖A − A*‖₁ / ‖A*‖₁ against exact IG A* (ExactLine's pieces), median (90th percentile)
            over the images. "Steps for 1%": the lower median over images of the smallest N on the grid
            \((summary["stepsGrid"]?.arrayValue ?? []).compactMap(\.intValue).map(String.init).joined(separator: ", ")) within 1%.

            """
        for model in summary["models"]?.arrayValue ?? [] {
            let name = model["model"]?.stringValue ?? "?"
            let pieces = model["pieces"]
            text += "\n## \(name)\n\n"
            text += String(
                format: "Pieces per line: median %g (%d–%d). Exact IG: %.2f ms per image (the partition %.2f ms), IG with 200 Gauss–Legendre steps %.2f ms. Worst |Σ A − ΔF| / max(1, |ΔF|): %.1e.\n\n",
                pieces?["median"]?.doubleValue ?? 0, pieces?["min"]?.intValue ?? 0, pieces?["max"]?.intValue ?? 0,
                1000 * (model["exactSecondsPerImage"]?.doubleValue ?? 0), 1000 * (model["partitionSecondsPerImage"]?.doubleValue ?? 0),
                1000 * (model["ig200SecondsPerImage"]?.doubleValue ?? 0), model["worstRelativeCompletenessDelta"]?.doubleValue ?? 0)
            text += "| rule | " + tableSteps.map { "N = \($0)" }.joined(separator: " | ") + " | steps for 1% | steps for 0.1% |\n"
            text += "|---|" + String(repeating: "---|", count: tableSteps.count + 2) + "\n"
            for row in model["rules"]?.arrayValue ?? [] {
                let cells = (row["errors"]?.arrayValue ?? []).map { "\(percent($0["median"]?.doubleValue)) (\(percent($0["p90"]?.doubleValue)))" }
                text += "| \(row["rule"]?.stringValue ?? "?") | " + cells.joined(separator: " | ")
                    + " | \(steps(row["stepsFor1Percent"])) | \(steps(row["stepsFor0.1Percent"])) |\n"
            }
            let idgi = (model["idgiAgainstLimit"]?.arrayValue ?? []).map { "\(percent($0["median"]?.doubleValue)) (\(percent($0["p90"]?.doubleValue)))" }
            text += "| IDGI (left) against its limit | " + idgi.joined(separator: " | ") + " | | |\n"
        }
        return text
    }
}
