import ArrayFormats
import Foundation
import Testing
import _TestSupport

@Suite("Figures: PNG, colour maps, SVG, contours", .tags(.formats))
struct FigureTests {
    @Test("CRC-32 and Adler-32 give their published check values")
    func checksums() {
        // CRC-32/ISO-HDLC of "123456789" is 0xCBF43926; Adler-32 of "Wikipedia" is 0x11E60398.
        #expect(PNG.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(PNG.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
    }

    /// The chunks of a PNG, each CRC checked: (type, data).
    static func chunks(_ png: [UInt8]) -> [(String, [UInt8])] {
        #expect(Array(png[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var offset = 8
        var chunks: [(String, [UInt8])] = []
        while offset < png.count {
            let length = Int(png[offset]) << 24 | Int(png[offset + 1]) << 16 | Int(png[offset + 2]) << 8 | Int(png[offset + 3])
            let typed = Array(png[(offset + 4)..<(offset + 8 + length)])
            let crc = png[(offset + 8 + length)..<(offset + 12 + length)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            #expect(PNG.crc32(typed) == crc)
            chunks.append((String(decoding: typed.prefix(4), as: UTF8.self), Array(typed.dropFirst(4))))
            offset += 12 + length
        }
        return chunks
    }

    /// The pixels of a PNG's scanlines, each row's filter undone (ISO/IEC 15948 §9), decoded
    /// independently of the encoder.
    static func unfiltered(_ raw: [UInt8], width: Int, height: Int, channels: Int) -> [UInt8] {
        let stride = width * channels
        var pixels: [UInt8] = []
        for row in 0..<height {
            let type = raw[row * (stride + 1)]
            let line = Array(raw[(row * (stride + 1) + 1)..<((row + 1) * (stride + 1))])
            var out = [UInt8](repeating: 0, count: stride)
            for i in 0..<stride {
                let a = i >= channels ? Int(out[i - channels]) : 0
                let b = row > 0 ? Int(pixels[(row - 1) * stride + i]) : 0
                let c = row > 0 && i >= channels ? Int(pixels[(row - 1) * stride + i - channels]) : 0
                var predictor = 0
                switch type {
                case 1: predictor = a
                case 2: predictor = b
                case 3: predictor = (a + b) / 2
                case 4:
                    let p = a + b - c
                    let (pa, pb, pc) = (abs(p - a), abs(p - b), abs(p - c))
                    predictor = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                default: predictor = 0
                }
                out[i] = UInt8(truncatingIfNeeded: Int(line[i]) + predictor)
            }
            pixels += out
        }
        return pixels
    }

    @Test("A PNG is signature, IHDR, IDAT, IEND with valid CRCs; its zlib stream inflates and its filtered rows give back the pixels (RGB and grey)")
    func pngStructure() throws {
        var generator = Seeds.generator(1700)
        for (width, height, channels) in [(37, 1800, 3), (29, 41, 1), (1, 1, 1), (64, 48, 3)] {
            // Noise in the first case (incompressible), smooth ramps with noise elsewhere (filters pay).
            let pixels = (0..<(width * height * channels)).map { index -> UInt8 in
                let noise = UInt8(truncatingIfNeeded: generator.next())
                return width == 37 ? noise : UInt8(truncatingIfNeeded: (index % (width * channels)) * 3 + Int(noise % 4))
            }
            let png = channels == 3 ? PNG.encode(rgb: pixels, width: width, height: height) : PNG.encode(gray: pixels, width: width, height: height)
            let chunks = Self.chunks(png)
            #expect(chunks.map(\.0) == ["IHDR", "IDAT", "IEND"])
            #expect(chunks[0].1[8...9] == [8, channels == 1 ? 0 : 2])
            let raw = try Inflate.zlib(chunks[1].1)
            #expect(raw.count == height * (1 + width * channels))
            #expect(Self.unfiltered(raw, width: width, height: height, channels: channels) == pixels, "\(width)×\(height)×\(channels)")
        }
    }

    @Test("Colour maps: the diverging map is white at 0 and blue/red at the ends; panels tile side by side")
    func colormaps() {
        #expect(Heatmap.color(0.5, .diverging) == (255, 255, 255))
        let (lowRed, _, lowBlue) = Heatmap.color(0, .diverging)
        let (highRed, _, highBlue) = Heatmap.color(1, .diverging)
        #expect(lowBlue > lowRed && highRed > highBlue)
        #expect(Heatmap.color(0, .grayscale) == (0, 0, 0) && Heatmap.color(1, .grayscale) == (255, 255, 255))
        let panel = Heatmap.Panel(values: [-1, 0, 0, 1], height: 2, width: 2, colormap: .diverging)
        let (rgb, width, height) = Heatmap.render([panel, panel], scale: 3, gap: 2)
        #expect(width == 2 * 6 + 2 && height == 6 && rgb.count == width * height * 3)
        // Pixel (row 0, column 6) is in the gap: white.
        #expect(Array(rgb[(6 * 3)..<(6 * 3 + 3)]) == [255, 255, 255])
    }

    @Test("Contours of r² on a grid lie on the circle of the level's radius")
    func contours() {
        let n = 41
        // Grid over [−2, 2]², spacing 0.1: value = x² + y².
        let values = (0..<(n * n)).map { index -> Double in
            let x = -2 + 0.1 * Double(index % n)
            let y = -2 + 0.1 * Double(index / n)
            return x * x + y * y
        }
        let segments = Contours.segments(values: values, rows: n, columns: n, level: 1)
        #expect(segments.count > 40)
        for (a, b) in segments {
            for (column, row) in [a, b] {
                let r = ((-2 + 0.1 * column) * (-2 + 0.1 * column) + (-2 + 0.1 * row) * (-2 + 0.1 * row)).squareRoot()
                // Linear interpolation of r² across a 0.1 cell errs by at most h²/8·(∂²r²) ≈ 0.0025 in r².
                #expect(abs(r - 1) < 0.01)
            }
        }
    }

    @Test("SVG documents escape text and hold what was drawn; line plots drop points a log axis cannot show")
    func svg() {
        var canvas = SVG(width: 100, height: 50)
        canvas.text("a < b & c", x: 1, y: 2)
        canvas.circle(3, 4, radius: 1)
        #expect(canvas.document.contains("a &lt; b &amp; c"))
        #expect(canvas.document.hasPrefix("<svg") && canvas.document.contains("<circle"))
        let plot = LinePlot(title: "t", xLabel: "N", yLabel: "error", logX: true, logY: true, series: [
            LinePlot.Series(label: "rule", points: [(1, 1e-2), (2, 0), (4, 2.5e-3), (8, .nan)]),
        ])
        let document = plot.svg().document
        #expect(document.components(separatedBy: "<circle").count - 1 == 2)  // the two drawable points
    }

    @Test("The bitmap font draws each glyph's rows: 'I' is a bar with serifs, '-' one row, space nothing; unknown characters draw '?', others are spelled in ASCII first")
    func bitmapFont() {
        func draw(_ text: String) -> [[Bool]] {
            var rgb = [UInt8](repeating: 255, count: 12 * 7 * 3)
            BitmapFont.draw(text, into: &rgb, width: 12, height: 7, x: 0, y: 0)
            return (0..<7).map { y in (0..<12).map { x in rgb[(y * 12 + x) * 3] == 0 } }
        }
        let bar = draw("I")
        #expect(bar[0][1...3].allSatisfy { $0 } && bar[6][1...3].allSatisfy { $0 })
        #expect((1...5).allSatisfy { bar[$0][2] && !bar[$0][1] && !bar[$0][3] })
        let dash = draw("-")
        #expect((0..<7).map { y in dash[y][0...4].filter { $0 }.count } == [0, 0, 0, 5, 0, 0, 0])
        #expect(draw(" ").allSatisfy { $0.allSatisfy { !$0 } })
        #expect(BitmapFont.glyph("σ") == BitmapFont.glyph("?"))
        // Two characters advance six pixels: the second starts in column 6.
        #expect(draw("II")[0][7...9].allSatisfy { $0 })
        #expect(BitmapFont.width(of: "IDGI", scale: 2) == (4 * 6 - 1) * 2)
        // Labels beyond ASCII are spelled in it before drawing: the minus sign is drawn as '-',
        // √ᾱ as "sqrtabar", and the width counts the spelling.
        #expect(draw("−") == dash)
        #expect(BitmapFont.ascii("u_t = √ᾱ_t u₀ + ε, t ≤ 10³, 10⁻⁴") == "u_t = sqrtabar_t u0 + eps, t <= 10^3, 10^-4")
        #expect(BitmapFont.width(of: "√x") == BitmapFont.width(of: "sqrtx"))
        #expect(!BitmapFont.ascii("x′ · y − z × 2").contains { !($0.isASCII) })
    }

    @Test("A column title wraps to two lines at the space (else the hyphen) that balances them, or to three, when one line is too wide for its column")
    func columnTitleLines() {
        // At twice the font size a character takes 12 pixels (11 for the last).
        #expect(HeatmapFigure.titleLines("IG", fitting: 23) == ["IG"])
        #expect(HeatmapFigure.titleLines("DDPath-IG exact", fitting: 120) == ["DDPath-IG", "exact"])
        #expect(HeatmapFigure.titleLines("left, N = 20", fitting: 100) == ["left,", "N = 20"])
        #expect(HeatmapFigure.titleLines("IDGI-DDPath-BlurIG", fitting: 150) == ["IDGI-DDPath-", "BlurIG"])
        #expect(HeatmapFigure.titleLines("IDGI-DDPath-BlurIG", fitting: 117) == ["IDGI-", "DDPath-", "BlurIG"])
        #expect(HeatmapFigure.titleLines("unbreakable", fitting: 100) == nil)
    }

    @Test("A labelled heatmap figure: titles drawn above the grid, panels copied into it, and colour bars running through the map")
    func heatmapFigure() {
        let panel = Heatmap.Panel(values: [-1, 0, 1, 0.5], height: 2, width: 2, colormap: .diverging)
        let figure = HeatmapFigure(
            title: "T", columnTitles: ["a", "b"], rows: [[panel, panel]],
            colorScales: [.init(.diverging, low: "-1", middle: "0", high: "+1", caption: "A")])
        let (rgb, width, height) = figure.render(scale: 10, gap: 4)
        let grid = Heatmap.renderGrid([[panel, panel]], scale: 10, gap: 4)
        #expect(width >= grid.width + 24 && height > grid.height + 40)
        // The grid appears somewhere in the figure, unchanged: find its first row.
        let firstRow = Array(grid.rgb[0 ..< grid.width * 3])
        let gridTop = (0..<height).first { y in Array(rgb[(y * width + 12) * 3 ..< (y * width + 12 + grid.width) * 3]) == firstRow }
        #expect(gridTop != nil)
        if let gridTop {
            for y in 0..<grid.height {
                #expect(Array(rgb[((gridTop + y) * width + 12) * 3 ..< ((gridTop + y) * width + 12 + grid.width) * 3])
                    == Array(grid.rgb[y * grid.width * 3 ..< (y + 1) * grid.width * 3]))
            }
            // Something (the titles) is drawn in black above the grid.
            #expect((0..<gridTop).contains { y in (0..<width).contains { x in rgb[(y * width + x) * 3] == 0 } })
            // The colour bar below starts at the map's low end and ends at its high end.
            let barRow = (gridTop + grid.height..<height).first { y in
                let offset = (y * width + 12) * 3
                return (rgb[offset], rgb[offset + 1], rgb[offset + 2]) == Heatmap.color(0, .diverging)
            }
            #expect(barRow != nil)
            if let barRow {
                let end = (barRow * width + 12 + HeatmapFigure.barWidth - 1) * 3
                #expect((rgb[end], rgb[end + 1], rgb[end + 2]) == Heatmap.color(1, .diverging))
            }
        }
    }
}
