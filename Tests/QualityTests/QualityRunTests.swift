import ArgumentParsing
import ArrayFormats
import Catalogue
import Foundation
import Tensors
import Testing
import _TestSupport

@testable import Quality

@Suite("bench quality: a small run's tables, intervals and verdicts", .tags(.slow))
struct QualityRunTests {
    /// `--quick`'s models, methods and metrics on the first 5 test images, at 8 steps per path,
    /// 100 references and 400 resamples: the debug build's budget (the release `--quick` runs
    /// in seconds).
    static let configuration = QualityConfiguration(
        models: QualityConfiguration.quick.models, images: 5, references: 100, methods: QualityConfiguration.quick.methods,
        metrics: QualityConfiguration.quick.metrics, budgetOverrides: ["steps": "8", "samples": "4"], bootstrap: Bootstrap(resamples: 400))

    /// The same with ROAR on digits-cnn for two cheap methods, one fraction and one epoch.
    static let withRetraining = {
        var retraining = QualityRunTests.configuration
        retraining.removeAndRetrain = .init(models: ["digits-cnn"], methods: ["random", "input-x-gradient"], fractions: [0.5], epochs: 1)
        return retraining
    }()

    @Test("The residual graph runs when named: IG and DDPath-IG (with the shapes diffusion model) scored on insertion and the pointing game, with intervals")
    func residualGraph() throws {
        // A small budget: the debug build's gradient of shapes-resnet costs ~25 ms (the release
        // run of every method and metric on 6 images takes 2 min 41 s).
        let methods = ["ig", "ddpath-ig"].compactMap { QualityMethod.named($0) }
        let metrics = ["insertion", "pointing-game"].compactMap { QualityMetric.named($0) }
        #expect(methods.count == 2 && metrics.count == 2)
        let configuration = QualityConfiguration(
            models: ["shapes-resnet"], images: 2, references: 50, methods: methods, metrics: metrics,
            budgetOverrides: ["steps": "6", "samples": "2"], bootstrap: Bootstrap(resamples: 200))
        let results = try QualityRun.run(configuration)
        let model = try #require(results.models.first)
        #expect(model.model == "shapes-resnet" && !model.imageIndices.isEmpty)
        for method in methods { #expect(model.scores[method.name]?.count == model.imageIndices.count, "\(method.name)") }
        let summary = QualitySummary(results)
        #expect(summary.cell("shapes-resnet", "ig", "pointing-game") != nil)
        for cell in summary.cells {
            let interval = try #require(cell.interval, "\(cell.method) \(cell.metric) has no images")
            #expect(interval.lower <= interval.upper && interval.estimate.isFinite)
        }
    }

    @Test("Every cell's interval contains its mean, every claim has a ruling per model, and the reports carry every number")
    func structureAndInvariants() throws {
        let results = try QualityRun.run(Self.withRetraining)
        let summary = QualitySummary(results)
        #expect(results.models.map(\.model) == ["digits-cnn", "shapes-cnn", "digits-textured-cnn", "shapes-black-cnn"])
        #expect(results.models[0].removeAndRetrain.keys.sorted() == ["input-x-gradient", "random"])
        for model in results.models {
            #expect(model.imageIndices.count + model.misclassified == model.considered && model.considered == 5)
            #expect(!model.imageIndices.isEmpty)
            for method in Self.configuration.methods {
                // A background-swapped model gets IDGI's comparisons only; a checkpoint experiment runs on digits-cnn only.
                let expected = method.runs(on: model.model) ? model.imageIndices.count : nil
                #expect(model.scores[method.name]?.count == expected, "\(model.model) \(method.name)")
            }
        }
        #expect(!summary.cells.isEmpty)
        for cell in summary.cells {
            let interval = try #require(cell.interval, "\(cell.model) \(cell.method) \(cell.metric) has no images")
            #expect(interval.lower <= interval.upper)
            if QualityMetric.named(cell.metric)!.aggregation != .medianCurve {
                #expect(interval.contains(interval.estimate), "\(cell.model) \(cell.method) \(cell.metric): \(interval)")
            }
        }
        // Mask metrics only where there are masks.
        #expect(summary.cell("digits-cnn", "ig", "pointing-game") == nil)
        #expect(summary.cell("shapes-cnn", "ig", "pointing-game") != nil)
        // One ruling per claim and model; each verdict follows from its interval.
        #expect(results.models[2].scores["ig+idgi"] != nil && results.models[2].scores["ddpath-ig"] == nil)
        #expect(results.models[0].scores["ddpath-ig-step1000"] != nil && results.models[1].scores["ddpath-ig-step1000"] == nil)
        #expect(summary.rulings.count == Claim.all.count * results.models.count)
        for ruling in summary.rulings {
            let metric = try #require(QualityMetric.named(ruling.claim.metric))
            #expect(ruling.verdict == Verdict(difference: ruling.judged, direction: metric.direction))
            if ruling.difference == nil { #expect(ruling.note != nil) }
        }
        let judged = summary.rulings.filter { $0.difference != nil }
        #expect(judged.count >= 10, "the quick methods and metrics judge most claim families")
        let markdown = QualityReport.markdown(results, summary, machine: "test")
        #expect(markdown.contains("## Primary claims") && markdown.contains("## `shapes-cnn`"))
        for ruling in judged { #expect(markdown.contains("| \(ruling.claim.statement) |"), "\(ruling.claim.statement)") }
        // The JSON parses back and holds one number (or null) per image for every method and metric.
        let json = try JSONValue.parse(QualityReport.json(results, summary, machine: "test").description)
        let models = try #require(json["models"]?.arrayValue)
        for (model, expected) in zip(models, results.models) {
            let methods = try #require(model["methods"]?.arrayValue)
            #expect(methods.count == Self.configuration.methods.filter { $0.runs(on: expected.model) }.count)
            let insertion = try #require(methods.first?["scores"]?["insertion"]?.arrayValue)
            #expect(insertion.count == expected.imageIndices.count)
        }
        #expect(json["claims"]?.arrayValue?.count == summary.rulings.count)
        // Another tool can re-aggregate from the JSON alone: read back, it gives the same
        // tables, intervals and verdicts, to the bit (numbers round-trip exactly).
        let (reread, machine) = try SavedRun.read(json)
        #expect(machine == "test")
        let again = QualitySummary(reread)
        // (Compared into a Bool first: a failure names the document instead of printing both.)
        let sameMarkdown = QualityReport.markdown(reread, again, machine: machine) == markdown
        #expect(sameMarkdown, "RESULTS.md differs when rebuilt from the JSON")
        let sameSummary = QualityReport.summaryJSON(reread, again, machine: machine) == QualityReport.summaryJSON(results, summary, machine: "test")
        #expect(sameSummary, "summary.json differs when rebuilt from the JSON")
        #expect(reread.models[0].removeAndRetrain["input-x-gradient"]?.map(\.diffROAR) == results.models[0].removeAndRetrain["input-x-gradient"]?.map(\.diffROAR))
        // A summary keeps no per-image numbers, and says so when given in its place.
        let summaryDocument = QualityReport.summaryJSON(results, summary, machine: "test")
        let refusal = #expect(throws: SavedRunError.self) { try SavedRun.read(summaryDocument) }
        #expect(refusal?.description.contains("pass the run's results.json") == true)
    }

    @Test("The same run on 1 and on 2 threads gives the same numbers", .tags(.determinism))
    func threadCountInvariance() throws {
        var configuration = Self.configuration
        configuration.models = ["digits-cnn"]
        configuration.images = 3
        configuration.methods = configuration.methods.filter { ["random", "ig", "lpi"].contains($0.name) }
        let one = try Parallelism.$threadLimit.withValue(1) { try QualityRun.run(configuration) }
        let two = try Parallelism.$threadLimit.withValue(2) { try QualityRun.run(configuration) }
        for method in configuration.methods {
            let a = one.models[0].scores[method.name]!, b = two.models[0].scores[method.name]!
            #expect(a.map(\.values) == b.map(\.values), "\(method.name)")
        }
    }

    @Test("Bad arguments are refused with what is accepted", .tags(.badInput))
    func badArguments() {
        #expect(throws: UsageError.self) { try QualityCommand.parse(["--images", "0"]) }
        #expect(throws: UsageError.self) { try QualityCommand.parse(["--models", "moons-mlp"]) }
        #expect(throws: UsageError.self) { try QualityCommand.parse(["--methods", "ig,nonsense"]) }
        #expect(throws: UsageError.self) { try QualityCommand.parse(["--resamples"]) }
        #expect(throws: UsageError.self) { try QualityCommand.parse(["--frobnicate"]) }
        // Empty and repeated lists, a repeated option: refused before any work.
        #expect(throws: UsageError.self) { try QualityCommand.parse(["--models", ""]) }
        #expect(throws: UsageError.self) { try QualityCommand.parse(["--methods", ""]) }
        #expect(throws: UsageError.self) { try QualityCommand.parse(["--models", "digits-cnn,digits-cnn"]) }
        #expect(throws: UsageError.self) { try QualityCommand.parse(["--out", "a", "--out", "b"]) }
        #expect(throws: UsageError.self) { try QualityCommand.parseReport(["--report"]) }
        #expect(throws: QualityError.self) { try QualityCommand.parseReport(["--report", "r.json", "--models", "digits-cnn"]) }
        #expect(throws: QualityError.self) { try QualityCommand.parseReport(["--resamples", "100"]) }
        let report = try! QualityCommand.parseReport(["--report", "r.json", "--resamples", "100", "--out", "/tmp/q"])
        #expect(report.file.lastPathComponent == "r.json" && report.resamples == 100 && report.directory.path == "/tmp/q")
        let (quick, directory) = try! QualityCommand.parse(["--quick", "--images", "3", "--out", "/tmp/q"])
        #expect(quick.images == 3 && quick.models == QualityConfiguration.quick.models && directory.path == "/tmp/q")
    }
}

/// A saved run is input: `bench quality --report` validates it before computing anything and
/// answers a bad one with exit status 3 naming the field; an output directory that is a file,
/// or a report that would overwrite the saved run, is refused (exit 2) before any work.
@Suite("bench quality --report: a saved run is validated as input", .tags(.badInput))
struct SavedRunValidationTests {
    /// A two-image, two-method run's results.json, as text.
    static func savedRun() throws -> String {
        let configuration = QualityConfiguration(
            models: ["digits-cnn"], images: 3, references: 20, methods: ["random", "gradient"].map { QualityMethod.named($0)! },
            metrics: [QualityMetric.named("insertion")!, QualityMetric.named("deletion")!], budgetOverrides: [:], bootstrap: Bootstrap(resamples: 50))
        let results = try QualityRun.run(configuration)
        return QualityReport.json(results, QualitySummary(results), machine: "test").description
    }

    @Test("Bad fields are exit 3 naming the field; a good file re-aggregates (exit 0); a clashing --out is exit 2 and leaves the file")
    func validation() throws {
        let scratch = try FixturePaths.temporaryDirectory("saved-run")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let good = try Self.savedRun()
        let out = scratch.appendingPathComponent("report")
        func run(_ text: String) throws -> Int32 {
            let file = scratch.appendingPathComponent("results.json")
            try text.write(to: file, atomically: true, encoding: .utf8)
            return QualityCommand.main(["--report", file.path, "--out", out.path], machine: "test")
        }
        #expect(try run(good) == 0)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("RESULTS.md").path))
        // The same report as a page: whole (PageChecks), its tables as tables, every figure inline.
        let page = out.appendingPathComponent("RESULTS.html")
        #expect(PageChecks.problems(page: page).isEmpty, "\(PageChecks.problems(page: page))")
        let html = try String(contentsOf: page, encoding: .utf8)
        let markdown = try String(contentsOf: out.appendingPathComponent("RESULTS.md"), encoding: .utf8)
        let markdownTables = markdown.split(separator: "\n").filter { $0.hasPrefix("|---") }.count
        #expect(markdownTables > 0 && html.components(separatedBy: "<table>").count - 1 == markdownTables)
        let figureFiles = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".svg") || $0.hasSuffix(".png") }
        #expect(!figureFiles.isEmpty && html.components(separatedBy: "<figure ").count - 1 == figureFiles.count)
        // --page rebuilds the page of a run already on disk: the same tables and figures, each
        // described by its own title; a folder without RESULTS.md, or another option, is exit 2.
        try FileManager.default.removeItem(at: page)
        #expect(QualityCommand.main(["--page", out.path], machine: "test") == 0)
        #expect(PageChecks.problems(page: page).isEmpty, "\(PageChecks.problems(page: page))")
        let rebuilt = try String(contentsOf: page, encoding: .utf8)
        #expect(rebuilt.components(separatedBy: "<table>").count == html.components(separatedBy: "<table>").count)
        #expect(rebuilt.components(separatedBy: "<figure ").count == html.components(separatedBy: "<figure ").count)
        #expect(QualityCommand.main(["--page", scratch.appendingPathComponent("nothing-here").path], machine: "test") == 2)
        #expect(QualityCommand.main(["--page", out.path, "--quick"], machine: "test") == 2)
        let edits: [(String, String, String)] = [
            ("\"confidence\":0.95", "\"confidence\":2", "confidence outside (0, 1)"),
            ("\"resamples\":50", "\"resamples\":0", "no resamples"),
            ("\"resamples\":50", "\"resamples\":1", "one resample"),
            ("\"name\":\"gradient\"", "\"name\":\"saliency\"", "an unknown method"),
            ("\"name\":\"insertion\"", "\"name\":\"insertion-auc\"", "an unknown metric"),
            ("\"model\":\"digits-cnn\"", "\"model\":\"moons-mlp\"", "an unknown model"),
            ("\"images\":[", "\"images\":[-1,", "a negative index"),
        ]
        for (old, new, what) in edits {
            #expect(good.contains(old), "the saved run has no \(old)")
            #expect(try run(good.replacingOccurrences(of: old, with: new)) == 3, "\(what)")
        }
        // A duplicated method, and a score of 1e308 whose mean overflows.
        let firstImage = try #require(good.range(of: "\"images\":[")).upperBound
        let index = good[firstImage...].prefix { $0 != "," && $0 != "]" }
        #expect(try run(good.replacingOccurrences(of: "\"images\":[\(index)", with: "\"images\":[\(index),\(index)")) == 3, "a duplicated index")
        // Every insertion score of a method at 1e308: finite each, but their mean overflows.
        let column = try #require(good.range(of: "\"insertion\":["))
        let end = try #require(good[column.upperBound...].firstIndex(of: "]"))
        let count = good[column.upperBound..<end].split(separator: ",").count
        var huge = good
        huge.replaceSubrange(column.upperBound..<end, with: Array(repeating: "1e308", count: count).joined(separator: ","))
        let status = try run(huge)
        #expect(count >= 2 && status == 3, "an overflowing score")
        // The report would overwrite the saved run, or --out is a file: refused before any work.
        let inside = out.appendingPathComponent("summary.json")
        try good.write(to: inside, atomically: true, encoding: .utf8)
        #expect(QualityCommand.main(["--report", inside.path, "--out", out.path], machine: "test") == 2)
        #expect(try String(contentsOf: inside, encoding: .utf8) == good, "the saved run was overwritten")
        let file = scratch.appendingPathComponent("a-file")
        try "x".write(to: file, atomically: true, encoding: .utf8)
        #expect(QualityCommand.main(["--quick", "--out", file.path], machine: "test") == 2)
        #expect(QualityCommand.main(["--models", "", "--out", scratch.path], machine: "test") == 2)
    }
}

@Suite("bench quality: claims name methods and metrics that exist")
struct ClaimResolutionTests {
    @Test("Every claim's method, base and metric resolve to a quality method and metric, and every quality metric to a catalogue metric")
    func everyClaimResolves() {
        for claim in Claim.all {
            #expect(QualityMethod.named(claim.method) != nil, "\(claim.statement): method \(claim.method)")
            #expect(QualityMethod.named(claim.base) != nil, "\(claim.statement): base \(claim.base)")
            #expect(QualityMetric.named(claim.metric) != nil, "\(claim.statement): metric \(claim.metric)")
        }
        for metric in QualityMetric.all + QualityMetric.choiceVariants {
            if case .catalogue(let name, let values, let component) = metric.source {
                let registration = Catalogue.metrics.registration(named: name)
                #expect(registration != nil, "\(metric.name): \(name)")
                #expect(component.map { c in registration?.components.contains { $0.name == c } == true } ?? true, "\(metric.name): \(component ?? "")")
                #expect(throws: Never.self, "\(metric.name)") { try Catalogue.metrics.scorer(name, text: values) }
            }
        }
        // A statement names one claim: a report row is found by its statement and model.
        let statements = Claim.all.map(\.statement)
        #expect(Set(statements).count == statements.count, "\(Dictionary(grouping: statements) { $0 }.filter { $0.value.count > 1 }.keys.sorted())")
        // A misspelled identifier does not resolve (the check above can fail).
        #expect(QualityMethod.named(QualityMethod.ID("ig+idgj")) == nil && QualityMetric.named(QualityMetric.ID("insertoin")) == nil)
    }
}
