import Foundation
import Testing

@testable import LessonCLI
@testable import LessonKit
@testable import Lessons

@Suite(.serialized) struct AggregateTests {
    func run(_ lesson: LessonDescriptor, seeds: [UInt64], out: String, overrides: [(String, String)]) throws
        -> RunOutcome
    {
        var options = RunOptions()
        options.seeds = seeds
        options.outDirectory = out
        options.overrides = overrides
        options.render = false
        return try runLessonSerially(lesson, options: options)
    }

    /// Seeds run one per process-like call and merged with `aggregate` give the bytes of one run over all seeds.
    @Test func aggregateEqualsOneMultiSeedRun() throws {
        let small = [("epochs", "2"), ("rules", "bp,frsf"), ("random_nets", "10"), ("train_size", "300")]
        let root = temporaryFolder("aggregate")
        let whole = try run(lesson03, seeds: [4, 5, 6], out: root + "/whole", overrides: small)
        for s: UInt64 in [4, 5, 6] { _ = try run(lesson03, seeds: [s], out: root + "/s\(s)", overrides: small) }
        var options = RunOptions()
        options.outDirectory = root + "/merged"
        options.render = false
        let merged = try aggregateRuns(
            [root + "/s6", root + "/s4", root + "/s5"], lessons: allLessons, options: options)
        #expect(merged.count == 1 && merged.first?.seeds == [4, 5, 6])
        let files =
            try FileManager.default.contentsOfDirectory(atPath: whole.folder).filter {
                $0 != "run-info.json" && $0 != "seeds" && $0 != "checkpoints"
            } + ["seeds/seed-4.json", "seeds/seed-6.json"]
        #expect(files.contains("results.json") && files.contains("accuracy.dat"))
        for f in files {
            let a = FileManager.default.contents(atPath: whole.folder + "/" + f)
            let b = FileManager.default.contents(atPath: (merged.first?.folder ?? "") + "/" + f)
            #expect(a != nil && a == b, "\(f) differs between the multi-seed run and the aggregate")
        }
    }

    /// Records of other parameters are refused with one line naming the parameter.
    @Test func aggregateRefusesMixedParameters() throws {
        let root = temporaryFolder("aggregate-mixed")
        _ = try run(lesson02, seeds: [1], out: root + "/a", overrides: [])
        _ = try run(lesson02, seeds: [2], out: root + "/b", overrides: [("window", "2000")])
        var options = RunOptions()
        options.outDirectory = root + "/merged"
        do {
            _ = try aggregateRuns([root + "/a", root + "/b"], lessons: allLessons, options: options)
            Issue.record("expected an error")
        } catch let e as LessonError {
            #expect(e.description.contains("other parameters") && e.description.contains("window"))
        }
    }

    /// Issue 20 #3: aggregating a run that stopped fails as the run did, naming the stopped seeds, with the merge
    /// written and marked stopped: a seed stopped while training (its record says so), and a run stopped before a
    /// seed it never started (its results.json says so).
    @Test func aggregateOfAStoppedRunFailsNamingItsSeeds() throws {
        let root = temporaryFolder("aggregate-stopped")
        var six = RunOptions()
        six.outDirectory = root + "/six"
        six.overrides = InterruptTests.lesson6
        six.render = false
        six.stopAfterEpochs = 2
        #expect(throws: LessonError.self) { _ = try runLessonSerially(lesson06, options: six) }
        var two = RunOptions()
        two.outDirectory = root + "/two"
        two.overrides = InterruptTests.lesson2
        two.render = false
        two.interruptDuringSeed = 2
        #expect(throws: LessonError.self) { _ = try runLessonSerially(lesson02, options: two) }
        for (input, stopped) in [("six", "seed 6 stopped: interrupted"), ("two", "stopped before seed 3")] {
            var merge = RunOptions()
            merge.outDirectory = root + "/merged-" + input
            merge.render = false
            expectLessonError(["aggregate: merged runs that had stopped", stopped, "--resume"]) {
                _ = try aggregateRuns([root + "/" + input], lessons: allLessons, options: merge)
            }
            let folders = try FileManager.default.contentsOfDirectory(atPath: merge.outDirectory)
                .filter { !$0.hasPrefix(".") && !$0.hasSuffix(".gp") && !$0.hasSuffix(".sh") }
            #expect(folders.count == 1)
            let status = try resultsStatus(merge.outDirectory + "/" + (folders.first ?? ""))
            #expect(status.contains("stopped"), "\(status)")
        }
    }

    /// Issue 20 #16: an aggregate whose --out would replace one of the runs it merges is refused before it writes.
    @Test func aggregateRefusesToOverwriteAnInput() throws {
        let root = temporaryFolder("aggregate-onto-input")
        let a = try run(lesson02, seeds: [1], out: root + "/a", overrides: [("window", "2000"), ("trials", "8")])
        _ = try run(lesson02, seeds: [2], out: root + "/b", overrides: [("window", "2000"), ("trials", "8")])
        let before = FileManager.default.contents(atPath: a.folder + "/results.json")
        var options = RunOptions()
        options.outDirectory = root + "/./a"
        expectLessonError(["would overwrite", "02-synapses", "choose another output folder"]) {
            _ = try aggregateRuns([root + "/a", root + "/b"], lessons: allLessons, options: options)
        }
        #expect(FileManager.default.contents(atPath: a.folder + "/results.json") == before)
    }

    /// Issue 20 #1: an aggregate into a folder another process is writing (it holds the lesson's lock) is refused
    /// in one line and changes nothing.
    @Test func aggregateIsRefusedWhileAnotherProcessWritesTheFolder() throws {
        let root = temporaryFolder("aggregate-locked")
        let small = [("window", "2000"), ("trials", "8")]
        let a = try run(lesson02, seeds: [1], out: root + "/a", overrides: small)
        try FileManager.default.createDirectory(atPath: root + "/merged", withIntermediateDirectories: true)
        let held = try OutputLock(outDirectory: root + "/merged", id: lesson02.id)  // another process's hold
        var options = RunOptions()
        options.outDirectory = root + "/merged"
        options.render = false
        expectLessonError(["another lesson process", root + "/merged/02-synapses", "--out DIR"]) {
            _ = try aggregateRuns([a.folder], lessons: allLessons, options: options)
        }
        #expect(!FileManager.default.fileExists(atPath: root + "/merged/02-synapses"))
        held.release()
        #expect(try aggregateRuns([a.folder], lessons: allLessons, options: options).map(\.seeds) == [[1]])
    }

    /// Issue 20 #11: per-seed jobs of a statistical claim (lesson 3's BP accuracy over seeds, here after 3 epochs,
    /// below its 95 %) neither pass nor fail it: each job says "over one seed: aggregate to decide" and exits on
    /// its other checks; the aggregate of the jobs decides it, as one run over both seeds does.
    @Test func perSeedJobsLeaveClaimsOverSeedsToTheAggregate() throws {
        let small = [("epochs", "3"), ("rules", "bp"), ("random_nets", "10"), ("train_size", "300")]
        let root = temporaryFolder("aggregate-one-seed")
        for s: UInt64 in [10, 11] {
            let job = try run(lesson03, seeds: [s], out: root + "/s\(s)", overrides: small)
            let bp = try #require(job.checks.first { $0.id == "bp-final-accuracy" })
            #expect(bp.overOneSeed == true && !bp.counts, "\(bp)")
            #expect(job.failed == job.checks.filter { !$0.passed && $0.scope == .perSeed }.count)
        }
        var options = RunOptions()
        options.outDirectory = root + "/merged"
        options.render = false
        let merged = try #require(
            try aggregateRuns([root + "/s10", root + "/s11"], lessons: allLessons, options: options).first)
        let bp = try #require(merged.checks.first { $0.id == "bp-final-accuracy" })
        #expect(bp.overOneSeed == nil && bp.counts && !bp.passed, "\(bp)")
    }
}
