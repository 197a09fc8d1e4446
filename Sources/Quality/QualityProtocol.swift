/// The protocol's fixed statements, written into every report beside the numbers they govern.
public enum QualityProtocol {
    /// Where settings were chosen, stated as it is.
    public static let tuningSplit =
        "none separate yet: DDPath's reconstructed defaults come from walkthrough 06's ablation on test images of these models, so its verdicts are not free of tuning"

    /// How the intervals take the randomness in.
    public static let intervals =
        "percentile bootstrap over images, each image resampled with all its seeds (run seeds, retrainings) — the cluster bootstrap, whose variance of a mean includes the between-seed part once"
}
