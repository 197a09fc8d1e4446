/// The stylesheet of the HTML pages this project writes (the walkthroughs' pages and index,
/// `bench quality`'s RESULTS.html), written here and embedded in each page: system fonts, a
/// measure of about 75 characters for prose, tables and figures allowed wider, and nothing
/// fetched from anywhere.
enum HTMLStyle {
    static let css = """
        :root { color-scheme: light; --ink: #1d1f23; --muted: #5b616b; --rule: #d7dbe0; --tint: #f5f6f8; --accent: #1f5fa8; }
        * { box-sizing: border-box; }
        body { margin: 0; color: var(--ink); background: #fff;
               font: 17px/1.55 -apple-system, "Segoe UI", "Noto Sans", "DejaVu Sans", Helvetica, Arial, sans-serif; }
        header, main, footer { max-width: 64rem; margin: 0 auto; padding: 0 1.5rem; }
        header { padding-top: 1.5rem; border-bottom: 1px solid var(--rule); }
        h1 { font-size: 1.7rem; line-height: 1.25; margin: 0.3rem 0 0.4rem; }
        h2 { font-size: 1.3rem; margin: 2.2rem 0 0.6rem; padding-top: 0.6rem; border-top: 1px solid var(--rule); }
        h2 .number { color: var(--muted); }
        p, ul { max-width: 46rem; }
        a { color: var(--accent); }
        .crumbs, .meta { margin: 0.2rem 0; color: var(--muted); font-size: 0.9rem; }
        pre { font: 0.88rem/1.45 "DejaVu Sans Mono", Menlo, Consolas, monospace; }
        pre.display { background: var(--tint); padding: 0.6rem 0.9rem; border-radius: 4px; overflow-x: auto; max-width: 46rem; }
        .table-wrap { overflow-x: auto; margin: 0.8rem 0; }
        table { border-collapse: collapse; font-size: 0.9rem; font-variant-numeric: tabular-nums; }
        th, td { padding: 0.25rem 0.7rem; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
        th { border-bottom: 2px solid var(--ink); font-weight: 600; }
        th.num, td.num { text-align: right; }
        td.num { white-space: nowrap; }
        tbody tr:nth-child(even) { background: var(--tint); }
        figure { margin: 1.2rem 0; }
        figure svg, figure img { max-width: 100%; height: auto; display: block; }
        figcaption { color: var(--muted); font-size: 0.9rem; margin-top: 0.3rem; max-width: 46rem; }
        figcaption a.file { margin-left: 0.4rem; font-family: "DejaVu Sans Mono", Menlo, monospace; font-size: 0.8rem; }
        details.source { margin: 1rem 0; }
        details.source summary { cursor: pointer; color: var(--muted); font-size: 0.9rem; }
        pre.code { background: var(--tint); padding: 0.6rem 0.9rem; overflow-x: auto; border-left: 3px solid var(--rule); }
        pre.code .ln { display: inline-block; width: 3.2em; color: var(--muted); user-select: none; }
        footer { margin-top: 2.5rem; padding-bottom: 2rem; border-top: 1px solid var(--rule); color: var(--muted); font-size: 0.9rem; }
        ol.walkthroughs { list-style: none; padding: 0; }
        ol.walkthroughs li { border-bottom: 1px solid var(--rule); padding: 1rem 0; }
        ol.walkthroughs h2 { border-top: none; margin: 0.2rem 0 0.4rem; padding-top: 0; }
        ol.walkthroughs .thumbs { display: flex; flex-wrap: wrap; gap: 0.6rem; margin-top: 0.5rem; }
        ol.walkthroughs .thumbs img { height: 110px; width: auto; border: 1px solid var(--rule); background: #fff; }
        """
}
