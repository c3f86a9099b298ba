import Foundation
import NeuroModel
import Testing

@testable import Lessons

@Suite struct BundledNotebookTests {
    @Test func everyLessonsNotebookLoadsFromTheBundle() throws {
        for l in allLessons {
            let path = try bundledNotebookPath(l.notebookFile)
            #expect(!path.hasPrefix(packageRoot + "/lessons/"), "\(path) is the working copy, not the bundle")
            let bundled = try Notebook.load(path)
            let repository = try Notebook.load(packageRoot + "/lessons/" + l.notebookFile)
            #expect(bundled.text == repository.text, "bundled \(l.notebookFile) differs from lessons/; rebuild")
            _ = try resolveParameters(
                specs: l.parameters, notebook: bundled.parameters,
                notebookName: l.notebookFile, overrides: [])
        }
    }

    @Test func locationRuleBundleWorkingCopyOrOption() throws {
        let lesson = try findLesson("4")
        let elsewhere = temporaryFolder("elsewhere")
        #expect(try locateNotebook(lesson, lessonsDirectory: nil, workingDirectory: elsewhere).origin == .bundled)
        let atRoot = try locateNotebook(lesson, lessonsDirectory: nil, workingDirectory: packageRoot)
        #expect(atRoot.origin == .workingCopy && atRoot.path == packageRoot + "/lessons/04-microcircuit.md")
        // A lessons/ folder that is not this package's is not picked up without --lessons.
        try FileManager.default.createDirectory(atPath: elsewhere + "/lessons", withIntermediateDirectories: true)
        try "x".write(toFile: elsewhere + "/lessons/04-microcircuit.md", atomically: true, encoding: .utf8)
        #expect(try locateNotebook(lesson, lessonsDirectory: nil, workingDirectory: elsewhere).origin == .bundled)
        let option = try locateNotebook(lesson, lessonsDirectory: elsewhere + "/lessons", workingDirectory: elsewhere)
        #expect(option.origin == .lessonsOption)
        #expect(throws: LessonError.self) {
            _ = try locateNotebook(lesson, lessonsDirectory: temporaryFolder("empty"), workingDirectory: elsewhere)
        }
    }

    @Test func paramsShowTheNotebookValuesUsed() throws {
        let lesson = try findLesson("4")
        let dir = temporaryFolder("edited")
        let original = try String(contentsOfFile: packageRoot + "/lessons/04-microcircuit.md", encoding: .utf8)
        try original.replacingOccurrences(of: "steps = 300 ", with: "steps = 120 ")
            .write(toFile: dir + "/04-microcircuit.md", atomically: true, encoding: .utf8)
        let listing = try parameterListing(lesson, lessonsDirectory: dir)
        #expect(listing.contains("steps = 120  (bundled default 300)"), "\(listing)")
        #expect(listing.contains("from \(dir)/04-microcircuit.md (from --lessons)"))
        let overridden = try parameterListing(lesson, lessonsDirectory: dir, overrides: [("steps", "7")])
        #expect(overridden.contains("steps = 7  (--set; bundled default 300)"))
        #expect(try parameterListing(lesson, lessonsDirectory: nil).contains("steps = 300\n"))
    }
}
