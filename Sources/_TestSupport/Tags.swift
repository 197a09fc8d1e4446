import Testing

extension Tag {
    /// Fast kernels against their scalar references.
    @Tag public static var kernels: Self
    /// File formats: NPY, JSON, the model directory.
    @Tag public static var formats: Self
    /// Gradients of layers, networks and analytic functions against finite differences.
    @Tag public static var gradients: Self
    /// Agreement with numbers committed from an independent implementation (PyTorch, Captum, …).
    @Tag public static var golden: Self
    /// The `attribute` command-line contract.
    @Tag public static var commandLine: Self
    /// User mistakes that must be reported, not crash.
    @Tag public static var badInput: Self
    /// Same seed, same bits, whatever the thread count.
    @Tag public static var determinism: Self
    /// Slower checks (seconds in a debug build); CI runs them.
    @Tag public static var slow: Self
    /// The shipped data sets and trained models.
    @Tag public static var fixtures: Self
    /// An attribution axiom (completeness, sensitivity, symmetry, …).
    @Tag public static var axiom: Self
}
