import Foundation
import Testing

@testable import LessonKit
@testable import Lessons

#if canImport(Glibc)
    import Glibc
#endif

/// Real SIGINTs sent to the built `lesson` executable while lesson 6 trains on the embedded Yin-Yang data.
@Suite(.serialized) struct SignalTests {
    static let arguments = [
        "6", "--set", "dataset=yin-yang", "--set", "hidden=48", "--set", "epochs=8",
        "--set", "rules=bp", "--set", "circuit_steps=0", "--set", "seeds=1", "--no-render"
    ]

    /// One Ctrl-C, or one SIGTERM (what Slurm sends before it kills a job): the run stops at the next epoch
    /// boundary with exit 1, one line saying so, results.json marked stopped and no staging folder left; the same
    /// command with --resume exits 0 with the results.json of an uninterrupted run.
    @Test(
        .enabled(if: lessonExecutable != nil, "needs the built lesson executable"),
        arguments: [
            (SIGINT, "lesson: interrupt: stopping at the end of the current epoch"),
            (SIGTERM, "lesson: terminated (SIGTERM): stopping at the end of the current epoch")
        ])
    func oneSignalStopsTheRunAndResumeFinishesIt(signal: Int32, message: String) throws {
        let lesson = try #require(lessonExecutable)
        let root = temporaryFolder("signal-\(signal)")
        let run = try LessonProcess(lesson, Self.arguments + ["--out", root + "/stopped"])
        #expect(run.wait(for: "epoch 1/8"), "no progress line: \(run.stderr)")
        run.send(signal)
        let status = run.finish()
        #expect(status == 1, "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").filter { $0.hasPrefix(message) }.count == 1, "\(run.stderr)")
        #expect(run.stderr.contains("lesson: error: interrupted"), "\(run.stderr)")
        #expect(try resultsStatus(root + "/stopped/06-datasets").contains("stopped"))
        #expect(!FileManager.default.fileExists(atPath: root + "/stopped/.06-datasets.partial"))

        let resumed = try LessonProcess(lesson, Self.arguments + ["--out", root + "/stopped", "--resume", "--quiet"])
        #expect(resumed.finish() == 0, "\(resumed.stderr)")
        let whole = try LessonProcess(lesson, Self.arguments + ["--out", root + "/whole", "--quiet"])
        #expect(whole.finish() == 0, "\(whole.stderr)")
        #expect(
            sameFile(root + "/whole/06-datasets/results.json", root + "/stopped/06-datasets/results.json"),
            "results.json differs between the resumed and the uninterrupted run")
    }

    /// Issue 20 #1: two processes run into the same --out at once: the second is refused in one line (exit 1)
    /// while the first runs, and the first finishes with a folder of its own run only.
    @Test(.enabled(if: lessonExecutable != nil, "needs the built lesson executable"))
    func aSecondRunIntoTheSameFolderIsRefused() throws {
        let lesson = try #require(lessonExecutable)
        let root = temporaryFolder("two-runs")
        let first = try LessonProcess(lesson, Self.arguments + ["--out", root])
        #expect(first.wait(for: "epoch 1/8"), "\(first.stderr)")
        let second = try LessonProcess(lesson, Self.arguments + ["--out", root, "--set", "learning_rate=0.0421"])
        #expect(second.finish() == 1)
        let lines = second.stderr.split(separator: "\n").filter { $0.hasPrefix("lesson: error:") }
        #expect(lines.count == 1 && lines[0].contains("another lesson process"), "\(second.stderr)")
        #expect(first.finish() == 0, "\(first.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: root + "/06-datasets")
        #expect(!files.contains { $0.contains(".tmp") }, "\(files)")
        let results = try String(contentsOfFile: root + "/06-datasets/results.json", encoding: .utf8)
        #expect(!results.contains("0.0421"))
    }

    /// Two Ctrl-C: the second exits with status 130 at once, with one line saying so. (Epochs of several
    /// seconds, so that the first Ctrl-C does not end the run before the second arrives.)
    @Test(.enabled(if: lessonExecutable != nil, "needs the built lesson executable"))
    func secondSIGINTStopsAtOnce() throws {
        let lesson = try #require(lessonExecutable)
        let root = temporaryFolder("sigint-twice")
        let arguments = Self.arguments.map { $0 == "hidden=48" ? "hidden=1024" : $0 } + ["--out", root]
        let run = try LessonProcess(lesson, arguments)
        // Logged once the data is loaded, inside the run: the handler is installed, the first epoch starts.
        #expect(run.wait(for: "dataset yin-yang:"), "\(run.stderr)")
        run.interrupt()
        #expect(run.wait(for: "lesson: interrupt:"), "\(run.stderr)")
        run.interrupt()
        #expect(run.finish() == 130, "\(run.stderr)")
        #expect(run.process.terminationReason == .exit)
        let lines = run.stderr.split(separator: "\n").filter { $0.contains("interrupted again") }
        #expect(
            lines == [
                "lesson: interrupted again: stopping now; this run's outputs are incomplete (the last "
                    + "complete checkpoint is kept)"
            ], "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root + "/06-datasets/results.json"))
    }

    /// Issue 20 #13: a second Ctrl-C while gnuplot renders (here a stand-in that hangs) stops the run at once and
    /// takes gnuplot with it: no gnuplot is left running.
    @Test(.enabled(if: lessonExecutable != nil, "needs the built lesson executable"))
    func secondSIGINTWhileRenderingLeavesNoGnuplot() throws {
        let lesson = try #require(lessonExecutable)
        let root = temporaryFolder("sigint-render")
        let fake = temporaryFolder("hanging-gnuplot")
        try "#!/bin/sh\necho $$ > \(root)/gnuplot.pid\nexec sleep 60\n".write(
            toFile: fake + "/gnuplot", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake + "/gnuplot")
        let arguments = ["1", "--set", "duration=300", "--set", "points=5", "--set", "seeds=1", "--out", root + "/out"]
        let run = try LessonProcess(lesson, arguments, path: fake)
        var pid: Int32?
        for _ in 0..<600 where pid == nil {
            pid = (try? String(contentsOfFile: root + "/gnuplot.pid", encoding: .utf8))
                .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            usleep(50_000)
        }
        let gnuplot = try #require(pid, "gnuplot never started")
        run.interrupt()
        #expect(run.wait(for: "lesson: interrupt:"), "\(run.stderr)")
        run.interrupt()
        #expect(run.finish() == 130, "\(run.stderr)")
        // Gone, or a zombie waiting for init to reap it: either way no longer running.
        var running = true
        for _ in 0..<100 where running {
            let state = (try? String(contentsOfFile: "/proc/\(gnuplot)/stat", encoding: .utf8)) ?? ""
            running = kill(gnuplot, 0) == 0 && !state.contains(") Z ")
            if running { usleep(20_000) }
        }
        #expect(!running, "gnuplot \(gnuplot) still runs after the run stopped")
    }
}
