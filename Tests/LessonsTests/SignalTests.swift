import Foundation
import Testing

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

    /// One Ctrl-C: the run stops at the next epoch boundary with exit 1 and results.json marked stopped; the same
    /// command with --resume exits 0 with the results.json of an uninterrupted run.
    @Test(.enabled(if: lessonExecutable != nil, "needs the built lesson executable"))
    func oneSIGINTStopsTheRunAndResumeFinishesIt() throws {
        let lesson = try #require(lessonExecutable)
        let root = temporaryFolder("sigint")
        let run = try LessonProcess(lesson, Self.arguments + ["--out", root + "/stopped"])
        #expect(run.wait(for: "epoch 1/8"), "no progress line: \(run.stderr)")
        run.interrupt()
        let status = run.finish()
        #expect(status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("lesson: interrupt: stopping at the end of the current epoch"))
        #expect(run.stderr.contains("lesson: error: interrupted"), "\(run.stderr)")
        #expect(try resultsStatus(root + "/stopped/06-datasets").contains("stopped"))

        let resumed = try LessonProcess(lesson, Self.arguments + ["--out", root + "/stopped", "--resume", "--quiet"])
        #expect(resumed.finish() == 0, "\(resumed.stderr)")
        let whole = try LessonProcess(lesson, Self.arguments + ["--out", root + "/whole", "--quiet"])
        #expect(whole.finish() == 0, "\(whole.stderr)")
        #expect(
            sameFile(root + "/whole/06-datasets/results.json", root + "/stopped/06-datasets/results.json"),
            "results.json differs between the resumed and the uninterrupted run")
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
}
