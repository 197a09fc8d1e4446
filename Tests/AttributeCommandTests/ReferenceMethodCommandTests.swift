import ArrayFormats
import AttributeCommand
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

/// Expected Gradients, LPI and AGI from the command line: the same bits for 1 and 2 threads,
/// the usage and data errors, and ledgers from which a reader recomputes the attribution.
@Suite("attribute: Expected Gradients, LPI and AGI", .tags(.commandLine))
struct ReferenceMethodCommandTests {
    static let digits = FixturePaths.url("models/digits-cnn")

    /// Runs `attribute` on the digits example with `arguments`; the attribution, the parsed
    /// report, ledger and path points.
    static func run(_ arguments: [String], in scratch: URL, name: String = "run") throws -> (
        status: Int32, message: String, attribution: Tensor?, report: JSONValue?, ledger: JSONValue?, points: Tensor?
    ) {
        let out = scratch.appendingPathComponent("\(name).npy")
        let ledger = scratch.appendingPathComponent("\(name)-ledger.json")
        let points = scratch.appendingPathComponent("\(name)-points.npy")
        let outcome = AttributeCommand.run([
            "--model", digits.path, "--input", digits.appendingPathComponent("example-input.npy").path,
            "--out", out.path, "--ledger", ledger.path, "--path-points", points.path,
        ] + arguments)
        guard outcome.status == 0 else { return (outcome.status, outcome.standardError, nil, nil, nil, nil) }
        return (
            outcome.status, outcome.standardError, try NPY.read(contentsOf: out), try JSONValue.parse(outcome.standardOutput),
            try JSONValue.parse(String(decoding: try Data(contentsOf: ledger), as: UTF8.self)), try NPY.read(contentsOf: points)
        )
    }

    static let methods: [[String]] = [
        ["--method", "expected-gradients", "--samples", "9", "--seed", "4"],
        ["--method", "expected-gradients", "--samples", "3", "--seed", "4", "--integrator", "idgi", "--steps", "5"],
        ["--method", "lpi", "--clusters", "2", "--subclusters", "4", "--samples-per-reference", "2", "--seed", "1"],
        ["--method", "lpi", "--clusters", "2", "--subclusters", "4", "--samples-per-reference", "2", "--density", "uniform"],
        ["--method", "lpi", "--clusters", "2", "--subclusters", "4", "--samples-per-reference", "2", "--density", "random", "--seed", "8"],
        ["--method", "lpi", "--clusters", "1", "--subclusters", "3", "--integrator", "idgi", "--steps", "4"],
        ["--method", "agi", "--classes", "3", "--max-iterations", "5"],
        ["--method", "agi", "--classes", "3", "--max-iterations", "5", "--variant", "official"],
        ["--method", "agi", "--classes", "3", "--max-iterations", "5", "--integrator", "idgi"],
    ]

    @Test("Each gives byte-identical attributions and ledgers twice over and for 1 and 2 threads", .tags(.determinism), arguments: methods)
    func sameBits(method: [String]) throws {
        let scratch = try FixturePaths.temporaryDirectory("reference-determinism")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let referencesFile = scratch.appendingPathComponent("R.npy")
        try NPY.write(try FixturePaths.digitsImages(.train, count: 40), to: referencesFile)
        let references = method[1] == "agi" ? [] : ["--references", referencesFile.path]
        var files: [[Data]] = []
        for (run, threads) in [(0, "1"), (1, "2"), (2, "2")] {
            let out = scratch.appendingPathComponent("a\(run).npy")
            let ledger = scratch.appendingPathComponent("l\(run).json")
            let outcome = AttributeCommand.run([
                "--model", Self.digits.path, "--input", Self.digits.appendingPathComponent("example-input.npy").path,
                "--out", out.path, "--ledger", ledger.path, "--threads", threads,
            ] + references + method)
            #expect(outcome.status == 0, "\(method): \(outcome.standardError)")
            files.append([try Data(contentsOf: out), try Data(contentsOf: ledger)])
        }
        #expect(files[0] == files[1] && files[1] == files[2], "\(method)")
    }

    @Test("Wrong reference sets and options: exit 3 for the data, exit 2 for the usage, a message that says what to change, no file left")
    func errors() throws {
        let scratch = try FixturePaths.temporaryDirectory("reference-errors")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let good = try FixturePaths.digitsImages(.train, count: 30)
        let file = { (name: String) in scratch.appendingPathComponent(name).path }
        try NPY.write(good, to: URL(fileURLWithPath: file("R.npy")))
        try NPY.write(good.reshaped([30, 64]), to: URL(fileURLWithPath: file("flat.npy")))
        var poisoned = good.scalars
        poisoned[200] = .nan
        try NPY.write(Tensor(shape: good.shape, scalars: poisoned), to: URL(fileURLWithPath: file("nan.npy")))
        let duplicated = Tensor(shape: [12, 1, 8, 8], scalars: (0..<12).flatMap { Array(good.scalars[($0 % 2) * 64 ..< ($0 % 2 + 1) * 64]) })
        try NPY.write(duplicated, to: URL(fileURLWithPath: file("duplicated.npy")))

        let cases: [(arguments: [String], status: Int32, says: [String])] = [
            (["--method", "expected-gradients"], 2, ["--references is required"]),
            (["--method", "expected-gradients", "--references", file("flat.npy")], 3, ["[30, 64]", "[M] + the input's shape [1, 8, 8]"]),
            (["--method", "lpi", "--references", file("nan.npy")], 3, ["nan", "finite"]),
            (["--method", "lpi", "--references", file("missing.npy")], 3, ["no such file"]),
            (["--method", "expected-gradients", "--references", file("R.npy"), "--samples", "0"], 2, ["--samples must be an integer in 1…", "got 0"]),
            (["--method", "expected-gradients", "--references", file("R.npy"), "--steps", "5"], 2, ["--steps applies only with --integrator idgi"]),
            (["--method", "lpi", "--references", file("R.npy"), "--clusters", "2", "--subclusters", "20"], 2, ["30 references cannot make --clusters 2 of --subclusters 20", "at least 40"]),
            (["--method", "lpi", "--references", file("R.npy"), "--samples-per-reference", "0"], 2, ["--samples-per-reference must be", "got 0"]),
            (["--method", "lpi", "--references", file("R.npy"), "--density", "even"], 2, ["cluster, uniform, random"]),
            (["--method", "lpi", "--references", file("duplicated.npy"), "--subclusters", "3"], 3, ["2 distinct logit vectors", "duplicate"]),
            (["--method", "agi", "--variant", "official", "--integrator", "idgi"], 2, ["--variant corrected"]),
            (["--method", "agi", "--references", file("R.npy")], 2, ["--references does not apply to agi"]),
            (["--method", "agi", "--data-range", "1,0"], 2, ["LO,HI with LO < HI"]),
            (["--method", "agi", "--epsilon", "0"], 2, ["--epsilon must be a number in (0, 1000000], got 0"]),
            (["--method", "ig", "--references", file("R.npy")], 2, ["--references does not apply to ig"]),
        ]
        for (index, entry) in cases.enumerated() {
            let outcome = try Self.run(entry.arguments, in: scratch, name: "case\(index)")
            #expect(outcome.status == entry.status, "\(entry.arguments): exit \(outcome.status), \(outcome.message)")
            for phrase in entry.says { #expect(outcome.message.contains(phrase), "\(entry.arguments): \(outcome.message)") }
            for suffix in [".npy", "-ledger.json", "-points.npy"] {
                #expect(!FileManager.default.fileExists(atPath: file("case\(index)\(suffix)")), "\(entry.arguments) left case\(index)\(suffix)")
            }
        }
    }

    @Test("From the ledger, the path points and the references, a reader recomputes EG and LPI, Riemann and IDGI, to rounding")
    func recomputeReferenceMethods() throws {
        let scratch = try FixturePaths.temporaryDirectory("reference-recompute")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let references = try FixturePaths.digitsImages(.train, count: 40)
        let referencesFile = scratch.appendingPathComponent("R.npy")
        try NPY.write(references, to: referencesFile)
        let x = try NPY.read(contentsOf: Self.digits.appendingPathComponent("example-input.npy")).scalars
        let network = try ModelDirectory.load(Self.digits)
        for method in [
            ["--method", "expected-gradients", "--samples", "7", "--seed", "2"],
            ["--method", "expected-gradients", "--samples", "3", "--integrator", "idgi", "--steps", "4"],
            ["--method", "lpi", "--clusters", "2", "--subclusters", "4", "--samples-per-reference", "3", "--seed", "5"],
            ["--method", "lpi", "--clusters", "2", "--subclusters", "3", "--integrator", "idgi", "--steps", "3", "--density", "random"],
        ] {
            let run = try Self.run(method + ["--references", referencesFile.path], in: scratch)
            try #require(run.status == 0, "\(method): \(run.message)")
            let report = try #require(run.report), ledger = try #require(run.ledger), points = try #require(run.points)
            let output = try ClassifierOutput(network: network, target: Int(try #require(report["target"]?.doubleValue)))
            let idgi = method.contains("idgi")
            let steps = try #require(ledger["steps"]?.arrayValue)
            #expect(points.batchCount == steps.count, "\(method): one point per gradient sample")
            var recomputed = [Double](repeating: 0, count: 64)
            var weightByReference: [Int: Double] = [:]
            for step in steps {
                let reference = Int(try #require(step["reference"]?.doubleValue))
                let weight = try #require(step["weight"]?.doubleValue)
                let alpha = try #require(step["alpha"]?.doubleValue)
                let r = references.point(reference).scalars
                let point = points.point(Int(try #require(step["point"]?.doubleValue))).scalars
                let g = try output.gradient(at: Tensor(shape: [1, 8, 8], scalars: point)).scalars
                if idgi {
                    // IDGI: w · g² ΔF / ‖g‖², and the point is the segment's start r + α(x − r).
                    let deltaValue = try #require(step["deltaValue"]?.doubleValue)
                    let normSquared = g.reduce(0) { $0 + $1 * $1 }
                    for i in 0..<64 where normSquared > 0 { recomputed[i] += weight * g[i] * g[i] * deltaValue / normSquared }
                } else {
                    for i in 0..<64 { recomputed[i] += weight * (x[i] - r[i]) * g[i] }
                }
                // The point is where the ledger says: r + α(x − r).
                expectClose(point, (0..<64).map { r[$0] + alpha * (x[$0] - r[$0]) }, Tolerance(relative: 1e-15, absolute: 1e-15), "\(method): point")
                // Riemann: the weights on a reference's k samples add up to its w_j; IDGI: each
                // of its segments carries w_j itself.
                if idgi { weightByReference[reference] = weight } else { weightByReference[reference, default: 0] += weight }
            }
            let attribution = try #require(run.attribution).scalars
            // A sum of at most 21 terms of the same products: rounding, well under 1e-12 of the largest entry.
            let scale = attribution.map(abs).max()!
            expectClose(recomputed, attribution, Tolerance(relative: 1e-12, absolute: 1e-12 * scale), "\(method): recomputed from the ledger")

            if method[1] == "lpi" {
                // The clusters block: the chosen cluster's sub-clusters, densities summing to 1,
                // each one's reference the one its samples name, weights ρ_j/k (cluster density).
                let clusters = try #require(ledger["clusters"])
                let subclusters = try #require(clusters["subclusters"]?.arrayValue)
                let chosen = Int(try #require(clusters["chosenCluster"]?.doubleValue))
                let centers = try #require(clusters["centers"]?.arrayValue)
                #expect(centers.count == 2 && (0..<2).contains(chosen))
                // The chosen center is the nearest to the input's logits.
                let logits = try #require(report["logits"]?.arrayValue).compactMap(\.doubleValue)
                let distances = centers.map { center in zip(center.arrayValue!.compactMap(\.doubleValue), logits).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }
                #expect(distances[chosen] == distances.min())
                let densities = subclusters.compactMap { $0["density"]?.doubleValue }
                expectClose(densities.reduce(0, +), 1, Tolerance(relative: 1e-15), "\(method): densities")
                let size = subclusters.compactMap { $0["size"]?.doubleValue }
                #expect(zip(densities, size).allSatisfy { abs($0.0 - $0.1 / size.reduce(0, +)) <= 1e-15 })
                #expect(Set(weightByReference.keys) == Set(subclusters.compactMap { $0["reference"]?.doubleValue }.map { Int($0) }))
                if !method.contains("random") {
                    for sub in subclusters {
                        let reference = Int(sub["reference"]!.doubleValue!)
                        expectClose(weightByReference[reference]!, sub["density"]!.doubleValue!, Tolerance(relative: 1e-14), "\(method): ρ of \(reference)")
                    }
                }
                expectClose(weightByReference.values.reduce(0, +), 1, Tolerance(relative: 1e-14), "\(method): weights sum to 1")
            } else {
                expectClose(weightByReference.values.reduce(0, +), 1, Tolerance(relative: 1e-14), "\(method): EG weights sum to 1")
            }
        }
    }

    @Test("From the ledger and the points, a reader recomputes AGI: each x_{k+1} from x_k by the sign of ∇p_t, and −∇p_y ⊙ (x_{k+1} − x_k)")
    func recomputeAGI() throws {
        let scratch = try FixturePaths.temporaryDirectory("agi-recompute")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let x = try NPY.read(contentsOf: Self.digits.appendingPathComponent("example-input.npy")).scalars
        let network = try ModelDirectory.load(Self.digits)
        for variant in ["corrected", "official"] {
            let run = try Self.run(["--method", "agi", "--classes", "4", "--max-iterations", "6", "--epsilon", "0.1", "--variant", variant], in: scratch)
            try #require(run.status == 0, "\(variant): \(run.message)")
            let report = try #require(run.report), ledger = try #require(run.ledger), points = try #require(run.points)
            let y = Int(try #require(report["target"]?.doubleValue))
            let steps = try #require(ledger["steps"]?.arrayValue)
            var recomputed = [Double](repeating: 0, count: 64)
            var classes = Set<Int>()
            for step in steps {
                #expect(step["reference"] == .null && step["alpha"] == .null, "AGI has no references or α's")
                let t = Int(try #require(step["t"]?.doubleValue))
                let k = Int(try #require(step["iteration"]?.doubleValue))
                #expect(t != y && k < 6)
                classes.insert(t)
                let point = points.point(Int(try #require(step["point"]?.doubleValue)))
                if k == 0 { #expect(point.scalars == x, "each walk starts at x") }
                let gradientY = try ClassifierOutput(network: network, target: y).gradient(at: point).scalars
                let gradientT = try ClassifierOutput(network: network, target: t).gradient(at: point).scalars
                let origin = variant == "official" ? x : point.scalars
                let next = (0..<64).map { i in min(1, max(0, origin[i] + 0.1 * (gradientT[i] > 0 ? 1 : (gradientT[i] < 0 ? -1 : 0)))) }
                let weight = try #require(step["weight"]?.doubleValue)
                for i in 0..<64 { recomputed[i] += weight * -gradientY[i] * (next[i] - origin[i]) }
            }
            // The official selection of 4 false classes among 10: range(0, 9, 2) without y.
            #expect(classes == Set(stride(from: 0, to: 9, by: 2)).subtracting([y]), "\(variant): \(classes.sorted())")
            let attribution = try #require(run.attribution).scalars
            let scale = attribution.map(abs).max()!
            expectClose(recomputed, attribution, Tolerance(relative: 1e-12, absolute: 1e-12 * scale), "\(variant): recomputed from the ledger")
        }
    }
}
