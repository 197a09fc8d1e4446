import Tensors

/// A layer that reads several nodes of a graph (``Add``, ``Multiply``, ``Concat``): a
/// ``Sequential`` network whose layers name their inputs (``Sequential/inputs``) hands it every
/// node it reads, in the order it names them.
///
/// Read with a single input, through the ``Layer`` protocol's unary form, it is the same
/// operation on a list of one.
public protocol MergeLayer: Layer {
    /// The output shape for one point of each input's shape.
    /// - Throws: ``ModelError`` saying why the shapes do not combine.
    func outputShape(forInputs inputShapes: [[Int]]) throws(ModelError) -> [Int]

    /// y = layer(x₁, …, x_n) for batches of one size.
    func forward(_ inputs: [Tensor]) -> Tensor

    /// ∂L/∂x_j for every input, given the forward pass's inputs and output and ∂L/∂y.
    func inputGradients(inputs: [Tensor], output: Tensor, outputGradient: Tensor) -> [Tensor]
}

extension MergeLayer {
    /// The shape for one input.
    public func outputShape(for inputShape: [Int]) throws(ModelError) -> [Int] { try outputShape(forInputs: [inputShape]) }

    /// The layer on one input.
    public func forward(_ input: Tensor) -> Tensor { forward([input]) }

    /// The gradient for one input.
    public func inputGradient(input: Tensor, output: Tensor, outputGradient: Tensor, rule: BackwardRule) -> Tensor {
        inputGradients(inputs: [input], output: output, outputGradient: outputGradient)[0]
    }
}

extension Layer {
    /// The output shape given the shapes of the nodes the layer reads: all of them for a
    /// ``MergeLayer``, the one otherwise — the one place a graph asks which kind a layer is.
    func outputShape(reading shapes: [[Int]]) throws(ModelError) -> [Int] {
        if let merge = self as? any MergeLayer { return try merge.outputShape(forInputs: shapes) }
        return try outputShape(for: shapes[0])
    }

    /// The forward pass on the batches of the nodes the layer reads.
    func forward(reading inputs: [Tensor]) -> Tensor {
        if let merge = self as? any MergeLayer { return merge.forward(inputs) }
        return forward(inputs[0])
    }

    /// ∂L/∂x for each node the layer reads.
    func inputGradients(reading inputs: [Tensor], output: Tensor, outputGradient: Tensor, rule: BackwardRule) -> [Tensor] {
        if let merge = self as? any MergeLayer { return merge.inputGradients(inputs: inputs, output: output, outputGradient: outputGradient) }
        return [inputGradient(input: inputs[0], output: output, outputGradient: outputGradient, rule: rule)]
    }
}
