import ArrayFormats
import Foundation

/// The structural checks on a page (a walkthrough's, the index, RESULTS.html) that need no browser: every file it refers to
/// exists, every figure has alt text, every code link names lines its file has, and nothing is
/// fetched from elsewhere. Returns one message per problem (empty when the page is whole).
public enum PageChecks {
    /// What is wrong with the page at `page`, one line per problem; empty when it is whole.
    public static func problems(page: URL) -> [String] {
        guard let html = try? String(contentsOf: page, encoding: .utf8) else { return ["cannot read \(page.path)"] }
        let directory = page.deletingLastPathComponent()
        var problems: [String] = []
        for (attribute, value) in attributes(["src", "href"], in: html) {
            // In-page anchors, and images carried inside the file itself (an SVG's embedded bitmap).
            if value.hasPrefix("#") || value.hasPrefix("data:") { continue }
            if value.contains("://") || value.hasPrefix("//") {
                problems.append("\(attribute)=\"\(value)\" reaches outside the page's folder")
                continue
            }
            let path = value.split(separator: "#", maxSplits: 1).first.map(String.init) ?? value
            let target = directory.appendingPathComponent(HTMLPage.unescape(path)).standardizedFileURL
            if !FileManager.default.fileExists(atPath: target.path) { problems.append("\(attribute)=\"\(value)\": no such file") }
        }
        for tag in tags("img", in: html) where (attribute("alt", of: tag) ?? "").isEmpty {
            problems.append("an image without alt text: \(tag.prefix(120))")
        }
        for tag in tags("svg", in: html) where attribute("role", of: tag) != "img" || (attribute("aria-label", of: tag) ?? "").isEmpty {
            problems.append("an inline drawing without role=img and a label: \(tag.prefix(120))")
        }
        for tag in tags("a", in: html) {
            guard let lines = attribute("data-lines", of: tag) else { continue }
            let bounds = lines.split(separator: "-").compactMap { Int($0) }
            guard let href = attribute("href", of: tag), bounds.count == 2,
                  let text = try? String(contentsOf: directory.appendingPathComponent(HTMLPage.unescape(href)), encoding: .utf8)
            else {
                problems.append("a code link that cannot be followed: \(tag)")
                continue
            }
            let count = text.split(separator: "\n", omittingEmptySubsequences: false).count
            if !(1 <= bounds[0] && bounds[0] <= bounds[1] && bounds[1] <= count) {
                problems.append("\(tag): lines \(lines) outside the file's \(count)")
            }
        }
        if html.range(of: "<script", options: .caseInsensitive) != nil || html.contains("@import") || html.contains("url(") {
            problems.append("the page loads a script or a resource")
        }
        return problems
    }

    /// The opening tags named `name`, whole ("<img src=… alt=…>").
    static func tags(_ name: String, in html: String) -> [String] {
        var found: [String] = []
        var rest = html[...]
        while let open = rest.range(of: "<\(name)") {
            let after = rest[open.upperBound...]
            guard let next = after.first, next == " " || next == ">" || next == "\n" else {
                rest = after
                continue
            }
            guard let close = after.firstIndex(of: ">") else { break }
            found.append(String(rest[open.lowerBound...close]))
            rest = rest[rest.index(after: close)...]
        }
        return found
    }

    /// The value of `name="…"` in one tag.
    static func attribute(_ name: String, of tag: String) -> String? {
        guard let start = tag.range(of: " \(name)=\"") else { return nil }
        let value = tag[start.upperBound...]
        return value.firstIndex(of: "\"").map { String(value[..<$0]) }
    }

    /// Every `src="…"` and `href="…"` in the page, in order.
    static func attributes(_ names: [String], in html: String) -> [(String, String)] {
        names.flatMap { name in
            html.components(separatedBy: " \(name)=\"").dropFirst().compactMap { piece in
                piece.firstIndex(of: "\"").map { (name, String(piece[..<$0])) }
            }
        }
    }

}
