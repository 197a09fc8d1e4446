import ArrayFormats
import Attribution
import Datasets
import Foundation
import Models
import Tensors

/// The ResNet-sized tables: the machine's arithmetic peak, convolutions at a ResNet's layer
/// shapes, Integrated Gradients through a whole ResNet-8 read from ONNX, and IG on 100 digits
/// with the fraction of the peak each reaches.
extension Benchmarks {
    /// GFLOP/s of ``ArithmeticPeak`` — nothing but the kernels' arithmetic — on `threads` threads.
    static func peakGflops(threads: Int, seconds budget: Double) -> Double {
        let iterations = 2_000_000
        let seconds = Parallelism.$threadLimit.withValue(threads) {
            Timing.median(budget: budget) {
                Parallelism.forEachChunk(threads) { chunk in
                    blackHole(ArithmeticPeak.chains(iterations: iterations, seed: Double(chunk + 1)))
                }
            }
        }
        return 2 * 8 * 16 * Double(iterations) * Double(threads) / seconds / 1e9
    }

    /// `Benchmarks/resnet8/` of this checkout (made by Benchmarks/make_resnet8.py).
    static var resnetFolder: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Benchmarks/resnet8")
    }

    func resnet() -> [JSONValue] {
        var json: [JSONValue] = []
        let peaks = [1, 2].map { Self.peakGflops(threads: $0, seconds: budget) }
        print("\nArithmetic peak without fused multiply-add (SIMD8 multiplies and adds in registers): "
              + String(format: "%.1f GFLOP/s on 1 thread, %.1f on 2", peaks[0], peaks[1]))
        json.append(.object([.init("peakGflops1", .number(peaks[0])), .init("peakGflops2", .number(peaks[1]))]))
        json += resnetConvolutions(peaks: peaks)
        json += resnetIntegratedGradients(peak: peaks[1])
        json += digitsIntegratedGradients(peak: peaks[1])
        return json
    }

    /// Forward, input gradient and weight gradient at a CIFAR ResNet's layer shapes, for a
    /// path batch of 50 images (IG's 50 steps of one image).
    func resnetConvolutions(peaks: [Double]) -> [JSONValue] {
        typealias Shape = (name: String, c: Int, h: Int, o: Int, k: Int, stride: Int, groups: Int)
        let shapes: [Shape] = [
            ("stem 3→16 3×3 @32", 3, 32, 16, 3, 1, 1),
            ("16→16 3×3 @32", 16, 32, 16, 3, 1, 1),
            ("16→32 3×3 s2 @32", 16, 32, 32, 3, 2, 1),
            ("32→32 3×3 @16", 32, 16, 32, 3, 1, 1),
            ("32→64 3×3 s2 @16", 32, 16, 64, 3, 2, 1),
            ("64→64 3×3 @8", 64, 8, 64, 3, 1, 1),
            ("1×1 16→32 s2 @32", 16, 32, 32, 1, 2, 1),
            ("1×1 32→64 @16", 32, 16, 64, 1, 1, 1),
            ("depthwise 32 3×3 @16", 32, 16, 32, 3, 1, 32),
            ("depthwise 64 3×3 s2 @16", 64, 16, 64, 3, 2, 64),
        ]
        let batch = quick ? 16 : 50
        var rows: [[String]] = []
        var json: [JSONValue] = []
        var generator = Xoshiro256StarStar(seed: 3)
        for shape in shapes {
            let padding = shape.k / 2
            guard let conv = try? Conv2D(
                weight: Tensor.uniform(shape: [shape.o, shape.c / shape.groups, shape.k, shape.k], in: -1, 1, using: &generator), bias: nil,
                strides: [shape.stride, shape.stride], pads: [padding, padding, padding, padding], groups: shape.groups),
                let outputShape = try? conv.outputShape(for: [shape.c, shape.h, shape.h])
            else { continue }
            let x = Tensor.uniform(shape: [batch, shape.c, shape.h, shape.h], in: -1, 1, using: &generator)
            let dy = Tensor.uniform(shape: [batch] + outputShape, in: -1, 1, using: &generator)
            let y = conv.forward(x)
            let flops = 2 * Double(batch * Tensor.elementCount(of: outputShape) * (shape.c / shape.groups) * shape.k * shape.k)
            var cells = [shape.name]
            for threads in [1, 2] {
                let times = Parallelism.$threadLimit.withValue(threads) {
                    [
                        Timing.median(budget: budget) { blackHole(conv.forward(x).scalars[0]) },
                        Timing.median(budget: budget) { blackHole(conv.inputGradient(input: x, output: y, outputGradient: dy, rule: .gradient).scalars[0]) },
                        Timing.median(budget: budget) { blackHole(conv.parameterGradients(input: x, outputGradient: dy)[0].scalars[0]) },
                    ]
                }
                let rates = times.map { flops / $0 / 1e9 }
                cells += rates.map { String(format: "%.1f", $0) }
                json.append(.object([
                    .init("layer", .string(shape.name)), .init("threads", .number(Double(threads))), .init("batch", .number(Double(batch))),
                    .init("forwardGflops", .number(rates[0])), .init("inputGradientGflops", .number(rates[1])), .init("weightGradientGflops", .number(rates[2])),
                ]))
            }
            rows.append(cells)
        }
        table("Convolution at ResNet layer shapes, batch \(batch), GFLOP/s (2 × multiply-adds / median time; forward, input gradient, weight gradient)",
              ["layer", "fwd 1t", "dx 1t", "dw 1t", "fwd 2t", "dx 2t", "dw 2t"], rows)
        return json
    }

    /// IG, left rule, 50 steps, the 8 images of Benchmarks/resnet8 (each its own target), the
    /// logit — in this process, as `attribute` computes it — and the fraction of peak it reaches.
    func resnetIntegratedGradients(peak: Double) -> [JSONValue] {
        let folder = Self.resnetFolder
        guard let loaded = try? ONNXImport.load(folder.appendingPathComponent("model.onnx")),
              let inputs = try? NPY.read(contentsOf: folder.appendingPathComponent("inputs.npy")),
              let targetValues = try? NPY.read(contentsOf: folder.appendingPathComponent("targets.npy")),
              let output = try? ClassifierOutput(network: loaded.network, target: 0, kind: .logit),
              let functions = try? ExplainedFunctions(output, targets: targetValues.scalars.map { Int($0) })
        else {
            print("bench: cannot load Benchmarks/resnet8 (run Benchmarks/make_resnet8.py)")
            return []
        }
        let network = loaded.network
        let points = (0..<inputs.batchCount).map { inputs.point($0) }
        let method = IntegratedGradients(steps: 50, rule: .left)
        let multiplyAdds = Double(network.multiplyAddsPerPoint)
        let (seconds, rate) = integratedGradientsRate(method, points, functions, multiplyAdds: multiplyAdds)
        print(String(
            format: "\nIG through ResNet-8 (ONNX), left rule, 50 steps, 8 images of 3×32×32: %.3f s; %.1f MFLOP per gradient; %.1f GFLOP/s, %.0f%% of the 2-thread peak",
            seconds, 4 * multiplyAdds / 1e6, rate, 100 * rate / peak))
        return [rateRow(model: "resnet8", seconds: seconds, gflops: rate, peak: peak, multiplyAdds: multiplyAdds)]
    }

    /// The median time of `method` on `points` in this process, and its rate counting only the
    /// layers' multiply-adds: a gradient is a forward pass and an input-gradient pass of the same
    /// multiply-adds (4 flops each), and each point adds two forward passes (F at the input and
    /// at the baseline).
    func integratedGradientsRate(
        _ method: IntegratedGradients, _ points: [Tensor], _ functions: ExplainedFunctions, multiplyAdds: Double
    ) -> (seconds: Double, gflops: Double) {
        let seconds = Timing.median(budget: budget, minimumRuns: 3) { blackHole((try? method.attribute(points, of: functions))?.count ?? 0) }
        let flops = Double(points.count) * (Double(method.steps) * 4 * multiplyAdds + 2 * 2 * multiplyAdds)
        return (seconds, flops / seconds / 1e9)
    }

    /// One row of the whole-model rates for `--json`.
    func rateRow(model: String, images: Int? = nil, seconds: Double, gflops: Double, peak: Double, multiplyAdds: Double) -> JSONValue {
        .object([.init("model", .string(model))] + (images.map { [.init("images", .number(Double($0)))] } ?? []) + [
            .init("seconds", .number(seconds)), .init("gflops", .number(gflops)),
            .init("fractionOfPeak", .number(gflops / peak)), .init("multiplyAddsPerPoint", .number(multiplyAdds)),
        ])
    }
}

extension Benchmarks {
    /// IG at its defaults (200 steps, the left-rule Riemann sum) on the first 100 digits test
    /// images, each attributed to its predicted class, in this process on 2 threads — the
    /// work of one `attribute` run on them — and the fraction of the 2-thread peak it reaches
    /// (``integratedGradientsRate(_:_:_:multiplyAdds:)``: activations, softmax and the path's
    /// bookkeeping are not counted).
    func digitsIntegratedGradients(peak: Double) -> [JSONValue] {
        guard let digits = try? Datasets.digits() else {
            print("bench: cannot load the digits (Fixtures/data)")
            return []
        }
        let images = (0..<100).map { digits.test.inputs.point($0) }
        var json: [JSONValue] = []
        for model in ["digits-mlp", "digits-cnn"] {
            guard let network = try? ModelDirectory.load(Self.fixture(model)),
                  let predictions = try? network.predictions(for: Tensor.stacking(images)),
                  let output = try? ClassifierOutput(network: network, target: 0),
                  let functions = try? ExplainedFunctions(output, targets: predictions)
            else {
                print("bench: cannot load \(model); run from the repository root")
                continue
            }
            let multiplyAdds = Double(network.multiplyAddsPerPoint)
            let (seconds, rate) = Parallelism.$threadLimit.withValue(2) {
                integratedGradientsRate(IntegratedGradients(), images, functions, multiplyAdds: multiplyAdds)
            }
            print(String(
                format: "IG on 100 digits test images through %@, 200 steps: %.3f s; %.2f MFLOP per gradient; %.1f GFLOP/s, %.0f%% of the 2-thread peak",
                model, seconds, 4 * multiplyAdds / 1e6, rate, 100 * rate / peak))
            json.append(rateRow(model: model, images: images.count, seconds: seconds, gflops: rate, peak: peak, multiplyAdds: multiplyAdds))
        }
        return json
    }
}

/// Keeps a value alive so the optimiser cannot drop the work that made it: an unoptimised call
/// it cannot see through.
@inline(never) @_optimize(none)
func blackHole<T>(_ value: T) { withExtendedLifetime(value) {} }
