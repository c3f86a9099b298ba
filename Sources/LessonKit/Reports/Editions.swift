import Foundation

// The student and instructor sheets of a lesson, made from one source (the notebook's ```course and ```exercise
// blocks) and one run (its values and numbers): `NN-name.student.{md,html,ipynb}`, `NN-name.instructor.{…}` and
// the answer template `NN-name.answers.txt` that `lesson check` grades.

/// What the sheets are made from.
struct EditionInput {
    let lesson: LessonDescriptor
    let unit: CourseUnit?
    let exercises: [Exercise]
    /// The code exercises (numpy cells checked by the runner); none in most lessons.
    var codeExercises: [CodeExercise] = []
    /// The run's values (for placeholders in the text) and its numbers (the references).
    let values: [String: String]
    let references: [String: Reference]
    let seeds: [UInt64]
    /// Seconds the run took (all seeds), as measured.
    let seconds: Double?
}

/// `text` with `{{name}}` placeholders filled from `values` (unknown ones are left as they are).
func fillingPlaceholders(_ text: String, _ values: [String: String]) -> String {
    var out = ""
    var rest = Substring(text)
    while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
        out += rest[..<open.lowerBound]
        let key = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
        out += values[key] ?? "{{\(key)}}"
        rest = rest[close.upperBound...]
    }
    return out + rest
}

/// A duration for a student: "under a minute", "about 4 min", "about 1 h 10 min".
func studentDuration(_ seconds: Double) -> String {
    if seconds < 60 { return "under a minute" }
    let minutes = Int((seconds / 60).rounded())
    return minutes < 60 ? "about \(minutes) min" : "about \(minutes / 60) h \(minutes % 60) min"
}

/// The course unit as Markdown: objectives (each with what shows it), prerequisites and times.
func objectivesMarkdown(_ unit: CourseUnit, seconds: Double?) -> String {
    var lines = ["**Learning objectives.** After this lesson you can:", ""]
    for (k, o) in unit.objectives.enumerated() {
        let shown: String
        switch o.evidence {
        case .exercise(let id): shown = "exercise \(id)"
        case .check(let id): shown = "the check `\(id)`"
        }
        lines.append("\(k + 1). \(o.text) *(shown by \(shown))*")
    }
    let running = seconds.map { "; running: \(studentDuration($0)) (this run, measured)" } ?? ""
    lines += [
        "", "**Prerequisites:** \(unit.prerequisites). **Time:** reading about \(unit.readingMinutes) min\(running)."
    ]
    return lines.joined(separator: "\n")
}

/// The expected kind of answer, for the student sheet: a number with its unit and digits, or a few sentences.
func expectedKind(_ e: Exercise) -> String {
    guard let digits = e.digits else { return "a few sentences (discussed in class; not graded)" }
    return "a number" + (e.unit.isEmpty ? "" : " in \(e.unit)") + ", \(digits) significant digits"
}

/// One exercise as the student reads it: question, command, what to answer, the hint folded away.
func studentExerciseMarkdown(_ e: Exercise, lesson: LessonDescriptor, values: [String: String]) -> String {
    var lines = ["**Exercise \(e.id) (\(e.kind.rawValue)).** " + fillingPlaceholders(e.question, values)]
    if let run = e.run { lines += ["", "Run: `\(run)`"] }
    lines += ["", "*Answer:* \(expectedKind(e))."]
    if e.digits != nil {
        lines[lines.count - 1] +=
            " Write it on line `\(e.id) =` of `\(lesson.id).answers.txt` and check it with "
            + "`lesson check \(lesson.number) \(lesson.id).answers.txt`."
    }
    if !e.hint.isEmpty { lines += ["", hintOpen + fillingPlaceholders(e.hint, values) + detailsClose] }
    return lines.joined(separator: "\n")
}

/// Marks folded text in the sheets' Markdown; the HTML sheets turn them into `<details>` (see `foldingDetails`).
let hintOpen = "<details><summary>Hint</summary>\n\n"
let answerOpen = "<details><summary>Answer</summary>\n\n"
let detailsClose = "\n\n</details>"

/// One exercise as the instructor reads it: the student's text, then the answer from the run, folded.
func instructorExerciseMarkdown(_ e: Exercise, _ input: EditionInput) -> String {
    var answer: String
    if let name = e.answer, let r = input.references[name] {
        let tolerance = e.tolerance(r)
        answer =
            "**\(e.written(r.value))\(e.unit.isEmpty ? "" : " " + e.unit)** — the run's `\(name)`"
            + (input.seeds.count > 1 ? " (mean over seeds \(seedListText(input.seeds)))" : " (seed \(input.seeds[0]))")
            + "; `lesson check` accepts ± \(String(format: "%.2g", tolerance))\(e.unit.isEmpty ? "" : " " + e.unit)"
            + " (half a unit in the last digit asked, or 4 sd over the run's seeds, whichever is larger)."
    } else if let name = e.answer {
        answer = "*(the run recorded no `\(name)`: rerun the lesson with this notebook)*"
    } else {
        answer = fillingPlaceholders(e.explanation ?? "", input.values)
    }
    return studentExerciseMarkdown(e, lesson: input.lesson, values: input.values) + "\n\n" + answerOpen + answer
        + detailsClose
}

/// The header of a sheet: which lesson, which edition, which run.
func sheetHeader(_ input: EditionInput, edition: String) -> String {
    let l = input.lesson
    return """
        # Lesson \(l.number) — \(l.title): \(edition)

        > From `lessons/\(l.notebookFile)` and the run of seeds \(seedListText(input.seeds)) (project \
        \(projectVersion), commit `\(sourceCommit)`). Regenerate with `lesson handout \(l.number)` after a run.
        """
}

func studentSheet(_ input: EditionInput) -> String {
    var parts = [sheetHeader(input, edition: "student sheet")]
    if let unit = input.unit { parts.append(objectivesMarkdown(unit, seconds: input.seconds)) }
    parts.append("## Exercises")
    parts += input.exercises.map { studentExerciseMarkdown($0, lesson: input.lesson, values: input.values) }
    parts += codeExercisesMarkdown(input.codeExercises, solutions: false)
    return parts.joined(separator: "\n\n") + "\n"
}

func instructorSheet(_ input: EditionInput) -> String {
    var parts = [sheetHeader(input, edition: "instructor sheet")]
    if let unit = input.unit { parts.append(objectivesMarkdown(unit, seconds: input.seconds)) }
    parts.append("## Exercises and answers")
    parts += input.exercises.map { instructorExerciseMarkdown($0, input) }
    parts += codeExercisesMarkdown(input.codeExercises, solutions: true)
    return parts.joined(separator: "\n\n") + "\n"
}

/// The code exercises of a sheet: the student's stub (or, for the instructor, the solution) and the cell that
/// checks it, as ```python blocks (code cells in the sheet's .ipynb).
func codeExercisesMarkdown(_ exercises: [CodeExercise], solutions: Bool) -> [String] {
    guard !exercises.isEmpty else { return [] }
    var parts = [
        "## Code exercises",
        solutions
            ? "Each solution below, then the cell that checks it against the runner (it should say every layer is "
                + "right). The student sheet has the stub instead of the solution."
            : "Write the function in the first cell (it raises NotImplementedError until you do), then run the "
                + "cell after it: the runner computes the same update and says, layer by layer, whether yours is "
                + "right and where it is off. It needs the `lesson` program on PATH (or in LESSON_BIN) and numpy."
    ]
    for (k, e) in exercises.enumerated() {
        parts.append("**Code exercise \(k + 1).**")
        parts.append("```python\n" + (solutions ? e.solution : e.stub) + "\n```")
        parts.append("```python\n" + e.check + "\n```")
    }
    return parts
}

/// The answer template a student fills in: one `ID =` line per graded exercise, with what it asks in a comment.
func answerTemplate(_ lesson: LessonDescriptor, _ exercises: [Exercise]) -> String {
    var lines = [
        "# Lesson \(lesson.number) — \(lesson.title): your answers.",
        "# Write each number after '=', then run: lesson check \(lesson.number) \(lesson.id).answers.txt"
    ]
    for e in exercises where e.answer != nil {
        lines.append("\(e.id) =    # \(e.kind.rawValue): \(expectedKind(e))")
    }
    return lines.joined(separator: "\n") + "\n"
}

/// The sheets' HTML: the report's Markdown page, with the sheets' own folds turned into `<details>` (the Markdown
/// converter escapes raw HTML, so only these exact markers, which the runner writes, become tags).
func foldingDetails(_ html: String) -> String {
    html.replacingOccurrences(
        of: "<p>&lt;details&gt;&lt;summary&gt;Hint&lt;/summary&gt;</p>", with: "<details><summary>Hint</summary>"
    )
    .replacingOccurrences(
        of: "<p>&lt;details&gt;&lt;summary&gt;Answer&lt;/summary&gt;</p>", with: "<details><summary>Answer</summary>"
    )
    .replacingOccurrences(of: "<p>&lt;/details&gt;</p>", with: "</details>")
}

/// Writes the student and instructor sheets (Markdown, HTML, .ipynb) and the answer template into `folder`.
/// Returns the names written; nothing when the lesson has no exercises. An answer the run did not record (a run
/// with other parameters may skip it) is marked so in the instructor sheet; see `unrecordedAnswers`.
@discardableResult
func writeEditions(_ input: EditionInput, folder: String, checks: [Check]) throws -> [String] {
    guard !input.exercises.isEmpty else { return [] }
    var written: [String] = []
    let katex = KaTeXAssets.installed
    for (edition, markdown) in [("student", studentSheet(input)), ("instructor", instructorSheet(input))] {
        let stem = "\(input.lesson.id).\(edition)"
        try writeAtomically(markdown, to: (folder as NSString).appendingPathComponent(stem + ".md"))
        let page = ReportInput(
            title: "Lesson \(input.lesson.number) — \(edition) sheet", markdown: markdown,
            links: [("report", reportFileName), ("answer template", "\(input.lesson.id).answers.txt")],
            passed: checks.filter { $0.passed && $0.counts }.count,
            failed: checks.filter { !$0.passed && $0.counts }.count, status: "complete", figures: [],
            figureNote: nil)
        let html = foldingDetails(try reportHTML(page, folder: folder, katex: katex))
        try writeAtomically(html, to: (folder as NSString).appendingPathComponent(stem + ".html"))
        let cells = proseCells(markdown)
        try writeAtomically(
            jupyterNotebookText(cells, lesson: input.lesson, seeds: input.seeds, checks: checks),
            to: (folder as NSString).appendingPathComponent(stem + ".ipynb"))
        written += [stem + ".md", stem + ".html", stem + ".ipynb"]
    }
    try writeAtomically(
        answerTemplate(input.lesson, input.exercises),
        to: (folder as NSString).appendingPathComponent("\(input.lesson.id).answers.txt"))
    return written + ["\(input.lesson.id).answers.txt"]
}

/// The exercises whose answer the run did not record, as "ID (name)", for the run's note: the instructor sheet
/// then lacks that answer and `lesson check` cannot grade it until the lesson is run with its defaults.
func unrecordedAnswers(_ exercises: [Exercise], _ references: [String: Reference]) -> [String] {
    exercises.compactMap { e in e.answer.flatMap { references[$0] == nil ? "\(e.id) (\($0))" : nil } }
}
