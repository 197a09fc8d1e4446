import Tensors

extension Training {
    /// `network` with every ``BatchNormalization`` layer's μ and σ² set, in layer order, to the
    /// per-channel mean and variance of what that layer reads when `inputs` go through the
    /// network calibrated so far: the statistics a training-mode BatchNorm would compute on that
    /// batch, fixed once (a data-dependent initialisation). Training then learns γ and β with
    /// the statistics held constant, so the network is the same function in training and in
    /// inference, and a batch still equals its points one by one.
    public static func calibratingBatchNormalization(_ network: Sequential, on inputs: Tensor) throws(ModelError) -> Sequential {
        try network.validateBatch(inputs)
        var calibrated = network
        for index in network.layers.indices {
            guard let norm = network.layers[index] as? BatchNormalization else { continue }
            let activations = calibrated.activations(for: inputs)
            var layers = calibrated.layers
            layers[index] = norm.calibrated(on: activations[network.inputs[index][0]])
            calibrated = try Sequential(inputShape: network.inputShape, layers: layers, inputs: network.inputs)
        }
        return calibrated
    }
}
