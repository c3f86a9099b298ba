import Foundation
import Testing

@testable import LessonCLI
@testable import LessonKit
@testable import Lessons

/// Issue 11 #10 and #17: work estimated up front; empty --out, hex floats refused; --resume applies to every
/// lesson (finished seeds are taken from their records).
@Suite(.serialized) struct InputEdgeTests {
    func options(_ key: String, _ overrides: [(String, String)], out: String? = nil) -> RunOptions {
        var o = RunOptions()
        o.lessonsDirectory = packageRoot + "/lessons"
        o.outDirectory = out ?? temporaryFolder("edge-\(key)")
        o.overrides = overrides
        o.render = false
        return o
    }

    @Test func runsThatCannotFinishOrFitAreRefusedUpFront() throws {
        for (key, overrides, words) in [
            (
                "1", [("noise_duration", "1000000"), ("noise_dt", "0.001"), ("noise_trials", "10000")],
                "would take about"
            ),
            ("2", [("window", "1000000"), ("dt", "0.001"), ("trials", "10000"), ("seeds", "3")], "would take about"),
            ("3", [("hidden", "4096"), ("hidden_layers", "8"), ("epochs", "10000")], "would take about"),
            (
                "4", [("hidden", "512"), ("hidden_layers", "6"), ("steps", "100000"), ("batch", "1000")],
                "would take about"
            ),
            (
                "5",
                [
                    ("t_max", "40000"), ("window", "20000"), ("dt", "0.01"), ("hidden", "256"), ("hidden_layers", "4"),
                    ("batch", "512")
                ], "would take about"
            ),
            ("6", [("hidden", "4096"), ("hidden_layers", "6"), ("epochs", "1000")], "would take about"),
            ("7", [("hidden", "1024"), ("depths", "1,2,3"), ("epochs", "1000"), ("dt", "0.01")], "would take about")
        ] {
            do {
                _ = try runLessonSerially(try findLesson(key), options: options(key, overrides))
                Issue.record("lesson \(key) started a run it cannot finish")
            } catch let e as LessonError {
                #expect(e.description.contains(words) && e.description.contains("; lower"), "\(e.description)")
                #expect(!e.description.contains("\n"))
            }
        }
    }

    @Test func emptyOutAndHexFloatsAreUsageErrors() throws {
        var o = options("2", [])
        o.outDirectory = ""
        #expect(
            throws: LessonError.usage(
                "--out needs a folder name (an empty one would write into the current "
                    + "folder)")
        ) { _ = try runLessonSerially(lesson02, options: o) }
        let spec = ParameterSpec.real("dt", in: 0.001...1, "time step (ms)")
        for bad in ["0x1p-3", "nan", "inf", "1_0"] {
            expectLessonError(["--set: dt = '\(bad)' is not valid; expected a number"]) {
                _ = try spec.normalise(bad, source: "--set")
            }
        }
        #expect(try spec.normalise("1e-2", source: "--set") == "0.01")
    }

    /// --resume on a lesson without checkpoints takes finished seeds from their records instead of running them.
    @Test func resumeReusesFinishedSeeds() throws {
        let out = temporaryFolder("resume-seeds")
        let small = [("window", "2000"), ("trials", "8")]
        var o = options("2", small, out: out)
        o.seeds = [2, 3]
        let first = try runLessonSerially(lesson02, options: o)
        o.resume = true
        var log: [String] = []
        let again = try runLessonSerially(lesson02, options: o, log: { log.append($0) })
        #expect(log.filter { $0.contains("complete in an earlier run") }.count == 2, "\(log)")
        #expect(first.checks == again.checks)
    }

    /// Issue 20 #2: --resume with fewer seeds carries over only the seeds asked for. The records and checkpoints of
    /// the others, in the previous folder or in the staging folder a killed run left, are not kept, so the folder
    /// and an aggregate of it hold the seeds of the result and no others.
    @Test func resumeWithFewerSeedsKeepsOnlyThoseSeeds() throws {
        let fm = FileManager.default
        let out = temporaryFolder("resume-fewer")
        var o = options("6", InterruptTests.lesson6.filter { $0.0 != "seeds" }, out: out)
        o.seeds = [6, 7]
        let first = try runLessonSerially(lesson06, options: o)
        // What a run killed while resuming leaves: a staging folder holding every seed's records and checkpoints.
        let staging = out + "/.06-datasets.partial"
        try fm.createDirectory(atPath: staging, withIntermediateDirectories: true)
        for part in ["seeds", "checkpoints"] {
            try fm.copyItem(atPath: first.folder + "/" + part, toPath: staging + "/" + part)
        }
        o.seeds = [7]
        o.resume = true
        let again = try runLessonSerially(lesson06, options: o)
        #expect(again.seeds == [7])
        #expect(try fm.contentsOfDirectory(atPath: again.folder + "/seeds") == ["seed-7.json"])
        #expect(try fm.contentsOfDirectory(atPath: again.folder + "/checkpoints") == ["seed-7"])
        var merge = RunOptions()
        merge.outDirectory = temporaryFolder("resume-fewer-merged")
        merge.render = false
        #expect(try aggregateRuns([out], lessons: allLessons, options: merge).map(\.seeds) == [[7]])
    }

    /// Issue 20 #10: seeds beyond the largest admissible seed (Int.max) are refused before anything runs, with a
    /// usage error saying what to choose; the largest seed itself is admissible.
    @Test func seedsBeyondTheLargestAreRefused() throws {
        var o = options("2", [("seeds", "3"), ("window", "2000"), ("trials", "8")])
        o.seed = UInt64(Int.max)
        let error = try #require(throws: LessonError.self) { _ = try runLessonSerially(lesson02, options: o) }
        #expect(error.status == 2)
        #expect(error.description.contains("beyond the largest seed, \(Int.max)"), "\(error)")
        #expect(error.description.contains("S ≤ \(Int.max - 2)"), "\(error)")
        #expect(!FileManager.default.fileExists(atPath: o.outDirectory + "/02-synapses"))
        o.seed = UInt64(Int.max) - 1
        o.overrides = [("seeds", "2"), ("window", "2000"), ("trials", "8")]
        let outcome = try runLessonSerially(lesson02, options: o)
        #expect(outcome.seeds == [UInt64(Int.max) - 1, UInt64(Int.max)])
    }

    /// Issue 20 #16: a run is refused when its memory estimate exceeds what is available now (not total RAM), and
    /// lesson 6's estimate counts the microcircuit's steps at their measured cost.
    @Test func workIsVettedAgainstAvailableMemoryAndCircuitCost() throws {
        let estimate = WorkEstimate(operations: 1, operationsPerSecond: 1, bytes: 4 * 1_073_741_824, hint: "lower x")
        expectLessonError([
            "lesson 6 would need about 4.0 GiB of memory, more than the 2.0 GiB available now", "lower x"
        ]) {
            try vetWork(estimate, seeds: 1, lesson: lesson06, log: { _ in }, available: 2 * 1_073_741_824)
        }
        try vetWork(estimate, seeds: 1, lesson: lesson06, log: { _ in }, available: 8 * 1_073_741_824)
        // The circuit's steps: 300 BLAS synapse-samples per synapse and sample (100 was 2.4-3.4 times too low).
        func operations(_ steps: Int) throws -> Double {
            let values = try resolveParameters(
                specs: lesson06.parameters,
                notebook: try Notebook.load(packageRoot + "/lessons/06-datasets.md").parameters,
                notebookName: "06-datasets.md", overrides: [("circuit_steps", String(steps)), ("dataset", "yin-yang")])
            return try #require(try lesson06Estimate(values)).operations
        }
        let synapses = Double(4 * 256 + 256 * 256 + 256 * 3)
        #expect(abs(try operations(1000) - operations(0) - 300 * synapses * 1000 * 32) < 1)
    }
}
