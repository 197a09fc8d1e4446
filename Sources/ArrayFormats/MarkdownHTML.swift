/// The Markdown that this project's reports are written in (`bench quality`'s RESULTS.md), as
/// HTML: `#`-headings, paragraphs, `- ` lists, pipe tables with a `|---|` rule, and inside any of
/// them `**bold**` and `` `code` ``. Everything else is text, escaped. Not a general Markdown
/// reader: the reports use nothing more.
public enum MarkdownHTML {
    /// The HTML lines of `markdown`.
    public static func html(_ markdown: String) -> [String] {
        var html: [String] = []
        var paragraph: [String] = [], items: [String] = [], table: [[String]] = []
        func flush() {
            if !paragraph.isEmpty { html.append("<p>" + inline(paragraph.joined(separator: " ")) + "</p>") }
            if !items.isEmpty { html.append("<ul>" + items.map { "<li>" + inline($0) + "</li>" }.joined() + "</ul>") }
            if let header = table.first {
                let rows = table.dropFirst().filter { !isRule($0) }.map { row in header.indices.map { $0 < row.count ? row[$0] : "" } }
                html += HTMLPage.table(header: header, rows: Array(rows), cellHTML: inline)
            }
            (paragraph, items, table) = ([], [], [])
        }
        for raw in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty {
                flush()
            } else if let level = headingLevel(trimmed) {
                flush()
                html.append("<h\(level)>" + inline(String(trimmed.dropFirst(level + 1))) + "</h\(level)>")
            } else if trimmed.hasPrefix("|") {
                if table.isEmpty { flush() }
                table.append(cells(trimmed))
            } else if trimmed.hasPrefix("- ") {
                if items.isEmpty { flush() }
                items.append(String(trimmed.dropFirst(2)))
            } else if !items.isEmpty && line.hasPrefix("  ") {
                items[items.count - 1] += " " + trimmed
            } else {
                if !items.isEmpty || !table.isEmpty { flush() }
                paragraph.append(trimmed)
            }
        }
        flush()
        return html
    }

    /// 1–6 for a line of that many '#' and a space, else nil.
    static func headingLevel(_ line: String) -> Int? {
        let hashes = line.prefix { $0 == "#" }.count
        return (1...6).contains(hashes) && line.dropFirst(hashes).first == " " ? hashes : nil
    }

    /// The cells of a pipe-table row, trimmed.
    static func cells(_ line: String) -> [String] {
        var inner = Substring(line)
        if inner.hasPrefix("|") { inner = inner.dropFirst() }
        if inner.hasSuffix("|") { inner = inner.dropLast() }
        return inner.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// Whether a row is the rule under a table's header (|---|:--:|).
    static func isRule(_ cells: [String]) -> Bool {
        cells.allSatisfy { cell in !cell.isEmpty && cell.allSatisfy { $0 == "-" || $0 == ":" } }
    }

    /// Text with `code` spans and **bold** runs, escaped; an unpaired marker stays text.
    public static func inline(_ text: String) -> String {
        var result = ""
        let pieces = text.split(separator: "`", omittingEmptySubsequences: false)
        for (index, piece) in pieces.enumerated() {
            if index % 2 == 1 && index < pieces.count - 1 {
                result += "<code>" + HTMLPage.escape(String(piece)) + "</code>"
                continue
            }
            if index % 2 == 1 { result += "`" }
            let parts = String(piece).components(separatedBy: "**")
            for (k, part) in parts.enumerated() {
                let escaped = HTMLPage.escape(part)
                if k % 2 == 1 {
                    result += k < parts.count - 1 ? "<strong>" + escaped + "</strong>" : "**" + escaped
                } else {
                    result += escaped
                }
            }
        }
        return result
    }
}
