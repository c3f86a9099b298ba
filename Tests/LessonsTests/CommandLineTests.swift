import Foundation
import Testing

@testable import LessonCLI
@testable import LessonKit
@testable import Lessons

@Suite struct CommandLineTests {
    func parsed<T: LessonSubcommand>(_ args: [String], as type: T.Type) throws -> T {
        try #require(try parseCommand(args) as? T, "\(args)")
    }

    @Test func parsesRunsAndOptions() throws {
        let run = try parsed(
            [
                "04", "--seed", "7", "--set", "steps=10", "--out", "/tmp/x", "--no-render", "--resume",
                "--threads", "2", "--quiet", "--lessons", "/tmp/l"
            ], as: RunCommand.self)
        let o = try run.runOptions()
        #expect(run.lesson == "04" && run.quiet)
        #expect(o.seed == 7 && o.outDirectory == "/tmp/x" && !o.render && o.resume && o.threads == 2)
        #expect(o.lessonsDirectory == "/tmp/l" && o.overrides.first?.0 == "steps" && o.overrides.first?.1 == "10")
        // The same with `run` spelled out, options first and --opt=value.
        let same = try parsed(
            ["run", "--seed=7", "--set=steps=10", "--set", "n=3", "--out=/tmp/x", "04"],
            as: RunCommand.self)
        #expect(same.lesson == "04")
        #expect(try same.runOptions().seed == 7 && same.runOptions().overrides.map(\.0) == ["steps", "n"])
        #expect(try parsed(["3", "--seeds", "1-3,8"], as: RunCommand.self).runOptions().seeds == [1, 2, 3, 8])
        #expect(try parsed(["lif"], as: RunCommand.self).lesson == "lif")
        #expect(try parsed(["all", "--seed", "2"], as: RunCommand.self).runOptions().seed == 2)
        _ = try parsed(["list"], as: ListCommand.self)
        #expect(try parsed(["params", "6", "--set", "epochs=2"], as: ParamsCommand.self).lesson == "6")
        #expect(try parsed(["updates", "--spec=net.json"], as: UpdatesCommand.self).spec == "net.json")
        let aggregate = try parsed(["aggregate", "a", "b", "--out", "c", "--no-render"], as: AggregateCommand.self)
        #expect(aggregate.folders == ["a", "b"] && aggregate.out == "c" && aggregate.noRender)
    }

    @Test func badInputsAreOneLineUsageErrors() {
        let bad: [[String]] = [
            ["99"], ["nonsense"], ["1", "--bogus"], ["1", "--seed"], ["1", "--seed", "-3"],
            ["1", "--seed", "abc"], ["1", "--seed=abc"], ["1", "--set", "novalue"], ["1", "2"],
            ["1", "--threads", "0"], ["1", "--seeds", "3-1"], ["all", "--set", "epochs=1"],
            ["all", "--seeds", "1-3"], ["updates"], ["list", "extra"], ["list", "--quiet"],
            ["params"], ["params", "99"], ["aggregate"], ["run"]
        ]
        for args in bad {
            do {
                _ = try parseCommand(args)
                Issue.record("\(args) was accepted")
            } catch {
                let r = report(for: error)
                #expect(r.status == 2 && r.output == nil, "\(args): \(r)")
                #expect(r.error?.hasPrefix("lesson: error: ") == true, "\(args): \(r)")
                #expect(r.error?.contains("\n") == false, "\(args): message spans lines")
            }
        }
    }

    /// The messages that say what to do instead.
    @Test func usageMessages() {
        let cases: [([String], String)] = [
            (["99"], "lesson: error: unknown lesson '99'; run 'lesson list' to see lessons 1–\(allLessons.count)"),
            (["1", "--seed", "abc"], "lesson: error: --seed 'abc' is not an integer in 0...\(Int.max)"),
            (
                ["all", "--set", "epochs=1"],
                "lesson: error: --set names one lesson's parameters; run that lesson on "
                    + "its own (e.g. lesson 3 --set epochs=…)"
            ),
            (
                ["updates"],
                "lesson: error: updates needs --spec FILE.json (or --spec - for standard input); see README, "
                    + "'Exchange format'"
            ),
            (["1", "2"], "lesson: error: unexpected argument '2'; see 'lesson run --help'"),
            (["params"], "lesson: error: missing expected argument '<lesson>'; see 'lesson params --help'")
        ]
        for (args, message) in cases {
            do {
                _ = try parseCommand(args)
                Issue.record("\(args) was accepted")
            } catch { #expect(report(for: error).error == message) }
        }
    }

    /// Help, the version and completion scripts go to standard output with status 0.
    @Test func helpVersionAndCompletionScripts() {
        let cases: [([String], String)] = [
            (["--help"], "SUBCOMMANDS:"), (["help"], "run (default)"), (["-h"], "Exit status: 0 when every check"),
            (["help", "run"], "--seeds <LIST>"), (["4", "--help"], "--set <name=value>"),
            (["params", "--help"], "USAGE: lesson params <lesson>"), (["aggregate", "-h"], "--out <DIR>"),
            (["--version"], projectVersion), (["--generate-completion-script", "bash"], "-F _lesson lesson"),
            (["--generate-completion-script=zsh"], "#compdef lesson")
        ]
        for (args, text) in cases {
            do {
                _ = try parseCommand(args)
                Issue.record("\(args) was accepted")
            } catch {
                let r = report(for: error)
                #expect(r.status == 0 && r.error == nil && r.output?.contains(text) == true, "\(args): \(r)")
            }
        }
    }

    /// Runs a short lesson 1 with the given gnuplot (nil: as if none were installed).
    func shortLesson1(gnuplot: String?) throws -> RunOutcome {
        var options = RunOptions()
        options.lessonsDirectory = packageRoot + "/lessons"
        options.outDirectory = temporaryFolder("render")
        options.overrides = [("duration", "300"), ("points", "5")]
        options.gnuplot = gnuplot
        return try runLessonSerially(try findLesson("1"), options: options)
    }

    @Test func missingGnuplotStillWritesScriptsAndSaysHowToRender() throws {
        let outcome = try shortLesson1(gnuplot: nil)
        #expect(outcome.renderedFormats.isEmpty)
        #expect(outcome.renderNote.contains("gnuplot-nox") && outcome.renderNote.contains("render.sh"))
        let files = try FileManager.default.contentsOfDirectory(atPath: outcome.folder)
        #expect(files.contains("fi-curve.gp") && !files.contains("fi-curve.png"))
        let executed = try String(contentsOfFile: outcome.folder + "/01-lif.executed.md", encoding: .utf8)
        #expect(executed.contains("not rendered — gnuplot was not found; see render.sh"))
    }

    @Test(.enabled(if: findGnuplot() != nil, "needs gnuplot (the test above covers its absence)"))
    func renderingWithGnuplotProducesAllFormats() throws {
        let gnuplot = try #require(findGnuplot())
        let outcome = try shortLesson1(gnuplot: gnuplot)
        #expect(outcome.renderedFormats == ["png", "svg", "pdf"], "\(outcome.renderNote)")
        let files = try FileManager.default.contentsOfDirectory(atPath: outcome.folder)
        for ext in ["png", "svg", "pdf"] { #expect(files.contains("fi-curve.\(ext)")) }
        #expect(!files.contains { $0.contains(".tmp") })
    }

    @Test func brokenNotebookBlockIsAClearError() throws {
        let dir = temporaryFolder("notebooks")
        try "# L1\n```parameters\nseed = 1\ndt = fast\n```\n"
            .write(toFile: dir + "/01-lif.md", atomically: true, encoding: .utf8)
        var options = RunOptions()
        options.lessonsDirectory = dir
        options.outDirectory = temporaryFolder("out")
        expectLessonError(["01-lif.md: dt = 'fast' is not valid; expected a number in"]) {
            _ = try runLessonSerially(try findLesson("1"), options: options)
        }
        options.lessonsDirectory = temporaryFolder("empty")
        expectLessonError(["no notebook 01-lif.md in ", "(given with --lessons)"]) {
            _ = try runLessonSerially(try findLesson("1"), options: options)
        }
    }

    /// Runs `lesson` with standard output to `output`; returns its exit status and standard error.
    func runExecutable(_ args: [String], output: String) throws -> (Int32, String) {
        let executable = try #require(lessonExecutable, "build the lesson executable first")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        guard let sink = FileHandle(forWritingAtPath: output) else {
            Issue.record("cannot open \(output)")
            return (-1, "")
        }
        p.standardOutput = sink
        let err = Pipe()
        p.standardError = err
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }

    /// Output lost to a failed standard output is an error (exit 1, one line), not a silent success.
    @Test(needsLessonExecutable) func failedStandardOutputIsAnError() throws {
        for args in [["list"], ["help"], ["--help"], ["--version"], ["params", "6"]] {
            let (status, stderr) = try runExecutable(args, output: "/dev/full")
            #expect(status == 1, "\(args): exit \(status)")
            let lines = stderr.split(separator: "\n").filter { !$0.hasPrefix("lesson: note: this is a debug build") }
            #expect(
                lines == [
                    "lesson: error: cannot write to standard output (No space left on device); the output "
                        + "was lost"
                ], "\(args): \(stderr)")
        }
        let (status, stderr) = try runExecutable(["list"], output: "/dev/null")
        #expect(status == 0 && stderr.isEmpty, "\(stderr)")
    }

    /// Exit statuses of the executable: a bare `lesson` prints its help and exits 2, usage errors exit 2 with one
    /// line, a command that cannot finish exits 1, `--version` prints the version.
    @Test(needsLessonExecutable) func exitStatuses() throws {
        let output = temporaryFolder("cli") + "/stdout"
        func run(_ args: [String]) throws -> (Int32, stdout: String, stderr: String) {
            _ = FileManager.default.createFile(atPath: output, contents: nil)
            let (status, stderr) = try runExecutable(args, output: output)
            return (status, (try? String(contentsOfFile: output, encoding: .utf8)) ?? "", stderr)
        }
        let bare = try run([])
        #expect(bare.0 == 2 && bare.stdout.isEmpty && bare.stderr.contains("SUBCOMMANDS:"), "\(bare)")
        let bogus = try run(["1", "--bogus"])
        #expect(bogus.0 == 2 && bogus.stdout.isEmpty, "\(bogus)")
        #expect(
            bogus.stderr.hasPrefix("lesson: error: unknown option '--bogus'")
                && bogus.stderr.filter { $0 == "\n" }.count == 1, "\(bogus)")
        let unknown = try run(["nonsense"])
        #expect(unknown.0 == 2 && unknown.stderr.contains("lesson list"), "\(unknown)")
        let missing = try run(["updates", "--spec", temporaryFolder("cli") + "/absent.json"])
        #expect(missing.0 == 1 && missing.stderr.filter { $0 == "\n" }.count == 1, "\(missing)")
        let version = try run(["--version"])
        #expect(version.0 == 0 && version.stdout == projectVersion + "\n" && version.stderr.isEmpty, "\(version)")
    }

    /// Issue 20 #16: a single lesson's run into a folder holding the index.html of `lesson all` updates it, so that
    /// it no longer shows the lesson as not run (or its previous run).
    @Test(needsLessonExecutable) func aSingleLessonRunUpdatesTheIndex() throws {
        let out = temporaryFolder("index-refresh")
        try writeIndexPage(allLessons.map { .notRun($0) }, outDirectory: out)
        #expect(!(try String(contentsOfFile: out + "/index.html", encoding: .utf8)).contains("04-microcircuit/"))
        let args = ["4", "--out", out, "--set", "seeds=1", "--quiet"]
        let (status, stderr) = try runExecutable(args + ["--no-render"], output: "/dev/null")
        #expect(status == 0, "\(stderr)")
        let index = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        #expect(index.contains("href=\"04-microcircuit/results.json\""), "\(index)")
        #expect(index.components(separatedBy: "not run").count - 1 == allLessons.count - 1)
        // Without an index, a single lesson's run writes none.
        let bare = temporaryFolder("index-none")
        let (again, _) = try runExecutable(["4", "--out", bare, "--set", "seeds=1", "--no-render"], output: "/dev/null")
        #expect(again == 0 && !FileManager.default.fileExists(atPath: bare + "/index.html"))
    }

    /// The lesson's title is on standard output before its first progress line, even in one file.
    @Test(needsLessonExecutable) func titleBeforeProgress() throws {
        let output = temporaryFolder("cli") + "/both"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let executable = try #require(lessonExecutable, "build the lesson executable first")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = [
            "1", "--set", "duration=300", "--set", "points=5", "--seeds", "1-2", "--no-render",
            "--out", temporaryFolder("cli-out")
        ]
        let sink = try #require(FileHandle(forWritingAtPath: output))
        (p.standardOutput, p.standardError) = (sink, sink)
        try p.run()
        p.waitUntilExit()
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
            .filter { !$0.hasPrefix("lesson: note: this is a debug build") }
        #expect(p.terminationStatus == 0)
        #expect(lines.first?.hasPrefix("Lesson 1 — ") == true, "\(lines.prefix(4))")
        let title = try #require(lines.firstIndex { $0.hasPrefix("Lesson 1") })
        let progress = try #require(lines.firstIndex { $0.hasPrefix("  seed") })
        #expect(title < progress, "\(lines.prefix(6))")
    }
}
