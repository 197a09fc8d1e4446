import Tensors

/// The mean softmax cross-entropy of a batch of logits against integer labels
/// (PyTorch's `F.cross_entropy` with the default mean reduction):
///
///     L = (1/B) Σ_b [log Σ_i exp z_{b,i} − z_{b,y_b}]
///     ∂L/∂z_{b,i} = (p_{b,i} − δ_{i,y_b}) / B
public enum SoftmaxCrossEntropy {
    /// L and ∂L/∂z for logits [B, classes] and B labels in `0..<classes`.
    public static func lossAndGradient(logits: Tensor, labels: [Int]) -> (loss: Double, logitGradient: Tensor) {
        precondition(logits.rank == 2 && logits.shape[0] == labels.count, "logits \(logits.shape) do not match \(labels.count) labels")
        let (batch, classes) = (logits.shape[0], logits.shape[1])
        var loss = 0.0
        var gradient = [Double](repeating: 0, count: logits.count)
        for b in 0..<batch {
            let (p, logP) = Softmax.probabilities(logits.scalars[b * classes ..< (b + 1) * classes])
            loss -= logP[labels[b]]
            for i in 0..<classes {
                gradient[b * classes + i] = (p[i] - (i == labels[b] ? 1 : 0)) / Double(batch)
            }
        }
        return (loss / Double(batch), Tensor(shape: logits.shape, scalars: gradient))
    }
}
