import Tensors

/// A network that applies its layers in order, ending in a vector of logits.
///
/// Each layer reads one earlier node — by default the previous layer's output — or, for a
/// ``MergeLayer`` (add, mul, concat), several (``inputs``): node 0 is the network's input and node k + 1 is layer k's
/// output, so the layers are a graph in topological order and a chain is the special case.
/// The graph is checked when the network is made: each layer must accept its inputs' shapes,
/// and the last output must be a vector (the logits). So a network that exists always runs;
/// ``logits(for:)`` checks only the batch's shape.
///
/// Forward passes keep every node's batch (``activations(for:)``); the backward pass walks
/// the layers in reverse, calling each layer's hand-written backward and summing, at a node
/// read by several layers, their gradients in reverse layer order (a fixed order: the same
/// bits on any thread count).
public struct Sequential: Sendable {
    /// The shape of one input point, e.g. [1, 8, 8].
    public let inputShape: [Int]
    /// The layers, first to last.
    public private(set) var layers: [any Layer]
    /// The shape of each layer's output for one point; the last is `[classCount]`.
    public let layerOutputShapes: [[Int]]
    /// The nodes each layer reads: node 0 is the input, node k + 1 layer k's output.
    public let inputs: [[Int]]

    /// Whether every layer reads the one before it.
    public var isChain: Bool { inputs.enumerated().allSatisfy { $1 == [$0] } }

    /// A network; checks that the layers fit from `inputShape` to a vector. `inputs` names the
    /// nodes each layer reads (default: the previous layer's output).
    /// - Throws: ``ModelError`` naming the first layer that does not fit.
    public init(inputShape: [Int], layers: [any Layer], inputs: [[Int]]? = nil) throws(ModelError) {
        let sources = inputs ?? layers.indices.map { [$0] }
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
            throw ModelError("inputShape must be a non-empty list of positive sizes, got \(inputShape)")
        }
        guard let inputCount = Tensor.checkedElementCount(of: inputShape), inputCount <= Sequential.maximumValuesPerPoint else {
            throw ModelError("inputShape \(inputShape) has more than \(Sequential.maximumValuesPerPoint) values per point; this library handles at most that")
        }
        guard !layers.isEmpty else { throw ModelError("a network needs at least one layer") }
        guard sources.count == layers.count else { throw ModelError("\(sources.count) input lists for \(layers.count) layers; give one per layer") }
        var shape = inputShape
        var shapes: [[Int]] = []
        for (index, layer) in layers.enumerated() {
            let reads = sources[index]
            guard !reads.isEmpty, reads.allSatisfy({ (0...index).contains($0) }) else {
                throw ModelError("layer \(index) (\(layer.kind)) reads nodes \(reads); a layer reads the input (0) or earlier layers' outputs (1…\(index))")
            }
            guard reads.count == 1 || layer is any MergeLayer else {
                throw ModelError("layer \(index) (\(layer.kind)) reads \(reads.count) nodes; only add, mul and concat read more than one")
            }
            let readShapes = reads.map { $0 == 0 ? inputShape : shapes[$0 - 1] }
            do {
                shape = try layer.outputShape(reading: readShapes)
            } catch {
                throw ModelError("layer \(index) (\(layer.kind)): \(error.description)")
            }
            guard let count = Tensor.checkedElementCount(of: shape), count <= Sequential.maximumValuesPerPoint else {
                throw ModelError("layer \(index) (\(layer.kind)) would output shape \(shape), more than \(Sequential.maximumValuesPerPoint) values per point")
            }
            shapes.append(shape)
        }
        guard shape.count == 1 else {
            throw ModelError("the last layer must output a vector of logits, but it outputs shape \(shape); end with flatten and dense")
        }
        self.inputShape = inputShape
        self.layers = layers
        self.layerOutputShapes = shapes
        self.inputs = sources
    }

    /// The most values one point may have at any layer (2²⁶, half a gigabyte of doubles):
    /// larger shapes are refused when the network is made, so no size computation can overflow.
    public static let maximumValuesPerPoint = 1 << 26

    /// The number of classes (logits).
    public var classCount: Int { layerOutputShapes.last![0] }

    /// Multiply-adds of one point's forward pass (dense and convolution layers; the rest is
    /// small beside them): the cost model for deciding when to spread a batch over threads.
    public var multiplyAddsPerPoint: Int {
        // Saturating: an estimate past Int.max means "large" all the same.
        func product(_ factors: [Int]) -> Int {
            factors.reduce(1) { partial, factor in
                let (result, overflow) = partial.multipliedReportingOverflow(by: factor)
                return overflow ? Int.max : result
            }
        }
        var total = 0
        for (layer, output) in zip(layers, layerOutputShapes) {
            let cost: Int
            switch layer {
            case let dense as Dense: cost = product([dense.inputCount, dense.outputCount])
            case let conv as Conv2D: cost = product([Tensor.elementCount(of: output)] + Array(conv.weight.shape.dropFirst()))
            default: cost = 0
            }
            let (sum, overflow) = total.addingReportingOverflow(cost)
            total = overflow ? Int.max : sum
        }
        return total
    }

    /// Checks that `batch` has shape `[B] + inputShape`.
    public func validateBatch(_ batch: Tensor) throws(ModelError) {
        guard batch.rank == inputShape.count + 1, batch.pointShape == inputShape else {
            throw ModelError("the network takes a batch of shape [B] + \(inputShape), got \(batch.shape)")
        }
    }

    /// The logits [B, classes] for a batch.
    public func logits(for batch: Tensor) throws(ModelError) -> Tensor {
        try validateBatch(batch)
        return activations(for: batch).last!
    }

    /// The input followed by every layer's output (node k + 1 is layer k's), for a batch of
    /// the right shape.
    public func activations(for batch: Tensor) -> [Tensor] {
        var outputs = [batch]
        outputs.reserveCapacity(layers.count + 1)
        for (index, layer) in layers.enumerated() {
            outputs.append(layer.forward(reading: inputs[index].map { outputs[$0] }))
        }
        return outputs
    }

    /// ∂L/∂input for a batch, given its ``activations(for:)`` and ∂L/∂logits.
    public func inputGradient(activations: [Tensor], logitGradient: Tensor, rule: BackwardRule = .gradient) -> Tensor {
        backward(activations: activations, logitGradient: logitGradient, rule: rule, parameters: false).input
    }

    /// ∂L/∂θ for every parameter (in ``parameters`` order) and ∂L/∂input, given a batch's
    /// ``activations(for:)`` and ∂L/∂logits.
    public func gradients(activations: [Tensor], logitGradient: Tensor) -> (input: Tensor, parameters: [Tensor]) {
        let result = backward(activations: activations, logitGradient: logitGradient, rule: .gradient, parameters: true)
        return (result.input, result.parameters.flatMap { $0 })
    }

    /// The backward pass: each layer's gradient, from the last, handed to the nodes it read; a
    /// node read by several layers sums their gradients as they arrive (reverse layer order).
    private func backward(activations: [Tensor], logitGradient: Tensor, rule: BackwardRule, parameters: Bool) -> (input: Tensor, parameters: [[Tensor]]) {
        precondition(activations.count == layers.count + 1, "activations do not belong to this network")
        var nodeGradients = [Tensor?](repeating: nil, count: layers.count + 1)
        nodeGradients[layers.count] = logitGradient
        var parameterGradients: [[Tensor]] = Array(repeating: [], count: layers.count)
        for index in layers.indices.reversed() {
            let layer = layers[index]
            let reads = inputs[index]
            // A node no later layer reads (not the logits) passes no gradient back.
            let gradient = nodeGradients[index + 1] ?? Tensor(shape: activations[index + 1].shape, repeating: 0)
            nodeGradients[index + 1] = nil
            if parameters { parameterGradients[index] = layer.parameterGradients(input: activations[reads[0]], outputGradient: gradient) }
            let passedGradients = layer.inputGradients(
                reading: reads.map { activations[$0] }, output: activations[index + 1], outputGradient: gradient, rule: rule)
            for (source, passed) in zip(reads, passedGradients) {
                if nodeGradients[source] != nil {
                    nodeGradients[source]! += passed
                } else {
                    nodeGradients[source] = passed
                }
            }
        }
        return (nodeGradients[0] ?? Tensor(shape: activations[0].shape, repeating: 0), parameterGradients)
    }

    /// Every trainable tensor, layer by layer (weight before bias).
    public var parameters: [Tensor] {
        get { layers.flatMap(\.parameters) }
        set {
            var offset = 0
            for index in layers.indices {
                let count = layers[index].parameters.count
                layers[index].parameters = Array(newValue[offset ..< offset + count])
                offset += count
            }
            precondition(offset == newValue.count, "parameter count does not match the network")
        }
    }

    /// The predicted class (index of the largest logit) for each point of a batch.
    public func predictions(for batch: Tensor) throws(ModelError) -> [Int] {
        Training.predictedClasses(try logits(for: batch))
    }
}
