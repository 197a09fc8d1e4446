import ArrayFormats
import Attribution
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

    func runAll() -> JSONValue {
        print("bench: \(Parallelism.processorCount) processors, \(quick ? "quick" : "full") run")
        let gemm = matrixProducts()
        let convolution = convolutions()
        let attribution = attributions()
        let scaling = stepScaling()
        let memory = memoryAgainstSteps()
        return .object([
            .init("processors", .number(Double(Parallelism.processorCount))),
            .init("gemm", .array(gemm)), .init("convolution", .array(convolution)),
            .init("attribution", .array(attribution)), .init("scaling", .array(scaling)), .init("memory", .array(memory)),
        ])
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
