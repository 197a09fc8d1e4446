import ArrayFormats
import Foundation

/// The notebook page of a ``WalkthroughDocument``: one self-contained HTML file beside the
/// walkthrough's figures — each cell's prose, its tables as HTML tables, its figures where the
/// cell shows them (SVG drawn inline, PNG by relative link, each with alt text), and the source
/// lines that produced the cell, one click away. No script, font or stylesheet from anywhere
/// else: it reads the same from `file://` as from a server.
public struct PageRendering {
    /// The folder the page is written to (its figures are read from there, to inline SVGs).
    public var directory: URL
    /// Where the index of all walkthroughs is, relative to the page; nil for no link.
    public var indexLink: String?
    /// A line under the title: how long the run took, in which mode.
    public var runNote: String?

    /// A rendering for a page written into `directory`.
    public init(directory: URL, indexLink: String? = nil, runNote: String? = nil) {
        self.directory = directory
        self.indexLink = indexLink
        self.runNote = runNote
    }

    /// The page's HTML.
    public func html(_ document: WalkthroughDocument) -> String {
        var body: [String] = []
        body.append("<header>")
        if let indexLink { body.append(#"<p class="crumbs"><a href="\#(HTMLPage.escape(indexLink))">All walkthroughs</a></p>"#) }
        body.append("<h1>\(HTMLPage.escape(document.title))</h1>")
        if let runNote { body.append(#"<p class="meta">\#(HTMLPage.escape(runNote))</p>"#) }
        body.append("</header>")
        body.append("<main>")
        body += document.preamble.flatMap(blockHTML)
        for cell in document.cells {
            body.append(#"<section class="cell" id="cell-\#(cell.number)">"#)
            body.append(#"<h2><span class="number">\#(cell.number).</span> \#(HTMLPage.escape(cell.title))</h2>"#)
            body += cell.blocks.flatMap(blockHTML)
            if let source = document.source, let lines = cell.lines {
                body += sourceHTML(source, lines)
            }
            body.append("</section>")
        }
        body.append("</main>")
        body.append(#"<footer><p>The same run as text: <a href="transcript.txt">transcript.txt</a>. Its key numbers: <a href="summary.json">summary.json</a>.</p></footer>"#)
        return HTMLPage.document(title: document.title, body: body)
    }

    func blockHTML(_ block: WalkthroughDocument.Block) -> [String] {
        switch block {
        case .prose(let text): return Self.proseHTML(text)
        case .table(let table): return HTMLPage.table(header: table.header, rows: table.rows)
        case .figure(let figure): return HTMLPage.figure(file: figure.file, alt: figure.alt, in: directory)
        }
    }

    /// Prose as the walkthroughs write it: paragraphs of plain lines; lines indented by four
    /// or more spaces are displayed formulas (kept as laid out), unless they continue a list
    /// item; lines starting with "·" or "-" (after up to two spaces) are list items. In
    /// paragraphs and items, `code` spans and **bold** are marked up (``MarkdownHTML/inline(_:)``).
    public static func proseHTML(_ text: String) -> [String] {
        enum Run { case paragraph([String]), display([String]), list([[String]]) }
        var runs: [Run] = []
        func append(_ line: String) {
            let trimmed = line.drop { $0 == " " }
            let indent = line.count - trimmed.count
            if trimmed.isEmpty {
                runs.append(.paragraph([]))  // a break; empty paragraphs are dropped below
                return
            }
            let isItem = indent <= 2 && (trimmed.hasPrefix("· ") || trimmed.hasPrefix("- ") || trimmed.hasPrefix("• "))
            if isItem {
                let item = String(trimmed.dropFirst(2))
                if case .list(var items) = runs.last {
                    items.append([item])
                    runs[runs.count - 1] = .list(items)
                } else {
                    runs.append(.list([[item]]))
                }
                return
            }
            if indent >= 4 {
                if case .list(var items) = runs.last {
                    items[items.count - 1].append(String(trimmed))
                    runs[runs.count - 1] = .list(items)
                } else if case .display(var lines) = runs.last {
                    lines.append(String(line.dropFirst(4)))
                    runs[runs.count - 1] = .display(lines)
                } else {
                    runs.append(.display([String(line.dropFirst(4))]))
                }
                return
            }
            if case .paragraph(var lines) = runs.last, !lines.isEmpty {
                lines.append(String(trimmed))
                runs[runs.count - 1] = .paragraph(lines)
            } else {
                runs.append(.paragraph([String(trimmed)]))
            }
        }
        text.split(separator: "\n", omittingEmptySubsequences: false).forEach { append(String($0)) }
        return runs.compactMap { run in
            switch run {
            case .paragraph(let lines): return lines.isEmpty ? nil : "<p>\(MarkdownHTML.inline(lines.joined(separator: " ")))</p>"
            case .display(let lines): return #"<pre class="display">\#(HTMLPage.escape(lines.joined(separator: "\n")))</pre>"#
            case .list(let items): return "<ul>" + items.map { "<li>\(MarkdownHTML.inline($0.joined(separator: " ")))</li>" }.joined() + "</ul>"
            }
        }
    }

    /// The cell's code: a link to the source file (relative to the page) naming the lines, and
    /// the lines themselves in a closed `details` element.
    func sourceHTML(_ source: WalkthroughDocument.SourceFile, _ lines: ClosedRange<Int>) -> [String] {
        let link = Self.relativePath(from: directory.standardizedFileURL.path, to: source.path)
        let range = "\(lines.lowerBound)–\(lines.upperBound)"
        var html = [
            #"<details class="source">"#,
            #"<summary>Code: <a href="\#(HTMLPage.escape(link))" data-lines="\#(lines.lowerBound)-\#(lines.upperBound)">\#(HTMLPage.escape(source.fileName))</a>, lines \#(range)</summary>"#,
        ]
        if lines.upperBound <= source.lines.count {
            let shown = lines.map { number in
                #"<span class="ln">\#(number)</span>"# + HTMLPage.escape(source.lines[number - 1])
            }
            html.append(#"<pre class="code"><code>"# + shown.joined(separator: "\n") + "</code></pre>")
        }
        html.append("</details>")
        return html
    }

    /// `target` relative to the folder `directory` (both absolute paths): "../../Walkthroughs/…".
    public static func relativePath(from directory: String, to target: String) -> String {
        let from = directory.split(separator: "/").map(String.init)
        let to = target.split(separator: "/").map(String.init)
        var common = 0
        while common < from.count && common < to.count - 1 && from[common] == to[common] { common += 1 }
        return (Array(repeating: "..", count: from.count - common) + to[common...]).joined(separator: "/")
    }
}
