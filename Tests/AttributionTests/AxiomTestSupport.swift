import Attribution
import Models
import Tensors

/// Every path method in its Riemann and IDGI forms, small enough for a debug build.
enum PathMethods {
    static func all(baseline: Tensor? = nil, steps: Int = 16) -> [(String, any AttributionMethod)] {
        [
            ("IG", IntegratedGradients(baseline: baseline, steps: steps)),
            ("IDGI-IG", IntegratedGradients(baseline: baseline, steps: steps, integrator: ImportantDirection())),
            ("GuidedIG", GuidedIntegratedGradients(baseline: baseline, steps: steps)),
            ("IDGI-GuidedIG", GuidedIntegratedGradients(baseline: baseline, steps: steps, integrator: ImportantDirection())),
        ]
    }

    /// The above plus the gradient methods and SmoothGrad, for functions of vectors.
    static func everyMethod(baseline: Tensor? = nil) -> [(String, any AttributionMethod)] {
        all(baseline: baseline) + [
            ("gradient", VanillaGradient()), ("input × gradient", InputTimesGradient()),
            ("SmoothGrad(gradient)", SmoothGrad(samples: 4, seed: 3)),
            ("SmoothGrad(IDGI-IG)", SmoothGrad(base: IntegratedGradients(baseline: baseline, steps: 8, integrator: ImportantDirection()), samples: 3, seed: 4)),
        ]
    }

    /// Image methods: everything plus BlurIG in both forms and guided backprop.
    static func imageMethods() -> [(String, any AttributionMethod)] {
        everyMethod() + [
            ("BlurIG", BlurIntegratedGradients(maxSigma: 4, steps: 12)),
            ("IDGI-BlurIG", BlurIntegratedGradients(maxSigma: 4, steps: 12, integrator: ImportantDirection())),
            ("guided backprop", GuidedBackprop()),
        ]
    }
}
