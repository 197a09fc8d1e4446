import ArrayFormats
import Attribution
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

/// Graph networks exported by torch (ResNet blocks, concatenated branches with a gate,
/// depthwise-separable and dilated convolutions with an exporter-made pad), read from their
/// ONNX files and checked against torch's logits and gradients and against Integrated Gradients
/// under five of Captum's rules — from the rules' definitions in float64, and from Captum as
/// shipped (`Fixtures/onnx/export_graph_goldens.py`).
@Suite("Graph goldens: ONNX graphs against torch and Captum", .tags(.golden))
struct GraphGoldenTests {
    static let names = ["graph-resnet", "graph-concat", "graph-depthwise"]

    /// Captum's `method` names and this library's rules.
    static let rules: [(captum: String, steps: Int, rule: QuadratureRule)] = [
        ("gausslegendre", 50, .gaussLegendre), ("riemann_left", 20, .left), ("riemann_right", 20, .right),
        ("riemann_middle", 20, .middle), ("riemann_trapezoid", 20, .captumTrapezoid),
    ]

    static func npy(_ name: String, _ file: String) throws -> Tensor {
        try NPY.read(contentsOf: FixturePaths.url("onnx/graph-goldens/\(name)/\(file)"))
    }

    /// IG of each input's target logit from a zero baseline.
    static func integratedGradients(_ network: Sequential, inputs: Tensor, targets: [Int], steps: Int, rule: QuadratureRule) throws -> [Double] {
        var result: [Double] = []
        for b in 0..<inputs.batchCount {
            let output = try ClassifierOutput(network: network, target: targets[b], kind: .logit)
            let x = inputs.point(b)
            result += try IntegratedGradients(baseline: Tensor(shape: x.shape, repeating: 0), steps: steps, rule: rule).attribute(x, of: output).attribution.scalars
        }
        return result
    }

    @Test("float64 files: logits, gradients and IG under five of Captum's rules agree to 1e-9 (Captum as shipped, to its float32 nodes: 1e-6)", arguments: names)
    func float64(name: String) throws {
        let loaded = try ONNXImport.load(FixturePaths.url("onnx/\(name)-float64.onnx"))
        #expect(loaded.warnings.isEmpty)
        let network = loaded.network
        #expect(!network.isChain, "\(name) is a graph")
        let inputs = try Self.npy(name, "inputs.npy")
        let targets = try Self.npy(name, "targets.npy").scalars.map { Int($0) }
        // Both sides compute in float64 in different orders: ~1e-15 apart. 1e-9 of the map's
        // scale leaves ample room, and a wrong rule or weight is off by far more (the rules
        // differ from each other by ~1e-2 here).
        let tolerance = Tolerance(relative: 1e-9)
        expectClose(try network.logits(for: inputs).scalars, try Self.npy(name, "logits.npy").scalars, tolerance, "\(name) logits")
        let output = try ClassifierOutput(network: network, target: 0, kind: .logit)
        let gradients = try output.valuesAndGradients(at: inputs, targets: targets).gradients.scalars
        expectClose(gradients, try Self.npy(name, "gradients.npy").scalars, tolerance, "\(name) gradients")
        for (captum, steps, rule) in Self.rules {
            let ours = try Self.integratedGradients(network, inputs: inputs, targets: targets, steps: steps, rule: rule)
            let theirs = try Self.npy(name, "ig-\(captum)-\(steps).npy").scalars
            let scale = theirs.map(abs).max() ?? 1
            expectClose(ours, theirs, Tolerance(relative: 0, absolute: 1e-9 * scale), "\(name) IG \(captum) \(steps)")
            // Captum as shipped rounds its nodes and weights to float32 (1/20 by 2⁻²⁶ relative):
            // ~1.5e-8 of the scale, so 1e-6.
            let shipped = try Self.npy(name, "captum-ig-\(captum)-\(steps).npy").scalars
            expectClose(ours, shipped, Tolerance(relative: 0, absolute: 1e-6 * scale), "\(name) Captum's IG \(captum) \(steps) as shipped")
        }
    }

    @Test("float32 twins: the weights are the float64 ones rounded, and logits and IG agree with torch's float32 to its rounding", arguments: names)
    func float32(name: String) throws {
        let single = try ONNXImport.load(FixturePaths.url("onnx/\(name)-float32.onnx")).network
        let double = try ONNXImport.load(FixturePaths.url("onnx/\(name)-float64.onnx")).network
        for (rounded, exact) in zip(single.parameters, double.parameters) where rounded.shape == exact.shape && rounded.count > 1 {
            // Folded BatchNorms multiply in float32 on torch's side, so compare to float32's precision.
            expectClose(rounded.scalars, exact.scalars, Tolerance(relative: 1e-6, absolute: 1e-7), "\(name) weights")
        }
        let inputs = try Self.npy(name, "inputs.npy")
        let targets = try Self.npy(name, "targets.npy").scalars.map { Int($0) }
        // torch computes in float32 (unit roundoff 6e-8) through a dozen layers: 1e-4 of the scale.
        let logits = try single.logits(for: inputs).scalars
        let torchLogits = try Self.npy(name, "float32-logits.npy").scalars
        expectClose(logits, torchLogits, Tolerance(relative: 0, absolute: 1e-4 * (torchLogits.map(abs).max() ?? 1)), "\(name) float32 logits")
        let ours = try Self.integratedGradients(single, inputs: inputs, targets: targets, steps: 50, rule: .gaussLegendre)
        let theirs = try Self.npy(name, "float32-ig-gausslegendre-50.npy").scalars
        expectClose(ours, theirs, Tolerance(relative: 0, absolute: 1e-4 * (theirs.map(abs).max() ?? 1)), "\(name) float32 IG")
    }

    @Test("The depthwise file's pad comes from the exporter's shape arithmetic, folded at load into one zero pad")
    func foldedPad() throws {
        let network = try ONNXImport.load(FixturePaths.url("onnx/graph-depthwise-float64.onnx")).network
        let pads = network.layers.compactMap { $0 as? ZeroPad }
        #expect(pads.map(\.pads) == [[0, 2, 1, 0, 1, 0]])  // (C, H, W) before, then after: top 2, left 1, bottom 1, right 0
        #expect(network.layers.contains { ($0 as? Conv2D)?.groups == 4 })
        #expect(network.layers.contains { ($0 as? Conv2D)?.dilations == [2, 2] })
        #expect(network.layers.contains { $0 is BatchNormalization })
    }
}
