import Foundation
import Testing

@testable import LessonCLI
@testable import LessonKit
@testable import Lessons

#if canImport(Glibc)
    import Glibc
#endif

// Issue 30: seed records, edited scripts and planted links are hostile input. Nothing in them may run a command,
// write outside --out, or crash the program (docs/THREAT-MODEL.md).

@Suite(.serialized) struct HostileInputTests {
    /// One seed of lesson 2 (about a second), unrendered, into `out`.
    func runLesson02(_ out: String, seeds: [UInt64] = [1], resume: Bool = false, render: Bool = false) throws
        -> RunOutcome
    {
        var options = RunOptions()
        options.seeds = seeds
        options.outDirectory = out
        options.render = render
        options.resume = resume
        return try runLessonSerially(lesson02, options: options)
    }

    /// A copy of the run in `source` whose seed-1 record has been edited by `edit` (as JSON), in a fresh folder.
    func hostileCopy(of source: String, _ name: String, edit: (inout [String: Any]) -> Void) throws -> String {
        let root = temporaryFolder("hostile-\(name)")
        let seeds = root + "/\(lesson02.id)/seeds"
        try FileManager.default.createDirectory(atPath: seeds, withIntermediateDirectories: true)
        let data = try Data(contentsOf: URL(fileURLWithPath: source + "/\(lesson02.id)/seeds/seed-1.json"))
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        edit(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: seeds + "/seed-1.json"))
        return root
    }

    /// Edits the first figure of a record.
    func editFigure(_ object: inout [String: Any], _ edit: (inout [String: Any]) -> Void) {
        var figures = object["figures"] as? [[String: Any]] ?? []
        guard !figures.isEmpty else { return }
        edit(&figures[0])
        object["figures"] = figures
    }

    func aggregate(_ dir: String, out: String) throws -> [RunOutcome] {
        var options = RunOptions()
        options.outDirectory = out
        return try aggregateRuns([dir], lessons: allLessons, options: options)
    }

    /// Expects `body` to throw one LessonError line containing every one of `words`.
    func expectRefusal(_ words: [String], _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected a refusal mentioning \(words)")
        } catch let e as LessonError {
            #expect(!e.description.contains("\n"), "more than one line: \(e.description)")
            for w in words { #expect(e.description.contains(w), "\(e.description) does not mention \(w)") }
        } catch {
            Issue.record("expected a LessonError, got \(error)")
        }
    }

    /// A record whose figure script or title carries gnuplot that runs a command is refused by `aggregate` (and
    /// by `--resume`), and nothing runs: `system(…)`, backquotes, a title with a newline and a shell line.
    @Test func recordsCannotRunCommands() throws {
        let source = temporaryFolder("hostile-source")
        _ = try runLesson02(source)
        let marker = temporaryFolder("hostile-marker") + "/ran"
        let scripts = [
            ("system", "\nsystem('touch \(marker)')\n"), ("backquote", "\nset title \"`touch \(marker)`\"\n"),
            ("pipe", "\nplot '< touch \(marker)' using 1:2\n"), ("shell", "\n!touch \(marker)\n")
        ]
        for (name, tail) in scripts {
            let dir = try hostileCopy(of: source, name) { o in
                editFigure(&o) { f in f["script"] = (f["script"] as? String ?? "") + tail }
            }
            expectRefusal(["seed-1.json", "script", "run that seed again"]) {
                _ = try aggregate(dir, out: dir + "/merged")
            }
            // --resume over the hostile record refuses it too (it is not silently trusted or rendered).
            if name == "system" {
                expectRefusal(["seed-1.json", "system"]) { _ = try runLesson02(dir, resume: true, render: true) }
            }
            #expect(!FileManager.default.fileExists(atPath: marker), "\(name): the record's command ran")
        }
        // A title is free text: it reaches a script only as a one-line comment.
        let titled = try hostileCopy(of: source, "title") { o in
            editFigure(&o) { f in f["title"] = "T\n!touch \(marker)\nsystem('touch \(marker)') \\" }
        }
        let merged = try aggregate(titled, out: titled + "/merged")
        let folder = try #require(merged.first?.folder)
        let figure = try #require(
            try FileManager.default.contentsOfDirectory(atPath: folder).first { $0.hasSuffix(".gp") })
        let script = try String(contentsOfFile: folder + "/" + figure, encoding: .utf8)
        #expect(!script.split(separator: "\n").contains { $0.hasPrefix("!") || $0.hasPrefix("system") })
        #expect(!FileManager.default.fileExists(atPath: marker), "the title's command ran")
    }

    /// A figure name that is a path, or has a space, is refused in one line: nothing is written outside --out, and
    /// nothing crashes. A record of a lesson this version does not have is refused, not passed over with exit 0.
    @Test func recordNamesStayInsideOut() throws {
        let source = temporaryFolder("hostile-names")
        _ = try runLesson02(source)
        for bad in ["../../../escaped", "bad name", "", "-x", String(repeating: "a", count: 65)] {
            let dir = try hostileCopy(of: source, "name") { o in editFigure(&o) { f in f["name"] = bad } }
            expectRefusal(["seed-1.json", "a figure named"]) { _ = try aggregate(dir, out: dir + "/a/b/merged") }
            #expect(!FileManager.default.fileExists(atPath: dir + "/escaped.dat"))
            #expect(!FileManager.default.fileExists(atPath: dir + "/a/b/merged"))
        }
        let twice = try hostileCopy(of: source, "twice") { o in
            var figures = o["figures"] as? [[String: Any]] ?? []
            figures.append(figures[0])
            o["figures"] = figures
        }
        expectRefusal(["two figures named"]) { _ = try aggregate(twice, out: twice + "/merged") }
        let unknown = try hostileCopy(of: source, "lesson") { o in o["lesson"] = "99-nothing" }
        expectRefusal(["99-nothing", "does not have"]) { _ = try aggregate(unknown, out: unknown + "/merged") }
    }

    /// The subset of gnuplot a figure script may use refuses every way of running a command, reading a pipe,
    /// writing a file or waiting, and passes what the lessons write (every lesson's run in the test suite writes
    /// its scripts through the same check).
    @Test func figureScriptSubset() {
        let refused = [
            "system('ls')", "x = system('ls')", "set title \"`ls`\"", "!ls", "load 'x.gp'", "call 'x.gp'",
            "set output '|cat'", "set print 'x'", "set table 'x'", "set terminal png", "plot '< ls' using 1:2",
            "plot DATA using 1:2, sprintf('%c', 60).'ls' using 1:2", "eval('x=1')", "@m", "pause -1", "save 'x'",
            "fit f(x) DATA via a", "stats DATA", "set loadpath '/tmp'", "cd '/tmp'", "shell", "print 1",
            "set palette file 'x'", "a = 1; system('ls')", "if (1) { system('ls') }", "plot 'x' using 1:2",
            "set macros", "import f(x) from 'lib'", "set label 'a' at 0,0 \\\n; system('ls')", "'ls'"
        ]
        for s in refused { #expect(figureScriptProblem(s) != nil, "accepted: \(s)") }
        let accepted = [
            "set xlabel 'time (ms)'\nset key bottom right\nplot DATA index 0 using 1:2 with lines lt 1 title 'a', \\\n"
                + "     DATA index 1 using 1:3 with points lt 2 title \"b\"",
            "set arrow from graph 0, first -50 to graph 1, first -50 nohead dt 2 lc rgb '#777777'",
            "set label sprintf('rheobase %.2f nA', 0.5) at 0.5, graph 0.5 offset 0.5,0 tc rgb '#555555'",
            "f(x) = 2*x\nplot [0:1] x notitle, NaN with lines lt 3 title 'system output'  # a comment: system()",
            "set multiplot layout 1,2\nunset multiplot\nif (1) { set key left } else { set key right }"
        ]
        for s in accepted { #expect(figureScriptProblem(s) == nil, "refused: \(s): \(figureScriptProblem(s) ?? "")") }
        #expect(gnuplotComment("a\nb\r`c` \\") == "a b 'c'")
    }

    /// A symbolic link planted at the lock's name (to a file outside --out, or dangling) is refused in one line:
    /// the target is neither truncated nor created.
    @Test func lockFileLinkIsRefused() throws {
        let out = temporaryFolder("hostile-lock")
        let outside = temporaryFolder("hostile-outside")
        try "keep me\n".write(toFile: outside + "/target", atomically: false, encoding: .utf8)
        let lock = OutputLock.path(outDirectory: out, id: lesson02.id)
        for target in [outside + "/target", outside + "/dangling"] {
            unlink(lock)
            #expect(symlink(target, lock) == 0)
            expectRefusal(["symbolic link", lock]) { _ = try runLesson02(out) }
            #expect(try String(contentsOfFile: outside + "/target", encoding: .utf8) == "keep me\n")
            #expect(!FileManager.default.fileExists(atPath: outside + "/dangling"))
        }
    }

    /// A symbolic link at the staging folder's name, at the lesson's folder, or inside a staging folder kept for
    /// --resume is refused: nothing is written into, or deleted from, where it points.
    @Test func stagingFolderLinkIsRefused() throws {
        let outside = temporaryFolder("hostile-staging-outside")
        try "keep me\n".write(toFile: outside + "/precious", atomically: false, encoding: .utf8)
        for resume in [true, false] {
            let out = temporaryFolder("hostile-staging")
            let staging = RunFolder(outDirectory: out, id: lesson02.id).staging
            #expect(symlink(outside, staging) == 0)
            expectRefusal(["symbolic link", staging]) { _ = try runLesson02(out, resume: resume) }
            #expect(try FileManager.default.contentsOfDirectory(atPath: outside) == ["precious"])
        }
        let out = temporaryFolder("hostile-final")
        let final = RunFolder(outDirectory: out, id: lesson02.id).final
        #expect(symlink(outside, final) == 0)
        expectRefusal(["symbolic link", final]) { _ = try runLesson02(out) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside) == ["precious"])
        // Inside a kept staging folder: its seeds/ is a link to the outside.
        let inner = temporaryFolder("hostile-inner")
        let kept = RunFolder(outDirectory: inner, id: lesson02.id).staging
        try FileManager.default.createDirectory(atPath: kept, withIntermediateDirectories: true)
        #expect(symlink(outside, kept + "/seeds") == 0)
        expectRefusal(["symbolic link", "seeds"]) { _ = try runLesson02(inner, resume: true) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside) == ["precious"])
    }

    /// An edited script that a figure script may not be (a `system` call) is kept, but the run renders its own
    /// version instead and says so; the command never runs.
    @Test(.enabled(if: findGnuplot() != nil, "needs gnuplot (apt-get install gnuplot-nox)"))
    func editedScriptOutsideTheSubsetIsNotRun() throws {
        let out = temporaryFolder("hostile-edit")
        let first = try runLesson02(out, render: true)
        let marker = temporaryFolder("hostile-edit-marker") + "/ran"
        let script = first.folder + "/dale-drive.gp"
        let text = try String(contentsOfFile: script, encoding: .utf8)
        try (text + "system('touch \(marker)')\n").write(toFile: script, atomically: true, encoding: .utf8)
        let second = try runLesson02(out, render: true)
        #expect(!FileManager.default.fileExists(atPath: marker), "the edited script's command ran")
        #expect(second.renderNote.contains("did not render your edited dale-drive.gp"), "\(second.renderNote)")
        #expect(second.renderedFormats == ["png", "svg", "pdf"])
        #expect(try String(contentsOfFile: second.folder + "/dale-drive.gp", encoding: .utf8).contains(marker))
    }

    /// A link in text that reaches report.html (a record's value, an edited notebook) cannot run a script.
    @Test func reportLinksCannotRunScripts() {
        let html =
            "<a href=\"javascript:alert(1)\">x</a><img src=\" JaVa\tScRiPt:alert(2)\"/>"
            + "<a href=\"data:text/html,x\">d</a><a href=\"https://example.org/a\">ok</a><img src=\"fig.png\"/>"
        let safe = neutralizingScriptLinks(html)
        #expect(!safe.lowercased().contains("script:") && !safe.contains("data:"))
        #expect(safe.contains("href=\"https://example.org/a\"") && safe.contains("src=\"fig.png\""))
    }
}
