import Foundation

// A lesson as a course unit: its ```course block (reading time, prerequisites, objectives) and its ```exercise
// blocks. Both are fenced blocks of `key = value` lines in the notebook (format: docs/COURSE.md). The answers are
// never in the notebook: an exercise names the number of the run that answers it, so a student sheet, an
// instructor sheet and `lesson check` are all made from one source and one run.

/// The kind of an exercise: calculate by hand then run, predict a parameter's effect then run, or explain.
public enum ExerciseKind: String, Sendable, CaseIterable {
    case calculate, predict, why
}

/// One exercise of a lesson.
public struct Exercise: Sendable, Equatable {
    public var id: String
    public var kind: ExerciseKind
    public var question: String
    /// The command a student runs, if any (e.g. `lesson 1 --set tau=10 --explore`).
    public var run: String?
    /// The name of the number the lesson's run records that answers it (nil for `why`).
    public var answer: String?
    public var unit: String
    /// Significant digits the question asks for (answers are graded to half a unit in the last of them).
    public var digits: Int?
    /// Which quantity and which formula; never the answer.
    public var hint: String
    /// The instructor's model answer of a `why` exercise (placeholders allowed).
    public var explanation: String?
}

/// A learning objective and what shows it was met: an exercise or a check of the run.
public struct Objective: Sendable, Equatable {
    public enum Evidence: Sendable, Equatable {
        case exercise(String)
        case check(String)
    }
    public var text: String
    public var evidence: Evidence
}

/// A lesson's course front matter.
public struct CourseUnit: Sendable, Equatable {
    /// Minutes a student needs to read the lesson.
    public var readingMinutes: Int
    public var prerequisites: String
    public var objectives: [Objective]
}

/// A code exercise (numpy, in the notebook): the student's starting cell (a stub that raises
/// NotImplementedError), the cell that checks it through the runner, and the instructor's solution. Written in a
/// notebook as ```stub, ```check and ```solution blocks of Python, in that order.
public struct CodeExercise: Sendable, Equatable {
    public var stub: String
    public var check: String
    public var solution: String
}

/// The course blocks of a notebook, with the 0-based line ranges (fences included) they occupy.
struct CourseBlocks: Sendable {
    enum Code: String, Sendable {
        case stub, check, solution
    }
    var unit: CourseUnit?
    var exercises: [Exercise] = []
    var codeExercises: [CodeExercise] = []
    /// Every ```course and ```exercise block, in order, and what it holds.
    var ranges: [(lines: ClosedRange<Int>, exercise: Int?)] = []
    /// Every ```stub, ```check and ```solution block, and its code.
    var codeRanges: [(lines: ClosedRange<Int>, kind: Code, code: String)] = []
}

/// Reads the ```course and ```exercise blocks of `lines`; one line naming the notebook and line for anything
/// malformed (an unknown key, a missing one, a second course block, an exercise id used twice, a `why` with an
/// answer, a hint quoting its answer's placeholder).
func parseCourseBlocks(_ lines: [String], name: String) throws -> CourseBlocks {
    var blocks = CourseBlocks()
    var n = 0
    while n < lines.count {
        let fence = lines[n].trimmingCharacters(in: .whitespaces)
        let code = CourseBlocks.Code(rawValue: String(fence.dropFirst(3)))
        guard fence == "```course" || fence == "```exercise" || (fence.hasPrefix("```") && code != nil) else {
            n += 1
            continue
        }
        guard let close = lines[(n + 1)...].firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "```" })
        else { throw LessonError("\(name) line \(n + 1): the \(fence) block is never closed with ```") }
        if let code {
            let text = lines[(n + 1)..<close].joined(separator: "\n")
            switch code {
            case .stub: blocks.codeExercises.append(CodeExercise(stub: text, check: "", solution: ""))
            case .check, .solution:
                guard !blocks.codeExercises.isEmpty else {
                    throw LessonError("\(name) line \(n + 1): a \(fence) block before any ```stub block")
                }
                if code == .check { blocks.codeExercises[blocks.codeExercises.count - 1].check = text }
                if code == .solution { blocks.codeExercises[blocks.codeExercises.count - 1].solution = text }
            }
            blocks.codeRanges.append((n...close, code, text))
            n = close + 1
            continue
        }
        var pairs: [(key: String, value: String, line: Int)] = []
        for k in (n + 1)..<close {
            let line = lines[k].trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, parts[0].allSatisfy({ $0.isLetter || $0 == "_" }) else {
                throw LessonError("\(name) line \(k + 1): '\(line)' is not of the form key = value")
            }
            pairs.append((parts[0], parts[1], k + 1))
        }
        if fence == "```course" {
            guard blocks.unit == nil else {
                throw LessonError("\(name) line \(n + 1): a second ```course block; a lesson has one")
            }
            blocks.unit = try courseUnit(pairs, name: name, line: n + 1)
            blocks.ranges.append((n...close, nil))
        } else {
            let e = try exercise(pairs, name: name, line: n + 1)
            guard !blocks.exercises.contains(where: { $0.id == e.id }) else {
                throw LessonError("\(name) line \(n + 1): exercise \(e.id) is defined twice")
            }
            blocks.ranges.append((n...close, blocks.exercises.count))
            blocks.exercises.append(e)
        }
        n = close + 1
    }
    for (k, c) in blocks.codeExercises.enumerated() where c.check.isEmpty || c.solution.isEmpty {
        throw LessonError(
            "\(name): code exercise \(k + 1) needs a ```check and a ```solution block after its ```stub")
    }
    return blocks
}

private func courseUnit(_ pairs: [(key: String, value: String, line: Int)], name: String, line: Int) throws
    -> CourseUnit
{
    var reading: Int?
    var prerequisites: String?
    var objectives: [Objective] = []
    for p in pairs {
        switch p.key {
        case "reading":
            let minutes = p.value.split(separator: "#").first.map { $0.trimmingCharacters(in: .whitespaces) }
            guard let m = minutes.flatMap({ Int($0) }), (1...600).contains(m) else {
                throw LessonError("\(name) line \(p.line): reading = '\(p.value)' is not a number of minutes (1–600)")
            }
            reading = m
        case "prerequisites": prerequisites = p.value
        case "objective":
            let parts = p.value.split(separator: "|", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let evidence = parts.count == 2 ? parts[1].split(separator: " ", maxSplits: 1).map(String.init) : []
            guard parts.count == 2, !parts[0].isEmpty, evidence.count == 2, ["exercise", "check"].contains(evidence[0])
            else {
                throw LessonError(
                    "\(name) line \(p.line): an objective reads 'text | exercise ID' or 'text | check CHECK-ID'")
            }
            objectives.append(
                Objective(
                    text: parts[0], evidence: evidence[0] == "exercise" ? .exercise(evidence[1]) : .check(evidence[1])))
        default:
            throw LessonError(
                "\(name) line \(p.line): unknown key '\(p.key)' in the course block (reading, prerequisites, objective)"
            )
        }
    }
    guard let reading, let prerequisites, !objectives.isEmpty else {
        throw LessonError(
            "\(name) line \(line): the course block needs reading, prerequisites and at least one objective")
    }
    return CourseUnit(readingMinutes: reading, prerequisites: prerequisites, objectives: objectives)
}

private func exercise(_ pairs: [(key: String, value: String, line: Int)], name: String, line: Int) throws -> Exercise {
    var fields: [String: String] = [:]
    let known: Set<String> = ["id", "kind", "question", "run", "answer", "unit", "digits", "hint", "explanation"]
    for p in pairs {
        guard known.contains(p.key) else {
            throw LessonError(
                "\(name) line \(p.line): unknown key '\(p.key)' in an exercise ("
                    + known.sorted().joined(separator: ", ") + ")"
            )
        }
        guard fields[p.key] == nil else { throw LessonError("\(name) line \(p.line): '\(p.key)' is given twice") }
        fields[p.key] = p.value
    }
    let kind = fields["kind"].flatMap(ExerciseKind.init(rawValue:))
    // A `why` exercise may go without a hint (its explanation is the instructor's); the others need one.
    let missing = [
        fields["id"].map { !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber } } == true ? nil : "id",
        kind == nil ? "kind" : nil, fields["question"] == nil ? "question" : nil,
        fields["hint"] == nil && kind != .why ? "hint" : nil
    ].compactMap { $0 }
    guard missing.isEmpty, let id = fields["id"], let kind, let question = fields["question"] else {
        throw LessonError(
            "\(name) line \(line): an exercise needs id (letters and digits), kind (calculate, predict or why), "
                + "question and, unless it asks why, hint; this one lacks " + missing.joined(separator: ", "))
    }
    let hint = fields["hint"] ?? ""
    let digits = fields["digits"].flatMap { Int($0) }
    if kind == .why {
        guard fields["answer"] == nil, fields["explanation"] != nil else {
            throw LessonError("\(name) line \(line): exercise \(id) (why) has an explanation and no answer")
        }
    } else {
        guard let answer = fields["answer"], !answer.isEmpty, let digits, (1...8).contains(digits) else {
            throw LessonError(
                "\(name) line \(line): exercise \(id) needs answer (a number the run records) and digits (1–8)")
        }
        guard !hint.contains("{{\(answer)}}") else {
            throw LessonError("\(name) line \(line): exercise \(id)'s hint gives its answer {{\(answer)}} away")
        }
    }
    return Exercise(
        id: id, kind: kind, question: question, run: fields["run"], answer: fields["answer"],
        unit: fields["unit"] ?? "", digits: digits, hint: hint, explanation: fields["explanation"])
}
