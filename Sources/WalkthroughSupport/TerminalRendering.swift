/// The terminal's rendering of a ``WalkthroughDocument``: the text a walkthrough prints as it
/// runs, and saves as `transcript.txt`. Each piece renders on its own, so the walkthrough can
/// print a block the moment it is written.
public enum TerminalRendering {
    /// The width of the title banner and the cell rules.
    public static let ruleWidth = 78

    /// The banner at the top: the title between two double rules.
    public static func banner(_ title: String) -> [String] {
        let rule = String(repeating: "═", count: ruleWidth)
        return [rule, title, rule]
    }

    /// A cell's heading: a blank line, then "── 3. Title ────…".
    public static func heading(_ number: Int, _ title: String) -> [String] {
        ["", "── \(number). \(title) " + String(repeating: "─", count: max(0, ruleWidth - 6 - title.count))]
    }

    /// A block's lines.
    public static func lines(_ block: WalkthroughDocument.Block) -> [String] {
        switch block {
        case .prose(let text):
            // A line longer than ``lineWidth`` (numbers filled in can make one) continues on
            // the next with the same indentation.
            return text.split(separator: "\n", omittingEmptySubsequences: false).flatMap { line -> [String] in
                guard line.count > lineWidth else { return [String(line)] }
                let indent = String(line.prefix { $0 == " " })
                let bullet = line.dropFirst(indent.count).hasPrefix("· ") ? "  " : ""
                return wrapped(String(line), indent: indent + bullet)
            }
        case .table(let table):
            return tableLines(table)
        case .figure(let figure):
            return wrapped("[figure \(figure.file): \(figure.alt)]", indent: "  ")
        }
    }

    /// The widest line a walkthrough prints: tables and prose are written to fit it.
    public static let lineWidth = 100

    /// `text` broken at spaces into lines of at most `width` characters: the first keeps the
    /// text's own leading spaces, the others start with `indent` (a word longer than a line
    /// stays whole).
    public static func wrapped(_ text: String, width: Int = lineWidth, indent: String) -> [String] {
        let lead = String(text.prefix { $0 == " " })
        var lines: [String] = []
        var line = ""
        for word in text.dropFirst(lead.count).split(separator: " ") {
            let start = lines.isEmpty ? lead : indent
            if line.isEmpty {
                line = start + word
            } else if line.count + 1 + word.count <= width {
                line += " " + word
            } else {
                lines.append(line)
                line = indent + word
            }
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    /// Right-aligned columns two spaces apart, a rule of dashes under the header, at most
    /// ``lineWidth`` wide: a wider table is printed as several, each with the first column
    /// (the rows' names) and as many of the next columns as fit; a column too wide even alone
    /// beside the first has its cells broken at spaces over several lines.
    public static func tableLines(_ table: WalkthroughDocument.Table) -> [String] {
        let all = [table.header] + table.rows
        let widths = table.header.indices.map { column in all.map { $0[column].count }.max()! }
        func width(_ columns: [Int]) -> Int { columns.map { widths[$0] }.reduce(0, +) + 2 * (columns.count - 1) }
        var groups: [[Int]] = []
        var current = [0]
        for column in table.header.indices.dropFirst() {
            if current.count == 1 || width(current + [column]) <= lineWidth {
                current.append(column)
            } else {
                groups.append(current)
                current = [0, column]
            }
        }
        groups.append(current)
        return groups.enumerated().flatMap { index, columns in (index == 0 ? [] : [""]) + block(table, columns: columns) }
    }

    /// The columns `columns` of `table`, their cells wrapped when the block would pass ``lineWidth``.
    static func block(_ table: WalkthroughDocument.Table, columns: [Int]) -> [String] {
        let rows = ([table.header] + table.rows).map { row in columns.map { row[$0] } }
        var widths = columns.indices.map { c in rows.map { $0[c].count }.max()! }
        let total = widths.reduce(0, +) + 2 * (columns.count - 1)
        if total > lineWidth, let widest = widths.indices.max(by: { widths[$0] < widths[$1] }) {
            widths[widest] = max(12, widths[widest] - (total - lineWidth))
        }
        // Each row's cells as lines no wider than their column (a single word may be wider).
        let wrappedRows = rows.map { row in
            row.enumerated().map { c, cell in cell.count <= widths[c] ? [cell] : wrapped(cell, width: widths[c], indent: "") }
        }
        let finalWidths = columns.indices.map { c in wrappedRows.flatMap { $0[c] }.map(\.count).max()! }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { String(repeating: " ", count: finalWidths[$0] - $1.count) + $1 }.joined(separator: "  ")
        }
        func physical(_ row: [[String]]) -> [String] {
            let height = row.map(\.count).max()!
            return (0..<height).map { k in line(row.map { k < $0.count ? $0[k] : "" }) }
        }
        return physical(wrappedRows[0]) + [finalWidths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
            + wrappedRows.dropFirst().flatMap(physical)
    }

    /// The whole document, as the walkthrough printed it.
    public static func text(_ document: WalkthroughDocument) -> String {
        var lines = banner(document.title)
        lines += document.preamble.flatMap(Self.lines)
        for cell in document.cells {
            lines += heading(cell.number, cell.title)
            lines += cell.blocks.flatMap(Self.lines)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
