import Foundation

// NN-name.ipynb: a complete run's executed notebook as a Jupyter notebook (nbformat 4.5, python3 kernel), made
// from the executed Markdown the runner has just written. The prose stays Markdown (one cell per `## ` section,
// math as `$…$`); the parameter block becomes a code cell of Python assignments (tagged `parameters`, as
// papermill tags such cells) followed by the cell that reruns the lesson when a value changed
// (NotebookRerun.swift); the check table and each rendered figure are cells that show the run the notebook shows,
// with the recorded run's table and figure (PNG, and SVG when it was rendered) as their saved outputs, so the
// notebook reads without a kernel. Like results.json it depends only on the run's conclusion and rendered files:
// no clock, no path, keys sorted, cell ids numbered, so the same seeds give the same bytes.
//
// The course site that links these notebooks (`course/`) is written by CLI/CourseSite.swift.

/// A JSON value as a notebook file holds it, written as Jupyter writes one (keys sorted by code point, one space
/// of indent per level, non-ASCII characters as they are), so a notebook saved again by Jupyter changes little.
indirect enum NotebookJSON: Equatable {
    case null
    case bool(Bool)
    /// A number, already written as JSON.
    case number(String)
    case string(String)
    case array([NotebookJSON])
    case object([String: NotebookJSON])

    static func integer<T: BinaryInteger>(_ x: T) -> NotebookJSON { .number(String(x)) }

    /// A multi-line text as Jupyter stores it: its lines, each but the last with its line feed.
    static func lines(_ text: String) -> NotebookJSON {
        var lines: [NotebookJSON] = []
        var current = ""
        for c in text {
            current.append(c)
            if c == "\n" {
                lines.append(.string(current))
                current = ""
            }
        }
        if !current.isEmpty { lines.append(.string(current)) }
        return .array(lines)
    }

    /// The value as JSON text, starting at indent level `level`.
    func text(level: Int = 0) -> String {
        let inner = String(repeating: " ", count: level + 1)
        let outer = String(repeating: " ", count: level)
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n
        case .string(let s): return NotebookJSON.quoted(s)
        case .array(let items):
            guard !items.isEmpty else { return "[]" }
            return "[\n" + items.map { inner + $0.text(level: level + 1) }.joined(separator: ",\n") + "\n" + outer + "]"
        case .object(let members):
            guard !members.isEmpty else { return "{}" }
            let keys = members.keys.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
            return "{\n"
                + keys.map { inner + NotebookJSON.quoted($0) + ": " + (members[$0] ?? .null).text(level: level + 1) }
                .joined(separator: ",\n") + "\n" + outer + "}"
        }
    }

    /// `s` as a JSON string: quotes, backslashes and control characters escaped, everything else as it is.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}

/// One cell of a lesson's Jupyter notebook.
enum JupyterCell: Equatable {
    /// Prose, a check table or a figure's caption.
    case markdown(String)
    /// The parameter block as run: its lines without the fences (as Python assignments when the notebook reruns).
    case parameters(String)
    /// A rendered figure: its PNG, and its SVG when one was rendered.
    case figure(name: String, title: String, png: Data, svg: String?)
    /// Python that reruns the lesson when a parameter changed, and what it printed for the recorded run.
    case rerun(code: String, printed: String)
    /// The check table: `show_checks()`, with the recorded run's table as its saved output.
    case checks(String)
    /// The last cell: the rerun's own text when there is one (no saved output).
    case rerunText(String)
    /// Python the student runs or writes (a code exercise's stub, check or solution), no saved output.
    case code(String)

    /// The cell as nbformat 4.5 JSON, with id `id`.
    func json(id: String) -> NotebookJSON {
        switch self {
        case .markdown(let text):
            return .object([
                "cell_type": .string("markdown"), "id": .string(id), "metadata": .object([:]),
                "source": .lines(text)
            ])
        case .parameters(let text):
            return .object([
                "cell_type": .string("code"), "id": .string(id), "execution_count": .null,
                "metadata": .object(["tags": .array([.string("parameters")])]), "outputs": .array([]),
                "source": .lines(text)
            ])
        case .figure(let name, let title, let png, let svg):
            var data: [String: NotebookJSON] = [
                "image/png": .string(png.base64EncodedString()), "text/plain": .string("Figure — " + title)
            ]
            if let svg { data["image/svg+xml"] = .lines(svg) }
            let output = NotebookJSON.object([
                "data": .object(data), "metadata": .object([:]), "output_type": .string("display_data")
            ])
            // Shows the figure of the run the notebook shows (the recorded one, or a rerun); Jupyter Book and
            // JupyterLab hide the call.
            return .object([
                "cell_type": .string("code"), "id": .string(id), "execution_count": .null,
                "metadata": JupyterCell.hiddenInput, "outputs": .array([output]),
                "source": .string("show_figure(\(NotebookJSON.quoted(name)))  # drawn by gnuplot from \(name).gp")
            ])
        case .rerun(let code, let printed):
            let output = NotebookJSON.object([
                "name": .string("stdout"), "output_type": .string("stream"), "text": .lines(printed)
            ])
            return .object([
                "cell_type": .string("code"), "id": .string(id), "execution_count": .null,
                // Its code is plumbing: folded in JupyterLab (one click shows it), its output always shown.
                "metadata": .object([
                    "jupyter": .object(["source_hidden": .bool(true)]), "tags": .array([.string("rerun")])
                ]), "outputs": .array([output]), "source": .lines(code)
            ])
        case .checks(let table):
            let output = NotebookJSON.object([
                "data": .object(["text/markdown": .lines(table), "text/plain": .lines(table)]),
                "metadata": .object([:]), "output_type": .string("display_data")
            ])
            return .object([
                "cell_type": .string("code"), "id": .string(id), "execution_count": .null,
                "metadata": JupyterCell.hiddenInput, "outputs": .array([output]), "source": .string("show_checks()")
            ])
        case .rerunText(let code):
            return .object([
                "cell_type": .string("code"), "id": .string(id), "execution_count": .null,
                "metadata": JupyterCell.hiddenInput, "outputs": .array([]), "source": .lines(code)
            ])
        case .code(let code):
            return .object([
                "cell_type": .string("code"), "id": .string(id), "execution_count": .null,
                "metadata": .object(["tags": .array([.string("exercise")])]), "outputs": .array([]),
                "source": .lines(code)
            ])
        }
    }

    /// A code cell whose call Jupyter Book and JupyterLab hide: only its output is the lesson's.
    static let hiddenInput = NotebookJSON.object([
        "jupyter": .object(["source_hidden": .bool(true)]), "tags": .array([.string("remove-input")])
    ])
}

/// A stretch of the executed Markdown that becomes cells of its own.
private struct SpecialSpan {
    enum Kind {
        case parameters
        case checks
        case figure(Figure)
    }
    let range: Range<String.Index>
    let kind: Kind
}

/// Every occurrence of `needle` in `text`.
private func occurrences(of needle: String, in text: String) -> [Range<String.Index>] {
    guard !needle.isEmpty else { return [] }
    var found: [Range<String.Index>] = []
    var from = text.startIndex
    while let r = text.range(of: needle, range: from..<text.endIndex) {
        found.append(r)
        from = r.upperBound
    }
    return found
}

/// Splits prose at its `## ` headings (outside fenced code); each part is trimmed of blank lines at its ends, and
/// empty parts are dropped.
func splitAtSections(_ prose: String) -> [String] {
    var parts: [[String]] = [[]]
    var fence = false
    for line in prose.components(separatedBy: "\n") {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") { fence.toggle() }
        if !fence && line.hasPrefix("## ") && !(parts.last ?? []).isEmpty { parts.append([]) }
        parts[parts.count - 1].append(line)
    }
    return parts.map { $0.joined(separator: "\n").trimmingCharacters(in: .newlines) }.filter {
        !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    }
}

/// Prose as cells: one Markdown cell per `## ` section, and each fenced ```python block (a code exercise's stub,
/// check or solution) a code cell of its own between them.
func proseCells(_ text: String) -> [JupyterCell] {
    var cells: [JupyterCell] = []
    for part in splitAtSections(text) {
        var prose: [String] = []
        var code: [String]?
        func flushProse() {
            let t = prose.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            if !t.isEmpty { cells.append(.markdown(joiningSoftBreaks(t))) }
            prose = []
        }
        for line in part.components(separatedBy: "\n") {
            if var c = code {
                if line.trimmingCharacters(in: .whitespaces) == "```" {
                    cells.append(.code(c.joined(separator: "\n")))
                    code = nil
                } else {
                    c.append(line)
                    code = c
                }
            } else if line.trimmingCharacters(in: .whitespaces) == "```python" {
                flushProse()
                code = []
            } else {
                prose.append(line)
            }
        }
        if let c = code { prose += ["```python"] + c }  // never closed: left as it is
        flushProse()
    }
    return cells
}

/// The cells of a lesson's notebook, made from its executed Markdown `executed`: `figures` and `checks` are the
/// ones the runner put into it, `rendered` the formats gnuplot rendered into `folder`, and `figureNote` (when
/// the figures were not rendered) why not and how to render them. With `rerun`, the notebook runs: its parameter
/// cell is Python, the cell after it reruns the lesson when a value changed, and the check table and figures are
/// cells that show the run the notebook shows. The title heading comes first, before the line saying which run
/// this is. Throws when a rendered figure cannot be read.
func jupyterCells(
    executed: String, figures: [Figure], checks: [Check], rendered: [String], folder: String,
    figureNote: String?, rerun: NotebookRerun? = nil
) throws -> [JupyterCell] {
    var spans: [SpecialSpan] = []
    if let open = executed.range(of: "```parameters\n"),
        let close = executed.range(of: "\n```", range: open.upperBound..<executed.endIndex)
    {
        spans.append(SpecialSpan(range: open.lowerBound..<close.upperBound, kind: .parameters))
    }
    for r in occurrences(of: markdownCheckTable(checks), in: executed) {
        spans.append(SpecialSpan(range: r, kind: .checks))
    }
    var placed = Set<String>()
    for f in figures {
        for r in occurrences(of: f.markdown(renderedFormats: rendered), in: executed) {
            spans.append(SpecialSpan(range: r, kind: .figure(f)))
            placed.insert(f.name)
        }
    }
    spans.sort { $0.range.lowerBound < $1.range.lowerBound }
    var kept: [SpecialSpan] = []
    for s in spans where kept.last.map({ $0.range.upperBound <= s.range.lowerBound }) ?? true { kept.append(s) }

    var cells: [JupyterCell] = []
    func addProse(_ text: String) { cells += proseCells(text) }
    func addFigure(_ f: Figure) throws {
        let markdown = f.markdown(renderedFormats: rendered)
        guard rendered.contains("png"), let cut = markdown.range(of: "\n\n") else {
            cells.append(.markdown(markdown))  // says the figure was not rendered, then its caption and links
            return
        }
        let png = (folder as NSString).appendingPathComponent(f.name + ".png")
        guard let data = FileManager.default.contents(atPath: png), !data.isEmpty else {
            throw LessonError(
                "cannot read the figure \(png) to put into \((folder as NSString).lastPathComponent).ipynb; check "
                    + "the disk, or run with --no-render to write the notebook without figures")
        }
        var svg: String?
        if rendered.contains("svg"),
            let d = FileManager.default.contents(atPath: (folder as NSString).appendingPathComponent(f.name + ".svg"))
        {
            // The <svg> element alone, as IPython embeds one: nbconvert cannot read an XML declaration there.
            let text = String(decoding: d, as: UTF8.self)
            svg = text.range(of: "<svg").map { String(text[$0.lowerBound...]) }
        }
        cells.append(.figure(name: f.name, title: f.title, png: data, svg: svg))
        cells.append(.markdown(String(markdown[cut.upperBound...])))
    }
    var at = executed.startIndex
    for s in kept {
        addProse(String(executed[at..<s.range.lowerBound]))
        switch s.kind {
        case .parameters:
            let block = executed[s.range].components(separatedBy: "\n").dropFirst().dropLast()
            if let rerun {
                cells.append(.parameters(rerun.parameterCell))
                cells.append(.rerun(code: rerun.code, printed: rerun.unchangedMessage + "\n"))
            } else {
                cells.append(.parameters(block.joined(separator: "\n")))
            }
        case .checks:
            cells.append(rerun == nil ? .markdown(String(executed[s.range])) : .checks(String(executed[s.range])))
        case .figure(let f): try addFigure(f)
        }
        at = s.range.upperBound
    }
    addProse(String(executed[at...]))
    for f in figures where !placed.contains(f.name) { try addFigure(f) }
    if rerun != nil { cells.append(.rerunText(NotebookRerun.textCell)) }

    // The title first: the header line that says which run this is follows it.
    if case .markdown(let first)? = cells.first {
        var lines = first.components(separatedBy: "\n")
        if let t = lines.firstIndex(where: { $0.hasPrefix("# ") }), t > 0 {
            let title = lines.remove(at: t)
            let rest = lines.joined(separator: "\n").trimmingCharacters(in: .newlines)
            cells[0] = .markdown(title + "\n\n" + rest.replacingOccurrences(of: "\n\n\n", with: "\n\n"))
        }
    }
    if let figureNote, !cells.isEmpty {
        cells.insert(.markdown("> **Figures not shown.** " + figureNote), at: 1)
    }
    return cells
}

/// The notebook file's text: `cells` with ids `NN-name-1`, `NN-name-2`, … (unique over the course, as MyST wants
/// them), and metadata naming the lesson, its seeds, the project's version and the git commit of the source (as
/// results.json does), and its checks' tally.
func jupyterNotebookText(_ cells: [JupyterCell], lesson: LessonDescriptor, seeds: [UInt64], checks: [Check])
    -> String
{
    let run = NotebookJSON.object([
        "lesson": .integer(lesson.number), "id": .string(lesson.id), "title": .string(lesson.title),
        "claim": .string(lesson.claim), "seeds": .array(seeds.map { .integer($0) }),
        "project_version": .string(projectVersion), "commit": .string(sourceCommit),
        "passed": .integer(checks.filter { $0.passed && $0.counts }.count),
        "failed": .integer(checks.filter { !$0.passed && $0.counts }.count)
    ])
    let notebook = NotebookJSON.object([
        "cells": .array(cells.enumerated().map { $0.element.json(id: "\(lesson.id)-\($0.offset + 1)") }),
        "metadata": .object([
            // A Python kernel (Debian's python3-ipykernel) runs the code cells: the rerun and the cells that show it.
            "kernelspec": .object([
                "display_name": .string("Python 3"), "language": .string("python"), "name": .string("python3")
            ]),
            "language_info": .object(["name": .string("python")]),
            "microcircuit_lessons": run,
            "title": .string("Lesson \(lesson.number) — \(lesson.title)")
        ]),
        "nbformat": .integer(4), "nbformat_minor": .integer(5)
    ])
    return notebook.text() + "\n"
}

/// The name of a lesson's notebook in its folder.
func jupyterNotebookName(_ lesson: LessonDescriptor) -> String { lesson.id + ".ipynb" }

/// Writes `NN-name.ipynb` into the run's (staging) folder, atomically, from the executed Markdown of a complete
/// run. Throws when a rendered figure cannot be read or the file cannot be written.
func writeJupyterNotebook(
    _ lesson: LessonDescriptor, conclusion c: Conclusion, executed: String, folder: String,
    rendered: [String], options: RunOptions, rerun: NotebookRerun
) throws {
    let cells = try jupyterCells(
        executed: executed, figures: c.figures, checks: c.checks, rendered: rendered, folder: folder,
        figureNote: reportFigureNote(figures: c.figures, rendered: rendered, options: options), rerun: rerun)
    try writeAtomically(
        jupyterNotebookText(cells, lesson: lesson, seeds: c.seeds, checks: c.checks),
        to: (folder as NSString).appendingPathComponent(jupyterNotebookName(lesson)))
}

// MARK: - The course folder

/// The name of the course folder in the output folder (see CLI/CourseSite.swift).
public let courseFolderName = "course"
