import Foundation

/// What became of one lesson of `lesson all`, for its row on the index page.
public enum LessonRunResult {
    /// The run finished and wrote its outputs.
    case finished(RunOutcome)
    /// The run stopped with this error (its folder may hold what it wrote before).
    case stopped(LessonDescriptor, String)
    /// `lesson all` ended before this lesson.
    case notRun(LessonDescriptor)

    public var lesson: LessonDescriptor {
        switch self {
        case .finished(let o): o.lesson
        case .stopped(let l, _), .notRun(let l): l
        }
    }
}

/// index.html of `lesson all`: one row per lesson with its title, claim, checks passed and failed, and links to
/// its report, executed notebook and results. Links are relative, so the output folder can be moved or
/// published as it is. No clock readings: the same outcomes give the same bytes.
func indexHTML(_ results: [LessonRunResult], outDirectory: String) -> String {
    let fm = FileManager.default
    var rows = ""
    var passed = 0
    var failed = 0
    var unfinished = 0
    for r in results {
        let l = r.lesson
        let folder = (outDirectory as NSString).appendingPathComponent(l.id)
        func link(_ text: String, _ file: String) -> String? {
            fm.fileExists(atPath: (folder as NSString).appendingPathComponent(file))
                ? "<a href=\"\(htmlEscaped(l.id + "/" + file))\">\(text)</a>" : nil
        }
        let title = link(htmlEscaped(l.title), reportFileName) ?? htmlEscaped(l.title)
        let files = [
            link("report", reportFileName), link("notebook", l.id + ".executed.md"),
            link("results.json", "results.json"), link("student sheet", l.id + ".student.html"),
            link("instructor sheet", l.id + ".instructor.html")
        ].compactMap { $0 }.joined(separator: " · ")
        var counts = "<td class=\"number\">—</td><td class=\"number\">—</td>"
        let result: String
        switch r {
        case .finished(let o):
            let bad = o.failed
            passed += o.checks.count - bad
            failed += bad
            counts =
                "<td class=\"number\">\(o.checks.count - bad)</td>"
                + "<td class=\"number\(bad > 0 ? " fail" : "")\">\(bad)</td>"
            result = bad == 0 ? "<td class=\"pass\">pass</td>" : "<td class=\"fail\">FAIL</td>"
        case .stopped(_, let why):
            unfinished += 1
            result = "<td class=\"fail\">stopped: \(htmlEscaped(why))</td>"
        case .notRun:
            unfinished += 1
            result = "<td class=\"notrun\">not run</td>"
        }
        rows +=
            "<tr><td class=\"number\">\(l.number)</td><td>\(title)<div class=\"claim\">"
            + "\(htmlEscaped(l.claim))</div></td>\(counts)\(result)<td>\(files)</td></tr>\n"
    }
    let galleryPath = (courseFolderName as NSString).appendingPathComponent("gallery.html")
    let gallery =
        fm.fileExists(atPath: (outDirectory as NSString).appendingPathComponent(galleryPath))
        ? " Every figure on one page: <a href=\"\(galleryPath)\">the figure gallery</a>." : ""
    let allPassed = failed == 0 && unfinished == 0
    let summary =
        "\(passed) checks passed, \(failed) failed"
        + (unfinished > 0 ? "; \(unfinished) lesson\(unfinished == 1 ? "" : "s") not finished" : "")
    return htmlPageStart(title: "Microcircuit lessons — every lesson") + "\n" + """
        <style>
        \(reportStyle)td.number { text-align: right; font-variant-numeric: tabular-nums; }
        td.notrun { color: #777; }
        .claim { font-size: 0.85rem; color: #555; margin-top: 0.2rem; }
        table { display: table; width: 100%; }
        </style>
        </head>
        <body>
        <main>
        <h1>Microcircuit lessons</h1>
        <p><span class="summary \(allPassed ? "pass" : "fail")">\(summary)</span></p>
        <table>
        <thead><tr><th>#</th><th>lesson</th><th>passed</th><th>failed</th><th>result</th><th>files</th></tr></thead>
        <tbody>
        \(rows)</tbody>
        </table>
        <p>Each report is one self-contained page: the executed notebook with its figures and check table.\(gallery)</p>
        </main>
        </body>
        </html>

        """
}

/// Writes `index.html` into `outDirectory`, atomically, for the lessons of `lesson all`.
public func writeIndexPage(_ results: [LessonRunResult], outDirectory: String) throws {
    try prepareDirectory(outDirectory)
    try writeAtomically(
        indexHTML(results, outDirectory: outDirectory),
        to: (outDirectory as NSString).appendingPathComponent("index.html"))
}
