import Foundation
import NeuroModel

// A lesson as the runner knows it. The registry of the lessons is not here: the kit names no lesson, and is
// given the lessons (the `Lessons` target's `allLessons`) by the program that runs them.

/// A lesson: identity, claim, parameters, and the code that computes and checks one seed.
public struct LessonDescriptor: Sendable {
    public let number: Int
    public let slug: String
    public let title: String
    public let claim: String
    /// The lesson's own parameters followed by `seeds`, the number of seeds a run uses. Their values, defaults
    /// included, are in the lesson's notebook.
    public let parameters: [ParameterSpec]
    public let run: @Sendable (RunContext) throws -> Void
    /// Values for the notebook made from every seed's numbers (e.g. a table of means ± sd over seeds); they
    /// replace the first seed's values of the same names.
    let summary: (@Sendable (SeedNumbers) -> [String: String])?
    /// The cost of one seed, from the parameters alone (see `vetWork`); nil for lessons that are always quick.
    let estimate: (@Sendable (ParameterValues) throws -> WorkEstimate)?
    /// What some parameter values resolve to on this machine (e.g. `dataset = auto`), by parameter name, for
    /// `lesson params`.
    let notes: (@Sendable (ParameterValues) -> [String: String])?
    /// The arrays of one of this lesson's checkpoints for `lesson export` (the file verified, its state to be read
    /// by the lesson); nil for lessons without checkpoints.
    let exporter: (@Sendable (CheckpointFile) throws -> [(name: String, array: NumpyArray)])?
    /// Whether the lesson keeps checkpoints (`--resume` continues it mid-training, `lesson export` reads them).
    public var keepsCheckpoints: Bool { exporter != nil }
    /// Where the copy of the notebook built into the program is (see `locateNotebook`); set by the registry.
    public var notebookBundle: NotebookBundle?

    package init(
        number: Int, slug: String, title: String, claim: String, parameters: [ParameterSpec],
        run: @escaping @Sendable (RunContext) throws -> Void,
        summary: (@Sendable (SeedNumbers) -> [String: String])? = nil,
        estimate: (@Sendable (ParameterValues) throws -> WorkEstimate)? = nil,
        notes: (@Sendable (ParameterValues) -> [String: String])? = nil,
        exporter: (@Sendable (CheckpointFile) throws -> [(name: String, array: NumpyArray)])? = nil
    ) {
        self.exporter = exporter
        self.summary = summary
        self.estimate = estimate
        self.notes = notes
        self.number = number
        self.slug = slug
        self.title = title
        self.claim = claim
        self.parameters =
            parameters + [.integer("seeds", in: 1...1000, "number of seeds a run uses: seed, seed + 1, …")]
        self.run = run
    }

    public var id: String { String(format: "%02d-%@", number, slug) }
    public var notebookFile: String { id + ".md" }
}

/// Finds a lesson among `lessons` by number (`4`, `04`) or by slug / id (`lif`, `01-lif`).
public func findLesson(_ key: String, in lessons: [LessonDescriptor]) throws -> LessonDescriptor {
    if let n = Int(key), let l = lessons.first(where: { $0.number == n }) { return l }
    if let l = lessons.first(where: { $0.slug == key || $0.id == key }) { return l }
    throw LessonError.usage("unknown lesson '\(key)'; run 'lesson list' to see lessons 1–\(lessons.count)")
}

/// The lessons `key` names when it names more than one, in course order: `all`, a range `1-5`, a list `1,3,4`, or
/// both (`1-3,7`); nil when it names one lesson (or nothing this version has: `findLesson` says why). A lesson named
/// twice, a range that runs backwards or a number this version does not have is refused in one line.
public func findLessons(_ key: String, in lessons: [LessonDescriptor]) throws -> [LessonDescriptor]? {
    if key == "all" { return lessons }
    guard key.contains(",") || key.contains("-"), key.allSatisfy({ $0.isNumber || $0 == "," || $0 == "-" }) else {
        return nil
    }
    let bad = LessonError.usage(
        "'\(key)' is not a list of lessons; write e.g. 1-5, 1,3,4 or 1-3,7 (lessons 1–\(lessons.count))")
    var numbers: [Int] = []
    for part in key.split(separator: ",", omittingEmptySubsequences: false) {
        let ends = part.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        guard (1...2).contains(ends.count), let a = ends[0], let b = ends.last ?? nil, a <= b else { throw bad }
        for n in a...b {
            guard lessons.contains(where: { $0.number == n }) else {
                throw LessonError.usage("'\(key)' names lesson \(n); this version has lessons 1–\(lessons.count)")
            }
            guard !numbers.contains(n) else { throw LessonError.usage("'\(key)' names lesson \(n) twice") }
            numbers.append(n)
        }
    }
    return lessons.filter { numbers.contains($0.number) }
}
