import Models
import Tensors

/// The function F_b explained for each input b of a run, in a form whose points can share
/// one model call: the same F for every input, or one classifier's output with a target per
/// input (one forward and backward pass serves points explained for different classes).
public struct ExplainedFunctions: Sendable {
    /// The shape of one point.
    public let inputShape: [Int]
    /// How many inputs there are functions for; nil when every input explains the same F.
    public let count: Int?
    private let gradients: @Sendable (Tensor, [Int], BackwardRule) throws(ModelError) -> ValuesAndGradients
    private let values: @Sendable (Tensor, [Int]) throws(ModelError) -> [Double]
    private let classGradients: @Sendable (Tensor, [Int]) throws(ModelError) -> ValuesAndGradients
    private let predictions: @Sendable (Tensor) throws(ModelError) -> [Int]
    private let explainedClasses: @Sendable (Int) -> Int?
    private let cotangentGradients: @Sendable (Tensor, Tensor) throws(ModelError) -> Tensor
    /// The classifier output's kind (logit, probability, log-probability), when F is one.
    public let outputKind: OutputKind?

    /// The same function F for every input. Walks that ask for guided backprop's rule need F
    /// to be a ``ClassifierOutput``.
    public init<F: DifferentiableFunction>(_ function: F) {
        inputShape = function.inputShape
        count = nil
        let guided = (function as? ClassifierOutput).flatMap {
            try? ClassifierOutput(network: $0.network, target: $0.target, kind: $0.kind, rule: .guidedBackprop)
        }
        gradients = { points, _, rule throws(ModelError) in
            switch rule {
            case .gradient:
                return try function.valuesAndGradients(at: points)
            case .guidedBackprop:
                guard let guided else {
                    throw ModelError("guided backprop changes a network's ReLU backward passes; it needs a network output, not \(F.self)")
                }
                return try guided.valuesAndGradients(at: points)
            }
        }
        values = { points, _ throws(ModelError) in try function.values(at: points) }
        let output = function as? ClassifierOutput
        classGradients = { points, classes throws(ModelError) in
            guard let output else { throw ModelError("this method needs the outputs of other classes; it needs a classifier's output, not \(F.self)") }
            return try output.valuesAndGradients(at: points, targets: classes)
        }
        predictions = { points throws(ModelError) in
            guard let output else { throw ModelError("this method needs the model's predicted class; it needs a classifier's output, not \(F.self)") }
            return try output.network.predictions(for: points)
        }
        explainedClasses = { _ in output?.target }
        outputKind = output?.kind
        cotangentGradients = { points, cotangents throws(ModelError) in
            guard let output else { throw ModelError("this method needs the classifier's logits; it needs a classifier's output, not \(F.self)") }
            return try output.logitVectorJacobianProducts(at: points, logitCotangents: cotangents)
        }
    }

    /// `output`'s network and kind for every input, input b explained for class `targets[b]`.
    /// - Throws: ``ModelError`` for a target that is not a class of the network.
    public init(_ output: ClassifierOutput, targets: [Int]) throws(ModelError) {
        let classes = output.network.classCount
        if let bad = targets.first(where: { !(0..<classes).contains($0) }) {
            throw ModelError("target class \(bad) is out of range; the model has classes 0…\(classes - 1)")
        }
        inputShape = output.inputShape
        count = targets.count
        let guided = try ClassifierOutput(network: output.network, target: output.target, kind: output.kind, rule: .guidedBackprop)
        gradients = { points, owners, rule throws(ModelError) in
            try (rule == .guidedBackprop ? guided : output).valuesAndGradients(at: points, targets: owners.map { targets[$0] })
        }
        values = { points, owners throws(ModelError) in try output.values(at: points, targets: owners.map { targets[$0] }) }
        classGradients = { points, classes throws(ModelError) in try output.valuesAndGradients(at: points, targets: classes) }
        predictions = { points throws(ModelError) in try output.network.predictions(for: points) }
        explainedClasses = { owner in targets[owner] }
        outputKind = output.kind
        cotangentGradients = { points, cotangents throws(ModelError) in try output.logitVectorJacobianProducts(at: points, logitCotangents: cotangents) }
    }

    /// The class explained for input `owner`, when F is a classifier's output.
    public func explainedClass(of owner: Int) -> Int? { explainedClasses(owner) }

    /// F and ∇F at each point, point r explained for input `owners[r]`.
    public func valuesAndGradients(at points: Tensor, owners: [Int], rule: BackwardRule) throws(ModelError) -> ValuesAndGradients {
        try gradients(points, owners, rule)
    }

    /// F at each point, point r explained for input `owners[r]`.
    public func values(at points: Tensor, owners: [Int]) throws(ModelError) -> [Double] {
        try values(points, owners)
    }

    /// The output of class `classes[r]` (the explained kind) and its gradient at each point.
    /// - Throws: ``ModelError`` unless the function is a classifier's output.
    public func valuesAndGradients(at points: Tensor, classes: [Int]) throws(ModelError) -> ValuesAndGradients {
        try classGradients(points, classes)
    }

    /// Jᵀv at each point, v its row of `cotangents` [B, classes] on the classifier's logits.
    /// - Throws: ``ModelError`` unless the function is a classifier's output.
    public func logitVectorJacobianProducts(at points: Tensor, cotangents: Tensor) throws(ModelError) -> Tensor {
        try cotangentGradients(points, cotangents)
    }

    /// The predicted class at each point.
    /// - Throws: ``ModelError`` unless the function is a classifier's output.
    public func predictions(at points: Tensor) throws(ModelError) -> [Int] {
        try predictions(points)
    }
}
