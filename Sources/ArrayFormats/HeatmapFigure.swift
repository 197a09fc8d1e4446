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

    /// The colour bars' width in pixels: room for three labels at twice the font size.
    public static let barWidth = 240

    /// A column title's lines at twice the font size: one line if it fits `room` pixels; else
    /// two, split at the space (or failing that, the hyphen) that balances them best, if both
    /// fit; else up to three, filled greedily between spaces and hyphens; nil when none of
    /// these fits (the title is then drawn once, at the font's own size).
    public static func titleLines(_ text: String, fitting room: Int) -> [String]? {
        func fits(_ line: String) -> Bool { !line.isEmpty && BitmapFont.width(of: line, scale: 2) <= room }
        if fits(text) { return [text] }
        let characters = Array(text)
        func best(at breaks: Character) -> [String]? {
            characters.indices.filter { characters[$0] == breaks }
                .map { index in
                    [String(characters[...index]).trimmingCharacters(in: .whitespaces),
                     String(characters[(index + 1)...]).trimmingCharacters(in: .whitespaces)]
                }
                .filter { $0.allSatisfy(fits) }
                .min { a, b in max(a[0].count, a[1].count) < max(b[0].count, b[1].count) }
        }
        // A space first; a hyphen (kept at the end of the first line) only when no space will do.
        if let two = best(at: " ") ?? best(at: "-") { return two }
        // Pieces ending at a space or a hyphen, packed into as few lines as fit.
        var pieces: [String] = [], piece = ""
        for character in characters {
            piece.append(character)
            if character == " " || character == "-" { pieces.append(piece); piece = "" }
        }
        if !piece.isEmpty { pieces.append(piece) }
        var lines: [String] = [], line = ""
        for piece in pieces {
            if fits((line + piece).trimmingCharacters(in: .whitespaces)) || line.isEmpty {
                line += piece
            } else {
                lines.append(line.trimmingCharacters(in: .whitespaces))
                line = piece
            }
        }
        lines.append(line.trimmingCharacters(in: .whitespaces))
        return lines.count <= 3 && lines.allSatisfy(fits) ? lines : nil
    }

    /// The figure as RGB pixels: each panel pixel a `scale`×`scale` block, `gap` pixels between
    /// panels. The title, column titles, colour-scale labels and captions are drawn at twice the
    /// font's size (a column title too long for its column wraps to two or three lines, or if
    /// it cannot, is drawn at the font's size).
    public func render(scale: Int = 14, gap: Int = 10) -> (rgb: [UInt8], width: Int, height: Int) {
        let margin = 12
        let grid = Heatmap.renderGrid(rows, scale: scale, gap: gap)
        let columnLefts = (rows.first ?? []).reduce(into: [0]) { lefts, panel in lefts.append(lefts.last! + panel.width * scale + gap) }
        let columnWidths = (rows.first ?? []).map { $0.width * scale }
        let titles: [(lines: [String], scale: Int)] = zip(columnTitles, columnWidths).map { text, columnWidth in
            // Room: the column and half the gap, so neighbouring titles keep a quarter-gap apart.
            Self.titleLines(text, fitting: columnWidth + gap / 2).map { ($0, 2) } ?? ([text], 1)
        }
        let lineHeight = 9
        let titleTop = margin
        let columnTitleTop = titleTop + 2 * lineHeight + 8
        let columnTitleHeight = titles.map { $0.lines.count * $0.scale * lineHeight }.max() ?? 0
        let gridTop = columnTitleTop + columnTitleHeight + 6
        let barWidth = Self.barWidth
        let barHeight = 14
        let scalesTop = gridTop + grid.height + 16
        let scaleBlock = barHeight + 4 + 2 * lineHeight + 12
        let captionsWidth = colorScales.map { BitmapFont.width(of: $0.caption, scale: 2) }.max() ?? 0
        let width = max(
            grid.width + 2 * margin, BitmapFont.width(of: title, scale: 2) + 2 * margin,
            barWidth + 20 + captionsWidth + 2 * margin)
        let height = scalesTop + colorScales.count * scaleBlock + margin
        var rgb = [UInt8](repeating: 255, count: width * height * 3)

        BitmapFont.draw(title, into: &rgb, width: width, height: height, x: margin, y: titleTop, scale: 2)
        for (column, title) in titles.enumerated() where column < columnWidths.count {
            // Bottom-aligned: every column's last line sits just above the grid.
            var top = gridTop - 6 - title.lines.count * title.scale * lineHeight
            for line in title.lines {
                let textWidth = BitmapFont.width(of: line, scale: title.scale)
                let x = margin + columnLefts[column] + (columnWidths[column] - textWidth) / 2
                BitmapFont.draw(line, into: &rgb, width: width, height: height, x: x, y: top, scale: title.scale)
                top += title.scale * lineHeight
            }
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
            BitmapFont.draw(colorScale.low, into: &rgb, width: width, height: height, x: margin, y: labelTop, scale: 2)
            if let middle = colorScale.middle {
                let x = margin + (barWidth - BitmapFont.width(of: middle, scale: 2)) / 2
                BitmapFont.draw(middle, into: &rgb, width: width, height: height, x: x, y: labelTop, scale: 2)
            }
            let highX = margin + barWidth - BitmapFont.width(of: colorScale.high, scale: 2)
            BitmapFont.draw(colorScale.high, into: &rgb, width: width, height: height, x: highX, y: labelTop, scale: 2)
            BitmapFont.draw(colorScale.caption, into: &rgb, width: width, height: height, x: margin + barWidth + 20, y: top, scale: 2)
        }
        return (rgb, width, height)
    }

    /// Writes the figure as a PNG file (atomically).
    public func writePNG(to url: URL, scale: Int = 14, gap: Int = 10) throws(FileWriteError) {
        let (rgb, width, height) = render(scale: scale, gap: gap)
        try AtomicFile.write(PNG.encode(rgb: rgb, width: width, height: height), to: url)
    }
}
