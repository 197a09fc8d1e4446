import Foundation

/// The pieces of the self-contained HTML pages this project writes: the page around a body
/// (with ``HTMLStyle``'s stylesheet embedded), escaping, tables and figures. No script, font or
/// stylesheet comes from anywhere else, so a page reads the same from `file://` as from a server.
public enum HTMLPage {
    /// A complete HTML file around the lines of `body`.
    public static func document(title: String, body: [String]) -> String {
        ([
            "<!DOCTYPE html>",
            #"<html lang="en">"#,
            "<head>",
            #"<meta charset="utf-8">"#,
            #"<meta name="viewport" content="width=device-width, initial-scale=1">"#,
            "<title>\(escape(title))</title>",
            "<style>",
            HTMLStyle.css,
            "</style>",
            "</head>",
            "<body>",
        ] + body + ["</body>", "</html>"]).joined(separator: "\n") + "\n"
    }

    /// Text made safe for HTML and SVG (XML) content and attribute values.
    public static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// The text `escape` made safe, restored: the four entities back to their characters.
    public static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
    }

    /// A table: header cells as `th`, the rest as `td`; columns whose cells all look like
    /// numbers align right. `cellHTML` turns a cell's text into HTML (escaping it by default).
    public static func table(header: [String], rows: [[String]], cellHTML: (String) -> String = escape) -> [String] {
        let numeric = header.indices.map { column in
            rows.allSatisfy { row in
                let cell = row[column].trimmingCharacters(in: .whitespaces)
                return cell.isEmpty || cell == "–" || cell.first.map { "0123456789−-+.#<>≤≥~[".contains($0) } == true
            }
        }
        func row(_ cells: [String], tag: String) -> String {
            "<tr>" + cells.enumerated().map { column, cell in
                (numeric[column] ? #"<\#(tag) class="num">"# : "<\(tag)>") + cellHTML(cell) + "</\(tag)>"
            }.joined() + "</tr>"
        }
        return [#"<div class="table-wrap"><table>"#, "<thead>" + row(header, tag: "th") + "</thead>", "<tbody>"]
            + rows.map { row($0, tag: "td") } + ["</tbody></table></div>"]
    }

    /// A figure file in `directory`: an SVG's drawing inline (labelled by `alt`), a bitmap by
    /// its relative name with `alt` as its alt text; the caption says what it shows and links
    /// the file.
    public static func figure(file: String, alt: String, in directory: URL) -> [String] {
        var lines = [#"<figure id="figure-\#(escape(file))">"#]
        if file.lowercased().hasSuffix(".svg"), let svg = try? String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8),
           let open = svg.range(of: "<svg") {
            var drawing = svg
            drawing.replaceSubrange(open, with: #"<svg role="img" aria-label="\#(escape(alt))""#)
            lines.append(drawing.trimmingCharacters(in: .whitespacesAndNewlines))
        } else {
            lines.append(#"<img src="\#(escape(file))" alt="\#(escape(alt))">"#)
        }
        lines.append(#"<figcaption>\#(escape(alt)) <a class="file" href="\#(escape(file))">\#(escape(file))</a></figcaption>"#)
        lines.append("</figure>")
        return lines
    }
}
