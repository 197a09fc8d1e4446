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

    /// The axis range: the data's, widened by 5% of its span on each side (in log units on a
    /// log axis), so the axis ends where the data end rather than at the next round value.
    private func padded(_ low: Double, _ high: Double, log: Bool) -> (Double, Double) {
        let span = high - low
        if log { return span > 0 ? (low - 0.05 * span, high + 0.05 * span) : (low - 0.5, high + 0.5) }
        return span > 0 ? (low - 0.05 * span, high + 0.05 * span) : (low - 1, high + 1)
    }

    /// Tick positions in data units: the decades inside a log axis (every few when there are
    /// many; 1, 2 and 5 times each decade when fewer than two fall inside), 1-2-5 steps otherwise.
    private func ticks(_ range: (Double, Double), log: Bool) -> [Double] {
        if log {
            let first = Int(ceil(range.0)), last = Int(floor(range.1))
            if last - first >= 1 {
                let every = max(1, (last - first) / 8)
                return stride(from: first, through: last, by: every).map { pow(10, Double($0)) }
            }
            return (Int(floor(range.0))...Int(ceil(range.1))).flatMap { d in [1.0, 2, 5].map { $0 * pow(10, Double(d)) } }
                .filter { (range.0...range.1).contains(log10($0)) }
        }
        let rough = (range.1 - range.0) / 6
        let magnitude = pow(10, floor(log10(rough)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        return stride(from: ceil(range.0 / step) * step, through: range.1, by: step).map { $0 }
    }

    /// A tick's label: 10 with a superscript exponent at a decade of a log axis ("10⁻⁴"),
    /// otherwise the number.
    private func label(_ v: Double, log: Bool) -> String {
        if log {
            let exponent = log10(v)
            if abs(exponent - exponent.rounded()) < 1e-9 { return "10" + Self.superscript(Int(exponent.rounded())) }
            return String(format: "%g", v)
        }
        return abs(v) < 1e-12 ? "0" : String(format: "%g", v)
    }

    /// An integer in superscript digits: −4 as "⁻⁴".
    static func superscript(_ n: Int) -> String {
        let digits: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
        return (n < 0 ? "⁻" : "") + String(String(abs(n)).map { digits[Int(String($0))!] })
    }
}
