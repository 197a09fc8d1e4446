import Foundation

/// A line chart with linear or logarithmic axes, ticks, a legend and labels, drawn as SVG.
public struct LinePlot: Sendable {
    /// One curve.
    public struct Series: Sendable {
        /// Its legend entry.
        public var label: String
        /// Its points (x, y); non-finite points, and non-positive ones on a log axis, are skipped.
        public var points: [(Double, Double)]
        /// Dashed line.
        public var dashed: Bool
        /// Draw a dot at every point.
        public var markers: Bool

        /// A series.
        public init(label: String, points: [(Double, Double)], dashed: Bool = false, markers: Bool = true) {
            self.label = label
            self.points = points
            self.dashed = dashed
            self.markers = markers
        }
    }

    /// The title above the plot.
    public var title: String
    /// The x axis's label.
    public var xLabel: String
    /// The y axis's label.
    public var yLabel: String
    /// Logarithmic x axis.
    public var logX: Bool
    /// Logarithmic y axis.
    public var logY: Bool
    /// The curves.
    public var series: [Series]

    /// A plot.
    public init(title: String, xLabel: String, yLabel: String, logX: Bool = false, logY: Bool = false, series: [Series] = []) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.logX = logX
        self.logY = logY
        self.series = series
    }

    /// The chart as an SVG canvas.
    public func svg(width: Double = 720, height: Double = 460) -> SVG {
        var canvas = SVG(width: width, height: height)
        let (left, right, top, bottom) = (80.0, width - 200, 40.0, height - 60)
        let usable = series.map { s in s.points.filter { isDrawable($0) } }
        let xs = usable.flatMap { $0.map { transform($0.0, log: logX) } }
        let ys = usable.flatMap { $0.map { transform($0.1, log: logY) } }
        canvas.text(title, x: (left + right) / 2, y: 24, size: 15, anchor: "middle")
        guard let xMin = xs.min(), let xMax = xs.max(), let yMin = ys.min(), let yMax = ys.max() else { return canvas }
        let xRange = padded(xMin, xMax, log: logX)
        let yRange = padded(yMin, yMax, log: logY)
        func px(_ x: Double) -> Double { left + (transform(x, log: logX) - xRange.0) / (xRange.1 - xRange.0) * (right - left) }
        func py(_ y: Double) -> Double { bottom - (transform(y, log: logY) - yRange.0) / (yRange.1 - yRange.0) * (bottom - top) }

        canvas.rectangle(x: left, y: top, width: right - left, height: bottom - top, fill: "none", stroke: "#444444")
        for tick in ticks(xRange, log: logX) {
            let x = px(tick)
            canvas.line(x, bottom, x, top, stroke: "#e4e4e4")
            canvas.text(label(tick, log: logX), x: x, y: bottom + 18, size: 11, anchor: "middle")
        }
        for tick in ticks(yRange, log: logY) {
            let y = py(tick)
            canvas.line(left, y, right, y, stroke: "#e4e4e4")
            canvas.text(label(tick, log: logY), x: left - 6, y: y + 4, size: 11, anchor: "end")
        }
        canvas.text(xLabel, x: (left + right) / 2, y: height - 18, size: 13, anchor: "middle")
        canvas.text(yLabel, x: 22, y: (top + bottom) / 2, size: 13, anchor: "middle", rotate: -90)

        for (index, points) in usable.enumerated() {
            let color = SVG.palette[index % SVG.palette.count]
            canvas.polyline(points.map { (px($0.0), py($0.1)) }, stroke: color, width: 2, dashed: series[index].dashed)
            if series[index].markers {
                for point in points { canvas.circle(px(point.0), py(point.1), radius: 2.5, fill: color) }
            }
            let legendY = top + 10 + Double(index) * 20
            canvas.line(right + 14, legendY, right + 38, legendY, stroke: color, width: 2, dashed: series[index].dashed)
            canvas.text(series[index].label, x: right + 44, y: legendY + 4, size: 12)
        }
        return canvas
    }

    private func isDrawable(_ point: (Double, Double)) -> Bool {
        point.0.isFinite && point.1.isFinite && (!logX || point.0 > 0) && (!logY || point.1 > 0)
    }

    private func transform(_ v: Double, log: Bool) -> Double { log ? log10(v) : v }

    private func padded(_ low: Double, _ high: Double, log: Bool) -> (Double, Double) {
        if log { return (floor(low), max(ceil(high), floor(low) + 1)) }
        let span = high - low
        return span > 0 ? (low - 0.05 * span, high + 0.05 * span) : (low - 1, high + 1)
    }

    /// Tick positions in data units: every decade on log axes, 1-2-5 steps otherwise.
    private func ticks(_ range: (Double, Double), log: Bool) -> [Double] {
        if log {
            let decades = Int(range.1 - range.0)
            let every = max(1, decades / 8)
            return stride(from: Int(range.0), through: Int(range.1), by: every).map { pow(10, Double($0)) }
        }
        let rough = (range.1 - range.0) / 6
        let magnitude = pow(10, floor(log10(rough)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        return stride(from: ceil(range.0 / step) * step, through: range.1, by: step).map { $0 }
    }

    private func label(_ v: Double, log: Bool) -> String {
        if log { return "1e\(Int(log10(v).rounded()))" }
        return abs(v) < 1e-12 ? "0" : String(format: "%g", v)
    }
}
