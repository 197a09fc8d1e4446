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
        try values(at: points, targets: Array(repeating: target, count: points.batchCount))
    }

    /// F and ∇F at each point: per chunk of rows, one forward pass, then the backward pass seeded with ∂F/∂z.
    public func valuesAndGradients(at points: Tensor) throws(ModelError) -> ValuesAndGradients {
        try valuesAndGradients(at: points, targets: Array(repeating: target, count: points.batchCount))
    }

    /// F at each point, point b explained for class `targets[b]` (this output's kind and
    /// rule; its own ``target`` is not used). Points explained for different classes share
    /// one forward pass, and each row's value is the bits it has alone.
    /// - Throws: ``ModelError`` for a batch of the wrong shape, a target count that is not
    ///   the batch's, a target outside the classes, or logits that overflow.
    public func values(at points: Tensor, targets: [Int]) throws(ModelError) -> [Double] {
        try network.validateBatch(points)
        try validate(targets, batchCount: points.batchCount)
        var values = [Double](repeating: 0, count: points.batchCount)
        values.withUnsafeMutableBufferPointer { valueBuffer in
            let valuesOut = valueBuffer.baseAddress!
            forEachRowChunk(points) { rows, chunk in
                let logits = network.activations(for: chunk).last!
                for (offset, row) in rows.enumerated() {
                    valuesOut[row] = Self.hasFiniteLogits(logits, row: offset)
                        ? outputAndLogitGradient(logits, row: offset, target: targets[row], needGradient: false).value : .nan
                }
            }
        }
        try Self.checkFinite(values, points: points)
        return values
    }

    /// F and ∇F at each point, point b explained for class `targets[b]`: one forward and one
    /// backward pass for the whole batch, whatever mix of classes it holds. Each row's value
    /// and gradient are the bits that row gets alone.
    /// - Throws: as ``values(at:targets:)``.
    public func valuesAndGradients(at points: Tensor, targets: [Int]) throws(ModelError) -> ValuesAndGradients {
        try network.validateBatch(points)
        try validate(targets, batchCount: points.batchCount)
        let classes = network.classCount
        var values = [Double](repeating: 0, count: points.batchCount)
        let gradients = values.withUnsafeMutableBufferPointer { valueBuffer in
            let valuesOut = valueBuffer.baseAddress!
            return backpropagate(points) { logits, rows in
                var logitGradient = [Double](repeating: 0, count: rows.count * classes)
                for offset in 0..<rows.count {
                    let row = rows.lowerBound + offset
                    let (value, gradient) = outputAndLogitGradient(logits, row: offset, target: targets[row], needGradient: true)
                    valuesOut[row] = Self.hasFiniteLogits(logits, row: offset) ? value : .nan
                    logitGradient.replaceSubrange(offset * classes ..< (offset + 1) * classes, with: gradient)
                }
                return logitGradient
            }
        }
        try Self.checkFinite(values, points: points)
        return ValuesAndGradients(values: values, gradients: Tensor(shape: points.shape, scalars: gradients))
    }

    /// Jᵀv at each point: the gradient of the weighted sum of logits v_b · z(x_b), with the
    /// cotangent v_b = row b of `logitCotangents` [B, classes] (this output's rule; its kind and
    /// target are not used). Exact integration on a piece where the logits are affine reads the
    /// piece's Jacobian this way. Each row's gradient is the bits it gets alone.
    /// - Throws: ``ModelError`` for a batch or cotangents of the wrong shape, or logits that overflow.
    public func logitVectorJacobianProducts(at points: Tensor, logitCotangents: Tensor) throws(ModelError) -> Tensor {
        try network.validateBatch(points)
        let classes = network.classCount
        guard logitCotangents.shape == [points.batchCount, classes] else {
            throw ModelError("logit cotangents must have shape [\(points.batchCount), \(classes)], got \(logitCotangents.shape)")
        }
        var finite = [Bool](repeating: true, count: points.batchCount)
        let gradients = finite.withUnsafeMutableBufferPointer { finiteBuffer in
            let finiteOut = finiteBuffer.baseAddress!
            return backpropagate(points) { logits, rows in
                for offset in 0..<rows.count { finiteOut[rows.lowerBound + offset] = Self.hasFiniteLogits(logits, row: offset) }
                return Array(logitCotangents.scalars[rows.lowerBound * classes ..< rows.upperBound * classes])
            }
        }
        try Self.checkFinite(finite.map { $0 ? 0 : .nan }, points: points)
        return Tensor(shape: points.shape, scalars: gradients)
    }

    /// The input gradients of a batch, chunk by chunk of rows: the forward pass, the logit
    /// gradient `seed` gives the chunk's rows (from their logits), and the backward pass. Chunks
    /// may run on different threads: each writes its own rows through raw pointers taken before
    /// the parallel region (never through the arrays themselves), and `seed` may write only the
    /// chunk's rows of what it captures.
    private func backpropagate(_ points: Tensor, seed: (_ logits: Tensor, _ rows: Range<Int>) -> [Double]) -> [Double] {
        let size = Tensor.elementCount(of: network.inputShape)
        var gradients = [Double](repeating: 0, count: points.count)
        gradients.withUnsafeMutableBufferPointer { gradientBuffer in
            let gradientsOut = gradientBuffer.baseAddress!
            forEachRowChunk(points) { rows, chunk in
                let activations = network.activations(for: chunk)
                let logits = activations.last!
                let logitGradient = Tensor(shape: logits.shape, scalars: seed(logits, rows))
                let chunkGradients = network.inputGradient(activations: activations, logitGradient: logitGradient, rule: rule)
                chunkGradients.scalars.withUnsafeBufferPointer { source in
                    (gradientsOut + rows.lowerBound * size).update(from: source.baseAddress!, count: source.count)
                }
            }
        }
        return gradients
    }

    /// One target per point, each a class of the network.
    private func validate(_ targets: [Int], batchCount: Int) throws(ModelError) {
        guard targets.count == batchCount else {
            throw ModelError("\(targets.count) targets for a batch of \(batchCount) points; give one target per point")
        }
        if let bad = targets.first(where: { !(0..<network.classCount).contains($0) }) {
            throw ModelError("target class \(bad) is out of range; the model has classes 0…\(network.classCount - 1)")
        }
    }

    /// Whether every logit of a row is finite. A logit of +∞ makes the softmax 0/0; one of −∞
    /// leaves the explained probability finite (e^−∞ = 0) but means the network overflowed all
    /// the same, so both are reported (the row's value is marked NaN for ``checkFinite``).
    private static func hasFiniteLogits(_ logits: Tensor, row: Int) -> Bool {
        let classes = logits.shape[1]
        return logits.scalars[row * classes ..< (row + 1) * classes].allSatisfy { $0.isFinite }
    }

    /// A non-finite F (or logit) means the network overflowed (huge inputs or weights). Say so
    /// rather than hand NaN on.
    private static func checkFinite(_ values: [Double], points: Tensor) throws(ModelError) {
        guard let bad = values.firstIndex(where: { !$0.isFinite }) else { return }
        let magnitude = points.point(bad).scalars.map(abs).max() ?? 0
        throw ModelError(
            "the network's output is not finite at point \(bad) of the batch (largest input magnitude \(magnitude)): "
                + "its logits overflow; scale the input to the range the model was trained on")
    }

    /// Rows per chunk: as many as keep the largest per-layer buffer near 32 KB (at least 1,
    /// at most 64). Small buffers stay in cache and below the allocator's mmap threshold —
    /// evaluating 200 points of digits-mlp in one piece spent most of its time in page faults
    /// on freshly mapped 200 KB arrays. Each row's numbers do not depend on which rows share
    /// its chunk, so the chunking never changes a bit.
    var rowsPerChunk: Int {
        let largest = ([network.inputShape] + network.layerOutputShapes).map { Tensor.elementCount(of: $0) }.max() ?? 1
        return max(1, min(64, 4096 / max(1, largest)))
    }

    /// Calls `body` with consecutive row ranges of `points` and the matching sub-batches, each
    /// chunk's whole forward and backward pass on one thread — the chunks spread over threads
    /// when the batch is large enough to pay for the dispatch (~2¹⁹ multiply-adds), in order
    /// on this thread otherwise. `body` writes only its own rows of shared outputs.
    private func forEachRowChunk(_ points: Tensor, _ body: (Range<Int>, Tensor) -> Void) {
        let count = points.batchCount
        let size = Tensor.elementCount(of: network.inputShape)
        let chunkRows = rowsPerChunk
        if count <= chunkRows {
            body(0..<count, points)
            return
        }
        let work = count * network.multiplyAddsPerPoint
        Parallelism.forEachRange(count: count, chunkSize: chunkRows, inParallel: Parallelism.isWorthParallelizing(multiplyAdds: 2 * work)) { rows in
            let chunk = Tensor(shape: [rows.count] + network.inputShape, scalars: Array(points.scalars[rows.lowerBound * size ..< rows.upperBound * size]))
            body(rows, chunk)
        }
    }

    /// F and ∂F/∂z for one row of logits.
    private func outputAndLogitGradient(_ logits: Tensor, row: Int, target: Int, needGradient: Bool) -> (value: Double, gradient: [Double]) {
        let classes = network.classCount
        return kind.valueAndLogitGradient(logits.scalars[row * classes ..< (row + 1) * classes], target: target, needGradient: needGradient)
    }
}

extension OutputKind {
    /// F and ∂F/∂z at logits `z` for class `target` (the table in ``ClassifierOutput``'s
    /// description); the gradient is empty when not `needGradient`.
    public func valueAndLogitGradient(_ z: ArraySlice<Double>, target: Int, needGradient: Bool = true) -> (value: Double, gradient: [Double]) {
        let classes = z.count
        switch self {
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
