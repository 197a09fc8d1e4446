/// A walkthrough as a document: numbered cells of prose, tables and figures, each cell tied to
/// the lines of the source file that produced it. One document feeds two renderings — the
/// terminal's text (``TerminalRendering``, also saved as `transcript.txt`) and a notebook page
/// (``PageRendering``, `index.html`) — so what a reader sees in either is the same content.
public struct WalkthroughDocument: Sendable, Equatable {
    /// The folder name, e.g. "01-integrated-gradients-by-hand".
    public var name: String
    /// The heading, e.g. "Walkthrough 01 · Integrated Gradients by hand".
    public var title: String
    /// The program that writes the document, for the cells' source links; nil when unknown.
    public var source: SourceFile?
    /// The cells, in order.
    public var cells: [Cell]
    /// Blocks written before the first cell (rare: a note at start-up).
    public var preamble: [Block]

    public init(name: String, title: String, source: SourceFile? = nil, cells: [Cell] = [], preamble: [Block] = []) {
        self.name = name
        self.title = title
        self.source = source
        self.cells = cells
        self.preamble = preamble
    }

    /// A source file and its text (the text is what the page shows under each cell's "code").
    public struct SourceFile: Sendable, Equatable {
        /// The absolute path, as the compiler saw it.
        public var path: String
        /// The file's lines, or empty when it could not be read at run time.
        public var lines: [String]

        public init(path: String, lines: [String]) {
            self.path = path
            self.lines = lines
        }

        /// The file's name without its folders, e.g. "main.swift".
        public var fileName: String { path.split(separator: "/").last.map(String.init) ?? path }
    }

    /// One numbered cell: a heading, its blocks, and the source lines that produced it (from
    /// the cell's own call to the line before the next cell's, 1-based, inclusive).
    public struct Cell: Sendable, Equatable {
        public var number: Int
        public var title: String
        public var lines: ClosedRange<Int>?
        public var blocks: [Block]

        public init(number: Int, title: String, lines: ClosedRange<Int>? = nil, blocks: [Block] = []) {
            self.number = number
            self.title = title
            self.lines = lines
            self.blocks = blocks
        }

        /// The figures this cell shows, in order.
        public var figures: [Figure] {
            blocks.compactMap { if case .figure(let figure) = $0 { figure } else { nil } }
        }
    }

    /// What a cell holds.
    public enum Block: Sendable, Equatable {
        /// Text, with its line breaks as written; lines indented by four or more spaces are
        /// displayed formulas or code and keep their layout.
        case prose(String)
        /// A table of right-aligned cells under a header.
        case table(Table)
        /// A figure file in the output folder.
        case figure(Figure)
    }

    /// A header and rows of cells (every row as long as the header).
    public struct Table: Sendable, Equatable {
        public var header: [String]
        public var rows: [[String]]

        public init(header: [String], rows: [[String]]) {
            self.header = header
            self.rows = rows
        }
    }

    /// A figure: its file name in the output folder and the text that stands for it when it
    /// cannot be seen (the page's alt text; the terminal prints it beside the file name).
    public struct Figure: Sendable, Equatable {
        public var file: String
        public var alt: String

        public init(file: String, alt: String) {
            self.file = file
            self.alt = alt
        }

        /// Whether the file is an SVG drawing (inlined in the page) rather than a bitmap.
        public var isSVG: Bool { file.lowercased().hasSuffix(".svg") }
    }

    /// Every figure of the document, in order.
    public var figures: [Figure] { (preamble + cells.flatMap(\.blocks)).compactMap { if case .figure(let f) = $0 { f } else { nil } } }
}
