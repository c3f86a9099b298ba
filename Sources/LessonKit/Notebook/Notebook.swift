import Foundation

/// A lesson notebook: Markdown prose with one fenced ```parameters block (`name = value  # comment`; a second
/// block is an error) and placeholders the run fills in: `{{name}}` (a result or parameter), `{{checks}}` (the
/// check table) and `{{figure:name}}` (a figure with links to its PNG, SVG, PDF, script and data).
public struct Notebook: Sendable {
    public let path: String
    public let text: String
    public let parameters: [String: String]
    /// Line range (inclusive, 0-based) of the parameter block including its fences.
    let blockLines: ClosedRange<Int>
    /// The lesson's course front matter and exercises (```course and ```exercise blocks; see Course.swift).
    let course: CourseBlocks
    public var courseUnit: CourseUnit? { course.unit }
    public var exercises: [Exercise] { course.exercises }
    public var codeExercises: [CodeExercise] { course.codeExercises }

    /// `text` may have Unix, Windows (CRLF) or old Mac (CR) line endings; it is read, and its executed copy
    /// written, with Unix ones. Throws one line for a missing or broken parameter block or an unclosed `{{`.
    public init(path: String, text raw: String) throws {
        let text = Notebook.normalisingLineEndings(raw)
        self.path = path
        self.text = text
        let lines = text.components(separatedBy: "\n")
        let name = (path as NSString).lastPathComponent
        if let line = Notebook.unclosedPlaceholderLine(lines) {
            throw LessonError(
                "\(name) line \(line): '{{' is never closed with '}}'; close the placeholder or "
                    + "remove it")
        }
        // A fence this program does not read (`~~~parameters`, ```Parameters) would be copied into the executed
        // notebook as it is while its values were ignored.
        for (k, line) in lines.enumerated() {
            let t = line.trimmingCharacters(in: .whitespaces)
            let fence = t.hasPrefix("```") || t.hasPrefix("~~~")
            let word = t.dropFirst(3).trimmingCharacters(in: .whitespaces).lowercased()
            if fence, ["parameters", "course", "exercise", "stub", "check", "solution"].contains(word),
                t != "```" + word
            {
                throw LessonError(
                    "\(name) line \(k + 1): '\(t)' is not a block this program reads; write ```\(word) (lower case, "
                        + "three backquotes)")
            }
        }
        guard let open = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "```parameters" }) else {
            throw LessonError(
                "\(name): no ```parameters block; add one listing the lesson's parameters "
                    + "(see lessons/README.md)")
        }
        let closing = lines[(open + 1)...].firstIndex { $0.trimmingCharacters(in: .whitespaces) == "```" }
        guard let close = closing else {
            throw LessonError("\(name): the ```parameters block opened on line \(open + 1) is never closed with ```")
        }
        // A second block would be ignored by the run and copied as it is into the executed notebook.
        if let again = lines[(close + 1)...].firstIndex(where: {
            $0.trimmingCharacters(in: .whitespaces) == "```parameters"
        }) {
            throw LessonError(
                "\(name) line \(again + 1): a second ```parameters block (the first is on line \(open + 1)); a "
                    + "notebook has one: move its values into the first block")
        }
        var params: [String: String] = [:]
        for n in (open + 1)..<close {
            var line = lines[n]
            if let hash = line.firstIndex(of: "#") { line = String(line[..<hash]) }
            line = line.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
                parts[0].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
            else {
                throw LessonError("\(name) line \(n + 1): '\(lines[n])' is not of the form name = value")
            }
            guard params[parts[0]] == nil else {
                throw LessonError("\(name) line \(n + 1): parameter '\(parts[0])' is set twice")
            }
            params[parts[0]] = parts[1]
        }
        self.parameters = params
        self.blockLines = open...close
        self.course = try parseCourseBlocks(lines, name: name)
    }

    /// CRLF and lone CR become LF (a Swift `Character` "\r\n" is one grapheme, so splitting on "\n" alone
    /// would not see Windows line ends).
    static func normalisingLineEndings(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        var previousCR = false
        for u in text.unicodeScalars {
            if u == "\r" {
                scalars.append("\n")
                previousCR = true
                continue
            }
            if !(u == "\n" && previousCR) { scalars.append(u) }
            previousCR = false
        }
        return String(scalars)
    }

    /// The 1-based line of the first `{{` with no `}}` after it, or nil.
    static func unclosedPlaceholderLine(_ lines: [String]) -> Int? {
        let text = lines.joined(separator: "\n")
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                return text[..<open.lowerBound].filter { $0 == "\n" }.count + 1
            }
            rest = rest[close.upperBound...]
        }
        return nil
    }

    public static func load(_ path: String) throws -> Notebook {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LessonError("cannot read notebook \(path); check that the file exists and is readable")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw LessonError("notebook \(path) is not UTF-8 text")
        }
        return try Notebook(path: path, text: text)
    }

    /// The parameter block as run: the notebook's own lines (comments, units, layout) with the values used;
    /// an overridden value says so and what the notebook had; parameters the block left out come last.
    func executedBlock(_ used: ParameterValues, overridden: Set<String>) -> [String] {
        let lines = text.components(separatedBy: "\n")
        var block = ["```parameters"]
        for n in (blockLines.lowerBound + 1)..<blockLines.upperBound {
            let line = lines[n]
            let hash = line.firstIndex(of: "#")
            let assignment = hash.map { String(line[..<$0]) } ?? line
            let parts = assignment.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let value = used.values[parts[0]] else {
                block.append(line)  // a comment-only or blank line
                continue
            }
            let name = parts[0]
            let comment = hash.map { line[line.index(after: $0)...].trimmingCharacters(in: .whitespaces) } ?? ""
            let head = "\(name) = \(value)"
            if overridden.contains(name) {
                block.append(head + "  # overridden (notebook: \(parts[1]))" + (comment.isEmpty ? "" : "; " + comment))
            } else if let hash, !comment.isEmpty {
                let column = line.distance(from: line.startIndex, to: hash)
                let padding = max(column - head.count, 2)
                block.append(head + String(repeating: " ", count: padding) + "# " + comment)
            } else {
                block.append(head)
            }
        }
        block.append("```")
        return block
    }
}
