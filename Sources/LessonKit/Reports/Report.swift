import Foundation
import Ink

// report.html: a run's executed notebook as one self-contained web page. The Markdown goes through Ink (math
// protected, see MathMarkdown.swift), figures are inlined as data URIs, and KaTeX (Debian's libjs-katex) is
// inlined with its fonts, so the page shows everything offline, from any folder, with no file beside it. The
// page depends only on the run's conclusion and the installed KaTeX: no clock, no path, so the same seeds give
// the same bytes (and `lesson aggregate` the same page as one run over all its seeds).

/// KaTeX's script and style sheet, the fonts inlined into the latter.
struct KaTeXAssets: Sendable {
    let script: String
    let css: String

    /// Where KaTeX is looked for: `$KATEX_DIR`, then Debian's libjs-katex.
    static var searchPath: [String] {
        var dirs: [String] = []
        if let d = ProcessInfo.processInfo.environment["KATEX_DIR"], !d.isEmpty { dirs.append(d) }
        dirs.append("/usr/share/javascript/katex")
        return dirs
    }

    /// The KaTeX of this machine, read once; nil when it is not installed.
    static let installed: KaTeXAssets? = searchPath.lazy.compactMap(KaTeXAssets.init(directory:)).first

    init(script: String, css: String) {
        self.script = script
        self.css = css
    }

    /// Reads `katex.min.js` and `katex.min.css` from `directory` and inlines each font the style sheet names in
    /// WOFF2 (the format every current browser reads) as a data URI, dropping its WOFF and TTF alternatives.
    /// nil when a file is missing, or when the text could not be put inside a `<script>` or `<style>` element.
    init?(directory: String) {
        let fm = FileManager.default
        func read(_ names: [String]) -> String? {
            for n in names {
                if let d = fm.contents(atPath: (directory as NSString).appendingPathComponent(n)) {
                    return String(decoding: d, as: UTF8.self)
                }
            }
            return nil
        }
        guard let script = read(["katex.min.js", "katex.js"]), let css = read(["katex.min.css", "katex.css"]),
            !script.localizedCaseInsensitiveContains("</script"),
            !css.localizedCaseInsensitiveContains("</style")
        else { return nil }
        self.script = script
        self.css = KaTeXAssets.inliningFonts(css, directory: directory)
    }

    /// `css` with each `src:` of an `@font-face` whose WOFF2 file is in `directory/fonts` replaced by that file
    /// as a data URI. A font whose file is missing keeps its `src` (the browser then falls back to a system font).
    static func inliningFonts(_ css: String, directory: String) -> String {
        guard
            let pattern = try? NSRegularExpression(
                pattern: #"src:\s*url\(['"]?(fonts/[A-Za-z0-9_.-]+\.woff2)"#
                    + #"['"]?\)[^;}]*"#)
        else { return css }
        let ns = css as NSString
        var out = ""
        var last = 0
        for m in pattern.matches(in: css, range: NSRange(location: 0, length: ns.length)) {
            let file = ns.substring(with: m.range(at: 1))
            let path = (directory as NSString).appendingPathComponent(file)
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            out += ns.substring(with: NSRange(location: last, length: m.range.location - last))
            out += "src:url(data:font/woff2;base64,\(data.base64EncodedString())) format('woff2')"
            last = m.range.location + m.range.length
        }
        out += ns.substring(from: last)
        return out
    }
}

/// A figure as the report shows it: the image the Markdown refers to (`name.png`) is replaced by `file` of the
/// run folder, inlined as a data URI of type `mediaType`.
struct ReportFigure {
    let reference: String
    let file: String
    let mediaType: String

    /// The figure's smaller rendering, SVG (sharp at any zoom) or PNG: both are rendered from the same script.
    init(_ figure: Figure, folder: String) {
        reference = figure.name + ".png"
        let size = { (file: String) -> Int in
            let path = (folder as NSString).appendingPathComponent(file)
            return ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? Int.max
        }
        let svg = figure.name + ".svg"
        if size(svg) <= size(reference) {
            file = svg
            mediaType = "image/svg+xml"
        } else {
            file = reference
            mediaType = "image/png"
        }
    }
}

/// What report.html is made from.
struct ReportInput {
    /// The page title.
    let title: String
    /// The Markdown: the executed notebook, or for a run that stopped, what it has.
    let markdown: String
    /// Links shown above the notebook: (text, relative address).
    let links: [(String, String)]
    let passed: Int
    let failed: Int
    /// The run's status ("complete" or why it stopped).
    let status: String
    /// Rendered figures, inlined where the Markdown shows `name.png`.
    let figures: [ReportFigure]
    /// Why the figures are not shown, when there are figures and none were rendered.
    let figureNote: String?
}

/// The report page. `katex` nil: the math is shown as TeX source, with one line saying how to render it. A page
/// without math gets no KaTeX.
/// Throws when a rendered figure cannot be read.
func reportHTML(_ input: ReportInput, folder: String, katex installed: KaTeXAssets?) throws -> String {
    let protected = protectMath(joiningSoftBreaks(input.markdown))
    let katex = protected.spans.isEmpty ? nil : installed  // a page without math needs no KaTeX
    var body = neutralizingScriptLinks(restoreMath(MarkdownParser().html(from: protected.markdown), protected))
    for f in input.figures {
        let path = (folder as NSString).appendingPathComponent(f.file)
        guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else {
            throw LessonError(
                "cannot read the figure \(path) to put into report.html; check the disk, or run "
                    + "with --no-render to write the report without figures")
        }
        body = body.replacingOccurrences(
            of: "src=\"\(f.reference)\"",
            with: "src=\"data:\(f.mediaType);base64,\(data.base64EncodedString())\"")
    }
    body = markingCheckResults(body)
    var notes: [String] = []
    if input.status != "complete" {
        notes.append(
            "This run stopped before it finished (\(htmlEscaped(input.status))): the page shows what it "
                + "had. Run the same command with <code>--resume</code> to complete it.")
    }
    if let note = input.figureNote { notes.append(note) }
    if installed == nil && !protected.spans.isEmpty {
        notes.append(
            "The math is shown as TeX source: KaTeX was not found when this page was written. "
                + "Install it (<code>apt-get install libjs-katex</code>) and run the lesson again to see it typeset.")
    }
    let verdict = input.failed == 0 ? "pass" : "fail"
    var page = htmlPageStart(title: input.title) + "\n"
    if let katex { page += "<style>\n\(katex.css)\n</style>\n" }
    page += "<style>\n\(reportStyle)</style>\n</head>\n<body>\n<main>\n"
    page +=
        "<nav class=\"run\"><span class=\"summary \(verdict)\">\(input.passed) passed, \(input.failed) failed"
        + "</span>" + input.links.map { " · <a href=\"\(htmlEscaped($0.1))\">\(htmlEscaped($0.0))</a>" }.joined()
        + "</nav>\n"
    for n in notes { page += "<p class=\"notice\">\(n)</p>\n" }
    page += body + "\n</main>\n"
    if let katex {
        page += "<script>\n\(katex.script)\n</script>\n<script>\n\(typesetScript)</script>\n"
    }
    page += "</body>\n</html>\n"
    return page
}

/// `html` with every `href` or `src` whose address runs a script or embeds a document (`javascript:`, `vbscript:`,
/// `data:`; case, spaces and control characters ignored, as browsers ignore them) pointed at `#` instead: text
/// from a seed record or an edited notebook (`[x](javascript:…)`) must not become a link that runs code. The
/// report's own figures are inlined as `data:` images after this pass.
func neutralizingScriptLinks(_ html: String) -> String {
    var out = ""
    var rest = Substring(html)
    let attributes = [" href=\"", " src=\""]
    while let hit = attributes.compactMap({ rest.range(of: $0) }).min(by: { $0.lowerBound < $1.lowerBound }) {
        out += rest[..<hit.upperBound]
        rest = rest[hit.upperBound...]
        let end = rest.firstIndex(of: "\"") ?? rest.endIndex
        let address = rest[..<end]
        let folded = String(address.unicodeScalars.filter { $0.value > 0x20 }.map(Character.init)).lowercased()
            .replacingOccurrences(of: "&#", with: "")
        let unsafe = folded.hasPrefix("data:") || folded.contains("script:")
        out += unsafe ? "#" : String(address)
        rest = rest[end...]
    }
    return out + rest
}

/// Gives check tables (those whose header is the check table's) the class `checks`, and their result cells
/// (`pass`, `**FAIL**`, with `--explore` `info: pass` / `info: miss`, and a claim over seeds measured on one seed)
/// the classes that colour them.
func markingCheckResults(_ html: String) -> String {
    html.replacingOccurrences(
        of: "<table><thead><tr><th>check</th><th>expected</th>",
        with: "<table class=\"checks\"><thead><tr><th>check</th><th>expected</th>"
    )
    .replacingOccurrences(of: "<td>pass</td>", with: "<td class=\"pass\">pass</td>")
    .replacingOccurrences(of: "<td>info: pass</td>", with: "<td class=\"info\">info: pass</td>")
    .replacingOccurrences(of: "<td>info: miss</td>", with: "<td class=\"info\">info: miss</td>")
    .replacingOccurrences(of: "<td>\(overOneSeedText)</td>", with: "<td class=\"info\">\(overOneSeedText)</td>")
    .replacingOccurrences(
        of: "<td><strong>FAIL</strong></td>",
        with: "<td class=\"fail\"><strong>FAIL</strong></td>")
}

/// Typesets every math element with KaTeX; a span KaTeX cannot parse is shown in red as its source.
let typesetScript = """
    (function () {
      if (typeof katex === "undefined") { return; }
      var spans = document.querySelectorAll("span.math");
      for (var i = 0; i < spans.length; i++) {
        var el = spans[i];
        var display = el.classList.contains("display");
        var text = el.textContent;
        var cut = display ? 2 : 1;
        var tex = text.substring(cut, text.length - cut);
        try {
          katex.render(tex, el, { displayMode: display, throwOnError: false });
        } catch (e) {
          el.classList.add("math-error");
        }
      }
    })();

    """

/// The page's style: readable prose, tables with rules, check results in green and red, figures to width.
let reportStyle = """
    body { margin: 0; background: #fff; color: #1d1d1f; font: 16px/1.55 "DejaVu Sans", "Helvetica Neue", Arial,
      sans-serif; }
    main { max-width: 60rem; margin: 0 auto; padding: 1.5rem 2rem 4rem; }
    h1 { font-size: 1.8rem; line-height: 1.25; margin: 1.2rem 0 0.8rem; }
    h2 { font-size: 1.35rem; margin: 2rem 0 0.6rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
    h3 { font-size: 1.1rem; margin: 1.5rem 0 0.5rem; }
    a { color: #0b57d0; }
    code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.88em;
      background: #f3f3f5; padding: 0 0.15em; border-radius: 3px; }
    pre { background: #f6f6f8; border: 1px solid #e2e2e6; padding: 0.8rem 1rem; overflow-x: auto;
      border-radius: 4px; line-height: 1.4; }
    pre code { background: none; padding: 0; }
    blockquote { margin: 1rem 0; padding: 0.5rem 1rem; border-left: 4px solid #c9c9d1; background: #fafafa;
      color: #444; }
    table { border-collapse: collapse; margin: 1rem 0; font-size: 0.92rem; display: block; overflow-x: auto; }
    th, td { border: 1px solid #d6d6dc; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
    th { background: #f0f0f4; }
    tbody tr:nth-child(even) { background: #fafafc; }
    table.checks td:nth-child(2), table.checks td:nth-child(4), table.checks td:nth-child(5) {
      white-space: nowrap; }
    td.pass { background: #e3f6e5; color: #11632a; font-weight: 600; }
    td.fail { background: #fde4e4; color: #a11a1a; }
    td.info { background: #eef1f5; color: #44505e; font-style: italic; }
    img { display: block; max-width: 100%; height: auto; margin: 1rem auto 0.3rem; border: 1px solid #eee; }
    nav.run { font-size: 0.92rem; padding: 0.5rem 0; border-bottom: 1px solid #e5e5ea; color: #555; }
    .summary { font-weight: 700; padding: 0.15rem 0.6rem; border-radius: 4px; }
    .summary.pass { background: #e3f6e5; color: #11632a; }
    .summary.fail { background: #fde4e4; color: #a11a1a; }
    p.notice { background: #fff7e0; border: 1px solid #f0d890; padding: 0.5rem 0.8rem; border-radius: 4px; }
    span.math.display { display: block; margin: 0.8rem 0; text-align: center; overflow-x: auto; }
    span.math-error { color: #a11a1a; }

    """

/// Why a run's figures are not in its report, and how to get them there; nil when they are (or there are none).
func reportFigureNote(figures: [Figure], rendered: [String], options: RunOptions) -> String? {
    guard !figures.isEmpty, !rendered.contains("png") else { return nil }
    let why =
        !options.render
        ? "the run was made with <code>--no-render</code>"
        : options.gnuplot == nil ? "gnuplot was not found" : "gnuplot failed on them (see the run's notes)"
    return "The figures were not rendered: \(why). Install gnuplot (<code>apt-get install gnuplot-nox</code>) "
        + "and run the same command again (without <code>--no-render</code>) to see them here; "
        + "<code>sh ../render.sh</code> renders their image files beside this page."
}

/// Writes `report.html` into the run's (staging) folder, atomically. A complete run's page is its executed
/// notebook; a stopped run's page shows its status, checks and figures. Returns the note for the run's log when
/// KaTeX is missing (empty otherwise).
func writeReport(
    _ lesson: LessonDescriptor, conclusion c: Conclusion, executed: String?, folder: String,
    rendered: [String], options: RunOptions
) throws -> String {
    let figuresShown = rendered.contains("png")
    let markdown: String
    if let executed {
        markdown = executed
    } else {
        var text =
            "# Lesson \(lesson.number) — \(lesson.title)\n\n> Stopped: \(c.status). Results: "
            + "[results.json](results.json).\n\n## Checks\n\n" + markdownCheckTable(c.checks) + "\n"
        for f in c.figures { text += "\n## \(f.title)\n\n" + f.markdown(renderedFormats: rendered) + "\n" }
        markdown = text
    }
    var links: [(String, String)] = []
    if executed != nil { links.append(("notebook", lesson.id + ".executed.md")) }
    links += [("results.json", "results.json"), ("run-info.json", "run-info.json")]
    let input = ReportInput(
        title: "Lesson \(lesson.number) — \(lesson.title)", markdown: markdown, links: links,
        passed: c.checks.filter { $0.passed && $0.counts }.count,
        failed: c.checks.filter { !$0.passed && $0.counts }.count, status: c.status,
        figures: figuresShown ? c.figures.map { ReportFigure($0, folder: folder) } : [],
        figureNote: reportFigureNote(figures: c.figures, rendered: rendered, options: options))
    let katex = KaTeXAssets.installed
    let html = try reportHTML(input, folder: folder, katex: katex)
    try writeAtomically(html, to: (folder as NSString).appendingPathComponent(reportFileName))
    return katex == nil ? "report.html shows the math as TeX source; apt-get install libjs-katex renders it" : ""
}

/// The name of a run's report page in its folder.
public let reportFileName = "report.html"

/// The start of every page this program writes, up to and including its title.
func htmlPageStart(title: String) -> String {
    """
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="generator" content="microcircuit lessons \(htmlEscaped(projectVersion))">
    <title>\(htmlEscaped(title))</title>
    """
}
