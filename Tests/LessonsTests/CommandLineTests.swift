import Foundation
import Testing
@testable import Lessons

@Suite struct CommandLineTests {
    @Test func parsesRunsAndOptions() throws {
        let c = try parseArguments(["04", "--seed", "7", "--set", "steps=10", "--out", "/tmp/x", "--no-render",
                                    "--resume"])
        #expect(c.command == "run" && c.target == "04")
        #expect(c.options.seed == 7 && c.options.outDirectory == "/tmp/x" && !c.options.render && c.options.resume)
        #expect(c.options.overrides.first?.0 == "steps")
        #expect(try parseArguments([]).command == "help")
        #expect(try parseArguments(["list"]).command == "list")
        #expect(try parseArguments(["lif"]).target == "lif")
    }

    @Test func badInputsAreOneLineUsageErrors() {
        let bad: [[String]] = [["99"], ["nonsense"], ["1", "--bogus"], ["1", "--seed"], ["1", "--seed", "-3"],
                               ["1", "--seed", "abc"], ["1", "--set", "novalue"], ["1", "2"],
                               ["all", "--set", "epochs=1"], ["updates"], ["list", "extra"], ["params"]]
        for args in bad {
            do {
                _ = try parseArguments(args)
                Issue.record("\(args) was accepted")
            } catch let e as LessonError {
                #expect(e.status == 2, "\(args): status \(e.status)")
                #expect(!e.description.contains("\n"), "\(args): message spans lines")
            } catch {
                Issue.record("\(args): unexpected \(error)")
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
        #expect(executed.contains("not rendered"))
    }

    @Test func renderingWithGnuplotProducesAllFormats() throws {
        guard let gnuplot = findGnuplot() else { return }  // covered by the test above when gnuplot is absent
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
        #expect(throws: LessonError.self) { _ = try runLessonSerially(try findLesson("1"), options: options) }
        options.lessonsDirectory = temporaryFolder("empty")
        #expect(throws: LessonError.self) { _ = try runLessonSerially(try findLesson("1"), options: options) }
    }

    /// The `lesson` executable built beside this test bundle.
    var lessonExecutable: String? {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return [beside.appendingPathComponent("lesson").path, packageRoot + "/.build/debug/lesson"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
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
    @Test func failedStandardOutputIsAnError() throws {
        for args in [["list"], ["help"], ["params", "6"]] {
            let (status, stderr) = try runExecutable(args, output: "/dev/full")
            #expect(status == 1, "\(args): exit \(status)")
            let lines = stderr.split(separator: "\n").filter { !$0.hasPrefix("lesson: note: this is a debug build") }
            #expect(lines == ["lesson: error: cannot write to standard output (No space left on device); the output "
                + "was lost"], "\(args): \(stderr)")
        }
        let (status, stderr) = try runExecutable(["list"], output: "/dev/null")
        #expect(status == 0 && stderr.isEmpty, "\(stderr)")
    }
}
