import Models
import Tensors
import Testing
import _TestSupport

/// One layer under test with the point shape it takes.
struct LayerCase: Sendable, CustomStringConvertible {
    var description: String
    var layer: any Layer
    var inputShape: [Int]

    static func all() throws -> [LayerCase] {
        var generator = Seeds.generator(900)
        return [
            LayerCase(description: "dense 7→5", layer: Dense(inputs: 7, outputs: 5, using: &generator), inputShape: [7]),
            LayerCase(description: "dense without bias 3→1", layer: try Dense(weight: Tensor.normal(shape: [1, 3], using: &generator), bias: nil), inputShape: [3]),
            LayerCase(description: "conv2d 3×3 s1 p1", layer: Conv2D(inChannels: 2, outChannels: 3, kernelSize: 3, stride: 1, padding: 1, using: &generator), inputShape: [2, 6, 5]),
            LayerCase(description: "conv2d 2×2 s2 p0", layer: Conv2D(inChannels: 3, outChannels: 2, kernelSize: 2, stride: 2, padding: 0, using: &generator), inputShape: [3, 7, 6]),
            LayerCase(
                description: "conv2d 3×1 s3 p2 no bias",
                layer: try Conv2D(weight: Tensor.normal(shape: [2, 1, 3, 1], using: &generator), bias: nil, stride: 3, padding: 2), inputShape: [1, 5, 4]),
            LayerCase(description: "relu", layer: ActivationLayer(.relu), inputShape: [2, 3, 3]),
            LayerCase(description: "leakyrelu 0.1", layer: ActivationLayer(.leakyReLU(slope: 0.1)), inputShape: [11]),
            LayerCase(description: "softplus", layer: ActivationLayer(.softplus), inputShape: [11]),
            LayerCase(description: "silu", layer: ActivationLayer(.silu), inputShape: [11]),
            LayerCase(description: "tanh", layer: ActivationLayer(.tanh), inputShape: [11]),
            LayerCase(description: "sigmoid", layer: ActivationLayer(.sigmoid), inputShape: [11]),
            LayerCase(description: "maxpool2d 2 s2", layer: try MaxPool2D(size: 2, stride: 2), inputShape: [2, 6, 5]),
            LayerCase(description: "maxpool2d 3 s1 (overlapping)", layer: try MaxPool2D(size: 3, stride: 1), inputShape: [1, 5, 5]),
            LayerCase(description: "avgpool2d 2 s1", layer: try AvgPool2D(size: 2, stride: 1), inputShape: [2, 4, 5]),
            LayerCase(description: "flatten", layer: Flatten(), inputShape: [2, 3, 2]),
            LayerCase(
                description: "conv2d 3×2 strides (2, 1) pads (1, 0, 2, 1) dilations (2, 1) 2 groups",
                layer: try Conv2D(
                    weight: Tensor.normal(shape: [4, 2, 3, 2], using: &generator), bias: Tensor.normal(shape: [4], using: &generator),
                    strides: [2, 1], pads: [1, 0, 2, 1], dilations: [2, 1], groups: 2),
                inputShape: [4, 7, 5]),
            LayerCase(
                description: "conv2d depthwise 3×3 s2 p1",
                layer: try Conv2D(weight: Tensor.normal(shape: [3, 1, 3, 3], using: &generator), bias: nil, strides: [2, 2], pads: [1, 1, 1, 1], groups: 3),
                inputShape: [3, 5, 6]),
            LayerCase(
                description: "conv2d depthwise multiplier 2, 5×5 p2",
                layer: Conv2D(inChannels: 2, outChannels: 4, kernelSize: 5, padding: 2, groups: 2, using: &generator), inputShape: [2, 5, 5]),
            LayerCase(
                description: "maxpool2d 3×2 strides (2, 1) pads (1, 1, 1, 0)",
                layer: MaxPool2D(window: try PoolingWindow(kernel: [3, 2], strides: [2, 1], pads: [1, 1, 1, 0], kind: "maxpool2d")), inputShape: [2, 5, 4]),
            LayerCase(
                description: "avgpool2d 3×3 s2 p1 count_include_pad",
                layer: AvgPool2D(window: try PoolingWindow(kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], kind: "avgpool2d"), countIncludePad: true),
                inputShape: [2, 5, 6]),
            LayerCase(
                description: "avgpool2d 2×3 strides (1, 2) pads (1, 0, 0, 2) excluding the padding",
                layer: AvgPool2D(window: try PoolingWindow(kernel: [2, 3], strides: [1, 2], pads: [1, 0, 0, 2], kind: "avgpool2d"), countIncludePad: false),
                inputShape: [1, 4, 5]),
            LayerCase(description: "clip [−0.5, 1]", layer: try Clip(minimum: -0.5, maximum: 1), inputShape: [13]),
            LayerCase(
                description: "affine per channel [C, 1, 1]",
                layer: try ElementwiseAffine(scale: Tensor.normal(shape: [3, 1, 1], using: &generator), shift: Tensor.normal(shape: [3, 1, 1], using: &generator)),
                inputShape: [3, 2, 4]),
            LayerCase(
                description: "affine by a row [W] and a scalar shift",
                layer: try ElementwiseAffine(scale: Tensor.normal(shape: [4], using: &generator), shift: Tensor.normal(shape: [1], using: &generator)),
                inputShape: [2, 3, 4]),
            LayerCase(
                description: "batchnorm over 3 channels",
                layer: try BatchNormalization(
                    scale: Tensor.normal(shape: [3], using: &generator), shift: Tensor.normal(shape: [3], using: &generator),
                    mean: Tensor.normal(shape: [3], using: &generator), variance: Tensor.uniform(shape: [3], in: 0.2, 2, using: &generator), epsilon: 1e-3),
                inputShape: [3, 2, 3]),
            LayerCase(description: "zero pad (0, 1, 2) before, (1, 0, 3) after", layer: try ZeroPad(pads: [0, 1, 2, 1, 0, 3]), inputShape: [2, 3, 2]),
            LayerCase(description: "reshape [2, 3, 4] → [6, 4]", layer: try Reshape(shape: [6, 4]), inputShape: [2, 3, 4]),
        ]
    }
}

@Suite("Layers: backward passes equal finite differences", .tags(.gradients))
struct LayerGradientTests {
    /// See AnalyticFunctionTests: finite differences err by ~1e-10 of scale; the line is 1e-6.
    static let tolerance = Tolerance(relative: 1e-6, absolute: 1e-12)

    /// The scalar L = ⟨G, layer(x)⟩ for a fixed random G, whose gradients are exactly what the
    /// backward pass computes when given ∂L/∂y = G.
    static func probe(_ layer: any Layer, _ x: Tensor, _ g: Tensor) -> Double {
        Reductions.dotReference(layer.forward(x).scalars, g.scalars)
    }

    @Test("Input gradients", arguments: try LayerCase.all())
    func inputGradient(testCase: LayerCase) throws {
        var generator = Seeds.generator(901, label: testCase.description)
        let layer = testCase.layer
        let outputShape = try layer.outputShape(for: testCase.inputShape)
        let batch = 3
        let x = Tensor.uniform(shape: [batch] + testCase.inputShape, in: -2, 2, using: &generator)
        let g = Tensor.normal(shape: [batch] + outputShape, using: &generator)
        let y = layer.forward(x)
        #expect(y.shape == [batch] + outputShape)
        let analytic = layer.inputGradient(input: x, output: y, outputGradient: g, rule: .gradient)
        let numeric = FiniteDifferences.gradient(at: x.scalars) { Self.probe(layer, Tensor(shape: x.shape, scalars: $0), g) }
        expectClose(analytic.scalars, numeric, Self.tolerance, "\(testCase) input gradient")

        // Each point of the batch alone gives the same bits.
        for b in 0..<batch {
            let xb = x.point(b).reshaped([1] + testCase.inputShape)
            let yb = layer.forward(xb)
            #expect(yb.scalars == y.point(b).scalars)
            let gb = layer.inputGradient(input: xb, output: yb, outputGradient: g.point(b).reshaped([1] + outputShape), rule: .gradient)
            #expect(gb.scalars == analytic.point(b).scalars)
        }
    }

    @Test("Parameter gradients", arguments: try LayerCase.all().filter { !$0.layer.parameters.isEmpty })
    func parameterGradients(testCase: LayerCase) throws {
        var generator = Seeds.generator(902, label: testCase.description)
        let layer = testCase.layer
        let outputShape = try layer.outputShape(for: testCase.inputShape)
        let x = Tensor.uniform(shape: [4] + testCase.inputShape, in: -2, 2, using: &generator)
        let g = Tensor.normal(shape: [4] + outputShape, using: &generator)
        let analytic = layer.parameterGradients(input: x, outputGradient: g)
        #expect(analytic.count == layer.parameters.count)
        for (index, parameter) in layer.parameters.enumerated() {
            let numeric = FiniteDifferences.gradient(at: parameter.scalars) { values in
                var perturbed = layer
                var parameters = perturbed.parameters
                parameters[index] = Tensor(shape: parameter.shape, scalars: values)
                perturbed.parameters = parameters
                return Self.probe(perturbed, x, g)
            }
            #expect(analytic[index].shape == parameter.shape)
            expectClose(analytic[index].scalars, numeric, Self.tolerance, "\(testCase) parameter \(index)")
        }
    }

    @Test("Shapes that do not fit are rejected with a message")
    func shapeErrors() throws {
        var generator = Seeds.generator(903)
        #expect(throws: ModelError.self) { try Dense(inputs: 4, outputs: 2, using: &generator).outputShape(for: [1, 2, 2]) }
        #expect(throws: ModelError.self) { try Conv2D(inChannels: 3, outChannels: 2, kernelSize: 3, using: &generator).outputShape(for: [2, 5, 5]) }
        #expect(throws: ModelError.self) { try Conv2D(inChannels: 1, outChannels: 2, kernelSize: 5, using: &generator).outputShape(for: [1, 3, 3]) }
        #expect(throws: ModelError.self) { try MaxPool2D(size: 4, stride: 1).outputShape(for: [1, 3, 3]) }
        #expect(throws: ModelError.self) { try AvgPool2D(size: 2, stride: 2).outputShape(for: [4]) }
        #expect(throws: ModelError.self) { try MaxPool2D(size: 0, stride: 1) }
        #expect(throws: ModelError.self) { try Conv2D(weight: Tensor(zeros: [2, 1, 3, 3]), bias: Tensor(zeros: [3])) }
        #expect(throws: ModelError.self) { try Dense(weight: Tensor(zeros: [2, 3, 1]), bias: nil) }
        let message = try #require(throws: ModelError.self) { try Dense(inputs: 4, outputs: 2, using: &generator).outputShape(for: [1, 2, 2]) }
        #expect(message.description.contains("flatten"))
    }
}
