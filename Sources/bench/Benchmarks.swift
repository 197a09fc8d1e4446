import ArrayFormats
import Attribution
import Datasets
import Diffusion
import Evaluation
import Foundation
import Models
import Tensors

/// The benchmark tables.
struct Benchmarks {
    let quick: Bool
    var budget: Double { quick ? 0.05 : 0.3 }

    static func fixture(_ name: String) -> URL {
        let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/models/\(name)")
        return FileManager.default.fileExists(atPath: checkout.path)
            ? checkout : URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Fixtures/models/\(name)")
    }

    func table(_ title: String, _ header: [String], _ rows: [[String]]) {
        print("\n" + title)
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max()! }
        func line(_ cells: [String]) -> String { cells.enumerated().map { String(repeating: " ", count: widths[$0] - $1.count) + $1 }.joined(separator: "  ") }
        print(line(header))
        print(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        rows.forEach { print(line($0)) }
    }

    /// "AMD EPYC, 2 processors, AVX2 + FMA (4 doubles per register)": the processor's model
    /// name (Linux's /proc/cpuinfo; "unknown processor" elsewhere), its count and vector unit.
    static var machineDescription: String {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .flatMap { line in line.firstIndex(of: ":").map { line[line.index(after: $0)...].trimmingCharacters(in: .whitespaces) } }
        return "\(model ?? "unknown processor"), \(Parallelism.processorCount) processors, \(VectorUnit.detected)"
    }

    /// The sections, by the names `--only` takes.
    static let sections = ["gemm", "convolution", "resnet", "attribution", "scaling", "references", "ddpath", "metrics", "rules", "memory"]

    func runAll(only: String? = nil) -> JSONValue {
        print("bench: \(Parallelism.processorCount) processors, vector unit \(VectorUnit.detected), \(quick ? "quick" : "full") run")
        var members: [JSONValue.Member] = [
            .init("processors", .number(Double(Parallelism.processorCount))), .init("vectorUnit", .string(VectorUnit.detected.name)),
        ]
        for section in Self.sections where only == nil || only == section {
            let rows: [JSONValue]
            switch section {
            case "gemm": rows = matrixProducts()
            case "convolution": rows = convolutions()
            case "resnet": rows = resnet()
            case "attribution": rows = attributions()
            case "scaling": rows = stepScaling()
            case "references": rows = referenceMethods()
            case "ddpath": rows = diffusionPaths()
            case "metrics": rows = metrics()
            case "rules": rows = quadratureRules()
            default: rows = memoryAgainstSteps()
            }
            members.append(.init(section, .array(rows)))
        }
        return .object(members)
    }

    // MARK: Matrix products

    func matrixProducts() -> [JSONValue] {
        // (m, n, k) of C = op(A)·op(B) in a dense layer's forward (A·Bᵀ), input gradient (A·B) and
        // weight gradient (Aᵀ·B) for path batches of 200 points.
        let shapes: [(Int, Int, Int)] = quick
            ? [(200, 128, 64), (200, 128, 128), (200, 256, 784)]
            : [(200, 128, 64), (200, 64, 128), (200, 128, 128), (200, 256, 784), (200, 784, 256), (64, 128, 200), (1000, 1000, 1000)]
        var rows: [[String]] = []
        var json: [JSONValue] = []
        var generator = Xoshiro256StarStar(seed: 1)
        for (m, n, k) in shapes {
            let a = (0..<(m * k)).map { _ in generator.nextUniform(in: -1, 1) }
            let b = (0..<(k * n)).map { _ in generator.nextUniform(in: -1, 1) }
            var c = [Double](repeating: 0, count: m * n)
            for form in MatrixProduct.Form.allCases {
                var cells = ["\(m)×\(n)×\(k)", form.rawValue]
                for threads in [1, 2] {
                    let seconds = a.withUnsafeBufferPointer { ap in
                        b.withUnsafeBufferPointer { bp in
                            c.withUnsafeMutableBufferPointer { cp in
                                Parallelism.$threadLimit.withValue(threads) {
                                    Timing.median(budget: budget) {
                                        MatrixProduct.fast(form, m: m, n: n, k: k, a: ap.baseAddress!, b: bp.baseAddress!, c: cp.baseAddress!, accumulate: false)
                                    }
                                }
                            }
                        }
                    }
                    let gflops = 2 * Double(m * n * k) / seconds / 1e9
                    cells.append(String(format: "%.1f", gflops))
                    json.append(.object([
                        .init("m", .number(Double(m))), .init("n", .number(Double(n))), .init("k", .number(Double(k))),
                        .init("form", .string(form.rawValue)), .init("threads", .number(Double(threads))), .init("gflops", .number(gflops)),
                    ]))
                }
                rows.append(cells)
            }
            // A·B with B packed once beforehand, as a layer's weight is: no copy of B per call.
            let packed = MatrixProduct.PackedOperand(b, rows: k, columns: n)
            var cells = ["\(m)×\(n)×\(k)", "packed once"]
            for threads in [1, 2] {
                let seconds = a.withUnsafeBufferPointer { ap in
                    c.withUnsafeMutableBufferPointer { cp in
                        Parallelism.$threadLimit.withValue(threads) {
                            Timing.median(budget: budget) {
                                MatrixProduct.fast(m: m, a: ap.baseAddress!, packed: packed, c: cp.baseAddress!, accumulate: false)
                            }
                        }
                    }
                }
                let gflops = 2 * Double(m * n * k) / seconds / 1e9
                cells.append(String(format: "%.1f", gflops))
                json.append(.object([
                    .init("m", .number(Double(m))), .init("n", .number(Double(n))), .init("k", .number(Double(k))),
                    .init("form", .string("packedOnce")), .init("threads", .number(Double(threads))), .init("gflops", .number(gflops)),
                ]))
            }
            rows.append(cells)
        }
        table("Matrix products, GFLOP/s (2mnk / median time)", ["m×n×k", "form", "1 thread", "2 threads"], rows)
        return json
    }

    // MARK: Convolution

    func convolutions() -> [JSONValue] {
        // The shipped CNNs' convolutions, for a path batch of 200 images.
        let layers: [(String, Convolution2D.Geometry)] = [
            ("digits-cnn conv1", .init(batch: 200, inChannels: 1, height: 8, width: 8, outChannels: 8, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1)),
            ("digits-cnn conv2", .init(batch: 200, inChannels: 8, height: 8, width: 8, outChannels: 16, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1)),
            ("shapes-cnn conv1", .init(batch: 200, inChannels: 1, height: 16, width: 16, outChannels: 8, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1)),
            ("shapes-cnn conv2", .init(batch: 200, inChannels: 8, height: 8, width: 8, outChannels: 16, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1)),
        ]
        var rows: [[String]] = []
        var json: [JSONValue] = []
        var generator = Xoshiro256StarStar(seed: 2)
        for (name, g) in layers {
            let x = (0..<(g.batch * g.inputSize)).map { _ in generator.nextUniform(in: -1, 1) }
            let w = (0..<(g.outChannels * g.patchSize)).map { _ in generator.nextUniform(in: -1, 1) }
            let dy = (0..<(g.batch * g.outputSize)).map { _ in generator.nextUniform(in: -1, 1) }
            var y = [Double](repeating: 0, count: g.batch * g.outputSize)
            var dx = [Double](repeating: 0, count: g.batch * g.inputSize)
            let flops = 2 * Double(g.batch * g.outputSize * g.patchSize)
            var cells = [name]
            for threads in [1, 2] {
                let (forward, backward) = x.withUnsafeBufferPointer { xp in
                    w.withUnsafeBufferPointer { wp in
                        dy.withUnsafeBufferPointer { dyp in
                            y.withUnsafeMutableBufferPointer { yp in
                                dx.withUnsafeMutableBufferPointer { dxp in
                                    Parallelism.$threadLimit.withValue(threads) {
                                        (Timing.median(budget: budget) {
                                            Convolution2D.forwardFast(g, input: xp.baseAddress!, weight: wp.baseAddress!, bias: nil, output: yp.baseAddress!)
                                        },
                                         Timing.median(budget: budget) {
                                            Convolution2D.inputGradientFast(g, weight: wp.baseAddress!, outputGradient: dyp.baseAddress!, inputGradient: dxp.baseAddress!)
                                        })
                                    }
                                }
                            }
                        }
                    }
                }
                cells += [String(format: "%.1f", flops / forward / 1e9), String(format: "%.1f", flops / backward / 1e9)]
                json.append(.object([
                    .init("layer", .string(name)), .init("threads", .number(Double(threads))),
                    .init("forwardGflops", .number(flops / forward / 1e9)), .init("inputGradientGflops", .number(flops / backward / 1e9)),
                ]))
            }
            rows.append(cells)
        }
        table("Convolution at the shipped CNNs' layer shapes, batch 200, GFLOP/s",
              ["layer", "forward 1t", "input grad 1t", "forward 2t", "input grad 2t"], rows)
        return json
    }

    // MARK: Attribution latency

    static let methods: [(String, any AttributionMethod)] = [
        ("gradient", VanillaGradient()),
        ("ig", IntegratedGradients(steps: 200)),
        ("ig-idgi", IntegratedGradients(steps: 200, integrator: ImportantDirection())),
        ("blur-ig", BlurIntegratedGradients(steps: 100)),
        ("guided-ig", GuidedIntegratedGradients(steps: 200)),
        ("smoothgrad", SmoothGrad(samples: 25)),
    ]

    func attributions() -> [JSONValue] {
        var rows: [[String]] = []
        var json: [JSONValue] = []
        for model in ["digits-mlp", "digits-cnn", "shapes-cnn", "moons-mlp"] {
            guard let network = try? ModelDirectory.load(Self.fixture(model)),
                  let input = try? NPY.read(contentsOf: Self.fixture(model).appendingPathComponent("example-input.npy")),
                  let output = try? ClassifierOutput(network: network, target: 0)
            else {
                print("bench: cannot load \(model); run from the repository root")
                continue
            }
            var cells = [model]
            for (name, method) in Self.methods {
                if name == "blur-ig" && input.rank != 3 {
                    cells.append("–")
                    continue
                }
                let steps = (method as? IntegratedGradients)?.steps ?? (method as? BlurIntegratedGradients)?.steps ?? (method as? GuidedIntegratedGradients)?.steps ?? 1
                let seconds = Timing.median(budget: budget) { _ = try? method.attribute(input, of: output) }
                cells.append(String(format: "%.3f", 1000 * seconds))
                json.append(.object([
                    .init("model", .string(model)), .init("method", .string(name)), .init("steps", .number(Double(steps))), .init("seconds", .number(seconds)),
                ]))
            }
            rows.append(cells)
        }
        table("Attribution latency, one input, default steps, ms (median)", ["model"] + Self.methods.map(\.0), rows)
        return json
    }

    // MARK: Scaling

    func stepScaling() -> [JSONValue] {
        guard let network = try? ModelDirectory.load(Self.fixture("digits-cnn")),
              let input = try? NPY.read(contentsOf: Self.fixture("digits-cnn").appendingPathComponent("example-input.npy")),
              let output = try? ClassifierOutput(network: network, target: 2)
        else { return [] }
        let counts = quick ? [10, 100, 1000] : [10, 20, 50, 100, 200, 500, 1000, 2000]
        var rows: [[String]] = []
        var json: [JSONValue] = []
        for steps in counts {
            var cells = ["\(steps)"]
            var times: [Double] = []
            for threads in [1, 2] {
                let seconds = Parallelism.$threadLimit.withValue(threads) {
                    Timing.median(budget: budget) { _ = try? IntegratedGradients(steps: steps).attribute(input, of: output) }
                }
                times.append(seconds)
                cells.append(String(format: "%.3f", 1000 * seconds))
                json.append(.object([.init("steps", .number(Double(steps))), .init("threads", .number(Double(threads))), .init("seconds", .number(seconds))]))
            }
            cells.append(String(format: "%.2f", times[0] / times[1]))
            cells.append(String(format: "%.1f", 1e6 * times[1] / Double(steps)))
            rows.append(cells)
        }
        table("IG on digits-cnn: scaling with steps and threads", ["steps", "1 thread ms", "2 threads ms", "speed-up", "µs per step (2t)"], rows)
        return json
    }

    // MARK: Many references

    /// LPI's one-off cost, clustering the digits training set (1,437 images) in logit space,
    /// split into the forward pass for the logits and k-means; then one input's latency for
    /// EG, LPI and AGI at their defaults, with their gradient evaluations.
    func referenceMethods() -> [JSONValue] {
        guard let digits = try? Datasets.digits() else {
            print("bench: cannot load the digits data; run from the repository root")
            return []
        }
        let training = (0..<digits.train.count).map { digits.train.inputs.point($0) }
        var json: [JSONValue] = []
        var rows: [[String]] = []
        let shapes = quick ? [(1, 20), (10, 20)] : [(1, 20), (10, 20), (10, 5), (1, 100), (20, 20)]
        for model in ["digits-mlp", "digits-cnn"] {
            guard let network = try? ModelDirectory.load(Self.fixture(model)) else { continue }
            let stacked = Tensor.stacking(training)
            let logitsSeconds = Timing.median(budget: budget) { _ = try? network.logits(for: stacked) }
            guard let logits = try? network.logits(for: stacked) else { continue }
            let rowsOfLogits = (0..<training.count).map { Array(logits.scalars[($0 * 10)..<(($0 + 1) * 10)]) }
            for (clusters, subclusters) in shapes {
                do {
                    _ = try ReferenceClustering(logits: rowsOfLogits, clusters: clusters, subclusters: subclusters, seed: 0)
                } catch {
                    // Too few members in some cluster: report it rather than time a failure.
                    rows.append([model, "\(training.count)", "\(clusters)", "\(subclusters)", String(format: "%.1f", 1000 * logitsSeconds), "refused"])
                    continue
                }
                let seconds = Timing.median(budget: budget, minimumRuns: 1) {
                    _ = try? ReferenceClustering(logits: rowsOfLogits, clusters: clusters, subclusters: subclusters, seed: 0)
                }
                rows.append([model, "\(training.count)", "\(clusters)", "\(subclusters)", String(format: "%.1f", 1000 * logitsSeconds), String(format: "%.1f", 1000 * seconds)])
                json.append(.object([
                    .init("model", .string(model)), .init("references", .number(Double(training.count))), .init("clusters", .number(Double(clusters))),
                    .init("subclusters", .number(Double(subclusters))), .init("logitsSeconds", .number(logitsSeconds)), .init("kMeansSeconds", .number(seconds)),
                ]))
            }
        }
        table("LPI's clustering of the digits training set in logit space, once per reference set and model, ms (median)",
              ["model", "references", "C", "R", "logits ms", "k-means ms"], rows)

        guard let network = try? ModelDirectory.load(Self.fixture("digits-cnn")),
              let input = try? NPY.read(contentsOf: Self.fixture("digits-cnn").appendingPathComponent("example-input.npy")),
              let output = try? ClassifierOutput(network: network, target: 2),
              let clustering = try? LocalPathIntegration.cluster(training, network: network, clusters: 1, subclusters: 20, seed: 0)
        else { return json }
        let methods: [(String, any AttributionMethod)] = [
            ("expected-gradients (K 50)", ExpectedGradients(references: training)),
            ("expected-gradients idgi (K 50, 20 steps)", ExpectedGradients(references: training, integrator: ImportantDirection())),
            ("lpi (C 1, R 20, k 5)", LocalPathIntegration(references: training, clustering: clustering, network: network)),
            ("lpi idgi (R 20, 20 steps)", LocalPathIntegration(references: training, clustering: clustering, network: network, integrator: ImportantDirection())),
            ("agi (9 classes, 20 iterations)", AdversarialGradientIntegration(classCount: 10)),
            ("agi idgi", AdversarialGradientIntegration(classCount: 10, integrator: ImportantDirection())),
        ]
        rows = []
        for (name, method) in methods {
            guard let result = try? method.attribute(input, of: output) else { continue }
            let seconds = Timing.median(budget: budget) { _ = try? method.attribute(input, of: output) }
            rows.append([name, "\(result.gradientEvaluations)", "\(result.valueEvaluations)", String(format: "%.2f", 1000 * seconds)])
            json.append(.object([
                .init("method", .string(name)), .init("gradientEvaluations", .number(Double(result.gradientEvaluations))),
                .init("valueEvaluations", .number(Double(result.valueEvaluations))), .init("seconds", .number(seconds)),
            ]))
        }
        table("Many references on digits-cnn, one input, ms (median)", ["method", "gradients", "values", "ms"], rows)
        return json
    }

    // MARK: DDPath

    /// DDPath on digits-cnn's example digit with the digits diffusion model: the whole
    /// attribution per base and integrator, and its parts — one denoiser call and one
    /// classifier-gradient call on the T − 1 interior anchors, and the T attribution gradients.
    func diffusionPaths() -> [JSONValue] {
        let diffusionDirectory = Self.fixture("digits-cnn").deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("diffusion/digits")
        guard let model = try? DiffusionModel.load(diffusionDirectory),
              let network = try? ModelDirectory.load(Self.fixture("digits-cnn")),
              let input = try? NPY.read(contentsOf: Self.fixture("digits-cnn").appendingPathComponent("example-input.npy")),
              let output = try? ClassifierOutput(network: network, target: 2)
        else {
            print("bench: cannot load Fixtures/diffusion/digits or digits-cnn; run from the repository root")
            return []
        }
        let steps = quick ? 50 : 200
        let denoising = AnchorDenoising(rule: .step, scaling: 1, reversed: false, guidanceScale: 4, sampling: .shared)
        var json: [JSONValue] = []
        var rows: [[String]] = []
        for base in DenoisingDiffusionPath.Base.allCases {
            for (integratorName, integrator) in [("riemann", RiemannSum() as any Integrator), ("idgi", ImportantDirection())] {
                let method = DenoisingDiffusionPath(model: model, base: base, steps: steps, denoising: denoising, integrator: integrator)
                guard let result = try? method.attribute(input, of: output) else { continue }
                let seconds = Timing.median(budget: budget) { _ = try? method.attribute(input, of: output) }
                let name = "ddpath \(base.rawValue) \(integratorName)"
                rows.append([name, "\(result.gradientEvaluations)", "\(result.valueEvaluations)", String(format: "%.2f", 1000 * seconds)])
                json.append(.object([
                    .init("method", .string(name)), .init("steps", .number(Double(steps))),
                    .init("gradientEvaluations", .number(Double(result.gradientEvaluations))), .init("seconds", .number(seconds)),
                ]))
            }
        }
        table("DDPath on digits-cnn with Fixtures/diffusion/digits, one input, T = \(steps), ms (median)", ["method", "gradients", "values", "ms"], rows)

        // The parts of DDPath-IG: the anchors' denoising (one batched call of each network) and
        // the attribution's gradients (T points of digits-cnn).
        let anchors = Tensor(shape: [steps - 1] + input.shape, scalars: (1..<steps).flatMap { i in input.scalars.map { $0 * Double(i) / Double(steps) } })
        let u = model.diffusionScale(anchors)
        let times = (1..<steps).map { denoising.time(anchor: $0, of: steps, diffusionSteps: model.schedule.steps) }
        let denoiserSeconds = Timing.median(budget: budget) { _ = try? model.predictedNoise(u, times: times) }
        let guidanceSeconds = Timing.median(budget: budget) { _ = try? model.classifierGuidance(u, times: times, classes: times.map { _ in 2 }) }
        let points = Tensor(shape: [steps] + input.shape, scalars: (0..<steps).flatMap { i in input.scalars.map { $0 * Double(i) / Double(steps) } })
        let gradientSeconds = Timing.median(budget: budget) { _ = try? output.valuesAndGradients(at: points) }
        table("DDPath-IG's parts, T = \(steps), ms (median)", ["part", "calls", "ms"], [
            ["denoiser ε_θ on the T − 1 anchors", "1 batch of \(steps - 1)", String(format: "%.2f", 1000 * denoiserSeconds)],
            ["classifier gradient ∇ log p_φ on them", "1 batch of \(steps - 1)", String(format: "%.2f", 1000 * guidanceSeconds)],
            ["attribution gradients ∇F on the path", "1 batch of \(steps)", String(format: "%.2f", 1000 * gradientSeconds)],
        ])
        json.append(.object([
            .init("part", .string("parts")), .init("steps", .number(Double(steps))), .init("denoiserSeconds", .number(denoiserSeconds)),
            .init("guidanceSeconds", .number(guidanceSeconds)), .init("gradientSeconds", .number(gradientSeconds)),
        ]))
        return json
    }

    // MARK: Metrics

    /// The metrics on digits-cnn's example digit and its IG map: insertion/deletion, SIC and
    /// AIC with the compressed-size information, DiffID, infidelity, and max-sensitivity of the
    /// gradient (the settings `Benchmarks/peers_metrics.py` gives Captum and PAIR).
    func metrics() -> [JSONValue] {
        guard let network = try? ModelDirectory.load(Self.fixture("digits-cnn")),
              let input = try? NPY.read(contentsOf: Self.fixture("digits-cnn").appendingPathComponent("example-input.npy")),
              let output = try? ClassifierOutput(network: network, target: 2, kind: .probability),
              let logit = try? ClassifierOutput(network: network, target: 2, kind: .logit),
              let attribution = try? IntegratedGradients().attribute(input, of: output).attribution
        else { return [] }
        let measured: [(String, () -> Void)] = [
            ("insertion + deletion (20 steps, zeros)", { _ = try? InsertionDeletion().evaluate(input: input, attribution: attribution, output: output) }),
            ("insertion + deletion (20 steps, blur)", { _ = try? InsertionDeletion(substrate: .blur(sigma: 5)).evaluate(input: input, attribution: attribution, output: output) }),
            ("SIC (13 thresholds, compressed size)", { _ = try? PerformanceInformationCurve(.sic).evaluate(input: input, attribution: attribution, network: network, target: 2) }),
            ("AIC (13 thresholds, compressed size)", { _ = try? PerformanceInformationCurve(.aic).evaluate(input: input, attribution: attribution, network: network, target: 2) }),
            ("DiffID (ratios 0.1…0.9)", { _ = try? DiffID().evaluate(input: input, attribution: attribution, output: logit) }),
            ("infidelity (10 Gaussian perturbations)", { _ = try? Infidelity().evaluate(input: input, attribution: attribution, output: output) }),
            ("max-sensitivity of the gradient (10 perturbations)", {
                _ = try? MaxSensitivity(method: VanillaGradient()).evaluate(input: input, function: output)
            }),
        ]
        var rows: [[String]] = []
        var json: [JSONValue] = []
        for (name, body) in measured {
            let seconds = Timing.median(budget: budget, body)
            rows.append([name, String(format: "%.3f", 1000 * seconds)])
            json.append(.object([.init("metric", .string(name)), .init("seconds", .number(seconds))]))
        }
        table("Metrics on digits-cnn's example digit and its IG map, ms per image (median)", ["metric", "ms"], rows)
        return json
    }

    // MARK: Quadrature rules

    /// Gauss–Legendre rules from scratch (uncached): the O(N²) recurrence up to N = 500, the
    /// O(N) walk above (both timed at N = 500 and 1,000 for comparison).
    func quadratureRules() -> [JSONValue] {
        let sizes = quick ? [200, 2_000, 10_000] : [200, 500, 1_000, 2_000, 10_000, 100_000]
        var rows: [[String]] = []
        var json: [JSONValue] = []
        for n in sizes {
            let walk = Timing.median(budget: budget, minimumRuns: 1) { _ = GaussLegendre.walk(n) }
            let recurrence = n <= 2_000 ? Timing.median(budget: budget, minimumRuns: 1) { _ = GaussLegendre.compute(n) } : nil
            rows.append(["\(n)", recurrence.map { String(format: "%.2f", 1000 * $0) } ?? "–", String(format: "%.2f", 1000 * walk),
                         n > GaussLegendre.walkThreshold ? "walk" : "recurrence"])
            json.append(.object([
                .init("n", .number(Double(n))), .init("walkSeconds", .number(walk)), .init("recurrenceSeconds", recurrence.map { .number($0) } ?? .null),
            ]))
        }
        table("Gauss–Legendre rules from scratch, ms (median)", ["N", "O(N²) recurrence", "O(N) walk", "used"], rows)
        return json
    }

    // MARK: Memory

    func memoryAgainstSteps() -> [JSONValue] {
        let counts = quick ? [100, 1000, 10_000] : [100, 1000, 10_000, 100_000]
        var rows: [[String]] = []
        var json: [JSONValue] = []
        let executable = URL(fileURLWithPath: CommandLine.arguments[0])
        for steps in counts {
            let process = Process()
            process.executableURL = executable
            process.arguments = ["--probe-memory", String(steps)]
            let pipe = Pipe()
            process.standardOutput = pipe
            guard (try? process.run()) != nil else { continue }
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            guard let bytes = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { continue }
            rows.append(["\(steps)", String(format: "%.1f", Double(bytes) / 1_048_576)])
            json.append(.object([.init("steps", .number(Double(steps))), .init("peakBytes", .number(Double(bytes)))]))
        }
        table("Peak resident memory of one IDGI-IG attribution on shapes-cnn, without a ledger (fresh process each)", ["steps", "MiB"], rows)
        return json
    }
}

/// One attribution in a fresh process, reporting its peak memory.
enum MemoryProbe {
    static func run(steps: Int) -> Int {
        guard let network = try? ModelDirectory.load(Benchmarks.fixture("shapes-cnn")),
              let input = try? NPY.read(contentsOf: Benchmarks.fixture("shapes-cnn").appendingPathComponent("example-input.npy")),
              let output = try? ClassifierOutput(network: network, target: 0)
        else { return -1 }
        // IDGI: the integrator that needs F at every segment end, the most bookkeeping per step.
        // (A ledger, when asked for, adds 7 numbers per step: it is output, not working memory.)
        _ = try? IntegratedGradients(steps: steps, integrator: ImportantDirection()).attribute(input, of: output)
        return peakResidentBytes() ?? -1
    }
}
