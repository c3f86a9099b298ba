import Foundation
import Testing

@testable import LessonKit
@testable import Lessons

#if canImport(Glibc)
    import Glibc
#endif

/// A Ctrl-C (simulated by the test hooks, which set the flag the SIGINT handler sets) that arrives during the
/// last epoch, or during a seed of a lesson that never looks at it, stops the run as "stopped"; `--resume`
/// then ends with the results of an uninterrupted run.
@Suite struct InterruptTests {
    static let lesson6 = [
        ("dataset", "yin-yang"), ("hidden", "16"), ("epochs", "3"), ("learning_rate", "0.1"),
        ("rules", "bp,frsf"), ("circuit_steps", "0"), ("seeds", "1")
    ]
    static let lesson7 =
        Lesson07Tests.tiny.filter { $0.0 != "depths" && $0.0 != "routes" && $0.0 != "dt_check" }
        + [("depths", "1"), ("routes", "fixed"), ("dt_check", "0")]
    static let lesson2 = [("window", "2000"), ("trials", "8"), ("seeds", "2")]

    func options(_ overrides: [(String, String)], folder: String) -> RunOptions {
        var options = RunOptions()
        options.lessonsDirectory = packageRoot + "/lessons"
        options.outDirectory = folder
        options.overrides = overrides
        options.render = false
        return options
    }

    /// Runs `lesson` uninterrupted, then with `interrupt` applied to its options (expecting it to stop with a
    /// message naming the interrupt and results.json marked stopped), then resumed: the resumed run's files equal
    /// the uninterrupted run's. Returns the stopped run's status.
    @discardableResult
    func interruptThenResume(
        _ lesson: String, _ overrides: [(String, String)], files: [String],
        interrupt: (inout RunOptions) -> Void
    ) throws -> String {
        let id = try findLesson(lesson).id
        let whole = try runLessonSerially(
            try findLesson(lesson),
            options: options(overrides, folder: temporaryFolder("int-whole")))
        var interrupted = options(overrides, folder: temporaryFolder("int-stopped"))
        interrupt(&interrupted)
        let error = try #require(throws: LessonError.self) {
            _ = try runLessonSerially(try findLesson(lesson), options: interrupted)
        }
        #expect(error.description.contains("interrupted") && error.description.contains("--resume"), "\(error)")
        #expect(error.status != 0)
        let status = try resultsStatus(interrupted.outDirectory + "/" + id)
        #expect(status.contains("stopped"), "\(status)")
        var resumed = options(overrides, folder: interrupted.outDirectory)
        resumed.resume = true
        let outcome = try runLessonSerially(try findLesson(lesson), options: resumed)
        #expect(try resultsStatus(outcome.folder) == "complete")
        for file in ["results.json"] + files {
            #expect(sameFile(whole.folder + "/" + file, outcome.folder + "/" + file), "\(file) differs after resume")
        }
        return status
    }

    @Test func lesson6InterruptDuringTheLastEpochStopsTheRun() throws {
        // Two rules of three epochs: the sixth epoch of the seed is the last epoch of the last rule.
        let status = try interruptThenResume("6", Self.lesson6, files: ["accuracy.dat", "angles.dat"]) {
            $0.interruptAfterEpochs = 6
        }
        #expect(status.contains("interrupted at the end of training"), "\(status)")
    }

    @Test func lesson7InterruptDuringTheLastEpochStopsTheRun() throws {
        let status = try interruptThenResume("7", Self.lesson7, files: ["accuracy.dat", "angles.dat"]) {
            $0.interruptAfterEpochs = 2
        }
        #expect(status.contains("interrupted at the end of training"), "\(status)")
    }

    /// Lesson 2 never looks at the flag: the runner stops after the seed running when Ctrl-C came, before the
    /// next one, with that seed's record kept for --resume.
    @Test func interruptDuringASeedStopsBeforeTheNextSeed() throws {
        let status = try interruptThenResume("2", Self.lesson2, files: ["02-synapses.executed.md"]) {
            $0.interruptDuringSeed = 2
        }
        #expect(status == "stopped before seed 3", "\(status)")
    }

    /// Ctrl-C during the last seed of a lesson that finished it: still stopped, not "complete" with exit 0.
    @Test func interruptDuringTheLastSeedStopsTheRun() throws {
        let status = try interruptThenResume("2", Self.lesson2, files: ["02-synapses.executed.md"]) {
            $0.interruptDuringSeed = 3
        }
        #expect(status.hasPrefix("stopped: interrupted during seed 3"), "\(status)")
    }

    /// Ctrl-C during seed k of a lesson that trains stops the whole run after that seed's checkpoint.
    @Test func lesson6InterruptDuringTheFirstOfTwoSeedsStopsTheRun() throws {
        let overrides = Self.lesson6.filter { $0.0 != "seeds" } + [("seeds", "2")]
        let status = try interruptThenResume("6", overrides, files: ["accuracy.dat"]) {
            $0.interruptAfterEpochs = 6
        }
        #expect(status.hasPrefix("seed 6 stopped: interrupted at the end of training"), "\(status)")
    }
}

/// A lesson process started with stderr piped, and the text it has written there so far.
final class LessonProcess {
    let process = Process()
    private let pipe = Pipe()
    private(set) var stderr = ""

    /// Starts `executable` with `arguments`, and `path` first on PATH when given.
    init(_ executable: String, _ arguments: [String], path: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let path {
            var environment = ProcessInfo.processInfo.environment
            environment["PATH"] = path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
            process.environment = environment
        }
        process.currentDirectoryURL = URL(fileURLWithPath: packageRoot)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = pipe
        try process.run()
    }

    /// Reads stderr until it contains `text`; false at end of file.
    func wait(for text: String) -> Bool {
        while !stderr.contains(text) {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { return false }
            stderr += String(decoding: chunk, as: UTF8.self)
        }
        return true
    }

    /// Reads the rest of stderr and waits for the exit; returns the exit status.
    func finish() -> Int32 {
        stderr += String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return process.terminationStatus
    }

    func interrupt() { send(SIGINT) }

    /// Sends `signal` to the process.
    func send(_ signal: Int32) { kill(process.processIdentifier, signal) }
}
