import ArrayFormats
import Foundation

/// A quality run written out: Markdown tables (verdicts first, then each model's method ×
/// metric table) and one JSON document with every per-image number.
public enum QualityReport {
    /// "0.512 [0.490, 0.531]"
    static func format(_ interval: Bootstrap.Interval?, signed: Bool = false) -> String {
        guard let interval else { return "–" }
        func number(_ x: Double) -> String { String(format: signed ? "%+.3f" : "%.3f", x) }
        return "\(number(interval.estimate)) [\(number(interval.lower)), \(number(interval.upper))]"
    }

    /// The randomization check's threshold on the mean Spearman ρ.
    public static let randomizationThreshold = 0.5

    /// "passes", "fails" or "undecided" for a randomization check's interval.
    public static func randomizationVerdict(_ interval: Bootstrap.Interval) -> String {
        interval.upper < randomizationThreshold ? "passes" : interval.lower > randomizationThreshold ? "fails" : "undecided"
    }

    /// The Markdown report: the header, the verdicts, then each table the run has.
    public static func markdown(_ results: QualityResults, _ summary: QualitySummary, machine: String) -> String {
        var lines = header(results, machine: machine)
        lines += verdicts(results, summary)
        lines += experimentTables(results, summary)
        lines += swappedBackgroundTable(results, summary)
        lines += randomizationTable(results, summary)
        lines += choiceTable(summary)
        lines += budgetTables(results, summary)
        lines += removeAndRetrainTables(results, summary)
        lines += cellTables(results, summary)
        return lines.joined(separator: "\n") + "\n"
    }

    /// The title, the machine and wall time, the images per model, how intervals and verdicts are made.
    static func header(_ results: QualityResults, machine: String) -> [String] {
        let configuration = results.configuration
        var lines: [String] = []
        lines.append("# Do the papers' claims hold here?")
        lines.append("")
        lines.append("`bench quality` on \(machine); \(String(format: "%.0f", results.seconds)) s of wall time attributing, scoring and retraining (the intervals not counted).")
        for model in results.models {
            lines.append(
                "- `\(model.model)`: \(model.imageIndices.count) test images explained for their true label "
                    + "(\(model.considered) considered, \(model.misclassified) misclassified and left out).")
        }
        lines.append(
            "- Intervals: 95% percentile bootstrap over images (\(configuration.bootstrap.resamples) resamples, seed "
                + "\(configuration.bootstrap.seed)); a claim's interval is the paired difference method − base on the same images.")
        lines.append("- Verdict: **holds** when the interval lies on the claimed side of 0, **fails** when on the other side, otherwise undecided.")
        return lines
    }

    /// Every claim with data: its ruling per model, and the count of rulings.
    static func verdicts(_ results: QualityResults, _ summary: QualitySummary) -> [String] {
        var lines = primaryVerdicts(results, summary)
        lines += ["", "## Every claim row (primary, exploratory and controls; unadjusted)", ""]
        let models = results.models.map(\.model)
        lines.append("| seed | claim | method − base | metric | " + models.map { "`\($0)`" }.joined(separator: " | ") + " | across models |")
        lines.append("|---|---|---|---|" + models.map { _ in "---|" }.joined() + "---|")
        for claim in Claim.all {
            let rulings = models.map { model in summary.rulings.first { $0.claim == claim && $0.model == model } }
            guard rulings.contains(where: { $0?.difference != nil }) else { continue }
            let cells = rulings.map { ruling -> String in
                guard let ruling, let difference = ruling.difference else { return "– (\(rulings.compactMap { $0?.note }.first ?? "not run"))" }
                return "**\(ruling.verdict.rawValue)** \(format(difference, signed: true))"
            }
            let verdicts = Set(rulings.compactMap { $0?.difference == nil ? nil : $0?.verdict })
            let across = verdicts.count == 1 ? "same" : "differs"
            lines.append(
                "| \(claim.seed) | \(claim.statement) | \(claim.method) − \(claim.base) | \(claim.metric) | " + cells.joined(separator: " | ") + " | \(across) |")
        }
        let counts = Verdict.allCases.map { verdict in "\(summary.rulings.filter { $0.verdict == verdict && $0.difference != nil }.count) \(verdict.rawValue)" }
        lines.append("")
        lines.append("Rulings with data: " + counts.joined(separator: ", ") + ".")
        return lines
    }

    /// Per paper: how its primary claims are ranked and explained, then one row per primary
    /// claim and model with the declared statistic's interval, the Holm-adjusted interval and
    /// verdict, the paper's effect where it gives one, seeds and budgets.
    static func primaryVerdicts(_ results: QualityResults, _ summary: QualitySummary) -> [String] {
        let configuration = results.configuration
        var lines: [String] = [
            "", "## Primary claims",
            "",
            "Declared before the run (`Claim.all`): one headline metric per claim, Holm–Bonferroni over each paper's primary claims on each model "
                + "(adjusted intervals at the step's level), \(configuration.seeds) run seed(s) per randomized method with per-image seeds, "
                + "images resampled with all their seeds. Tuning: \(QualityProtocol.tuningSplit).",
        ]
        for (paper, text) in Claim.declarations {
            lines += ["", "### Paper \(paper)", "", "Primary metric: \(text)", ""]
            lines.append("| claim | model | statistic | estimate [95%] | Holm-adjusted | verdict (adjusted) | paper's effect | seeds | gradients (method / base) |")
            lines.append("|---|---|---|---|---|---|---|---|---|")
            for ruling in summary.rulings where ruling.claim.seed == paper && ruling.claim.primary && ruling.claim.applies(to: ruling.model) {
                guard let judged = ruling.judged else {
                    lines.append("| \(ruling.claim.statement) | `\(ruling.model)` | – | – (\(ruling.note ?? "not run")) | – | undecided | – | – | – |")
                    continue
                }
                let adjusted = ruling.adjusted.map { String(format: "[%+.3f, %+.3f]", $0.lower, $0.upper) } ?? "–"
                let effect = ruling.claim.paperEffect.map { String(format: "%+.3f", $0) + (ruling.effectComparison.map { " (\($0))" } ?? "") } ?? "–"
                let budget = [ruling.budget.method, ruling.budget.base].map { $0.map { String(format: "%.0f", $0) } ?? "–" }.joined(separator: " / ")
                lines.append(
                    "| \(ruling.claim.statement) | `\(ruling.model)` | \(ruling.claim.statistic.rawValue) | \(format(judged, signed: true)) | \(adjusted) | "
                        + "**\((ruling.adjustedVerdict ?? ruling.verdict).rawValue)** | \(effect) | \(ruling.seeds) | \(budget) |")
            }
        }
        return lines
    }

    /// The randomization check per method and model, with its pass/fail reading.
    static func randomizationTable(_ results: QualityResults, _ summary: QualitySummary) -> [String] {
        let configuration = results.configuration
        let models = results.models.map(\.model)
        var lines: [String] = []
        let randomized = summary.cells.filter { $0.metric == "randomization" }
        if !randomized.isEmpty {
            lines.append("")
            lines.append("## The randomization check")
            lines.append("")
            lines.append(
                "Spearman ρ of |A| with the trained model's |A| after every layer's parameters are re-drawn (Adebayo et al. 2018), "
                    + "mean over the first \(configuration.randomizationImages) explained images. A method **passes** when the whole interval "
                    + "lies below \(QualityReport.randomizationThreshold) (this project's threshold: the map keeps less than half its rank order), "
                    + "**fails** when it lies above, and is undecided otherwise.")
            lines.append("")
            lines.append("| method | " + models.map { "`\($0)`" }.joined(separator: " | ") + " |")
            lines.append("|---|" + models.map { _ in "---|" }.joined())
            for method in configuration.methods {
                let cells = models.map { model -> String in
                    guard let interval = summary.cell(model, method.name, "randomization")?.interval else { return "–" }
                    return "**\(randomizationVerdict(interval))** \(format(interval))"
                }
                if cells.contains(where: { $0 != "–" }) { lines.append("| \(method.name) | " + cells.joined(separator: " | ") + " |") }
            }
        }
        return lines
    }

    /// The standard claims ruled again under the evaluation's other choices, flips marked.
    static func choiceTable(_ summary: QualitySummary) -> [String] {
        var lines: [String] = []
        if !summary.choiceRulings.isEmpty {
            lines.append("")
            lines.append("## The evaluation's own choices")
            lines.append("")
            lines.append(
                "The claims judged on insertion, deletion or overall, ruled again under the choices the papers fix silently: "
                    + "the substrate (zeros by default; the per-channel mean; the blur), absolute instead of signed ranking, and "
                    + "for IG, the baseline (black by default; the mean, the blur, uniform noise). **flips** marks a verdict that "
                    + "differs from the standard one.")
            lines.append("")
            let choices = summary.choiceRulings.reduce(into: [String]()) { list, ruling in if !list.contains(ruling.choice) { list.append(ruling.choice) } }
            lines.append("| claim | model | standard | " + choices.joined(separator: " | ") + " |")
            lines.append("|---|---|---|" + choices.map { _ in "---|" }.joined())
            var seen: [(Claim, String)] = []
            for choiceRuling in summary.choiceRulings where !seen.contains(where: { $0.0 == choiceRuling.standard.claim && $0.1 == choiceRuling.standard.model }) {
                let standard = choiceRuling.standard
                seen.append((standard.claim, standard.model))
                let row = summary.choiceRulings.filter { $0.standard.claim == standard.claim && $0.standard.model == standard.model }
                let cells = choices.map { choice -> String in
                    guard let other = row.first(where: { $0.choice == choice }) else { return "–" }
                    return other.flips ? "**\(other.ruling.verdict.rawValue)** (flips)" : other.ruling.verdict.rawValue
                }
                lines.append("| \(standard.claim.statement) | `\(standard.model)` | \(standard.verdict.rawValue) | " + cells.joined(separator: " | ") + " |")
            }
            let flips = summary.choiceRulings.filter(\.flips).count
            lines.append("")
            lines.append("\(flips) of \(summary.choiceRulings.count) rulings under another choice differ from the standard one.")
        }
        return lines
    }

    /// LPI's ablation: DiffID of each family at each equal budget, per model.
    static func budgetTables(_ results: QualityResults, _ summary: QualitySummary) -> [String] {
        let configuration = results.configuration
        let models = results.models.map(\.model)
        var lines: [String] = []
        let budgeted = configuration.methods.filter { $0.name.contains("·") }
        if !budgeted.isEmpty {
            lines.append("")
            lines.append("## LPI's ablation at equal budgets: DiffID")
            lines.append("")
            lines.append("Each method at B gradient evaluations per input (LPI: 20 references × B/20 points; EG: B draws; IG: B steps).")
            let budgets = QualityMethod.budgets.filter { budget in budgeted.contains { $0.name.hasSuffix("·\(budget)") } }
            for model in models {
                lines.append("")
                lines.append("`\(model)`:")
                lines.append("")
                lines.append("| method | " + budgets.map { "B = \($0)" }.joined(separator: " | ") + " |")
                lines.append("|---|" + budgets.map { _ in "---|" }.joined())
                for family in ["lpi", "lpi-random", "expected-gradients", "ig"] {
                    let cells = budgets.map { format(summary.cell(model, "\(family)·\($0)", "diffid")?.interval) }
                    if cells.contains(where: { $0 != "–" }) { lines.append("| \(family) | " + cells.joined(separator: " | ") + " |") }
                }
            }
        }
        return lines
    }

    /// ROAR's accuracies per fraction, top and bottom removed, per retrained model, and the
    /// methods flagged as leaking: those whose ROAR lies above random removal's (the random-floor
    /// controls that fail).
    static func removeAndRetrainTables(_ results: QualityResults, _ summary: QualitySummary) -> [String] {
        let configuration = results.configuration
        var lines: [String] = []
        for model in results.models where !model.removeAndRetrain.isEmpty {
            let fractions = configuration.removeAndRetrain?.fractions ?? []
            lines.append("")
            lines.append("## `\(model.model)`: ROAR and DiffROAR, test accuracy after retraining")
            lines.append("")
            lines.append(
                "Each cell: accuracy with the top k of every image's pixels removed (ROAR: lower is better) / with the bottom k removed, "
                    + "on the \(model.imageIndices.count) explained test images, the model retrained with its recipe each time.")
            lines.append("")
            lines.append("| method | " + fractions.map { "k = \(String(format: "%.1f", $0))" }.joined(separator: " | ") + " |")
            lines.append("|---|" + fractions.map { _ in "---|" }.joined())
            for method in configuration.methods {
                guard let outcome = model.removeAndRetrain[method.name] else { continue }
                let cells = zip(outcome.topAccuracy, outcome.bottomAccuracy).map { String(format: "%.3f / %.3f", $0, $1) }
                lines.append("| \(method.name) | " + cells.joined(separator: " | ") + " |")
            }
            let floor = summary.rulings.filter { $0.model == model.model && $0.claim.control == "random-floor" && $0.difference != nil }
            if !floor.isEmpty {
                let leaking = floor.filter { $0.verdict == .fails }.map { "`\($0.claim.method.rawValue)` (\(format($0.difference, signed: true)))" }
                lines.append("")
                lines.append(
                    "Against the random floor (method − random on ROAR, paired over images and retrainings; above 0 means removing the method's top pixels "
                        + "leaves the retrained model *more* accurate than removing random ones, so the removal pattern leaks the class): "
                        + (leaking.isEmpty ? "no method is flagged as leaking." : "flagged as leaking: " + leaking.joined(separator: ", ") + "."))
            }
        }
        return lines
    }

    /// Every method × metric cell per model, with the attribution time.
    static func cellTables(_ results: QualityResults, _ summary: QualitySummary) -> [String] {
        let configuration = results.configuration
        var lines: [String] = []
        for model in results.models {
            lines.append("")
            lines.append("## `\(model.model)`: every method × metric (mean or PAIR's curve aggregate, with its 95% interval)")
            lines.append("")
            let metrics = configuration.metrics.filter { metric in
                !QualityMetric.choiceVariants.contains(metric) && summary.cells.contains { $0.model == model.model && $0.metric == metric.name }
            }
            lines.append("| method | " + metrics.map { "\($0.name) (\($0.direction == .higherIsBetter ? "↑" : "↓"))" }.joined(separator: " | ") + " | seconds |")
            lines.append("|---|" + metrics.map { _ in "---|" }.joined() + "---|")
            for method in configuration.methods where method.scoredOn == nil && method.runs(on: model.model) {
                let cells = metrics.map { format(summary.cell(model.model, method.name, $0.name)?.interval) }
                let seconds = model.attributionSeconds[method.name].map { String(format: "%.2f", $0) } ?? "–"
                lines.append("| \(method.name) | " + cells.joined(separator: " | ") + " | \(seconds) |")
            }
        }
        return lines
    }

    /// The summary document (`summary.json`, small enough to commit): the run's settings,
    /// every cell, ruling and choice ruling, the ROAR accuracies, and per model the curves
    /// behind the figures — mean insertion and deletion curves and PAIR's SIC/AIC aggregates
    /// (every tenth grid point) of the plotted methods. No per-image numbers.
    public static func summaryJSON(_ results: QualityResults, _ summary: QualitySummary, machine: String) -> JSONValue {
        typealias M = JSONValue.Member
        let (header, tables) = sharedMembers(results, summary, machine: machine, format: "pathattribution.quality-summary")
        func numbers(_ values: [Double]) -> JSONValue { .array(values.map { .number($0) }) }
        let fractions = results.configuration.removeAndRetrain?.fractions ?? []
        let models = results.models.map { model -> JSONValue in
            let roar = results.configuration.methods.compactMap { method -> M? in
                guard let outcome = model.removeAndRetrain[method.name] else { return nil }
                return M(method.name, .object([M("topRemoved", numbers(outcome.topAccuracy)), M("bottomRemoved", numbers(outcome.bottomAccuracy))]))
            }
            let curves = QualityFigures.curves(model, configuration: results.configuration).map { curve in
                M(curve.name, .object(curve.series.map { M($0.method, .object([M("x", numbers($0.x)), M("y", numbers($0.y))])) }))
            }
            return .object([
                M("model", .string(model.model)), M("explained", .number(Double(model.imageIndices.count))),
                M("considered", .number(Double(model.considered))), M("misclassified", .number(Double(model.misclassified))),
                M("roarFractions", numbers(fractions)), M("roar", .object(roar)), M("curves", .object(curves)),
            ])
        }
        return .object(header + tables + [M("models", .array(models))])
    }

    /// The JSON document: the configuration, every per-image number (SIC/AIC curves as their
    /// points), every cell and every ruling.
    public static func json(_ results: QualityResults, _ summary: QualitySummary, machine: String) -> JSONValue {
        typealias M = JSONValue.Member
        func numbers(_ values: [Double]) -> JSONValue { .array(values.map { .number($0) }) }
        let configuration = results.configuration
        let models = results.models.map { model -> JSONValue in
            let perMethod = configuration.methods.compactMap { method -> JSONValue? in
                guard let scores = model.scores[method.name] else { return nil }
                // One replicate's per-image numbers: every metric's value and every curve.
                func replicate(_ scores: [ImageScores]) -> [M] {
                    let metricValues = configuration.metrics.compactMap { metric -> M? in
                        guard scores.contains(where: { $0.values[metric.name] != nil || $0.skipped[metric.name] != nil }) else { return nil }
                        return M(metric.name, .array(scores.map { $0.values[metric.name].map { .number($0) } ?? .null }))
                    }
                    let curveNames = configuration.metrics.filter { $0.aggregation != .mean }.map(\.name) + QualityFigures.insertionCurves
                    let curves = curveNames.compactMap { name -> M? in
                        guard scores.contains(where: { $0.curves[name] != nil }) else { return nil }
                        return M(name, .array(scores.map { score in
                            score.curves[name].map { .object([M("x", numbers($0.x)), M("y", numbers($0.y))]) } ?? .null
                        }))
                    }
                    return [M("scores", .object(metricValues)), M("curves", .object(curves))]
                }
                let replicates = (model.replicates[method.name] ?? []).map { JSONValue.object(replicate($0)) }
                // ROAR's raw material: per fraction, each image's correctness (1 or 0) after
                // retraining with the top or the bottom removed.
                let retrained = model.removeAndRetrain[method.name].map { outcomes in
                    [M("removeAndRetrain", .array(outcomes.map { outcome in
                        .object([
                            M("topRemoved", .array(outcome.topRemoved.map(numbers))), M("bottomRemoved", .array(outcome.bottomRemoved.map(numbers))),
                        ])
                    }))]
                } ?? []
                return .object(
                    [
                        M("name", .string(method.name)), M("attributionSeconds", .number(model.attributionSeconds[method.name] ?? 0)),
                        M("gradientEvaluations", .number(model.gradientEvaluations[method.name] ?? 0)),
                    ] + replicate(scores) + [M("replicates", .array(replicates))] + retrained)
            }
            return .object([
                M("model", .string(model.model)), M("considered", .number(Double(model.considered))),
                M("misclassified", .number(Double(model.misclassified))), M("images", numbers(model.imageIndices.map(Double.init))),
                M("methods", .array(perMethod)),
            ])
        }
        let (header, tables) = sharedMembers(results, summary, machine: machine, format: "pathattribution.quality")
        return .object(header + [M("models", .array(models))] + tables)
    }

    /// What was run beyond the methods and metrics: enough, with them, to rebuild the
    /// ``QualityConfiguration`` (``QualityResults/init(json:)``).
    static func configurationJSON(_ configuration: QualityConfiguration) -> JSONValue {
        typealias M = JSONValue.Member
        func strings(_ values: [String]) -> JSONValue { .array(values.map { .string($0) }) }
        func count(_ value: Int?) -> JSONValue { value.map { .number(Double($0)) } ?? .null }
        let retraining = configuration.removeAndRetrain.map { settings -> JSONValue in
            .object([
                M("models", strings(settings.models)), M("methods", strings(settings.methods)),
                M("fractions", .array(settings.fractions.map { .number($0) })), M("epochs", count(settings.epochs)),
                M("seeds", .number(Double(settings.seeds))),
            ])
        } ?? .null
        return .object([
            M("models", strings(configuration.models)), M("images", count(configuration.images)), M("references", count(configuration.references)),
            M("budgetOverrides", .object(configuration.budgetOverrides.keys.sorted().map { M($0, .string(configuration.budgetOverrides[$0]!)) })),
            M("randomizationImages", .number(Double(configuration.randomizationImages))), M("removeAndRetrain", retraining),
            M("seeds", .number(Double(configuration.seeds))),
        ])
    }

    /// The members both documents share: the header (format, version, machine, seconds,
    /// bootstrap, configuration, methods, metrics) and the tables (cells, claims, choices).
    static func sharedMembers(
        _ results: QualityResults, _ summary: QualitySummary, machine: String, format: String
    ) -> (header: [JSONValue.Member], tables: [JSONValue.Member]) {
        typealias M = JSONValue.Member
        func interval(_ value: Bootstrap.Interval?) -> JSONValue {
            guard let value else { return .null }
            return .object([
                M("estimate", .number(value.estimate)), M("lower", .number(value.lower)), M("upper", .number(value.upper)),
                M("count", .number(Double(value.count))),
            ])
        }
        let configuration = results.configuration
        let methods = configuration.methods.map { method -> JSONValue in
            .object([
                M("name", .string(method.name)), M("registryName", method.registryName.map { .string($0) } ?? .null),
                M("values", .object(method.values.keys.sorted().map { M($0, .string(method.values[$0]!)) })),
            ])
        }
        let metrics = configuration.metrics.map { metric -> JSONValue in
            .object([
                M("name", .string(metric.name)), M("direction", .string(metric.direction.rawValue)),
                M("aggregation", .string(metric.aggregation.rawValue)),
            ])
        }
        let cells = summary.cells.map { cell -> JSONValue in
            .object([M("model", .string(cell.model)), M("method", .string(cell.method)), M("metric", .string(cell.metric)), M("interval", interval(cell.interval))])
        }
        func optionalNumber(_ value: Double?) -> JSONValue { value.map { .number($0) } ?? .null }
        let rulings = summary.rulings.map { ruling -> JSONValue in
            let claim = ruling.claim
            var members = [
                M("seed", .string(claim.seed)), M("statement", .string(claim.statement)), M("method", .string(claim.method.rawValue)),
                M("base", .string(claim.base.rawValue)), M("metric", .string(claim.metric.rawValue)), M("model", .string(ruling.model)),
                M("difference", interval(ruling.difference)), M("verdict", .string(ruling.verdict.rawValue)),
                M("note", ruling.note.map { .string($0) } ?? .null),
                M("primary", .bool(claim.primary)), M("statistic", .string(claim.statistic.rawValue)), M("paperEffect", optionalNumber(claim.paperEffect)),
                M("paperEffectNote", claim.effectNote.map { .string($0) } ?? .null),
                M("median", ruling.median.map { .object([M("estimate", .number($0.estimate)), M("lower", .number($0.lower)), M("upper", .number($0.upper))]) } ?? .null),
                M("pValue", optionalNumber(ruling.pValue)), M("seeds", .number(Double(ruling.seeds))),
                M("budget", .object([M("method", optionalNumber(ruling.budget.method)), M("base", optionalNumber(ruling.budget.base))])),
                M("control", claim.control.map { .string($0) } ?? .null),
            ]
            if claim.primary {
                members.append(M("adjusted", ruling.adjusted.map { .object([M("lower", .number($0.lower)), M("upper", .number($0.upper))]) } ?? .null))
                members.append(M("adjustedVerdict", ruling.adjustedVerdict.map { .string($0.rawValue) } ?? .null))
                members.append(M("effect", ruling.effectComparison.map { .string($0) } ?? .null))
            }
            return .object(members)
        }
        let choiceRulings = summary.choiceRulings.map { choice -> JSONValue in
            .object([
                M("statement", .string(choice.standard.claim.statement)), M("model", .string(choice.standard.model)),
                M("choice", .string(choice.choice)), M("metric", .string(choice.standard.claim.metric.rawValue)),
                M("difference", interval(choice.ruling.difference)), M("verdict", .string(choice.ruling.verdict.rawValue)),
                M("standardVerdict", .string(choice.standard.verdict.rawValue)), M("flips", .bool(choice.flips)),
            ])
        }
        let header = [
            M("format", .string(format)), M("version", .number(2)), M("machine", .string(machine)),
            M("seconds", .number(results.seconds)),
            M("bootstrap", .object([
                M("resamples", .number(Double(configuration.bootstrap.resamples))), M("seed", .number(Double(configuration.bootstrap.seed))),
                M("confidence", .number(configuration.bootstrap.confidence)),
            ])),
            M("protocol", .object([
                M("seeds", .number(Double(configuration.seeds))),
                M("removeAndRetrainSeeds", .number(Double(configuration.removeAndRetrain?.seeds ?? 0))),
                M("resamples", .number(Double(configuration.bootstrap.resamples))),
                M("tuningSplit", .string(QualityProtocol.tuningSplit)),
                M("multipleComparisons", .string("holm")),
                M("intervals", .string(QualityProtocol.intervals)),
            ])),
            M("configuration", configurationJSON(configuration)),
            M("methods", .array(methods)), M("metrics", .array(metrics)),
        ]
        return (header, [M("cells", .array(cells)), M("claims", .array(rulings)), M("choices", .array(choiceRulings))])
    }
}
