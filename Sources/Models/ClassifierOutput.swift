import Tensors

/// Which scalar of a classifier is being explained.
public enum OutputKind: String, Sendable, CaseIterable {
    /// F = z_t, the target's logit.
    case logit
    /// F = p_t = softmax(z)_t.
    case probability
    /// F = log p_t = z_t − log Σ_i exp z_i.
    case logProbability = "log-probability"
}

/// One scalar output of a ``Sequential`` classifier — the target class's logit,
/// probability or log-probability — as a ``DifferentiableFunction`` of the input.
///
/// Its gradient is the network's backward pass seeded with ∂F/∂z:
///
///     logit            ∂F/∂z_i = δ_it
///     probability      ∂F/∂z_i = p_t (δ_it − p_i)
///     log-probability  ∂F/∂z_i = δ_it − p_i
///
/// with p the softmax computed stably (``Softmax``). With ``BackwardRule/guidedBackprop``
/// the "gradient" is guided backprop's modified signal instead.
public struct ClassifierOutput: DifferentiableFunction {
    /// The network.
    public let network: Sequential
    /// t, the class whose output is explained.
    public let target: Int
    /// Logit, probability or log-probability.
    public let kind: OutputKind
    /// The chain rule, or guided backprop's ReLU rule.
    public let rule: BackwardRule

    /// The target class's output of `network`.
    /// - Throws: ``ModelError`` if `target` is not a class of the network.
    public init(network: Sequential, target: Int, kind: OutputKind = .probability, rule: BackwardRule = .gradient) throws(ModelError) {
        guard (0..<network.classCount).contains(target) else {
            throw ModelError("target class \(target) is out of range; the model has classes 0…\(network.classCount - 1)")
        }
        self.network = network
        self.target = target
        self.kind = kind
        self.rule = rule
    }

    /// The network's input shape.
    public var inputShape: [Int] { network.inputShape }

    /// F at each point: the target's logit, probability or log-probability.
    public func values(at points: Tensor) throws(ModelError) -> [Double] {
        let logits = try network.logits(for: points)
        return (0..<points.batchCount).map { outputAndLogitGradient(logits, row: $0, needGradient: false).value }
    }

    /// F and ∇F: one forward pass, then the backward pass seeded with ∂F/∂z.
    public func valuesAndGradients(at points: Tensor) throws(ModelError) -> ValuesAndGradients {
        try network.validateBatch(points)
        let activations = network.activations(for: points)
        let logits = activations.last!
        let classes = network.classCount
        var values = [Double](repeating: 0, count: points.batchCount)
        var logitGradient = [Double](repeating: 0, count: points.batchCount * classes)
        for row in 0..<points.batchCount {
            let (value, gradient) = outputAndLogitGradient(logits, row: row, needGradient: true)
            values[row] = value
            logitGradient.replaceSubrange(row * classes ..< (row + 1) * classes, with: gradient)
        }
        let gradients = network.inputGradient(
            activations: activations, logitGradient: Tensor(shape: logits.shape, scalars: logitGradient), rule: rule)
        return ValuesAndGradients(values: values, gradients: gradients)
    }

    /// F and ∂F/∂z for one row of logits.
    private func outputAndLogitGradient(_ logits: Tensor, row: Int, needGradient: Bool) -> (value: Double, gradient: [Double]) {
        let classes = network.classCount
        let z = logits.scalars[row * classes ..< (row + 1) * classes]
        switch kind {
        case .logit:
            guard needGradient else { return (z[z.startIndex + target], []) }
            var g = [Double](repeating: 0, count: classes)
            g[target] = 1
            return (z[z.startIndex + target], g)
        case .probability:
            let p = Softmax.probabilities(z).probabilities
            guard needGradient else { return (p[target], []) }
            return (p[target], (0..<classes).map { p[target] * (($0 == target ? 1 : 0) - p[$0]) })
        case .logProbability:
            let (p, logP) = Softmax.probabilities(z)
            guard needGradient else { return (logP[target], []) }
            return (logP[target], (0..<classes).map { ($0 == target ? 1 : 0) - p[$0] })
        }
    }
}
