import ArrayFormats
import Foundation

/// A saved quality run read back: `results.json` → ``QualityResults``, so that its tables,
/// intervals and verdicts can be computed again without attributing anything
/// (`bench quality --report FILE`): with another number of resamples, or by a newer summary.
///
/// What the file keeps is what the statistics need: every image's number for every method and
/// metric, every SIC/AIC and insertion/deletion curve, ROAR's per-fraction correctness, the
/// configuration and the wall time. The example maps behind the grid figure are not kept, so a
/// re-aggregated run has every figure but that one.
///
/// Numbers are written in Swift's shortest round-trip form and read back to the same bits, so
/// re-aggregating with the run's own resamples reproduces its RESULTS.md and summary.json exactly.
///
/// A saved run is input: every field is checked before anything is computed — the format and
/// version, known and distinct model, method and metric names, image indices that are whole,
/// non-negative and distinct, finite numbers, a bootstrap with at least 2 resamples and a
/// confidence in (0, 1) — and a failure names the field (``SavedRunError``, exit status 3).
public enum SavedRun {
    /// The run saved in `file`, and the machine it ran on.
    /// - Throws: ``SavedRunError`` for an unreadable file or invalid content.
    public static func read(contentsOf file: URL) throws -> (results: QualityResults, machine: String) {
        let text: String
        do { text = try String(contentsOf: file, encoding: .utf8) } catch {
            throw SavedRunError("--report: cannot read '\(file.path)' (\(error.localizedDescription)); pass a results.json that bench quality wrote")
        }
        let json: JSONValue
        do { json = try JSONValue.parse(text) } catch { throw SavedRunError("--report: '\(file.path)' is not valid JSON: \(error)") }
        return try read(json)
    }

    /// The run `json` (a `results.json` document) holds, and the machine it ran on.
    /// - Throws: ``SavedRunError`` naming what is missing or malformed.
    public static func read(_ json: JSONValue) throws -> (results: QualityResults, machine: String) {
        guard let format = json["format"]?.stringValue else { throw SavedRunError("not a bench quality results file: it has no \"format\" member") }
        guard format == "pathattribution.quality" else {
            throw SavedRunError(
                format == "pathattribution.quality-summary"
                    ? "this is a summary.json, which keeps no per-image numbers; pass the run's results.json"
                    : "not a bench quality results file: its format is \"\(format)\", not \"pathattribution.quality\"")
        }
        guard json["version"]?.intValue == 2 else { throw SavedRunError("results file version \(json["version"].map { "\($0)" } ?? "missing"); this bench reads version 2 (re-run bench quality)") }
        let machine = try string(json["machine"], "machine")
        let seconds = try number(json["seconds"], "seconds")
        let bootstrapJSON = try member(json, "bootstrap")
        let resamples = try whole(bootstrapJSON["resamples"], "bootstrap.resamples")
        guard resamples >= 2 else { throw SavedRunError("results file: bootstrap.resamples is \(resamples); a bootstrap needs at least 2") }
        let confidence = try number(bootstrapJSON["confidence"], "bootstrap.confidence")
        guard confidence > 0 && confidence < 1 else { throw SavedRunError("results file: bootstrap.confidence is \(confidence); it must lie in (0, 1)") }
        let bootstrap = Bootstrap(resamples: resamples, seed: UInt64(try whole(bootstrapJSON["seed"], "bootstrap.seed")), confidence: confidence)
        let methods = try distinct(array(json["methods"], "methods").map { try string($0["name"], "methods[].name") }, "methods").map { name in
            guard let known = QualityMethod.named(name) else { throw SavedRunError("results file: methods names '\(name)', which is not a method this bench knows") }
            return known
        }
        let metrics = try distinct(array(json["metrics"], "metrics").map { try string($0["name"], "metrics[].name") }, "metrics").map { name in
            guard let known = QualityMetric.named(name) else { throw SavedRunError("results file: metrics names '\(name)', which is not a metric this bench knows") }
            return known
        }
        let configuration = try self.configuration(try member(json, "configuration"), methods: methods, metrics: metrics, bootstrap: bootstrap)
        let models = try array(json["models"], "models").map { try model($0, metrics: metrics, methods: methods) }
        _ = try distinct(models.map(\.model), "models[].model")
        for model in models where !configuration.models.contains(model.model) {
            throw SavedRunError("results file: models[].model '\(model.model)' is not in configuration.models")
        }
        return (QualityResults(configuration: configuration, models: models, seconds: seconds), machine)
    }

    /// The configuration from its JSON and the header's methods, metrics and bootstrap.
    static func configuration(_ json: JSONValue, methods: [QualityMethod], metrics: [QualityMetric], bootstrap: Bootstrap) throws -> QualityConfiguration {
        let overrides = try Dictionary(uniqueKeysWithValues: member(json, "budgetOverrides").keys.map { key in
            (key, try string(json["budgetOverrides"]?[key], "configuration.budgetOverrides.\(key)"))
        })
        var retraining: QualityConfiguration.RemoveAndRetrainSettings?
        if let settings = json["removeAndRetrain"], settings != .null {
            retraining = .init(
                models: try strings(settings["models"], "removeAndRetrain.models"), methods: try strings(settings["methods"], "removeAndRetrain.methods"),
                fractions: try numbers(settings["fractions"], "removeAndRetrain.fractions"), epochs: try optionalWhole(settings["epochs"], "removeAndRetrain.epochs"),
                seeds: try positive(settings["seeds"], "removeAndRetrain.seeds"))
        }
        let models = try distinct(try strings(json["models"], "configuration.models"), "configuration.models")
        for name in models where !QualityModel.allNames.contains(name) {
            throw SavedRunError("results file: configuration.models names '\(name)', which is not a model this bench knows (\(QualityModel.allNames.joined(separator: ", ")))")
        }
        return QualityConfiguration(
            models: models, images: try optionalWhole(json["images"], "configuration.images"),
            references: try optionalWhole(json["references"], "configuration.references"), methods: methods, metrics: metrics,
            budgetOverrides: overrides, bootstrap: bootstrap, removeAndRetrain: retraining,
            randomizationImages: try whole(json["randomizationImages"], "configuration.randomizationImages"),
            seeds: try positive(json["seeds"], "configuration.seeds"))
    }

    /// A whole number of at least 1 (a count of seeds).
    static func positive(_ value: JSONValue?, _ field: String) throws -> Int {
        let n = try whole(value, field)
        guard n >= 1 else { throw SavedRunError("results file: \(field) is \(n); it must be at least 1") }
        return n
    }

    /// One model's per-image numbers.
    static func model(_ json: JSONValue, metrics: [QualityMetric], methods: [QualityMethod]) throws -> QualityResults.ModelResults {
        let name = try string(json["model"], "models[].model")
        guard QualityModel.allNames.contains(name) else { throw SavedRunError("results file: models[].model '\(name)' is not a model this bench knows") }
        let images = try distinct(try array(json["images"], "\(name).images").enumerated().map { i, value in try whole(value, "\(name).images[\(i)]") }, "\(name).images")
        var results = QualityResults.ModelResults(
            model: name, imageIndices: images, misclassified: try whole(json["misclassified"], "\(name).misclassified"),
            considered: try whole(json["considered"], "\(name).considered"), scores: [:], attributionSeconds: [:])
        for method in try array(json["methods"], "\(name).methods") {
            let methodName = try string(method["name"], "\(name).methods[].name")
            guard methods.contains(where: { $0.name == methodName }) else {
                throw SavedRunError("results file: \(name).methods names '\(methodName)', which is not among the file's methods")
            }
            guard results.scores[methodName] == nil else { throw SavedRunError("results file: \(name).methods names '\(methodName)' twice") }
            let place = "\(name) \(methodName)"
            // One replicate's per-image numbers: the metric values and the curves.
            func replicate(_ json: JSONValue, _ place: String) throws -> [ImageScores] {
                var scores = [ImageScores](repeating: ImageScores(), count: images.count)
                let values = try member(json, "scores")
                for metric in values.keys {
                    guard metrics.contains(where: { $0.name == metric }) else {
                        throw SavedRunError("results file: \(place) scores.\(metric) is not among the file's metrics")
                    }
                    let column = try array(values[metric], "\(place) scores.\(metric)")
                    guard column.count == images.count else { throw SavedRunError("results file: \(place) scores.\(metric) has \(column.count) numbers for \(images.count) images") }
                    for (i, value) in column.enumerated() {
                        if value == .null { scores[i].skipped[metric] = "not scored" } else { scores[i].values[metric] = try number(value, "\(place) \(metric)[\(i)]") }
                    }
                }
                let curves = try member(json, "curves")
                for metric in curves.keys {
                    let column = try array(curves[metric], "\(place) curves.\(metric)")
                    guard column.count == images.count else { throw SavedRunError("\(place): \(metric) has \(column.count) curves for \(images.count) images") }
                    for (i, curve) in column.enumerated() where curve != .null {
                        let x = try numbers(curve["x"], "\(place) curves.\(metric)[\(i)].x"), y = try numbers(curve["y"], "\(place) curves.\(metric)[\(i)].y")
                        guard x.count == y.count else { throw SavedRunError("\(place) curves.\(metric)[\(i)]: \(x.count) x but \(y.count) y") }
                        scores[i].curves[metric] = (x, y)
                    }
                }
                return scores
            }
            results.scores[methodName] = try replicate(method, place)
            let replicates = try array(method["replicates"], "\(place) replicates").enumerated().map { r, json in
                try replicate(json, "\(place) replicates[\(r)]")
            }
            if !replicates.isEmpty { results.replicates[methodName] = replicates }
            results.attributionSeconds[methodName] = try number(method["attributionSeconds"], "\(place) attributionSeconds")
            results.gradientEvaluations[methodName] = try number(method["gradientEvaluations"], "\(place) gradientEvaluations")
            if let retrained = method["removeAndRetrain"] {
                results.removeAndRetrain[methodName] = try array(retrained, "\(place) removeAndRetrain").map { retraining in
                    let top = try array(retraining["topRemoved"], "\(place) topRemoved").map { try numbers($0, "\(place) topRemoved[]") }
                    let bottom = try array(retraining["bottomRemoved"], "\(place) bottomRemoved").map { try numbers($0, "\(place) bottomRemoved[]") }
                    guard top.count == bottom.count, (top + bottom).allSatisfy({ $0.count == images.count }) else {
                        throw SavedRunError("\(place): ROAR needs one correctness per image at every fraction, from both ends")
                    }
                    return RemoveAndRetrain.Outcome(topRemoved: top, bottomRemoved: bottom)
                }
            }
        }
        return results
    }

    // MARK: Reading members, each failure naming the member

    /// `items`, refused when one appears twice.
    static func distinct<T: Hashable>(_ items: [T], _ what: String) throws -> [T] {
        var seen: Set<T> = []
        for item in items where !seen.insert(item).inserted { throw SavedRunError("results file: \(what) lists '\(item)' twice") }
        return items
    }

    static func member(_ json: JSONValue, _ key: String) throws -> JSONValue {
        guard let value = json[key], case .object = value else { throw SavedRunError("results file: \"\(key)\" is missing or not an object") }
        return value
    }
    static func string(_ value: JSONValue?, _ what: String) throws -> String {
        guard let text = value?.stringValue else { throw SavedRunError("results file: \(what) is missing or not a string") }
        return text
    }
    static func number(_ value: JSONValue?, _ what: String) throws -> Double {
        guard let x = value?.doubleValue, x.isFinite else { throw SavedRunError("results file: \(what) is missing or not a finite number") }
        return x
    }
    static func whole(_ value: JSONValue?, _ what: String) throws -> Int {
        guard let n = value?.intValue, n >= 0 else { throw SavedRunError("results file: \(what) is missing or not a whole number ≥ 0") }
        return n
    }
    static func optionalWhole(_ value: JSONValue?, _ what: String) throws -> Int? {
        guard let value, value != .null else { return nil }
        return try whole(value, what)
    }
    static func array(_ value: JSONValue?, _ what: String) throws -> [JSONValue] {
        guard let items = value?.arrayValue else { throw SavedRunError("results file: \(what) is missing or not an array") }
        return items
    }
    static func numbers(_ value: JSONValue?, _ what: String) throws -> [Double] { try array(value, what).map { try number($0, what) } }
    static func strings(_ value: JSONValue?, _ what: String) throws -> [String] { try array(value, what).map { try string($0, what) } }
}

/// A saved run that is not valid input (exit status 3): what is wrong, naming the field.
public struct SavedRunError: Error, CustomStringConvertible, Equatable {
    /// What is wrong.
    public var description: String
    /// An error.
    public init(_ description: String) { self.description = description }
}
