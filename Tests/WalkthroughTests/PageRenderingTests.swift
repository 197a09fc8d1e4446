import ArrayFormats
import Foundation
import Testing
import WalkthroughSupport
import _TestSupport

/// The notebook page of a small hand-made walkthrough, against the structure it must have; and
/// a real walkthrough's page, transcript and index from one run.
@Suite("Walkthrough pages: one document, two renderings")
struct PageRenderingTests {
    /// Two cells: prose with a paragraph, a displayed formula and a list; a table; an SVG drawn
    /// inline and a PNG by link; the second cell's code lines 8–12 of a 12-line source.
    static func document(source: String) -> WalkthroughDocument {
        WalkthroughDocument(
            name: "00-example", title: "Walkthrough 00 · A & B",
            source: .init(path: source, lines: (1...12).map { "line \($0) <code>" }),
            cells: [
                .init(number: 1, title: "Prose", lines: 1...7, blocks: [
                    .prose("""
                        IG walks the line
                        from x′ to x:

                            IG_i = (x_i − x′_i) ∫ ∂F/∂x_i dα

                        Two `facts`:
                          · completeness, Σ IG = F(x) − F(x′);
                          · sensitivity when x_i < x′_i
                            or otherwise.
                        """),
                    .table(.init(header: ["rule", "error"], rows: [["left", "1.0e-02"], ["middle", "2.5e-05"]])),
                ]),
                .init(number: 2, title: "Figures", lines: 8...12, blocks: [
                    .figure(.init(file: "drawing.svg", alt: "a square")),
                    .figure(.init(file: "map.png", alt: "a map")),
                ]),
            ])
    }

    /// The opening tags of `html` between `<main>` and `</main>`, in order, by name.
    static func openingTags(_ html: String) -> [String] {
        let main = html.components(separatedBy: "<main>")[1].components(separatedBy: "</main>")[0]
        return main.components(separatedBy: "<").dropFirst().compactMap { piece in
            guard let first = piece.first, first.isLetter else { return nil }
            return String(piece.prefix { $0.isLetter || $0.isNumber })
        }
    }

    @Test("A hand-made walkthrough renders to the expected structure: paragraphs, a display, a list, a table, an inline drawing, an image, the code")
    func handMadePage() throws {
        let directory = try FixturePaths.temporaryDirectory("page-rendering")
        defer { try? FileManager.default.removeItem(at: directory) }
        let page = directory.appendingPathComponent("00-example")
        try FileManager.default.createDirectory(at: page, withIntermediateDirectories: true)
        try #"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect x="0" y="0" width="10" height="10"/></svg>"#
            .write(to: page.appendingPathComponent("drawing.svg"), atomically: true, encoding: .utf8)
        try Data(PNG.encode(gray: [0, 255, 128, 64], width: 2, height: 2)).write(to: page.appendingPathComponent("map.png"))
        for file in ["transcript.txt", "summary.json"] { try "".write(to: page.appendingPathComponent(file), atomically: true, encoding: .utf8) }
        let source = directory.appendingPathComponent("Walkthroughs/00-Example/main.swift")
        try FileManager.default.createDirectory(at: source.deletingLastPathComponent(), withIntermediateDirectories: true)
        try (1...12).map { "line \($0) <code>" }.joined(separator: "\n").write(to: source, atomically: true, encoding: .utf8)
        let document = Self.document(source: source.path)
        let html = PageRendering(directory: page, indexLink: nil, runNote: "Ran in 0.1 s.").html(document)
        try html.write(to: page.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)

        #expect(Self.openingTags(html) == [
            "section", "h2", "span", "p", "pre", "p", "code", "ul", "li", "li",
            "div", "table", "thead", "tr", "th", "th", "tbody", "tr", "td", "td", "tr", "td", "td",
            "details", "summary", "a", "pre", "code", "span", "span", "span", "span", "span", "span", "span",
            "section", "h2", "span",
            "figure", "svg", "rect", "figcaption", "a",
            "figure", "img", "figcaption", "a",
            "details", "summary", "a", "pre", "code", "span", "span", "span", "span", "span",
        ])
        // The paragraph's lines joined; the display kept as laid out; the list item's
        // continuation joined to it; everything escaped.
        #expect(html.contains("<p>IG walks the line from x′ to x:</p>"))
        #expect(html.contains(#"<pre class="display">IG_i = (x_i − x′_i) ∫ ∂F/∂x_i dα</pre>"#))
        #expect(html.contains("<li>sensitivity when x_i &lt; x′_i or otherwise.</li>"))
        #expect(html.contains("<p>Two <code>facts</code>:</p>"))
        #expect(html.contains("<title>Walkthrough 00 · A &amp; B</title>"))
        #expect(html.contains(#"<td class="num">2.5e-05</td>"#) && html.contains("<td>middle</td>"))
        #expect(html.contains(#"<svg role="img" aria-label="a square" xmlns="#))
        #expect(html.contains(#"<img src="map.png" alt="a map">"#))
        #expect(html.contains(#"<a href="../Walkthroughs/00-Example/main.swift" data-lines="8-12">main.swift</a>, lines 8–12"#))
        #expect(html.contains(#"<span class="ln">8</span>line 8 &lt;code&gt;"#))
        #expect(PageChecks.problems(page: page.appendingPathComponent("index.html")).isEmpty,
                "\(PageChecks.problems(page: page.appendingPathComponent("index.html")))")
        // The terminal rendering of the same document: banner, headings, prose, table, figures.
        let text = TerminalRendering.text(document)
        #expect(text.contains("── 2. Figures ──"))
        #expect(text.contains("  rule    error\n------  -------\n  left  1.0e-02"))
        #expect(text.contains("[figure map.png: a map]"))
    }

    @Test("The terminal fits 100 columns: a wide table prints as blocks that each repeat its first column, a too-wide cell wraps, a long prose line continues indented")
    func terminalWidth() {
        let names = ["first", "second"]
        let wide = WalkthroughDocument.Table(
            header: ["name"] + (1...12).map { String(format: "column %02d", $0) },
            rows: names.map { name in [name] + (1...12).map { String(format: "%.6e", Double($0) * 1.5) } })
        let lines = TerminalRendering.tableLines(wide)
        #expect(lines.allSatisfy { $0.count <= TerminalRendering.lineWidth }, "\(lines)")
        // Every column is printed once, and every block starts with the names' column.
        let text = lines.joined(separator: "\n")
        for column in 1...12 { #expect(text.components(separatedBy: String(format: "column %02d", column)).count == 2) }
        let blocks = lines.split(separator: "").map(Array.init)
        #expect(blocks.count >= 2)
        #expect(blocks.allSatisfy { $0.count == 4 && $0[0].trimmingCharacters(in: .whitespaces).hasPrefix("name") && $0[2].trimmingCharacters(in: .whitespaces).hasPrefix("first") })
        let statement = WalkthroughDocument.Table(header: ["id", "claim"], rows: [["1", String(repeating: "word ", count: 40).trimmingCharacters(in: .whitespaces)]])
        let wrapped = TerminalRendering.tableLines(statement)
        #expect(wrapped.count > 3 && wrapped.allSatisfy { $0.count <= TerminalRendering.lineWidth })
        #expect(wrapped.dropFirst(2).joined(separator: " ").split(separator: " ").filter { $0 == "word" }.count == 40)
        let prose = TerminalRendering.lines(.prose("  · " + String(repeating: "abc ", count: 40)))
        #expect(prose.count == 2 && prose[0].hasPrefix("  · abc") && prose[1].hasPrefix("    abc") && prose.allSatisfy { $0.count <= 100 })
    }

    @Test("The checks see a missing figure, a missing alt text, a code link past the file's end and a fetched script")
    func checksCanFail() throws {
        let directory = try FixturePaths.temporaryDirectory("page-checks")
        defer { try? FileManager.default.removeItem(at: directory) }
        try "one\ntwo\nthree".write(to: directory.appendingPathComponent("main.swift"), atomically: true, encoding: .utf8)
        let page = directory.appendingPathComponent("index.html")
        try HTMLPage.document(title: "t", body: [
            #"<img src="missing.png" alt="x">"#, #"<img src="main.swift">"#,
            #"<a href="main.swift" data-lines="2-4">main.swift</a>"#, #"<script src="https://example.com/a.js"></script>"#,
        ]).write(to: page, atomically: true, encoding: .utf8)
        let problems = PageChecks.problems(page: page)
        #expect(problems.count == 5, "\(problems)")
        #expect(problems.contains { $0.contains("missing.png") })
        #expect(problems.contains { $0.contains("without alt text") })
        #expect(problems.contains { $0.contains("lines 2-4 outside the file's 3") })
        #expect(problems.contains { $0.contains("reaches outside") })
        #expect(problems.contains { $0.contains("loads a script") })
    }

    @Test("A run into a root folder writes the page, the transcript (what it printed) and the index, all whole", .tags(.slow))
    func walkthroughPageAndIndex() throws {
        let root = try FixturePaths.temporaryDirectory("walkthrough-pages")
        defer { try? FileManager.default.removeItem(at: root) }
        let process = Process()
        process.executableURL = WalkthroughTests.binary("walkthrough-01")
        process.arguments = ["--fast", "--output-root", root.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let printed = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let folder = root.appendingPathComponent("01-integrated-gradients-by-hand")
        let transcript = try String(contentsOf: folder.appendingPathComponent("transcript.txt"), encoding: .utf8)
        #expect(transcript == printed)
        let page = folder.appendingPathComponent("index.html")
        #expect(PageChecks.problems(page: page).isEmpty, "\(PageChecks.problems(page: page))")
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(html.contains(#"<a href="../index.html">All walkthroughs</a>"#))
        // Every cell of the transcript is a section of the page, and every figure is shown.
        let cells = transcript.split(separator: "\n").filter { $0.hasPrefix("── ") }.count
        #expect(cells >= 5 && html.components(separatedBy: #"<section class="cell""#).count - 1 == cells)
        #expect(html.contains(#"<svg role="img" aria-label="Line plot over α"#))
        let index = root.appendingPathComponent("index.html")
        #expect(PageChecks.problems(page: index).isEmpty, "\(PageChecks.problems(page: index))")
        let indexHTML = try String(contentsOf: index, encoding: .utf8)
        #expect(indexHTML.contains(#"<a href="01-integrated-gradients-by-hand/index.html">Walkthrough 01 · Integrated Gradients by hand</a>"#))
        #expect(indexHTML.contains("01-integrated-gradients-by-hand/integrands.svg"))
    }
}
