import Models
import Tensors
import Testing
import _TestSupport

/// The layers that read several nodes, against finite differences, and the general
/// convolution and pooling against identities that reduce them to the common case's fast
/// kernels (a different code path, written separately).
@Suite("Graph operations: merges, general convolutions and padded pooling", .tags(.gradients))
struct GraphOperationTests {
    /// Finite differences err by ~1e-10 of scale (see AnalyticFunctionTests); the line is 1e-6.
    static let gradientTolerance = Tolerance(relative: 1e-6, absolute: 1e-12)
    /// Two exact computations that sum the same products in different orders differ by a few
    /// ulps of the largest partial sum: 1e-12 relative leaves three orders of margin.
    static let identityTolerance = Tolerance(relative: 1e-12, absolute: 1e-13)

    struct MergeCase: Sendable, CustomStringConvertible {
        var description: String
        var layer: any MergeLayer
        var inputShapes: [[Int]]
    }

    static let mergeCases: [MergeCase] = [
        MergeCase(description: "add of three equal shapes", layer: Add(), inputShapes: [[2, 3, 3], [2, 3, 3], [2, 3, 3]]),
        MergeCase(description: "add broadcasting [C, 1, 1] and [W]", layer: Add(), inputShapes: [[3, 2, 4], [3, 1, 1], [4]]),
        MergeCase(description: "mul of equal shapes", layer: Multiply(), inputShapes: [[2, 3, 3], [2, 3, 3]]),
        MergeCase(description: "mul gate [C, 1, 1] ⊙ [C, H, W]", layer: Multiply(), inputShapes: [[3, 1, 1], [3, 2, 5]]),
        MergeCase(description: "mul of a node by itself (one input)", layer: Multiply(), inputShapes: [[7]]),
        MergeCase(description: "concat of channels", layer: try! Concat(axis: 0), inputShapes: [[2, 3, 3], [1, 3, 3], [3, 3, 3]]),
        MergeCase(description: "concat along width", layer: try! Concat(axis: 2), inputShapes: [[2, 3, 1], [2, 3, 4]]),
    ]

    @Test("Each input's gradient equals finite differences", arguments: mergeCases)
    func mergeGradients(testCase: MergeCase) throws {
        var generator = Seeds.generator(930, label: testCase.description)
        let batch = 2
        let inputs = testCase.inputShapes.map { Tensor.uniform(shape: [batch] + $0, in: -2, 2, using: &generator) }
        let outputShape = try testCase.layer.outputShape(forInputs: testCase.inputShapes)
        let output = testCase.layer.forward(inputs)
        #expect(output.shape == [batch] + outputShape)
        let g = Tensor.normal(shape: output.shape, using: &generator)
        let analytic = testCase.layer.inputGradients(inputs: inputs, output: output, outputGradient: g)
        #expect(analytic.count == inputs.count)
        for (j, input) in inputs.enumerated() {
            let numeric = FiniteDifferences.gradient(at: input.scalars) { values in
                var perturbed = inputs
                perturbed[j] = Tensor(shape: input.shape, scalars: values)
                return Reductions.dotReference(testCase.layer.forward(perturbed).scalars, g.scalars)
            }
            #expect(analytic[j].shape == input.shape)
            expectClose(analytic[j].scalars, numeric, Self.gradientTolerance, "\(testCase) input \(j)")
        }
        // A point alone gives the bits it gets in the batch.
        let alone = testCase.layer.forward(inputs.map { $0.point(1).reshaped([1] + $0.pointShape) })
        #expect(alone.scalars == output.point(1).scalars)
    }

    @Test("Shapes that do not combine are refused with a message")
    func mergeShapeErrors() throws {
        #expect(throws: ModelError.self) { try Add().outputShape(forInputs: [[2, 3], [3, 3]]) }
        #expect(throws: ModelError.self) { try Multiply().outputShape(forInputs: [[2], [2], [2]]) }
        #expect(throws: ModelError.self) { try Concat(axis: 0).outputShape(forInputs: [[2, 3], [2, 4]]) }
        #expect(throws: ModelError.self) { try Concat(axis: 3).outputShape(forInputs: [[2, 3, 3]]) }
        #expect(throws: ModelError.self) { try Conv2D(weight: Tensor(zeros: [3, 1, 3, 3]), bias: nil, strides: [1, 1], pads: [0, 0, 0, 0], groups: 2) }
        #expect(throws: ModelError.self) { try Conv2D(weight: Tensor(zeros: [4, 1, 3, 3]), bias: nil, strides: [1, 1], pads: [0, 0, 0, 0], groups: 2).outputShape(for: [3, 5, 5]) }
        #expect(throws: ModelError.self) { try PoolingWindow(kernel: [2, 2], strides: [1, 1], pads: [2, 0, 0, 0], kind: "maxpool2d") }
        #expect(throws: ModelError.self) { try ZeroPad(pads: [1, 1]).outputShape(for: [2, 3, 3]) }
        #expect(throws: ModelError.self) { try Reshape(shape: [5]).outputShape(for: [2, 3]) }
        #expect(throws: ModelError.self) { try ElementwiseAffine(scale: Tensor(zeros: [2, 1, 1]), shift: nil).outputShape(for: [3, 2, 2]) }
        #expect(throws: ModelError.self) { try Clip(minimum: 1, maximum: 0) }
    }

    /// Calls a layer on a batch.
    static func apply(_ layers: [any Layer], _ x: Tensor) -> Tensor { layers.reduce(x) { $1.forward($0) } }

    @Test("A grouped convolution is its groups' convolutions side by side")
    func groupsAreSeparateConvolutions() throws {
        var generator = Seeds.generator(931)
        let (groups, inPer, outPer) = (3, 2, 2)
        let weight = Tensor.normal(shape: [groups * outPer, inPer, 3, 3], using: &generator)
        let bias = Tensor.normal(shape: [groups * outPer], using: &generator)
        let grouped = try Conv2D(weight: weight, bias: bias, strides: [1, 1], pads: [1, 1, 1, 1], groups: groups)
        let x = Tensor.uniform(shape: [2, groups * inPer, 5, 7], in: -1, 1, using: &generator)
        let y = grouped.forward(x)
        let perWeight = outPer * inPer * 9
        for group in 0..<groups {
            let part = try Conv2D(
                weight: Tensor(shape: [outPer, inPer, 3, 3], scalars: Array(weight.scalars[group * perWeight ..< (group + 1) * perWeight])),
                bias: Tensor(shape: [outPer], scalars: Array(bias.scalars[group * outPer ..< (group + 1) * outPer])), stride: 1, padding: 1)
            #expect(part.squareStrideAndPadding != nil)
            let slice = try Concat(axis: 0).inputGradients(
                inputs: (0..<groups).map { _ in Tensor(zeros: [2, inPer, 5, 7]) }, output: Tensor(zeros: x.shape), outputGradient: x)[group]
            let expected = part.forward(slice)
            let actual = try Concat(axis: 0).inputGradients(
                inputs: (0..<groups).map { _ in Tensor(zeros: [2, outPer, 5, 7]) }, output: Tensor(zeros: y.shape), outputGradient: y)[group]
            expectClose(actual.scalars, expected.scalars, Self.identityTolerance, "group \(group)")
        }
    }

    @Test("A dilated convolution is the convolution by its kernel with zeros between the taps")
    func dilationIsASpreadKernel() throws {
        var generator = Seeds.generator(932)
        let weight = Tensor.normal(shape: [2, 3, 3, 2], using: &generator)
        let dilated = try Conv2D(weight: weight, bias: nil, strides: [1, 1], pads: [0, 0, 0, 0], dilations: [2, 3])
        // The spread kernel: (3 − 1)·2 + 1 = 5 rows, (2 − 1)·3 + 1 = 4 columns.
        var spread = Tensor(zeros: [2, 3, 5, 4])
        for o in 0..<2 { for c in 0..<3 { for u in 0..<3 { for v in 0..<2 {
            spread.scalars[spread.flatIndex([o, c, 2 * u, 3 * v])] = weight[o, c, u, v]
        } } } }
        let plain = try Conv2D(weight: spread, bias: nil, stride: 1, padding: 0)
        let x = Tensor.uniform(shape: [2, 3, 8, 9], in: -1, 1, using: &generator)
        expectClose(dilated.forward(x).scalars, plain.forward(x).scalars, Self.identityTolerance, "dilated forward")
        let g = Tensor.normal(shape: dilated.forward(x).shape, using: &generator)
        expectClose(
            dilated.inputGradient(input: x, output: dilated.forward(x), outputGradient: g, rule: .gradient).scalars,
            plain.inputGradient(input: x, output: plain.forward(x), outputGradient: g, rule: .gradient).scalars,
            Self.identityTolerance, "dilated input gradient")
    }

    @Test("Asymmetric padding is a zero pad before an unpadded convolution; padded pooling likewise")
    func paddingIsAZeroPad() throws {
        var generator = Seeds.generator(933)
        let weight = Tensor.normal(shape: [3, 2, 3, 3], using: &generator)
        let padded = try Conv2D(weight: weight, bias: nil, strides: [2, 1], pads: [2, 0, 1, 1])
        let pad = try ZeroPad(pads: [0, 2, 0, 0, 1, 1])
        let unpadded = try Conv2D(weight: weight, bias: nil, strides: [2, 1], pads: [0, 0, 0, 0])
        let x = Tensor.uniform(shape: [2, 2, 6, 5], in: -1, 1, using: &generator)
        expectClose(padded.forward(x).scalars, Self.apply([pad, unpadded], x).scalars, Self.identityTolerance, "padded convolution")

        // count_include_pad: the padding is zeros in every window's mean, so it is a zero pad.
        let window = try PoolingWindow(kernel: [3, 2], strides: [2, 2], pads: [1, 1, 2, 0], kind: "avgpool2d")
        let including = AvgPool2D(window: window, countIncludePad: true)
        let poolPad = try ZeroPad(pads: [0, 1, 1, 0, 2, 0])
        let plainAverage = AvgPool2D(window: try PoolingWindow(kernel: [3, 2], strides: [2, 2], kind: "avgpool2d"), countIncludePad: false)
        expectClose(including.forward(x).scalars, Self.apply([poolPad, plainAverage], x).scalars, Self.identityTolerance, "avgpool count_include_pad")
        // A max over positive values never picks the padding, so −∞ and 0 pads agree.
        let positive = x.map { $0 + 3 }
        let maxPadded = MaxPool2D(window: try PoolingWindow(kernel: [3, 2], strides: [2, 2], pads: [1, 1, 2, 0], kind: "maxpool2d"))
        let maxPlain = MaxPool2D(window: try PoolingWindow(kernel: [3, 2], strides: [2, 2], kind: "maxpool2d"))
        #expect(maxPadded.forward(positive).scalars == Self.apply([poolPad, maxPlain], positive).scalars)
        // Excluding the padding, a corner window of a constant map still averages to the constant.
        let excluding = AvgPool2D(window: window, countIncludePad: false)
        #expect(excluding.forward(Tensor(shape: [1, 1, 4, 4], repeating: 2.5)).scalars.allSatisfy { $0 == 2.5 })
    }

    @Test("The general kernels agree with the fast ones on the common case, and with themselves on any thread count")
    func generalAgreesWithFast() throws {
        var generator = Seeds.generator(934)
        let weight = Tensor.normal(shape: [4, 3, 3, 3], using: &generator)
        let fast = try Conv2D(weight: weight, bias: nil, stride: 2, padding: 1)
        let x = Tensor.uniform(shape: [3, 3, 9, 8], in: -1, 1, using: &generator)
        var g = GroupedConvolution2D.Geometry(
            batch: 3, inChannels: 3, height: 9, width: 8, outChannels: 4, kernelHeight: 3, kernelWidth: 3,
            strides: (2, 2), pads: (1, 1, 1, 1), dilations: (1, 1), groups: 1)
        var general = [Double](repeating: 0, count: 3 * 4 * g.outHeight * g.outWidth)
        x.scalars.withUnsafeBufferPointer { xp in
            weight.scalars.withUnsafeBufferPointer { wp in
                general.withUnsafeMutableBufferPointer { yp in
                    GroupedConvolution2D.forward(g, input: xp.baseAddress!, weight: wp.baseAddress!, bias: nil, output: yp.baseAddress!)
                }
            }
        }
        expectClose(general, fast.forward(x).scalars, Self.identityTolerance, "general vs fast")

        // A large batch crosses the parallel threshold: one thread and all give the same bits.
        g.batch = 64
        let big = try Conv2D(weight: Tensor.normal(shape: [8, 2, 3, 3], using: &generator), bias: nil, strides: [1, 2], pads: [1, 1, 1, 1], groups: 1)
        let xb = Tensor.uniform(shape: [64, 2, 16, 16], in: -1, 1, using: &generator)
        let many = big.forward(xb)
        let one = Parallelism.$threadLimit.withValue(1) { big.forward(xb) }
        #expect(many.scalars == one.scalars)
    }

    /// A small graph network using every merge and every general layer (random weights).
    static func everyOperationNetwork() throws -> Sequential {
        var generator = Seeds.generator(935)
        // input [2, 6, 6] → depthwise conv → clip → concat with the input [4, 6, 6] → grouped,
        // dilated, asymmetrically padded conv [4, 6, 5] → gated by the sigmoid of its global
        // average [4, 1, 1] (mul, broadcast) → zero pad [4, 7, 6] → padded max-pool [4, 4, 3] →
        // batchnorm, added to its own input → affine by constants → flatten → dense
        let layers: [any Layer] = [
            try Conv2D(weight: Tensor.normal(shape: [2, 1, 3, 3], using: &generator), bias: Tensor.normal(shape: [2], using: &generator), strides: [1, 1], pads: [1, 1, 1, 1], groups: 2),
            try Clip(minimum: -0.7, maximum: 0.9),
            try Concat(axis: 0),
            try Conv2D(weight: Tensor.normal(shape: [4, 2, 2, 2], using: &generator), bias: nil, strides: [1, 1], pads: [0, 1, 1, 0], dilations: [1, 2], groups: 2),
            AvgPool2D(window: try PoolingWindow(kernel: [6, 5], strides: [6, 5], kind: "avgpool2d"), countIncludePad: false),
            ActivationLayer(.sigmoid),
            Multiply(),
            try ZeroPad(pads: [0, 1, 0, 0, 0, 1]),
            MaxPool2D(window: try PoolingWindow(kernel: [2, 2], strides: [2, 2], pads: [1, 0, 0, 1], kind: "maxpool2d")),
            try BatchNormalization(
                scale: Tensor.normal(shape: [4], using: &generator), shift: Tensor.normal(shape: [4], using: &generator),
                mean: Tensor.normal(shape: [4], using: &generator), variance: Tensor.uniform(shape: [4], in: 0.5, 2, using: &generator)),
            Add(),
            try ElementwiseAffine(scale: Tensor.normal(shape: [1, 3], using: &generator), shift: Tensor.normal(shape: [4, 1, 1], using: &generator)),
            Flatten(),
            Dense(inputs: 4 * 4 * 3, outputs: 3, using: &generator),
        ]
        let inputs = [[0], [1], [2, 0], [3], [4], [5], [6, 4], [7], [8], [9], [10, 9], [11], [12], [13]]
        return try Sequential(inputShape: [2, 6, 6], layers: layers, inputs: inputs)
    }

    @Test("A graph with every merge and the general layers has the gradients of finite differences")
    func graphGradients() throws {
        var generator = Seeds.generator(936)
        let network = try Self.everyOperationNetwork()
        #expect(!network.isChain)
        let x = Tensor.uniform(shape: [2, 2, 6, 6], in: -1, 1, using: &generator)
        let g = Tensor.normal(shape: [2, 3], using: &generator)
        let activations = network.activations(for: x)
        let (inputGradient, parameterGradients) = network.gradients(activations: activations, logitGradient: g)
        func probe(_ net: Sequential, _ batch: Tensor) -> Double { Reductions.dotReference(try! net.logits(for: batch).scalars, g.scalars) }
        let numeric = FiniteDifferences.gradient(at: x.scalars) { probe(network, Tensor(shape: x.shape, scalars: $0)) }
        expectClose(inputGradient.scalars, numeric, Self.gradientTolerance, "input")
        for (index, parameter) in network.parameters.enumerated() {
            let numericParameter = FiniteDifferences.gradient(at: parameter.scalars) { values in
                var perturbed = network
                var parameters = perturbed.parameters
                parameters[index] = Tensor(shape: parameter.shape, scalars: values)
                perturbed.parameters = parameters
                return probe(perturbed, x)
            }
            expectClose(parameterGradients[index].scalars, numericParameter, Self.gradientTolerance, "parameter \(index)")
        }
    }
}
