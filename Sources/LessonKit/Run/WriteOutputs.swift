import Foundation
import NeuroModel

// A run's output files, written from its conclusion (see Conclusion.swift); each kind of file has its own
// file here (ResultsFile, RunInfo, SeedRecord) or in Figures/ and Reports/.

/// Writes a run's outputs from its conclusion: figures (data, script, rendering), results.json, the executed
/// notebook, run-info.json and report.html.
func writeOutputs(
    _ lesson: LessonDescriptor, notebook: Notebook, conclusion c: Conclusion, folder: String,
    options: RunOptions, info: RunInfo
) throws -> RunOutcome {
    let keptEdits = try writeFigureFiles(
        c.figures, folder: folder, outDirectory: options.outDirectory,
        lesson: "\(lesson.number) \(lesson.slug)", finalPath: RunFolder.finalPath(of:))
    var rendered: [String] = []
    var note = ""
    if options.render && !c.figures.isEmpty {
        (rendered, note) = renderFigures(
            c.figures, in: folder, gnuplot: options.gnuplot, timeout: options.renderTimeout)
    } else if !options.render {
        note = "figures not rendered (--no-render); render later with: sh \(options.outDirectory)/render.sh"
    }
    if !keptEdits.isEmpty { note = note.isEmpty ? keptEdits : keptEdits + "; " + note }
    var all = c.parameters
    all["seed"] = String(c.seeds.first ?? 0)
    all["seeds"] = String(c.seeds.count)
    let results = ResultsFile(
        lesson: lesson.number, id: lesson.id, title: lesson.title, claim: lesson.claim, seeds: c.seeds,
        parameters: typedParameters(c.parameters, specs: lesson.parameters), values: c.values, numbers: c.numbers,
        checks: c.checks, passed: c.checks.filter { $0.passed && $0.counts }.count,
        failed: c.checks.filter { !$0.passed && $0.counts }.count,
        figures: c.figures.map { .init(name: $0.name, title: $0.title, script: $0.scriptFile, data: $0.dataFile) },
        versions: [
            "project": projectVersion, "swift": swiftCompilerVersion(), "blas": blasKernel,
            "commit": sourceCommit
        ],
        status: c.status)
    try writeAtomically(
        String(decoding: try jsonEncoder().encode(results), as: UTF8.self) + "\n",
        to: (folder as NSString).appendingPathComponent("results.json"))
    try writeAtomically(
        String(decoding: try jsonEncoder().encode(info), as: UTF8.self) + "\n",
        to: (folder as NSString).appendingPathComponent("run-info.json"))
    var executedText: String?
    if c.status == "complete" {
        let used = ParameterValues(order: lesson.parameters.map(\.name), values: all)
        let baseline = try resolveParameters(
            specs: lesson.parameters, notebook: notebook.parameters,
            notebookName: lesson.notebookFile, overrides: [])
        let overridden = Set(all.keys.filter { !seedKeys.contains($0) && all[$0] != baseline.values[$0] })
        let seedText =
            c.seeds.count == 1
            ? "seed \(c.seeds[0])"
            : "seeds \(seedListText(c.seeds)) (checks over seeds; a value written m ± s in the text is the mean ± SE "
                + "over the seeds, other values and tables are seed \(c.seeds[0])'s)"
        let header =
            "> Executed copy of `lessons/\(lesson.notebookFile)` — \(seedText), project \(projectVersion). "
            + "Reproduce with `swift run -c release lesson \(lesson.number) --seeds \(seedListText(c.seeds))"
            + overridden.sorted().map { " --set \($0)=\(all[$0] ?? "")" }.joined() + "`. "
            + "Results: [results.json](results.json). **\(summaryLine(c.checks))**"
        var values = c.values
        for name in info.timingNames where values[name] == nil { values[name] = "(a timing: see run-info.json)" }
        let executed = try notebook.executed(
            parameters: used, overridden: overridden, values: values,
            checks: c.checks, figures: c.figures, renderedFormats: rendered,
            header: header, lesson: lesson)
        try writeAtomically(executed, to: (folder as NSString).appendingPathComponent(lesson.id + ".executed.md"))
        var defaults = baseline.values
        defaults["seed"] = defaults["seed"] ?? notebook.parameters["seed"]
        let rerun = NotebookRerun(lesson: lesson, used: all, defaults: defaults, executed: executed)
        try writeJupyterNotebook(
            lesson, conclusion: c, executed: executed, folder: folder, rendered: rendered, options: options,
            rerun: rerun)
        executedText = executed
        try writeEditions(
            EditionInput(
                lesson: lesson, unit: notebook.courseUnit, exercises: notebook.exercises,
                codeExercises: notebook.codeExercises, values: values,
                references: gradingReferences(c.numbers), seeds: c.seeds, seconds: nil),
            folder: folder, checks: c.checks)
        let unrecorded = unrecordedAnswers(notebook.exercises, gradingReferences(c.numbers))
        if !unrecorded.isEmpty {
            let line =
                "this run does not record the answer of exercise " + unrecorded.joined(separator: ", ")
                + "; the instructor sheet says so (run the lesson with its defaults for every answer)"
            note = note.isEmpty ? line : note + "; " + line
        }
    }
    let reportNote = try writeReport(
        lesson, conclusion: c, executed: executedText, folder: folder,
        rendered: rendered, options: options)
    if !reportNote.isEmpty { note = note.isEmpty ? reportNote : note + "; " + reportNote }
    return RunOutcome(
        lesson: lesson, checks: c.checks, folder: folder, seeds: c.seeds, renderedFormats: rendered,
        renderNote: note)
}
