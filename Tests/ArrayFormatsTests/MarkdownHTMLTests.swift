import ArrayFormats
import Testing

@Suite("The reports' Markdown as HTML")
struct MarkdownHTMLTests {
    @Test("Headings, paragraphs, lists, a pipe table and inline code and bold, each escaped; unpaired markers stay text")
    func subset() {
        let markdown = """
            # Do the claims hold?

            `bench quality` on a machine with a < b
            and **two** lines.
            - first item, `x_i`
            - second item
              continued

            ## Paper 001

            | claim | estimate |
            |---|---|
            | IDGI improves ig | **fails** -0.124 |
            | a & b | 1 |
            """
        let html = MarkdownHTML.html(markdown)
        #expect(html[0] == "<h1>Do the claims hold?</h1>")
        #expect(html[1] == "<p><code>bench quality</code> on a machine with a &lt; b and <strong>two</strong> lines.</p>")
        #expect(html[2] == "<ul><li>first item, <code>x_i</code></li><li>second item continued</li></ul>")
        #expect(html[3] == "<h2>Paper 001</h2>")
        #expect(html[4] == #"<div class="table-wrap"><table>"#)
        #expect(html[5] == #"<thead><tr><th>claim</th><th>estimate</th></tr></thead>"#)
        #expect(html[7] == #"<tr><td>IDGI improves ig</td><td><strong>fails</strong> -0.124</td></tr>"#)
        #expect(html[8] == #"<tr><td>a &amp; b</td><td>1</td></tr>"#)
        #expect(html.count == 10)
        #expect(MarkdownHTML.inline("a ` b ** c") == "a ` b ** c")
        #expect(MarkdownHTML.inline("`<x>` and **y**") == "<code>&lt;x&gt;</code> and <strong>y</strong>")
    }
}
