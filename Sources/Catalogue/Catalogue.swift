import Attribution
import Diffusion
import Evaluation

/// The one list of attribution methods and the one list of metrics: what the command line,
/// its help, the README's tables (a test compares them), the axiom suites and `bench quality`
/// read. It sits above the library's modules so that every method is in it — DDPath, whose
/// diffusion model lives in its own module, included.
///
/// A new method is one file (the method, its parameters and its ``MethodRegistration``) and
/// one line in ``methods``; a new metric is one file (the metric, its settings and its
/// ``MetricRegistration``) and one line in ``metrics`` (CONTRIBUTING.md).
public enum Catalogue {
    /// Every attribution method.
    public static let methods = MethodRegistry([
        VanillaGradient.registration,
        InputTimesGradient.registration,
        GuidedBackprop.registration,
        IntegratedGradients.registration,
        BlurIntegratedGradients.registration,
        GuidedIntegratedGradients.registration,
        SmoothGrad.registration,
        ExpectedGradients.registration,
        LocalPathIntegration.registration,
        AdversarialGradientIntegration.registration,
        DenoisingDiffusionPath.registration,
    ])

    /// Every metric.
    public static let metrics = MetricRegistry([
        InsertionDeletion.insertionRegistration,
        InsertionDeletion.deletionRegistration,
        InsertionDeletion.bothRegistration,
        PerformanceInformationCurve.sicRegistration,
        PerformanceInformationCurve.aicRegistration,
        MultiScaleSSIM.registration,
        DiffID.registration,
        RemoveAndDebias.registration,
        PointingGame.registration,
        Localization.registration,
        Infidelity.registration,
        MaxSensitivity.registration,
        Randomization.registration,
        InformationLevel.registration,
    ])
}
