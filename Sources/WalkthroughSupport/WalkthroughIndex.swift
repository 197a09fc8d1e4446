import ArrayFormats
import Foundation

/// The index page, `index.html` above the walkthroughs' folders: every walkthrough that has
/// been run there, with what it teaches, how long it took and its figures as thumbnails. Each
/// walkthrough leaves a `page.json` in its folder (``Record``); the index is rebuilt from all
/// of them whenever one finishes, so it lists what is on disk, whichever ran last.
public enum WalkthroughIndex {
    /// What one walkthrough's `page.json` holds.
    public struct Record: Sendable, Equatable {
        /// The walkthrough's folder, beside the index.
        public var folder: String
        /// Its title.
        public var title: String
        /// One line on what it teaches.
        public var teaches: String
        /// How long its run took.
        public var seconds: Double
        /// Whether it ran in fast mode.
        public var fast: Bool
        /// Its figures, for the thumbnails.
        public var figures: [WalkthroughDocument.Figure]

        /// A record.
        public init(folder: String, title: String, teaches: String, seconds: Double, fast: Bool, figures: [WalkthroughDocument.Figure]) {
            self.folder = folder
            self.title = title
            self.teaches = teaches
            self.seconds = seconds
            self.fast = fast
            self.figures = figures
        }

        /// The record as `page.json` holds it.
        public var json: JSONValue {
            .object([
                .init("folder", .string(folder)), .init("title", .string(title)), .init("teaches", .string(teaches)),
                .init("seconds", .number(seconds)), .init("fast", .bool(fast)),
                .init("figures", .array(figures.map { .object([.init("file", .string($0.file)), .init("alt", .string($0.alt))]) })),
            ])
        }

        /// The record in `json`, or nil when a member is missing.
        public init?(_ json: JSONValue) {
            guard let folder = json["folder"]?.stringValue, let title = json["title"]?.stringValue,
                  let teaches = json["teaches"]?.stringValue, let seconds = json["seconds"]?.doubleValue,
                  let fast = json["fast"]?.boolValue, let figures = json["figures"]?.arrayValue
            else { return nil }
            let parsed = figures.compactMap { f in
                f["file"]?.stringValue.flatMap { file in f["alt"]?.stringValue.map { WalkthroughDocument.Figure(file: file, alt: $0) } }
            }
            guard parsed.count == figures.count else { return nil }
            self.init(folder: folder, title: title, teaches: teaches, seconds: seconds, fast: fast, figures: parsed)
        }
    }

    /// A run's duration as a reader wants it: "0.04 s", "3.6 s", "1 min 12 s".
    public static func duration(_ seconds: Double) -> String {
        if seconds < 1 { return String(format: "%.2f s", seconds) }
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        return "\(Int(seconds) / 60) min \(Int(seconds) % 60) s"
    }

    /// The records of the folders under `root` that hold a readable `page.json`, by folder name.
    public static func records(under root: URL) -> [Record] {
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return folders.sorted().compactMap { folder in
            let file = root.appendingPathComponent(folder).appendingPathComponent("page.json")
            guard let text = try? String(contentsOf: file, encoding: .utf8), let json = try? JSONValue.parse(text) else { return nil }
            return Record(json).flatMap { $0.folder == folder ? $0 : nil }
        }
    }

    /// The index page for `records` (folders relative to the page).
    public static func html(_ records: [Record]) -> String {
        var body = [
            "<header>",
            "<h1>PathAttribution walkthroughs</h1>",
            #"<p class="meta">Each page is one walkthrough's run: its prose, numbers and figures, with the code of every cell one click away. Regenerate them with <code>swift run -c release walkthroughs</code>.</p>"#,
            "</header>",
            "<main>",
            #"<ol class="walkthroughs">"#,
        ]
        for record in records {
            let page = "\(record.folder)/index.html"
            body.append("<li>")
            body.append(#"<h2><a href="\#(HTMLPage.escape(page))">\#(HTMLPage.escape(record.title))</a></h2>"#)
            body.append("<p>\(HTMLPage.escape(record.teaches))</p>")
            body.append(#"<p class="meta">Ran in \#(duration(record.seconds))\#(record.fast ? " (fast mode: smaller runs)" : ""); \#(record.figures.count) figure\#(record.figures.count == 1 ? "" : "s").</p>"#)
            if !record.figures.isEmpty {
                body.append(#"<div class="thumbs">"#)
                for figure in record.figures {
                    let file = HTMLPage.escape("\(record.folder)/\(figure.file)")
                    body.append(#"<a href="\#(HTMLPage.escape(page))#figure-\#(HTMLPage.escape(figure.file))"><img src="\#(file)" alt="\#(HTMLPage.escape(figure.alt))"></a>"#)
                }
                body.append("</div>")
            }
            body.append("</li>")
        }
        body += ["</ol>", "</main>", "<footer><p>Built by the walkthroughs themselves; nothing here is fetched from elsewhere.</p></footer>"]
        return HTMLPage.document(title: "PathAttribution walkthroughs", body: body)
    }
}
