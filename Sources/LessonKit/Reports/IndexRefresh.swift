import Foundation

// index.html after a single lesson's run: `lesson all` writes the index; a later `lesson N` into the same output
// folder would leave it showing lesson N's previous run, so the index is rewritten from what the folder holds.

/// What lesson `lesson`'s folder under `outDirectory` holds, as `lesson all` lists it: finished (its checks, from
/// its results.json), stopped (with the status results.json gives), or not run (no readable results.json).
public func recordedResult(_ lesson: LessonDescriptor, outDirectory: String) -> LessonRunResult {
    struct Saved: Decodable {
        let status: String
        let seeds: [UInt64]
        let checks: [Check]
    }
    let folder = (outDirectory as NSString).appendingPathComponent(lesson.id)
    guard let data = FileManager.default.contents(atPath: (folder as NSString).appendingPathComponent("results.json")),
        let saved = try? jsonDecoder().decode(Saved.self, from: data)
    else { return .notRun(lesson) }
    guard saved.status == "complete" else { return .stopped(lesson, saved.status) }
    return .finished(
        RunOutcome(
            lesson: lesson, checks: saved.checks, folder: folder, seeds: saved.seeds, renderedFormats: [],
            renderNote: ""))
}

/// After one lesson's run into `outDirectory`: when the folder holds an index.html (written by `lesson all`), it
/// is rewritten from every lesson folder's results.json, so that it shows the run just made; without one, nothing
/// is written.
public func refreshIndexPage(outDirectory: String, lessons: [LessonDescriptor]) throws {
    guard FileManager.default.fileExists(atPath: (outDirectory as NSString).appendingPathComponent("index.html"))
    else { return }
    try writeIndexPage(lessons.map { recordedResult($0, outDirectory: outDirectory) }, outDirectory: outDirectory)
}
