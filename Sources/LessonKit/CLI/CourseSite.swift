import Foundation

// The course site: `course/` in the output folder, a MyST project (`myst build --html`, or Jupyter Book 2, makes
// a website of it) over what the folder holds. `lesson all` and subsets write it after their runs, and
// `lesson site` writes it from the runs already there, running nothing. It holds:
// - intro.md: the course map (objectives, prerequisites, reading time, the running time each run took,
//   exercises, checks) with links to every finished lesson, its sheets and the gallery;
// - sheets/NN-name.student.md and sheets/NN-name.instructor.md: both editions, made from the notebook and the
//   run's results.json (as `lesson handout` makes them), hints and answers folded as MyST dropdowns;
// - gallery.md and gallery.html: every figure of every finished lesson, with its files (PDF at 2 and 1 column,
//   slide PNG, data, script); the HTML page opens in a browser without a build.
// Everything read from the lesson folders is data: figure names must be safe names (else the figure is left
// out), titles are escaped for Markdown, YAML and HTML.

/// What the site shows of one lesson: its outcome, its course unit and the files the folder holds.
struct SiteLesson {
    let result: LessonRunResult
    let unit: CourseUnit?
    let exercises: Int
    /// The running time its last run took, measured (nil without a run-info.json).
    let running: String?
    let figures: [SiteFigure]
    /// The edition input of a finished run (nil when the run, or the notebook, cannot make the sheets).
    let editions: EditionInput?
    let hasNotebook: Bool

    var lesson: LessonDescriptor { result.lesson }
}

/// One figure of a lesson folder, with the files of it that exist there (label, file name).
struct SiteFigure {
    let name: String
    let title: String
    let files: [(label: String, file: String)]
}

/// Reads what the site shows of `result`'s lesson from its folder under `outDirectory`.
func siteLesson(_ result: LessonRunResult, outDirectory: String, lessonsDirectory: String?) -> SiteLesson {
    let lesson = result.lesson
    let folder = (outDirectory as NSString).appendingPathComponent(lesson.id)
    let notebook = try? Notebook.load(locateNotebook(lesson, lessonsDirectory: lessonsDirectory).path)
    var editions: EditionInput?
    var figures: [SiteFigure] = []
    if case .finished = result, let saved = try? savedRun(lesson, outDirectory: outDirectory) {
        if let notebook, !notebook.exercises.isEmpty {
            editions = EditionInput(
                lesson: lesson, unit: notebook.courseUnit, exercises: notebook.exercises,
                codeExercises: notebook.codeExercises, values: saved.run.values,
                references: gradingReferences(saved.run.numbers), seeds: saved.run.seeds, seconds: nil)
        }
        figures = siteFigures(folder: folder)
    }
    let measured = measuredRunSeconds(lesson, outDirectory: outDirectory)
    return SiteLesson(
        result: result, unit: notebook?.courseUnit, exercises: notebook?.exercises.count ?? 0,
        running: measured.map { studentDuration($0.seconds) + " (\($0.seeds) seeds)" }, figures: figures,
        editions: editions,
        hasNotebook: isRegularFile((folder as NSString).appendingPathComponent(jupyterNotebookName(lesson))))
}

/// The figures results.json in `folder` lists, in its order, each with the rendered and data files present. A
/// figure whose name is not a safe file name (see `isSafeFigureName`) is left out.
func siteFigures(folder: String) -> [SiteFigure] {
    struct Saved: Decodable {
        struct Entry: Decodable {
            let name: String
            let title: String
        }
        let figures: [Entry]
    }
    let path = (folder as NSString).appendingPathComponent("results.json")
    guard !isSymbolicLink(path), let data = FileManager.default.contents(atPath: path),
        let saved = try? jsonDecoder().decode(Saved.self, from: data)
    else { return [] }
    let kinds = [
        ("PNG", ".png"), ("PDF", ".pdf"), ("PDF, 1 column", "-1col.pdf"), ("slide", "-slide.png"), ("data", ".dat"),
        ("script", ".gp")
    ]
    return saved.figures.filter { isSafeFigureName($0.name) }.map { f in
        SiteFigure(
            name: f.name, title: f.title,
            files: kinds.map { ($0.0, f.name + $0.1) }.filter {
                let file = (folder as NSString).appendingPathComponent($0.1)
                return isRegularFile(file) && !isSymbolicLink(file)
            })
    }
}

/// The seconds a lesson's last run in `outDirectory` took over all its seeds (from run-info.json), and how many.
func measuredRunSeconds(_ lesson: LessonDescriptor, outDirectory: String) -> (seconds: Double, seeds: Int)? {
    struct Info: Decodable {
        struct Seed: Decodable { let seconds: Double }
        let seeds: [Seed]
    }
    let path = ((outDirectory as NSString).appendingPathComponent(lesson.id) as NSString)
        .appendingPathComponent("run-info.json")
    guard isRegularFile(path), !isSymbolicLink(path), let data = FileManager.default.contents(atPath: path),
        let info = try? jsonDecoder().decode(Info.self, from: data), !info.seeds.isEmpty
    else { return nil }
    let total = info.seeds.map(\.seconds).reduce(0, +)
    return total.isFinite && total >= 0 ? (total, info.seeds.count) : nil
}

// MARK: - Escaping

/// Text from a file as literal Markdown: every ASCII punctuation character backslash-escaped (CommonMark allows
/// it for all of them), line breaks as spaces, so a title cannot open a link, an HTML tag or a directive.
func markdownLiteral(_ text: String) -> String {
    var out = ""
    for ch in text {
        if ch == "\n" || ch == "\r" || ch == "\r\n" {
            out += " "
        } else if ch.isASCII, ch.isPunctuation || ch.isSymbol {
            out += "\\" + String(ch)
        } else {
            out.append(ch)
        }
    }
    return out
}

/// A string as YAML reads it: double-quoted with JSON's escapes (YAML's double-quoted scalars are a superset).
private func yamlString(_ s: String) -> String { NotebookJSON.quoted(s) }

// MARK: - The pages

/// The sheets' folds (`hintOpen`, `answerOpen`, `detailsClose`) as MyST dropdowns: folded until clicked.
func mystFolds(_ sheet: String) -> String {
    sheet.replacingOccurrences(of: hintOpen, with: ":::{dropdown} Hint\n")
        .replacingOccurrences(of: answerOpen, with: ":::{dropdown} Answer\n")
        .replacingOccurrences(of: detailsClose, with: "\n:::")
}

private func sheetName(_ l: LessonDescriptor, _ edition: String) -> String { "sheets/\(l.id).\(edition).md" }

/// `course/myst.yml`: intro.md, then per lesson that finished its executed notebook and both sheets, then the
/// gallery.
func courseMystYML(_ lessons: [SiteLesson]) -> String {
    var toc = "    - file: intro.md\n"
    for s in lessons where s.hasNotebook || s.editions != nil {
        let l = s.lesson
        toc += "    - title: \(yamlString("Lesson \(l.number) — \(l.title)"))\n      children:\n"
        if s.hasNotebook { toc += "        - file: \(yamlString("../" + l.id + "/" + jupyterNotebookName(l)))\n" }
        if s.editions != nil {
            toc += "        - file: \(yamlString(sheetName(l, "student")))\n"
            toc += "        - file: \(yamlString(sheetName(l, "instructor")))\n"
        }
    }
    if lessons.contains(where: { !$0.figures.isEmpty }) { toc += "    - file: gallery.md\n" }
    return """
        # A MyST project over the lessons' executed notebooks, their student and instructor sheets and a gallery
        # of their figures, rewritten by `lesson all` and `lesson site`. Build a website of the course from this
        # folder with `myst build --html` (mystmd) or `jupyter book build --html` (Jupyter Book 2); nothing is
        # executed, the notebooks already hold their results and figures.
        version: 1
        project:
          title: "Microcircuit lessons"
          description: "A course in checked lessons on cortical microcircuits: each claim computed and checked."
          toc:
        \(toc)site:
          template: book-theme

        """
}

/// `course/intro.md`: the course map, one row per lesson, then each lesson's objectives and prerequisites.
func courseIntro(_ lessons: [SiteLesson]) -> String {
    var rows = [
        markdownTableRow(["#", "lesson", "reading", "running", "exercises", "checks", "sheets"]),
        "|---|---|---|---|---|---|---|"
    ]
    var units: [String] = []
    for s in lessons {
        let l = s.lesson
        let title = s.hasNotebook ? "[\(l.title)](../\(l.id)/\(jupyterNotebookName(l)))" : l.title
        let checks: String
        switch s.result {
        case .finished(let o):
            checks = o.failed == 0 ? "\(o.checks.count) passed" : "**\(o.failed) of \(o.checks.count) failed**"
        case .stopped(_, let why): checks = "stopped: " + markdownLiteral(why)
        case .notRun: checks = "not run"
        }
        let sheets =
            s.editions == nil
            ? "—" : "[student](\(sheetName(l, "student"))) · [instructor](\(sheetName(l, "instructor")))"
        rows.append(
            markdownTableRow([
                "\(l.number)", title, s.unit.map { "\($0.readingMinutes) min" } ?? "—", s.running ?? "not run here",
                "\(s.exercises)", checks, sheets
            ]))
        if let unit = s.unit {
            units.append(
                "### Lesson \(l.number) — \(l.title)\n\n" + objectivesMarkdown(unit, seconds: nil) + "\n")
        }
    }
    let gallery =
        lessons.contains { !$0.figures.isEmpty }
        ? " Every figure, with its PDF at two and one column, its slide PNG, data and script: [the gallery]"
            + "(gallery.md) (also `gallery.html`, which opens without a build)." : ""
    return """
        # Microcircuit lessons

        A course in \(lessons.count) checked lessons, from one leaky integrate-and-fire neuron to a spiking cortical \
        microcircuit that learns like sign-concordant feedback alignment. Each lesson is an executed notebook: \
        its prose, the parameter values it ran with, the numbers it computed, its figures and the table of the \
        checks that test its claim. Each has a student sheet (questions, hints, an answer template for \
        `lesson check`) and an instructor sheet (the answers from this run, folded).\(gallery) The running time \
        is the one the run in this folder took, measured.

        \(rows.joined(separator: "\n"))

        ## What each lesson teaches

        \(units.joined(separator: "\n"))
        """
}

/// `course/gallery.md`: per finished lesson, each figure's PNG with its title and links to its files.
func courseGalleryMarkdown(_ lessons: [SiteLesson]) -> String {
    var parts = [
        "# Figure gallery",
        "Every figure of the lessons in this folder, as the run drew it. Each PDF embeds its fonts; the "
            + "1-column PDF is 3.5 in wide, the slide PNG 16:9. The `.dat` and `.gp` headers name every parameter, "
            + "the seeds, the commit and the command that reproduces the figure."
    ]
    for s in lessons where !s.figures.isEmpty {
        let l = s.lesson
        parts.append("## Lesson \(l.number) — \(l.title)")
        for f in s.figures {
            let links = f.files.map { "[\($0.label)](../\(l.id)/\($0.file))" }.joined(separator: " · ")
            let png = f.files.first { $0.label == "PNG" }.map {
                "![\(markdownLiteral(f.title))](../\(l.id)/\($0.file))\n\n"
            }
            parts.append((png ?? "") + "**\(markdownLiteral(f.title))** (`\(f.name)`): " + links)
        }
    }
    return parts.joined(separator: "\n\n") + "\n"
}

/// `course/gallery.html`: the gallery as one page a browser opens without a build (images and files linked
/// relative to the course folder).
func courseGalleryHTML(_ lessons: [SiteLesson]) -> String {
    var body = ""
    for s in lessons where !s.figures.isEmpty {
        let l = s.lesson
        body += "<h2>Lesson \(l.number) — \(htmlEscaped(l.title))</h2>\n<div class=\"gallery\">\n"
        for f in s.figures {
            let links = f.files.map { "<a href=\"\(htmlEscaped("../\(l.id)/\($0.file)"))\">\($0.label)</a>" }
                .joined(separator: " · ")
            let img =
                f.files.first { $0.label == "PNG" }.map {
                    "<img src=\"\(htmlEscaped("../\(l.id)/\($0.file)"))\" alt=\"\(htmlEscaped(f.title))\">"
                } ?? ""
            body +=
                "<figure>\(img)<figcaption><strong>\(htmlEscaped(f.title))</strong> "
                + "(<code>\(htmlEscaped(f.name))</code>)<br>\(links)</figcaption></figure>\n"
        }
        body += "</div>\n"
    }
    return htmlPageStart(title: "Microcircuit lessons — figure gallery") + "\n" + """
        <style>
        \(reportStyle).gallery { display: grid; gap: 1rem;
          grid-template-columns: repeat(auto-fill, minmax(22rem, 1fr)); }
        .gallery figure { margin: 0; }
        .gallery img { width: 100%; height: auto; border: 1px solid #ddd; }
        figcaption { font-size: 0.85rem; }
        main { max-width: 80rem; }
        </style>
        </head>
        <body>
        <main>
        <h1>Figure gallery</h1>
        <p>Every figure of the lessons in this folder, as the run drew it, with its PDF at two and one column, \
        its slide PNG, its data and its script.</p>
        \(body)</main>
        </body>
        </html>

        """
}

// MARK: - Writing

/// Writes the course site (`course/` in `outDirectory`, see the top of this file) for `results`, atomically, file
/// by file; the sheets of lessons no longer finished are removed. Same folder contents, same bytes.
public func writeCourseFolder(
    _ results: [LessonRunResult], outDirectory: String, lessonsDirectory: String? = nil
) throws {
    let lessons = results.map { siteLesson($0, outDirectory: outDirectory, lessonsDirectory: lessonsDirectory) }
    let course = (outDirectory as NSString).appendingPathComponent(courseFolderName)
    let sheets = (course as NSString).appendingPathComponent("sheets")
    try prepareDirectory(course)
    try prepareDirectory(sheets, noLinkBelow: outDirectory)
    func write(_ text: String, _ name: String) throws {
        try writeAtomically(text, to: (course as NSString).appendingPathComponent(name))
    }
    try write(courseMystYML(lessons), "myst.yml")
    try write(courseIntro(lessons), "intro.md")
    try write(courseGalleryMarkdown(lessons), "gallery.md")
    try write(courseGalleryHTML(lessons), "gallery.html")
    for s in lessons {
        for edition in ["student", "instructor"] {
            let name = sheetName(s.lesson, edition)
            guard let input = s.editions else {
                try? FileManager.default.removeItem(atPath: (course as NSString).appendingPathComponent(name))
                continue
            }
            try write(mystFolds(edition == "student" ? studentSheet(input) : instructorSheet(input)), name)
        }
    }
}
