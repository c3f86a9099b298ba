import Foundation

// The code of a lesson's runnable notebook (NN-name.ipynb, python3 kernel). The notebook records a run and reads
// without a kernel; with one, "Run all" works:
// 1. the parameter cell (tagged `parameters`, papermill's convention) holds the lesson's parameters as run, as
//    Python values;
// 2. the next cell compares them with the recorded run; when one changed it runs the lesson with them through
//    the installed `lesson` program (LESSON_BIN, else PATH) into `rerun/` beside the notebook, exactly as
//    `lesson N --seeds … --set …` (the same results.json bytes);
// 3. the check table and the figures are cells (`show_checks()`, `show_figure(name)`) that show the run the
//    notebook shows: the recorded one, or the rerun; the last cell shows the rerun's own text with its numbers
//    (the Markdown cells describe the recorded run).
// Nothing here reads a value into code: parameter values become Python literals (numbers as numbers, the rest
// as quoted strings), names are the notebook's parameter names (identifiers).

/// What the notebook's code needs to rerun its lesson.
struct NotebookRerun {
    struct Value {
        let name: String
        let value: String
        let comment: String
        let numeric: Bool
    }
    let number: Int
    let id: String
    /// Every parameter as run, in the notebook's order.
    let values: [Value]
    /// The notebook's own values (what `lesson N` uses without --set).
    let defaults: [String: String]

    /// `value` as a Python literal: a number as it is written (when Python reads it as one), else a string.
    static func literal(_ value: String, numeric: Bool) -> String {
        if numeric, Double(value) != nil, value.allSatisfy({ $0.isNumber || "+-.eE".contains($0) }) { return value }
        return NotebookJSON.quoted(value)
    }

    /// The parameter cell: one assignment per parameter, its comment kept, aligned as in the notebook.
    var parameterCell: String {
        let lines = values.map { v in (v.name + " = " + NotebookRerun.literal(v.value, numeric: v.numeric), v.comment) }
        let width = (lines.map(\.0.count).max() ?? 0) + 2
        return """
            # The lesson's parameters as this notebook's run used them. Change any, then run all cells: the next
            # cell reruns the lesson with them, and the check table and figures below show the new run.

            """
                + lines.map {
                    $0.1.isEmpty ? $0.0 : $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "# " + $0.1
                }
                .joined(separator: "\n")
    }

    /// A Python dict literal of `pairs`.
    private func dict(_ pairs: [(String, String)]) -> String {
        "{" + pairs.map { NotebookJSON.quoted($0.0) + ": " + $0.1 }.joined(separator: ", ") + "}"
    }

    /// What the rerun cell prints when every value is as recorded (its saved output).
    var unchangedMessage: String {
        "Every value is as recorded: the cells below show the recorded run. Change a value above and run all "
            + "cells to rerun lesson \(number)."
    }

    /// The rerun cell.
    var code: String {
        let recorded = dict(values.map { ($0.name, NotebookRerun.literal($0.value, numeric: $0.numeric)) })
        let defaultValues = dict(
            values.map { ($0.name, NotebookRerun.literal(defaults[$0.name] ?? $0.value, numeric: $0.numeric)) })
        return """
            # Reruns the lesson when a value above differs from the run this notebook records, through the `lesson`
            # program (LESSON_BIN, else PATH), into rerun/ beside this notebook, as the command line would.
            import os, pathlib, shutil, subprocess
            from IPython.display import Image, Markdown, display

            LESSON, LESSON_ID = \(number), \(NotebookJSON.quoted(id))
            RECORDED = \(recorded)
            DEFAULTS = \(defaultValues)
            now = {name: globals()[name] for name in RECORDED}
            RUN = pathlib.Path(".")
            if now != RECORDED:
                program = os.environ.get("LESSON_BIN") or shutil.which("lesson")
                if program is None:
                    raise RuntimeError(
                        "rerunning needs the lesson program: build it with 'swift build -c release' in the package "
                        "and put its .build/release folder on PATH, or set LESSON_BIN to the program")
                first, count = int(now["seed"]), int(now["seeds"])
                command = [program, str(LESSON), "--seeds", f"{first}-{first + count - 1}" if count > 1 else str(first)]
                for name, value in now.items():
                    if name not in ("seed", "seeds") and value != DEFAULTS[name]:
                        command += ["--set", f"{name}={value}"]
                command += ["--out", "rerun", "--quiet"]
                print("lesson", " ".join(command[1:]))
                done = subprocess.run(command, capture_output=True, text=True)
                print(done.stdout[-6000:], done.stderr[-3000:], sep="")
                RUN = pathlib.Path("rerun") / LESSON_ID
                if not (RUN / "results.json").is_file():
                    raise RuntimeError(f"the rerun wrote no results.json (exit status {done.returncode}); see above")
                print(f"The check table and figures below show the rerun in {RUN}; the text between them describes "
                      "the recorded run, and the last cell shows the rerun's own text.")
            else:
                print(\(NotebookJSON.quoted(unchangedMessage)))


            def show_figure(name):
                display(Image(filename=str(RUN / (name + ".png"))))


            def show_checks():
                lines = (RUN / (LESSON_ID + ".executed.md")).read_text(encoding="utf-8").splitlines()
                start = next(i for i, line in enumerate(lines) if line.startswith("| check | expected"))
                end = next(i for i in range(start, len(lines)) if lines[i].startswith("**"))
                display(Markdown(chr(10).join(lines[start:end + 1])))
            """
    }

    /// The last cell: the rerun's executed text (its numbers), when there was a rerun.
    static let textCell = """
        # The rerun's own text, with its numbers and figures (nothing when the notebook shows the recorded run).
        import re
        if RUN != pathlib.Path("."):
            text = (RUN / (LESSON_ID + ".executed.md")).read_text(encoding="utf-8")
            # Its links and images are relative to its own folder.
            display(Markdown(re.sub(r"\\]\\((?![a-z]+:|/|#)", "](" + RUN.as_posix() + "/", text)))
        """
}

/// The names of the ```parameters block of `executed` (`name = value  # comment`), in order, with their comments.
func parameterLines(_ executed: String) -> [(name: String, comment: String)] {
    var lines: [(name: String, comment: String)] = []
    var inside = false
    for line in executed.components(separatedBy: "\n") {
        let t = line.trimmingCharacters(in: .whitespaces)
        if t == "```parameters" {
            inside = true
            continue
        }
        guard inside else { continue }
        if t == "```" { break }
        guard let eq = t.range(of: "=") else { continue }
        let name = t[..<eq.lowerBound].trimmingCharacters(in: .whitespaces)
        let comment = t.range(of: "#", range: eq.upperBound..<t.endIndex).map {
            t[$0.upperBound...].trimmingCharacters(in: .whitespaces)
        }
        lines.append((name, comment ?? ""))
    }
    return lines
}

extension NotebookRerun {
    /// The rerun of `lesson` with `used` (every value as run), `defaults` (the notebook's own), in the order and
    /// with the comments of the executed notebook's parameter block.
    init(lesson: LessonDescriptor, used: [String: String], defaults: [String: String], executed: String) {
        var numeric: Set<String> = ["seed", "seeds"]
        for s in lesson.parameters {
            switch s.kind {
            case .real, .integer: numeric.insert(s.name)
            default: break
            }
        }
        self.init(
            number: lesson.number, id: lesson.id,
            values: parameterLines(executed).compactMap { line in
                used[line.name].map {
                    Value(name: line.name, value: $0, comment: line.comment, numeric: numeric.contains(line.name))
                }
            }, defaults: defaults)
    }
}
