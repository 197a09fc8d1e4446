import Foundation

/// A grid of heatmap panels drawn as one PNG that carries its own labels: a title, a title
/// over each column, and a colour scale for each colour map used (a bar with its end and
/// middle values written under it), in ``BitmapFont``.
///
/// Rows are drawn as ``Heatmap/renderGrid(_:scale:gap:)`` draws them; the columns are the
/// first row's panels.
public struct HeatmapFigure: Sendable {
    /// A colour bar with the values its ends (and middle) stand for.
    public struct ColorScale: Sendable {
        /// The colour map shown.
        public var colormap: Heatmap.Colormap
        /// The label under the bar's left end.
        public var low: String
        /// The label under its middle, if any.
        public var middle: String?
        /// The label under its right end.
        public var high: String
        /// What the bar measures, written to its right.
        public var caption: String

        /// A colour scale.
        public init(_ colormap: Heatmap.Colormap, low: String, middle: String? = nil, high: String, caption: String) {
            self.colormap = colormap
            self.low = low
            self.middle = middle
            self.high = high
            self.caption = caption
        }
    }

    /// The line at the top.
    public var title: String
    /// One title per column.
    public var columnTitles: [String]
    /// The panels, row by row.
    public var rows: [[Heatmap.Panel]]
    /// The colour scales drawn under the grid.
    public var colorScales: [ColorScale]

    /// A figure.
    public init(title: String, columnTitles: [String], rows: [[Heatmap.Panel]], colorScales: [ColorScale]) {
        self.title = title
        self.columnTitles = columnTitles
        self.rows = rows
        self.colorScales = colorScales
    }

    /// The figure as RGB pixels: each panel pixel a `scale`×`scale` block, `gap` pixels between panels.
    public func render(scale: Int = 14, gap: Int = 10) -> (rgb: [UInt8], width: Int, height: Int) {
        let margin = 12
        let grid = Heatmap.renderGrid(rows, scale: scale, gap: gap)
        let columnLefts = (rows.first ?? []).reduce(into: [0]) { lefts, panel in lefts.append(lefts.last! + panel.width * scale + gap) }
        let columnWidths = (rows.first ?? []).map { $0.width * scale }
        // Column titles at twice the font size when every one fits its column, else at 1.
        let titleScale = zip(columnTitles, columnWidths).allSatisfy { BitmapFont.width(of: $0, scale: 2) <= $1 + gap } ? 2 : 1
        let lineHeight = 9
        let titleTop = margin
        let columnTitleTop = titleTop + 2 * lineHeight + 8
        let gridTop = columnTitleTop + titleScale * lineHeight + 6
        let barWidth = 160
        let barHeight = 12
        let scalesTop = gridTop + grid.height + 14
        let scaleBlock = barHeight + 4 + lineHeight + 10
        let captionsWidth = colorScales.map { BitmapFont.width(of: $0.caption) }.max() ?? 0
        let width = max(
            grid.width + 2 * margin, BitmapFont.width(of: title, scale: 2) + 2 * margin,
            barWidth + 16 + captionsWidth + 2 * margin)
        let height = scalesTop + colorScales.count * scaleBlock + margin
        var rgb = [UInt8](repeating: 255, count: width * height * 3)

        BitmapFont.draw(title, into: &rgb, width: width, height: height, x: margin, y: titleTop, scale: 2)
        for (column, text) in columnTitles.enumerated() where column < columnWidths.count {
            let textWidth = BitmapFont.width(of: text, scale: titleScale)
            let x = margin + columnLefts[column] + (columnWidths[column] - textWidth) / 2
            BitmapFont.draw(text, into: &rgb, width: width, height: height, x: x, y: columnTitleTop, scale: titleScale)
        }
        for y in 0..<grid.height {
            let source = y * grid.width * 3
            let target = ((gridTop + y) * width + margin) * 3
            rgb.replaceSubrange(target..<(target + grid.width * 3), with: grid.rgb[source..<(source + grid.width * 3)])
        }
        for (index, colorScale) in colorScales.enumerated() {
            let top = scalesTop + index * scaleBlock
            for x in 0..<barWidth {
                let (r, g, b) = Heatmap.color(Double(x) / Double(barWidth - 1), colorScale.colormap)
                for y in top..<(top + barHeight) {
                    let offset = (y * width + margin + x) * 3
                    (rgb[offset], rgb[offset + 1], rgb[offset + 2]) = (r, g, b)
                }
            }
            let labelTop = top + barHeight + 4
            BitmapFont.draw(colorScale.low, into: &rgb, width: width, height: height, x: margin, y: labelTop)
            if let middle = colorScale.middle {
                BitmapFont.draw(middle, into: &rgb, width: width, height: height, x: margin + (barWidth - BitmapFont.width(of: middle)) / 2, y: labelTop)
            }
            BitmapFont.draw(colorScale.high, into: &rgb, width: width, height: height, x: margin + barWidth - BitmapFont.width(of: colorScale.high), y: labelTop)
            BitmapFont.draw(colorScale.caption, into: &rgb, width: width, height: height, x: margin + barWidth + 16, y: top + 2)
        }
        return (rgb, width, height)
    }

    /// Writes the figure as a PNG file (atomically).
    public func writePNG(to url: URL, scale: Int = 14, gap: Int = 10) throws(FileWriteError) {
        let (rgb, width, height) = render(scale: scale, gap: gap)
        try AtomicFile.write(PNG.encode(rgb: rgb, width: width, height: height), to: url)
    }
}
