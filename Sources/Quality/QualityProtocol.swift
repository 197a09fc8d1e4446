/// The protocol's fixed statements, written into every report beside the numbers they govern.
public enum QualityProtocol {
    /// Where settings were chosen, stated as it is.
    public static let tuningSplit =
        "validation: the last 20% of each training set — walkthrough 06's ablation chose DDPath's reconstructed defaults there; the test images are touched by this run only"

    /// How the intervals take the randomness in.
    public static let intervals =
        "percentile bootstrap over images, each image resampled with all its seeds (run seeds, retrainings) — the cluster bootstrap, whose variance of a mean includes the between-seed part once"
}
