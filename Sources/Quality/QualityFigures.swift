import ArrayFormats
import Evaluation
import Foundation
import Tensors

/// The figures of a quality run, per model: the mean insertion and deletion curves, PAIR's
/// aggregated SIC and AIC curves, the ROAR curves, and a grid of maps (SVG and PNG, written
/// into the run's output folder).
public enum QualityFigures {
    /// The explained images whose maps the grid shows.
    public static let exampleCount = 4

    /// The methods the curves show (the others would crowd them; the tables have every one).
    public static let plotted = ["random", "gradient", "smoothgrad", "ig", "ig+idgi", "blur-ig", "guided-ig", "ddpath-ig", "expected-gradients", "lpi", "agi"]

    /// The insertion and deletion curves a run keeps per image (zero substrate): signed
    /// ranking, and ranked by |A| as the primary claims are.
    public static let insertionCurves = QualityMetric.curveSuffixes.flatMap { ["insertion" + $0.suffix, "deletion" + $0.suffix] }

    /// One figure's curves: per plotted method, x and y.
    public struct Curves: Sendable {
        /// "insertion", "deletion", "insertion-abs", "deletion-abs", "sic-compressed", "aic-compressed".
        public let name: String
        /// One curve per plotted method that has one.
        public let series: [(method: String, x: [Double], y: [Double])]
    }

    /// The mean insertion and deletion curves (both rankings) and PAIR's SIC/AIC aggregates (compressed
    /// information, every tenth grid point) of the plotted methods on `model`.
    public static func curves(_ model: QualityResults.ModelResults, configuration: QualityConfiguration) -> [Curves] {
        let methods = configuration.methods.filter { plotted.contains($0.name) }.map(\.name)
        var result: [Curves] = []
        for curve in insertionCurves {
            let series = methods.compactMap { name -> (method: String, x: [Double], y: [Double])? in
                guard let scores = model.scores[name] else { return nil }
                let curves = scores.compactMap { $0.curves[curve] }
                guard let first = curves.first else { return nil }
                let mean = first.x.indices.map { k in curves.map { $0.y[k] }.reduce(0, +) / Double(curves.count) }
                return (name, first.x, mean)
            }
            if !series.isEmpty { result.append(Curves(name: curve, series: series)) }
        }
        for metric in configuration.metrics where metric.aggregation != .mean && metric.name.hasSuffix("compressed") {
            let series = methods.compactMap { name -> (method: String, x: [Double], y: [Double])? in
                guard let scores = model.scores[name] else { return nil }
                let sampled = scores.compactMap { $0.curves[metric.name] }.map(PerformanceGrid.sample)
                guard !sampled.isEmpty else { return nil }
                let grid = Array(stride(from: 0, to: PerformanceGrid.x.count, by: 10))
                let kind: PerformanceInformationCurve.Kind = metric.aggregation == .meanCurve ? .aic : .sic
                let ys = grid.map { g in PerformanceInformationCurve.combine(sampled.map { $0[g] }, kind: kind) }
                return (name, grid.map { PerformanceGrid.x[$0] }, ys)
            }
            if !series.isEmpty { result.append(Curves(name: metric.name, series: series)) }
        }
        return result
    }

    /// Writes every figure of `results` into `directory`; returns each file's name and what it
    /// shows (RESULTS.html's alt text and caption).
    public static func write(_ results: QualityResults, to directory: URL) throws -> [(file: String, alt: String)] {
        var written: [(file: String, alt: String)] = []
        let methods = results.configuration.methods.filter { plotted.contains($0.name) }.map(\.name)
        for model in results.models {
            for curves in curves(model, configuration: results.configuration) {
                let name = "\(curves.name)-\(model.model).svg"
                let isPIC = curves.name.hasSuffix("compressed")
                let title = isPIC
                    ? "\(model.model): PAIR's \(curves.name.hasPrefix("sic") ? "median" : "mean") curve over images (\(curves.name))"
                    : "\(model.model): mean \(curves.name) curve (zero substrate, \(curves.name.hasSuffix("-abs") ? "ranked by |A|" : "signed ranking"))"
                let xLabel = isPIC ? "normalized information (compressed size)" : "fraction of pixels \(curves.name.hasPrefix("insertion") ? "revealed" : "removed")"
                let yLabel = isPIC ? (curves.name.hasPrefix("sic") ? "normalized softmax" : "accuracy") : "probability of the true class"
                try LinePlot(
                    title: title, xLabel: xLabel, yLabel: yLabel,
                    series: curves.series.map { LinePlot.Series(label: $0.method, points: Array(zip($0.x, $0.y)), markers: false) }
                ).svg().write(to: directory.appendingPathComponent(name))
                written.append((name, "\(title): \(yLabel) against \(xLabel), one line per method (\(curves.series.map(\.method).joined(separator: ", ")))"))
            }
            if !model.removeAndRetrain.isEmpty, let fractions = results.configuration.removeAndRetrain?.fractions {
                let series = results.configuration.methods.compactMap { method -> [LinePlot.Series]? in
                    guard let outcome = model.removeAndRetrain[method.name] else { return nil }
                    return [
                        LinePlot.Series(label: "\(method.name), top removed", points: Array(zip(fractions, outcome.topAccuracy))),
                        LinePlot.Series(label: "\(method.name), bottom removed", points: Array(zip(fractions, outcome.bottomAccuracy)), dashed: true),
                    ]
                }.flatMap { $0 }
                let name = "roar-\(model.model).svg"
                try LinePlot(
                    title: "\(model.model): ROAR, test accuracy after retraining", xLabel: "fraction of pixels removed", yLabel: "test accuracy", series: series
                ).svg().write(to: directory.appendingPathComponent(name))
                written.append((name, "\(model.model): ROAR, test accuracy after retraining against the fraction of pixels removed, per method: solid with the top-ranked pixels removed, dashed with the bottom-ranked"))
            }
            if let first = model.exampleInputs.first, first.rank == 3 {
                let (height, width) = (first.shape[1], first.shape[2])
                let shown = methods.filter { model.exampleMaps[$0] != nil }
                let rows = model.exampleInputs.indices.map { i -> [Heatmap.Panel] in
                    let image = model.exampleInputs[i]
                    let grid = (0..<height * width).map { p in (0..<first.shape[0]).map { image.scalars[$0 * height * width + p] }.reduce(0, +) / Double(first.shape[0]) }
                    return [Heatmap.Panel(values: grid, height: height, width: width, colormap: .grayscale)]
                        + shown.map { name in
                            let map = model.exampleMaps[name]![i]
                            let summed = (0..<height * width).map { p in (0..<first.shape[0]).map { map.scalars[$0 * height * width + p] }.reduce(0, +) }
                            let bound = max(summed.map(abs).max() ?? 1, 1e-300)
                            return Heatmap.Panel(values: summed, height: height, width: width, colormap: .diverging, range: -bound...bound)
                        }
                }
                let name = "maps-\(model.model).png"
                try HeatmapFigure(
                    title: "\(model.model): maps of the first explained test images", columnTitles: ["image"] + shown, rows: rows,
                    colorScales: [
                        .init(.grayscale, low: "0", high: "1", caption: "image"),
                        .init(.diverging, low: "-max|A|", middle: "0", high: "+max|A|", caption: "attribution, summed over channels, per map"),
                    ]
                ).writePNG(to: directory.appendingPathComponent(name), scale: first.shape[1] <= 8 ? 10 : 6)
                written.append((name, "\(model.model): the first explained test images, each followed by its maps from \(shown.joined(separator: ", ")), summed over channels, red positive and blue negative, each map scaled to its own largest |A|"))
            }
        }
        return written
    }
}
