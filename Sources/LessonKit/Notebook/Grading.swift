import Foundation

// Grading a student's answers to a lesson's exercises (Notebook/Course.swift) against the numbers of a run.

/// A run's reference for an exercise: the recorded number (mean over the run's seeds) and its sd over them.
public struct Reference: Sendable {
    public var value: Double
    public var sd: Double
}

extension Exercise {
    /// The tolerance a student's answer is graded with: half a unit in the last significant digit asked, or
    /// `samplingErrorMultiple` sd of the number over the run's seeds (a simulated number a student reads off a
    /// run of another seed varies by that much), whichever is larger.
    public func tolerance(_ r: Reference) -> Double {
        let d = Double(digits ?? 3)
        let place = r.value == 0 ? 0 : (Foundation.log10(abs(r.value))).rounded(.down) - d + 1
        let digit = r.value == 0 ? 0.5 * Foundation.pow(10, -d) : 0.5 * Foundation.pow(10, place)
        return max(digit, samplingErrorMultiple * (r.sd.isFinite ? r.sd : 0))
    }

    /// `x` with the digits asked for, e.g. 1.50 for 3 digits.
    public func written(_ x: Double) -> String {
        String(format: "%.\(max(digits ?? 3, 1))g", x)
    }
}

/// One graded answer.
public struct GradedAnswer: Sendable {
    public var exercise: Exercise
    public var given: Double?
    public var right: Bool
    /// For a wrong answer: which quantity and formula (the exercise's hint), never the reference.
    public var feedback: String
}

/// Reads a filled answer template: `ID = number` lines, `#` comments, blank lines. One line for anything else.
public func parseAnswers(_ text: String, file: String, exercises: [Exercise]) throws -> [String: Double?] {
    var answers: [String: Double?] = [:]
    for (k, raw) in text.components(separatedBy: "\n").enumerated() {
        var line = raw
        if let hash = line.firstIndex(of: "#") { line = String(line[..<hash]) }
        line = line.trimmingCharacters(in: .whitespaces)
        if line.isEmpty { continue }
        let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, !parts[0].isEmpty else {
            throw LessonError("\(file) line \(k + 1): '\(raw)' is not of the form ID = number")
        }
        guard let e = exercises.first(where: { $0.id == parts[0] }) else {
            let ids = exercises.filter { $0.answer != nil }.map(\.id).joined(separator: ", ")
            throw LessonError("\(file) line \(k + 1): there is no exercise \(parts[0]) (this lesson's: \(ids))")
        }
        guard e.answer != nil else {
            throw LessonError("\(file) line \(k + 1): exercise \(e.id) asks why; it is discussed, not graded")
        }
        guard answers[e.id] == nil else {
            throw LessonError("\(file) line \(k + 1): exercise \(e.id) is answered twice")
        }
        if parts[1].isEmpty {
            answers[e.id] = .some(nil)
            continue
        }
        let number = parts[1].split(separator: " ").first.map(String.init) ?? ""
        guard let x = Double(number.replacingOccurrences(of: "−", with: "-")), x.isFinite else {
            throw LessonError("\(file) line \(k + 1): '\(parts[1])' is not a number (write e.g. 1.5 or 2.4e-3)")
        }
        answers[e.id] = .some(x)
    }
    return answers
}

/// Grades `answers` against the run's references: every exercise with an answer, in the lesson's order.
public func grade(_ exercises: [Exercise], answers: [String: Double?], references: [String: Reference])
    -> [GradedAnswer]
{
    exercises.compactMap { e in
        guard let name = e.answer else { return nil }
        let given = answers[e.id] ?? nil
        guard let r = references[name] else {
            return GradedAnswer(exercise: e, given: given, right: false, feedback: "the run recorded no \(name)")
        }
        guard let x = given else {
            return GradedAnswer(exercise: e, given: nil, right: false, feedback: "no answer given; " + e.hint)
        }
        let right = abs(x - r.value) <= e.tolerance(r)
        return GradedAnswer(exercise: e, given: x, right: right, feedback: right ? "" : e.hint)
    }
}

/// The run's numbers as references for grading: the mean over seeds and the sd over them (0 for one seed).
func gradingReferences(_ numbers: [String: NumberSummary]) -> [String: Reference] {
    numbers.compactMapValues { n in n.mean.isFinite ? Reference(value: n.mean, sd: n.sd ?? 0) : nil }
}
