import Foundation

/// A small SVG canvas: lines, polylines, circles, rectangles, text and embedded PNG images,
/// in pixel coordinates with y pointing down. Enough for the walkthroughs' figures.
public struct SVG: Sendable {
    /// Canvas width in pixels.
    public var width: Double
    /// Canvas height in pixels.
    public var height: Double
    private var elements: [String] = []

    /// An empty white canvas.
    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
        rectangle(x: 0, y: 0, width: width, height: height, fill: "white", stroke: "none")
    }

    /// A straight line.
    public mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String = "black", width: Double = 1, dashed: Bool = false) {
        elements.append(#"<line x1="\#(f(x1))" y1="\#(f(y1))" x2="\#(f(x2))" y2="\#(f(y2))" stroke="\#(stroke)" stroke-width="\#(f(width))"\#(dashed ? #" stroke-dasharray="5,4""# : "")/>"#)
    }

    /// A polyline through `points`.
    public mutating func polyline(_ points: [(Double, Double)], stroke: String = "black", width: Double = 1.5, dashed: Bool = false) {
        guard points.count > 1 else { return }
        let coordinates = points.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ")
        elements.append(#"<polyline points="\#(coordinates)" fill="none" stroke="\#(stroke)" stroke-width="\#(f(width))" stroke-linejoin="round"\#(dashed ? #" stroke-dasharray="6,4""# : "")/>"#)
    }

    /// A filled circle.
    public mutating func circle(_ x: Double, _ y: Double, radius: Double, fill: String = "black", stroke: String = "none") {
        elements.append(#"<circle cx="\#(f(x))" cy="\#(f(y))" r="\#(f(radius))" fill="\#(fill)" stroke="\#(stroke)"/>"#)
    }

    /// A rectangle.
    public mutating func rectangle(x: Double, y: Double, width: Double, height: Double, fill: String = "none", stroke: String = "black") {
        elements.append(#"<rect x="\#(f(x))" y="\#(f(y))" width="\#(f(width))" height="\#(f(height))" fill="\#(fill)" stroke="\#(stroke)"/>"#)
    }

    /// An arrow from (x1, y1) to (x2, y2) with a small head.
    public mutating func arrow(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String = "black", width: Double = 1.5) {
        line(x1, y1, x2, y2, stroke: stroke, width: width)
        let angle = atan2(y2 - y1, x2 - x1)
        let head = 7.0
        for side in [-0.45, 0.45] {
            line(x2, y2, x2 - head * cos(angle + side), y2 - head * sin(angle + side), stroke: stroke, width: width)
        }
    }

    /// Text; `anchor` is start, middle or end.
    public mutating func text(_ string: String, x: Double, y: Double, size: Double = 13, anchor: String = "start", color: String = "black", rotate: Double = 0) {
        let transform = rotate != 0 ? #" transform="rotate(\#(f(rotate)) \#(f(x)) \#(f(y)))""# : ""
        elements.append(#"<text x="\#(f(x))" y="\#(f(y))" font-family="Helvetica, Arial, sans-serif" font-size="\#(f(size))" text-anchor="\#(anchor)" fill="\#(color)"\#(transform)>\#(HTMLPage.escape(string))</text>"#)
    }

    /// A PNG image drawn into the given box (nearest-neighbour, so pixels stay sharp).
    public mutating func image(png: [UInt8], x: Double, y: Double, width: Double, height: Double) {
        let data = Data(png).base64EncodedString()
        elements.append(#"<image x="\#(f(x))" y="\#(f(y))" width="\#(f(width))" height="\#(f(height))" preserveAspectRatio="none" style="image-rendering: pixelated" href="data:image/png;base64,\#(data)"/>"#)
    }

    /// The SVG document.
    public var document: String {
        #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(f(width))" height="\#(f(height))" viewBox="0 0 \#(f(width)) \#(f(height))">"#
            + "\n" + elements.joined(separator: "\n") + "\n</svg>\n"
    }

    /// Writes the document atomically.
    public func write(to url: URL) throws(FileWriteError) {
        try AtomicFile.write(document, to: url)
    }

    /// Two decimals are plenty for pixels.
    private func f(_ x: Double) -> String { String(format: "%.2f", x) }


    /// Distinguishable colours for series (colour-blind safe: the Okabe–Ito palette).
    public static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999"]
}
