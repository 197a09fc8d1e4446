/// A method whose random draws all come from one seed: SmoothGrad's noise, Expected
/// Gradients' references and α's, LPI's α's and random densities, DDPath's noise baseline and
/// sampling. Changing `seed` on a built method changes those draws and nothing that was
/// prepared (LPI's clustering stays): an evaluation gives each image its own seed this way,
/// so that one unlucky draw is not shared by every image of a run.
public protocol SeededMethod: AttributionMethod {
    /// The seed of the method's draws.
    var seed: UInt64 { get set }
}

extension SmoothGrad: SeededMethod {}
extension ExpectedGradients: SeededMethod {}
extension LocalPathIntegration: SeededMethod {}
