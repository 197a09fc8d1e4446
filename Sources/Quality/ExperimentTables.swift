/// The report's tables for the experiments that test why the verdicts come out as they do:
/// DDPath-IG with one ingredient changed, per model, and IDGI beside the background-swapped
/// models.
extension QualityReport {
    /// What each of DDPath's experiments changes, in words.
    public static func experimentDescription(_ name: String) -> String {
        switch name {
        case "ddpath-ig": return "none: the learned denoiser, the model's chosen guidance scale, the schedule's times"
        case "ddpath-ig-empirical": return "the exact denoiser of the training images"
        case "ddpath-ig-empirical-class": return "the exact denoiser of the explained class's training images (what guidance approximates)"
        case "ddpath-ig-snr": return "SNR-matched anchor times"
        case "ddpath-ig-clip": return "path points clipped to the data's range"
        default:
            if name.hasPrefix("ddpath-ig-step") { return "the denoiser after \(name.dropFirst("ddpath-ig-step".count)) of its 12,000 Adam steps" }
            if name.hasPrefix("ddpath-ig-s") { return "guidance scale s = \(name.dropFirst("ddpath-ig-s".count))" }
            return name
        }
    }

    /// DDPath's experiments per model: the changed method's overall (|A|), and its paired
    /// differences against IG from the same noise start, IG from black and DDPath-IG.
    static func experimentTables(_ results: QualityResults, _ summary: QualitySummary) -> [String] {
        let experiments = ["ddpath-ig"] + QualityMethod.ddpathExperiments.map(\.name)
        var lines: [String] = []
        for model in results.models {
            let run = experiments.filter { model.scores[$0] != nil && $0 != "ddpath-ig" }
            guard !run.isEmpty else { continue }
            lines += [
                "", "## `\(model.model)`: DDPath's experiments, one ingredient changed at a time", "",
                "DDPath-IG with one thing changed, on overall = insertion − deletion ranked by |A|: the method's mean, and its paired difference "
                    + "against IG from the same noise start (the path's own effect), against IG from black (the primary claim's comparison) and "
                    + "against DDPath-IG as shipped (the change's effect), each with its 95% interval and unadjusted verdict.",
                "",
                "| experiment | what changes | overall | − ig@noise | − ig | − ddpath-ig |",
                "|---|---|---|---|---|---|",
            ]
            for name in experiments where model.scores[name] != nil {
                func difference(_ base: String) -> String {
                    guard name != base,
                        let ruling = summary.rulings.first(where: {
                            $0.model == model.model && $0.claim.method.rawValue == name && $0.claim.base.rawValue == base && $0.claim.metric == "overall-abs"
                        }), let interval = ruling.difference
                    else { return "–" }
                    return "**\(ruling.verdict.rawValue)** \(format(interval, signed: true))"
                }
                let overall = format(summary.cell(model.model, name, "overall-abs")?.interval)
                lines.append("| \(name) | \(experimentDescription(name)) | \(overall) | \(difference("ig@noise")) | \(difference("ig")) | \(difference("ddpath-ig")) |")
            }
        }
        return lines
    }

    /// IDGI − X on insertion (|A|) on every model that ran it, the background-swapped ones
    /// beside the originals, with the moved-features control.
    static func swappedBackgroundTable(_ results: QualityResults, _ summary: QualitySummary) -> [String] {
        let models = results.models.map(\.model)
        guard models.contains(where: { QualityModel.swappedBackgroundNames.contains($0) }) else { return [] }
        var lines: [String] = [
            "", "## IDGI with the backgrounds swapped", "",
            "IDGI − X on insertion ranked by |A| (the primary metric), unadjusted, on every model: `digits-textured-cnn` is digits-cnn's recipe on the "
                + "digits composited onto the shapes' texture, `shapes-black-cnn` shapes-cnn's on the same shapes on black. The last rows are the "
                + "moved-features control, IDGI with its credit on pixels where x = x′ = 0 removed.",
            "",
            "| comparison | " + models.map { "`\($0)`" }.joined(separator: " | ") + " |",
            "|---|" + models.map { _ in "---|" }.joined(),
        ]
        let rows = QualityMethod.pathBases.map { ("\($0)+idgi", $0) } + [("ig+idgi·moved", "ig"), ("guided-ig+idgi·moved", "guided-ig")]
        for (method, base) in rows {
            let cells = models.map { model -> String in
                guard let ruling = summary.rulings.first(where: {
                    $0.model == model && $0.claim.method.rawValue == method && $0.claim.base.rawValue == base && $0.claim.metric == "insertion-abs"
                }), let interval = ruling.difference else { return "–" }
                return "**\(ruling.verdict.rawValue)** \(format(interval, signed: true))"
            }
            if cells.contains(where: { $0 != "–" }) { lines.append("| \(method) − \(base) | " + cells.joined(separator: " | ") + " |") }
        }
        return lines
    }
}
