import Foundation

/// Turns arrays of numbers into pictures: colour maps, tiled panels, PNG files.
public enum Heatmap {
    /// How values become colours.
    public enum Colormap: Sendable {
        /// Black (low) to white (high): images.
        case grayscale
        /// Blue (negative) through white (zero) to red (positive), symmetric about 0:
        /// signed attributions.
        case diverging
        /// Dark purple through orange to yellow (low to high): magnitudes and function values.
        case sequential
    }

    /// One panel: an H×W grid of values (row-major) and how to colour it.
    public struct Panel: Sendable {
        /// The values, row-major.
        public var values: [Double]
        /// H
        public var height: Int
        /// W
        public var width: Int
        /// The colour map.
        public var colormap: Colormap
        /// The value range mapped to the ends of the colour map; nil means the panel's own
        /// (for `diverging`, ±max|v|).
        public var range: ClosedRange<Double>?

        /// A panel.
        public init(values: [Double], height: Int, width: Int, colormap: Colormap, range: ClosedRange<Double>? = nil) {
            precondition(values.count == height * width, "a panel needs height·width values")
            self.values = values
            self.height = height
            self.width = width
            self.colormap = colormap
            self.range = range
        }
    }

    /// The RGB colour of `t` ∈ [0, 1] along a colour map.
    public static func color(_ t: Double, _ colormap: Colormap) -> (UInt8, UInt8, UInt8) {
        let t = min(1, max(0, t.isFinite ? t : 0.5))
        func byte(_ x: Double) -> UInt8 { UInt8((min(1, max(0, x)) * 255).rounded()) }
        switch colormap {
        case .grayscale:
            return (byte(t), byte(t), byte(t))
        case .diverging:
            // Blue (0.23, 0.30, 0.75) → white → red (0.71, 0.02, 0.15), linear in each half.
            if t < 0.5 {
                let s = t / 0.5
                return (byte(0.23 + (1 - 0.23) * s), byte(0.30 + (1 - 0.30) * s), byte(0.75 + (1 - 0.75) * s))
            }
            let s = (t - 0.5) / 0.5
            return (byte(1 + (0.71 - 1) * s), byte(1 + (0.02 - 1) * s), byte(1 + (0.15 - 1) * s))
        case .sequential:
            // Piecewise linear through a few points of an "inferno"-like ramp.
            let stops: [(Double, Double, Double)] = [(0.00, 0.00, 0.02), (0.34, 0.06, 0.43), (0.73, 0.21, 0.33), (0.98, 0.55, 0.04), (0.99, 1.00, 0.64)]
            let position = t * Double(stops.count - 1)
            let i = min(Int(position), stops.count - 2)
            let f = position - Double(i)
            let (a, b) = (stops[i], stops[i + 1])
            return (byte(a.0 + (b.0 - a.0) * f), byte(a.1 + (b.1 - a.1) * f), byte(a.2 + (b.2 - a.2) * f))
        }
    }

    /// Panels side by side in one RGB image, each pixel drawn as a `scale`×`scale` block,
    /// `gap` white pixels between panels. Returns (pixels, width, height).
    public static func render(_ panels: [Panel], scale: Int = 16, gap: Int = 8) -> (rgb: [UInt8], width: Int, height: Int) {
        precondition(!panels.isEmpty && scale >= 1 && gap >= 0, "nothing to draw")
        let height = panels.map(\.height).max()! * scale
        let width = panels.map { $0.width * scale }.reduce(0, +) + gap * (panels.count - 1)
        var rgb = [UInt8](repeating: 255, count: width * height * 3)
        var left = 0
        for panel in panels {
            let range = panel.range ?? defaultRange(panel)
            let span = range.upperBound - range.lowerBound
            for row in 0..<(panel.height * scale) {
                for column in 0..<(panel.width * scale) {
                    let value = panel.values[(row / scale) * panel.width + column / scale]
                    let t = span > 0 ? (value - range.lowerBound) / span : 0.5
                    let (r, g, b) = color(t, panel.colormap)
                    let offset = (row * width + left + column) * 3
                    rgb[offset] = r
                    rgb[offset + 1] = g
                    rgb[offset + 2] = b
                }
            }
            left += panel.width * scale + gap
        }
        return (rgb, width, height)
    }

    /// Rows of panels stacked vertically (`gap` white pixels between rows too).
    public static func renderGrid(_ rows: [[Panel]], scale: Int = 16, gap: Int = 8) -> (rgb: [UInt8], width: Int, height: Int) {
        let rendered = rows.map { render($0, scale: scale, gap: gap) }
        let width = rendered.map(\.width).max()!
        let height = rendered.map(\.height).reduce(0, +) + gap * (rows.count - 1)
        var rgb = [UInt8](repeating: 255, count: width * height * 3)
        var top = 0
        for row in rendered {
            for y in 0..<row.height {
                let source = y * row.width * 3
                let target = ((top + y) * width) * 3
                rgb.replaceSubrange(target..<(target + row.width * 3), with: row.rgb[source..<(source + row.width * 3)])
            }
            top += row.height + gap
        }
        return (rgb, width, height)
    }

    /// Writes panels side by side as a PNG file (atomically).
    public static func writePNG(_ panels: [Panel], to url: URL, scale: Int = 16, gap: Int = 8) throws(FileWriteError) {
        let (rgb, width, height) = render(panels, scale: scale, gap: gap)
        try AtomicFile.write(PNG.encode(rgb: rgb, width: width, height: height), to: url)
    }

    private static func defaultRange(_ panel: Panel) -> ClosedRange<Double> {
        let finite = panel.values.filter(\.isFinite)
        guard let low = finite.min(), let high = finite.max() else { return 0...1 }
        if panel.colormap == .diverging {
            let bound = max(abs(low), abs(high))
            return bound > 0 ? -bound...bound : -1...1
        }
        return low < high ? low...high : (low - 1)...(high + 1)
    }
}

extension Heatmap.Colormap: Equatable {}
