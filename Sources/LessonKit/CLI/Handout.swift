import Foundation

// MARK: - From a run's folder: `lesson handout` and `lesson check`

/// What `lesson handout` and `lesson check` read of a finished run: its results.json.
struct SavedRun: Decodable {
    let status: String
    let seeds: [UInt64]
    let values: [String: String]
    let numbers: [String: NumberSummary]
    let checks: [Check]
}

/// The run of `lesson` in `outDirectory`, or one line saying how to make one.
func savedRun(_ lesson: LessonDescriptor, outDirectory: String) throws -> (run: SavedRun, folder: String) {
    let folder = (outDirectory as NSString).appendingPathComponent(lesson.id)
    let path = (folder as NSString).appendingPathComponent("results.json")
    let advice = "run it first (lesson \(lesson.number) --out \(outDirectory)) or give --out the folder of a run"
    guard isRegularFile(path), !isSymbolicLink(path), let data = FileManager.default.contents(atPath: path) else {
        throw LessonError("no run of lesson \(lesson.number) in \(outDirectory) (\(path) is missing); \(advice)")
    }
    guard let run = try? jsonDecoder().decode(SavedRun.self, from: data) else {
        throw LessonError("\(path) is not the results.json of this version; \(advice)")
    }
    guard run.status == "complete", !run.seeds.isEmpty else {
        throw LessonError("the run in \(folder) did not finish (\(run.status)); finish it with --resume, or \(advice)")
    }
    return (run, folder)
}

/// `lesson handout N`: writes the student and instructor sheets and the answer template from the notebook and the
/// run in `outDirectory` (without running anything). Returns the paths written.
public func writeHandout(_ lesson: LessonDescriptor, outDirectory: String, lessonsDirectory: String?) throws
    -> [String]
{
    let notebook = try Notebook.load(locateNotebook(lesson, lessonsDirectory: lessonsDirectory).path)
    guard !notebook.exercises.isEmpty else {
        throw LessonError("lesson \(lesson.number)'s notebook has no ```exercise blocks; see docs/COURSE.md")
    }
    let (run, folder) = try savedRun(lesson, outDirectory: outDirectory)
    let names = try writeEditions(
        EditionInput(
            lesson: lesson, unit: notebook.courseUnit, exercises: notebook.exercises,
            codeExercises: notebook.codeExercises, values: run.values,
            references: gradingReferences(run.numbers), seeds: run.seeds, seconds: nil),
        folder: folder, checks: run.checks)
    return names.map { (folder as NSString).appendingPathComponent($0) }
}

/// `lesson check N FILE`: grades a filled answer template against the run in `outDirectory`. Returns the table
/// (one row per graded exercise, a hint for each wrong one), the closing line, and whether every answer is right.
public func checkAnswers(
    _ lesson: LessonDescriptor, answersFile: String, outDirectory: String, lessonsDirectory: String?
) throws -> (report: String, allRight: Bool) {
    let notebook = try Notebook.load(locateNotebook(lesson, lessonsDirectory: lessonsDirectory).path)
    guard notebook.exercises.contains(where: { $0.answer != nil }) else {
        throw LessonError("lesson \(lesson.number) has no exercise with a numeric answer to check")
    }
    guard isRegularFile(answersFile), let data = FileManager.default.contents(atPath: answersFile) else {
        throw LessonError(
            "cannot read \(answersFile); give the answer template you filled in (\(lesson.id).answers.txt, written "
                + "beside the lesson's report)")
    }
    guard data.count <= 1 << 20, let text = String(data: data, encoding: .utf8) else {
        throw LessonError("\(answersFile) is not a text file of answers (UTF-8, at most 1 MiB)")
    }
    let answers = try parseAnswers(text, file: answersFile, exercises: notebook.exercises)
    let (run, _) = try savedRun(lesson, outDirectory: outDirectory)
    let graded = grade(notebook.exercises, answers: answers, references: gradingReferences(run.numbers))
    let rows = graded.map { g -> [String] in
        let given = g.given.map { g.exercise.written($0) } ?? "—"
        let unit = g.exercise.unit.isEmpty ? "" : " " + g.exercise.unit
        return [
            "exercise \(g.exercise.id) (\(g.exercise.kind.rawValue))", given + unit, g.right ? "right" : "WRONG",
            g.right ? "" : "hint: " + fillingPlaceholders(g.feedback, [:])
        ]
    }
    let right = graded.filter(\.right).count
    let table = plainTable(["exercise", "your answer", "result", "what to look at"], rows)
    let skipped = notebook.exercises.filter { $0.answer == nil }.map(\.id)
    let note =
        skipped.isEmpty
        ? ""
        : "\n(exercise\(skipped.count == 1 ? "" : "s") \(skipped.joined(separator: ", ")) "
            + "ask\(skipped.count == 1 ? "s" : "") why: discuss \(skipped.count == 1 ? "it" : "them"))"
    return (table + note + "\n\(right) passed, \(graded.count - right) failed", right == graded.count)
}

/// A plain text table with columns padded to their widest cell; the last column (not padded) wraps at spaces
/// onto further lines, under itself, so that the table keeps within `checkTableColumns`.
func plainTable(_ header: [String], _ rows: [[String]]) -> String {
    let all = [header] + rows
    var widths = header.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
    let indent = widths.dropLast().reduce(0) { $0 + $1 + 2 }
    widths[widths.count - 1] = min(widths[widths.count - 1], max(checkTableColumns - indent, 20))
    func lines(_ cells: [String]) -> [String] {
        let head = cells.dropLast().enumerated().map { c, cell in
            cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
        let last = wrappedCell(cells[cells.count - 1], width: widths[widths.count - 1])
        return last.enumerated().map { k, part in
            ((k == 0 ? head : String(repeating: " ", count: max(indent - 2, 0))) + "  " + part)
                .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
    }
    return ([lines(header), lines(widths.map { String(repeating: "-", count: $0) })] + rows.map(lines))
        .flatMap { $0 }.joined(separator: "\n")
}

/// How long lesson `lesson` runs: measured by its last run in `outDirectory` (run-info.json), else estimated from
/// its notebook's parameters; "quick" for lessons that make no estimate and have no run.
public func runningTime(_ lesson: LessonDescriptor, outDirectory: String) -> String {
    if let measured = measuredRunSeconds(lesson, outDirectory: outDirectory) {
        return
            "\(studentDuration(measured.seconds)) (measured: its last run in \(outDirectory), \(measured.seeds) seeds)"
    }
    return "not measured yet (no run in \(outDirectory)); run it once and `lesson list` shows the time it took"
}
