import Foundation

// The executed copy of a notebook: its parameter block as run, its course and exercise blocks as a student reads
// them, and its placeholders filled from the run. In Reports/ because it is made of the run's checks, figures
// and the sheets' Markdown (Notebook/ only reads a notebook).

extension Notebook {
    /// The executed copy: parameter block showing the values used, placeholders filled.
    /// The course block becomes the objectives, prerequisites and reading time; each exercise block the exercise
    /// as a student reads it (no answer: those are in the instructor sheet).
    public func executed(
        parameters used: ParameterValues, overridden: Set<String>, values: [String: String],
        checks: [Check], figures: [Figure], renderedFormats: [String],
        header: String, lesson: LessonDescriptor? = nil
    ) throws -> String {
        var lines = text.components(separatedBy: "\n")
        var replacements: [(ClosedRange<Int>, [String])] = [(blockLines, executedBlock(used, overridden: overridden))]
        for (range, index) in course.ranges {
            let markdown: String
            if let index, let lesson {
                markdown = studentExerciseMarkdown(course.exercises[index], lesson: lesson, values: values)
            } else if let index {
                markdown = "**Exercise \(course.exercises[index].id).** " + course.exercises[index].question
            } else {
                markdown = course.unit.map { objectivesMarkdown($0, seconds: nil) } ?? ""
            }
            replacements.append((range, markdown.components(separatedBy: "\n")))
        }
        // A code exercise's stub and check are Python the notebook runs; its solution is the instructor's.
        for (range, kind, code) in course.codeRanges {
            replacements.append(
                (range, kind == .solution ? [] : ["```python"] + code.components(separatedBy: "\n") + ["```"]))
        }
        for (range, replacement) in replacements.sorted(by: { $0.0.lowerBound > $1.0.lowerBound }) {
            lines.replaceSubrange(range, with: replacement)
        }
        var body = header + "\n\n" + lines.joined(separator: "\n")
        let figureByName = Dictionary(uniqueKeysWithValues: figures.map { ($0.name, $0) })
        var missing: [String] = []
        var result = ""
        var rest = Substring(body)
        while let open = rest.range(of: "{{") {
            result += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw LessonError(
                    "\((path as NSString).lastPathComponent): '{{' is never closed with '}}'; close "
                        + "the placeholder or remove it")
            }
            let key = String(rest[open.upperBound..<close.lowerBound]).trimmingCharacters(in: .whitespaces)
            if key == "checks" {
                result += markdownCheckTable(checks)
            } else if key.hasPrefix("figure:") {
                let figName = String(key.dropFirst("figure:".count))
                if let f = figureByName[figName] {
                    result += f.markdown(renderedFormats: renderedFormats)
                } else {
                    missing.append(key)
                }
            } else if let v = values[key] ?? used.values[key] {
                result += v
            } else {
                missing.append(key)
            }
            rest = rest[close.upperBound...]
        }
        result += rest
        body = result
        if !missing.isEmpty {
            let name = (path as NSString).lastPathComponent
            let names = missing.map { "{{\($0)}}" }.joined(separator: ", ")
            throw LessonError("\(name) refers to \(names), which the lesson does not produce")
        }
        return body
    }
}
