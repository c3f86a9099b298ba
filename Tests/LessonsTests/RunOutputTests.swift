import Foundation
import NeuroModel
import Testing

@testable import LessonKit
@testable import Lessons

@Suite struct RunOutputTests {
    func options(_ out: String, seed: UInt64, lessons: String = packageRoot + "/lessons") -> RunOptions {
        var o = RunOptions()
        o.lessonsDirectory = lessons
        o.outDirectory = out
        o.overrides = [("hidden", "8"), ("steps", "30")]
        o.seed = seed
        o.render = false
        return o
    }

    func contents(_ folder: String) throws -> [String: Data] {
        var all: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
            all[name] = FileManager.default.contents(atPath: folder + "/" + name)
        }
        return all
    }

    /// A run replaces the folder as a whole (no file of an earlier run stays beside its own); a run that fails
    /// after computing (here: an unknown placeholder) leaves the previous run's folder exactly as it was.
    @Test func runFolderNeverHoldsAMixOfRuns() throws {
        let out = temporaryFolder("mix")
        let lesson = try findLesson("4")
        let first = try runLessonSerially(lesson, options: options(out, seed: 6))
        try Data("seed 6".utf8).write(to: URL(fileURLWithPath: first.folder + "/leftover-of-seed-6.dat"))
        let second = try runLessonSerially(lesson, options: options(out, seed: 7))
        #expect(second.folder == first.folder)
        let after = try contents(second.folder)
        #expect(after["leftover-of-seed-6.dat"] == nil)
        let results = try #require(after["results.json"].map { String(decoding: $0, as: UTF8.self) })
        #expect(results.contains("\"seeds\" : [\n    7\n  ]"))
        #expect(String(decoding: after["04-microcircuit.executed.md"] ?? Data(), as: UTF8.self).contains("seed 7"))

        let broken = temporaryFolder("broken-notebooks")
        let text = try String(contentsOfFile: packageRoot + "/lessons/04-microcircuit.md", encoding: .utf8)
        try (text + "\n{{no_such_value}}\n").write(
            toFile: broken + "/04-microcircuit.md", atomically: true,
            encoding: .utf8)
        let error = try #require(throws: LessonError.self) {
            _ = try runLessonSerially(lesson, options: options(out, seed: 8, lessons: broken))
        }
        #expect(error.description.contains("{{no_such_value}}"))
        #expect(try contents(second.folder) == after, "a failed run changed the previous run's folder")
        // Only the hidden staging folder may remain, holding the finished seeds' records for --resume.
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: out).filter { !$0.hasPrefix(".") }.sorted()
                == ["04-microcircuit", "render.sh", "style.gp"])
    }

    /// Issue 20 #1: while one process writes a lesson's folder (it holds the folder's lock), a second run into the
    /// same --out is refused in one line before it touches anything; once the first is done, the next run goes
    /// ahead. (The same for aggregate: AggregateTests.)
    @Test func aSecondProcessIntoTheSameFolderIsRefused() throws {
        let out = temporaryFolder("locked")
        let lesson = try findLesson("4")
        let first = try runLessonSerially(lesson, options: options(out, seed: 6))
        let before = try contents(first.folder)
        let held = try OutputLock(outDirectory: out, id: lesson.id)  // stands for a run in another process
        expectLessonError(["another lesson process (process \(getpid()))", first.folder, "--out DIR"]) {
            _ = try runLessonSerially(lesson, options: options(out, seed: 7))
        }
        #expect(try contents(first.folder) == before, "a refused run changed the folder")
        #expect(!FileManager.default.fileExists(atPath: out + "/.04-microcircuit.partial"))
        held.release()
        #expect(!FileManager.default.fileExists(atPath: OutputLock.path(outDirectory: out, id: lesson.id)))
        let second = try runLessonSerially(lesson, options: options(out, seed: 7))
        #expect(try resultsStatus(second.folder) == "complete")
    }

    /// Issue 20 #6: a figure script edited by hand is kept by a re-run into the same folder, as the script
    /// promises; the run's own version is written beside it as NAME.new.gp and the note says so. Unedited
    /// scripts are rewritten.
    @Test func aReRunKeepsAnEditedFigureScript() throws {
        let out = temporaryFolder("edited-script")
        let lesson = try findLesson("4")
        let first = try runLessonSerially(lesson, options: options(out, seed: 6))
        let scripts = try FileManager.default.contentsOfDirectory(atPath: first.folder).filter { $0.hasSuffix(".gp") }
        let edited = try #require(scripts.sorted().first)
        let path = first.folder + "/" + edited
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("a re-run keeps an edited copy"))
        try (text + "set title 'my own title'\n").write(toFile: path, atomically: true, encoding: .utf8)
        let second = try runLessonSerially(lesson, options: options(out, seed: 7))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == text + "set title 'my own title'\n")
        let side = second.folder + "/" + newVersionPath(edited)
        #expect(isUnedited(try String(contentsOfFile: side, encoding: .utf8)))
        #expect(second.renderNote.contains("kept your edited " + path), "\(second.renderNote)")
        for other in scripts where other != edited {
            #expect(isUnedited(try String(contentsOfFile: second.folder + "/" + other, encoding: .utf8)))
            #expect(!FileManager.default.fileExists(atPath: second.folder + "/" + newVersionPath(other)))
        }
    }

    /// Writes a stand-in for gnuplot that runs `body` with the output file name in $OUT, and renders lesson 1.
    func renderWith(_ body: String, timeout: Double = defaultRenderTimeout) throws -> RunOutcome {
        let dir = temporaryFolder("fake-gnuplot")
        let script = dir + "/gnuplot"
        try ("#!/bin/sh\nOUT=$(printf '%s' \"$4\" | sed \"s/^set output '\\(.*\\)'$/\\1/\")\n" + body + "\n")
            .write(toFile: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        var o = RunOptions()
        o.lessonsDirectory = packageRoot + "/lessons"
        o.outDirectory = temporaryFolder("fake-render")
        o.overrides = [
            ("duration", "300"), ("points", "5"), ("noise_dt", "0.1"), ("noise_trials", "4"),
            ("noise_duration", "300"), ("noise_points", "3")
        ]
        o.gnuplot = script
        o.renderTimeout = timeout
        return try runLessonSerially(try findLesson("1"), options: o)
    }

    /// gnuplot exiting 0 without writing its file, with an empty one, or with a cut-off one: one line each, and
    /// no figure left under its final name (nor a temporary).
    @Test func renderedFiguresAreCheckedBeforeTheyAreKept() throws {
        let cases = [
            ("exit 0", "gnuplot wrote no file"), (": > \"$OUT\"", "gnuplot wrote an empty file"),
            ("printf '\\211PNG\\r\\n\\032\\n%%PDF- <svg' > \"$OUT\"", "incomplete or damaged")
        ]
        for (body, message) in cases {
            let outcome = try renderWith(body)
            #expect(outcome.renderedFormats.isEmpty)
            #expect(
                outcome.renderNote.contains(message) && !outcome.renderNote.contains("\n"),
                "\(outcome.renderNote)")
            #expect(!outcome.renderNote.contains("NSCocoaErrorDomain") && !outcome.renderNote.contains("Error Domain"))
            let files = try FileManager.default.contentsOfDirectory(atPath: outcome.folder)
            #expect(
                !files.contains { $0.hasSuffix(".png") || $0.hasSuffix(".svg") || $0.hasSuffix(".pdf") },
                "\(files)")
            #expect(!files.contains { $0.contains(".tmp") }, "\(files)")
        }
    }

    /// Issue 20 #13: a gnuplot that hangs is stopped after the timeout (and the run goes on), and one that fails
    /// is named: the note gives its last error line, and each caption says gnuplot failed (not "was not found").
    @Test func aHangingOrFailingGnuplotIsStoppedAndNamed() throws {
        let start = Date()
        let hung = try renderWith("exec sleep 30", timeout: 0.5)
        #expect(Date().timeIntervalSince(start) < 25, "the run waited for the hanging gnuplot")
        #expect(hung.renderNote.contains("gnuplot did not finish within 0.5 s and was stopped"), "\(hung.renderNote)")
        let failed = try renderWith("echo 'line 3: undefined variable: foo' >&2; exit 1")
        #expect(failed.renderNote.contains("line 3: undefined variable: foo"), "\(failed.renderNote)")
        for outcome in [hung, failed] {
            #expect(outcome.renderedFormats.isEmpty)
            let executed = try String(contentsOfFile: outcome.folder + "/01-lif.executed.md", encoding: .utf8)
            #expect(executed.contains("not rendered — gnuplot failed on it (see the run's note); see render.sh"))
            #expect(!executed.contains("gnuplot was not found"))
            let files = try FileManager.default.contentsOfDirectory(atPath: outcome.folder)
            #expect(!files.contains { $0.contains(".tmp") }, "\(files)")
        }
    }

    @Test func completeFiguresAreRecognised() {
        let png = Data(
            [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2] + [0, 0, 0, 0] + Array("IEND".utf8)
                + [0xae, 0x42, 0x60, 0x82])
        #expect(figureLooksComplete(png, format: "png"))
        #expect(!figureLooksComplete(png.dropLast(3), format: "png"))
        #expect(figureLooksComplete(Data("%PDF-1.5\n…\n%%EOF\n".utf8), format: "pdf"))
        #expect(!figureLooksComplete(Data("%PDF-1.5\n… cut".utf8), format: "pdf"))
        #expect(figureLooksComplete(Data("<?xml?>\n<svg>\n</svg>\n\n".utf8), format: "svg"))
        #expect(!figureLooksComplete(Data("<?xml?>\n<svg>\n<g>".utf8), format: "svg"))
    }
}
