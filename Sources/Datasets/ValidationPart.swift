/// Where settings are chosen: a part of the training set, so that the test images meet a
/// setting only in the run that judges it.
///
/// The validation part is the last ⌈`fraction` · N⌉ points of a training set, in the set's
/// own order. Models here were trained on the whole training set, so a setting chosen on the
/// validation part has seen images the model fit — a choice that favours the model's own
/// data, never one fitted to the test images it is later judged on.
extension LabeledData {
    /// The share of a training set held as its validation part.
    public static let validationFraction = 0.2

    /// The last ⌈`fraction` · `count`⌉ points, in order (empty for an empty set).
    /// - Precondition: 0 < `fraction` ≤ 1.
    public func validationPart(fraction: Double = LabeledData.validationFraction) -> LabeledData {
        precondition(fraction > 0 && fraction <= 1, "a validation fraction lies in (0, 1]")
        let size = Int((fraction * Double(count)).rounded(.up))
        return subset(Array(count - size ..< count))
    }
}
