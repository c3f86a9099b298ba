import Foundation
import NeuroModel
import Testing

@testable import LessonKit
@testable import Lessons

@Suite struct BundledNotebookTests {
    @Test func everyLessonsNotebookLoadsFromTheBundle() throws {
        for l in allLessons {
            let path = try bundledNotebookPath(l)
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
        expectLessonError(["no notebook 04-microcircuit.md in ", "(given with --lessons)"]) {
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

extension BundledNotebookTests {
    /// The install of the README: the binary and its notebook bundle copied into one folder run from anywhere and
    /// read that bundle (an edited copy in it shows), and a bundle that lacks a notebook is a one-line error.
    @Test(needsLessonExecutable) func anInstalledCopyReadsTheBundleBesideIt() throws {
        let executable = try #require(lessonExecutable)
        let bundleName = "\(packageName)_Lessons.resources"
        let bundle = (executable as NSString).deletingLastPathComponent + "/" + bundleName
        try #require(FileManager.default.fileExists(atPath: bundle), "no \(bundle) beside \(executable)")
        let bin = temporaryFolder("installed-bin")
        try FileManager.default.copyItem(atPath: executable, toPath: bin + "/lesson")
        try FileManager.default.copyItem(atPath: bundle, toPath: bin + "/" + bundleName)
        let notebook = bin + "/" + bundleName + "/04-microcircuit.md"
        try String(contentsOfFile: notebook, encoding: .utf8).replacingOccurrences(
            of: "steps = 300 ", with: "steps = 123 "
        )
        .write(toFile: notebook, atomically: true, encoding: .utf8)
        let elsewhere = temporaryFolder("installed-cwd")
        let listing = try capture(bin + "/lesson", ["params", "4"], in: elsewhere)
        #expect(listing.status == 0, "\(listing)")
        #expect(listing.stdout.contains("from the notebook bundled with this binary, 04-microcircuit.md"))
        #expect(listing.stdout.contains("steps = 123\n"), "\(listing.stdout)")
        try FileManager.default.removeItem(atPath: notebook)
        let missing = try capture(bin + "/lesson", ["params", "4"], in: elsewhere)
        let errors = missing.stderr.split(separator: "\n").filter { !$0.contains("debug build") }
        #expect(missing.status == 1 && errors.count == 1, "\(missing)")
        #expect(
            errors.first?.contains("lacks 04-microcircuit.md: copy \(bundleName) from the build folder") == true,
            "\(missing.stderr)")
    }

    /// Runs `tool` with `args` in `dir`; returns its exit status, standard output and standard error.
    func capture(_ tool: String, _ args: [String], in dir: String) throws -> (
        status: Int32, stdout: String, stderr: String
    ) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        let (out, err) = (Pipe(), Pipe())
        (p.standardOutput, p.standardError) = (out, err)
        try p.run()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, stdout, stderr)
    }
}
