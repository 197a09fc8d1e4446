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

    /// A document; a walkthrough starts with no cells and adds them as it runs.
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

        /// A source file's path and lines.
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
        /// 1, 2, … as the walkthrough numbers its cells.
        public var number: Int
        /// The heading.
        public var title: String
        /// The source lines that produced the cell; nil until the walkthrough finishes.
        public var lines: ClosedRange<Int>?
        /// What the cell shows, in order.
        public var blocks: [Block]

        /// A cell.
        public init(number: Int, title: String, lines: ClosedRange<Int>? = nil, blocks: [Block] = []) {
            self.number = number
            self.title = title
            self.lines = lines
            self.blocks = blocks
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

        /// The figure, if this block is one.
        public var figure: Figure? { if case .figure(let figure) = self { figure } else { nil } }
    }

    /// A header and rows of cells (every row as long as the header).
    public struct Table: Sendable, Equatable {
        /// The columns' titles.
        public var header: [String]
        /// The rows, each a cell per column.
        public var rows: [[String]]

        /// A table.
        public init(header: [String], rows: [[String]]) {
            self.header = header
            self.rows = rows
        }
    }

    /// A figure: its file name in the output folder and the text that stands for it when it
    /// cannot be seen (the page's alt text; the terminal prints it beside the file name).
    public struct Figure: Sendable, Equatable {
        /// The file's name in the output folder, "maps.png".
        public var file: String
        /// What the figure shows, in words.
        public var alt: String

        /// A figure.
        public init(file: String, alt: String) {
            self.file = file
            self.alt = alt
        }
    }

    /// Every figure of the document, in order.
    public var figures: [Figure] { (preamble + cells.flatMap(\.blocks)).compactMap(\.figure) }
}
