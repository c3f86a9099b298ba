import Foundation
import Testing
@testable import LessonCLI
@testable import Lessons

@Suite struct SeedListTests {
    @Test func parsesRangesAndLists() throws {
        #expect(try parseSeedList("5") == [5])
        #expect(try parseSeedList("1-5") == [1, 2, 3, 4, 5])
        #expect(try parseSeedList("7,1,3") == [1, 3, 7])
        #expect(try parseSeedList("1-3,8,2") == [1, 2, 3, 8])
        #expect(seedListText([1, 2, 3, 8, 10, 11]) == "1-3,8,10-11")
    }

    @Test func refusesMalformedLists() {
        for bad in ["", "a", "3-1", "1,,2", "-1", "1-", "0-5000", "1.5"] {
            #expect(throws: LessonError.self) { try parseSeedList(bad) }
            do { _ = try parseSeedList(bad) } catch let e as LessonError {
                #expect(e.status == 2 && e.description.contains("is not a seed list"))
            } catch {}
        }
    }

    @Test func seedAndSeedsTogetherIsAUsageError() {
        do {
            _ = try parseCommand(["3", "--seed", "1", "--seeds", "1-3"])
            Issue.record("expected a usage error")
        } catch {
            let r = report(for: error)
            #expect(r.status == 2 && r.error?.contains("not both") == true, "\(r)")
        }
    }
}

@Suite struct SeedStatisticsTests {
    /// Student t one-sided 95 % quantiles from the table and the large-df expansion (reference values from the
    /// t distribution: df 40 → 1.6839, df 100 → 1.6602).
    @Test func tQuantiles() {
        #expect(studentT95(1) == 6.314)
        #expect(studentT95(4) == 2.132)
        #expect(abs(studentT95(40) - 1.6839) < 2e-3)
        #expect(abs(studentT95(100) - 1.6602) < 1e-3)
    }

    func seeded(_ values: [Double], _ make: (Double) -> Check) -> [(seed: UInt64, check: Check)] {
        values.enumerated().map { (UInt64($0.offset + 1), make($0.element)) }
    }

    /// A distribution claim passes only when the one-sided 95 % confidence bound of the mean meets the bound.
    @Test func overSeedsUsesTheConfidenceBound() {
        // mean 0.96, sd 0.01, n = 4: SE 0.005, bound 0.96 − 2.353·0.005 = 0.9482 < 0.95 → fails.
        let a = combine(seeded([0.95, 0.96, 0.97, 0.96]) { .atLeast("acc", observed: $0, bound: 0.95).overSeeds })
        #expect(abs(a.observed - 0.96) < 1e-12)
        #expect(abs((a.seeds?.standardError ?? 0) - 0.01 / 2 * (2.0 / 3).squareRoot()) < 1e-12)
        // sd = sqrt(0.0002/3); SE = sd/2; t(3) = 2.353
        let se = (0.0002 / 3).squareRoot() / 2
        #expect(abs((a.seeds?.confidenceLower ?? 0) - (0.96 - 2.353 * se)) < 1e-12)
        #expect(a.passed == (0.96 - 2.353 * se >= 0.95))
        // The same mean with a smaller spread passes.
        let b = combine(seeded([0.959, 0.96, 0.961, 0.96]) { .atLeast("acc", observed: $0, bound: 0.95).overSeeds })
        #expect(b.passed)
        // Upper bounds use mean + t·SE.
        let c = combine(seeded([80, 85, 88]) { .atMost("angle", observed: $0, bound: 90).overSeeds })
        #expect(!c.passed)
        // A non-finite seed fails the claim.
        let d = combine(seeded([0.99, .nan]) { .atLeast("acc", observed: $0, bound: 0.5).overSeeds })
        #expect(!d.passed)
    }

    /// A per-seed claim passes only when every seed passes, and shows the failing seed.
    @Test func perSeedNeedsEverySeed() {
        let a = combine(seeded([1e-16, 3e-12, 1e-15]) { .atMost("identity", observed: $0, bound: 1e-12) })
        #expect(!a.passed)
        #expect(a.seeds?.worstSeed == 2)
        #expect(a.observed == 3e-12)
        let b = combine(seeded([1e-16, 3e-13, 1e-15]) { .atMost("identity", observed: $0, bound: 1e-12) })
        #expect(b.passed && b.seeds?.worstSeed == 2)
    }

    @Test func idsCarryNoNumbers() {
        #expect(checkID("rate at 2.5 nA within the dt bound") == "rate-at-na-within-the-dt-bound")
        #expect(Check.none("Dale violations", violations: 0, of: 900).id == "dale-violations")
        #expect(Check.atLeast("x", id: "my-id", observed: 1, bound: 0).id == "my-id")
    }
}

@Suite(.serialized) struct AggregateTests {
    func run(_ lesson: LessonDescriptor, seeds: [UInt64], out: String, overrides: [(String, String)]) throws
        -> RunOutcome {
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
        let merged = try aggregateRuns([root + "/s6", root + "/s4", root + "/s5"], options: options)
        #expect(merged.count == 1 && merged.first?.seeds == [4, 5, 6])
        let files = try FileManager.default.contentsOfDirectory(atPath: whole.folder).filter {
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
            _ = try aggregateRuns([root + "/a", root + "/b"], options: options)
            Issue.record("expected an error")
        } catch let e as LessonError {
            #expect(e.description.contains("other parameters") && e.description.contains("window"))
        }
    }
}

/// The `lesson` executable built beside this test bundle.
let lessonExecutable: String? = {
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [dir, dir.deletingLastPathComponent()] {
        let path = candidate.appendingPathComponent("lesson").path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}()

let gnuParallel: String? = {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
        let path = "\(dir)/parallel"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}()

@discardableResult
func runProcess(_ tool: String, _ args: [String], in dir: String) throws -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: tool)
    p.arguments = args
    p.currentDirectoryURL = URL(fileURLWithPath: dir)
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    return p.terminationStatus
}

/// A sweep over seeds through GNU parallel (one process per seed, as on a cluster), then `lesson aggregate`,
/// gives the files of one run over all seeds. Skipped, and shown as skipped, without GNU parallel.
@Suite(.serialized) struct ParallelSweepTests {
    @Test(.enabled(if: gnuParallel != nil && lessonExecutable != nil,
                   "needs GNU parallel (apt-get install parallel) and the built lesson executable"))
    func sweepThroughGNUParallelThenAggregate() throws {
        guard let parallel = gnuParallel, let lesson = lessonExecutable else { return }
        let root = temporaryFolder("parallel")
        let common = ["--set", "window=2000", "--set", "trials=8", "--no-render", "--quiet"]
        let status = try runProcess(parallel, ["--will-cite", "--halt", "now,fail=1", "-j", "2", lesson, "2",
                                               "--seed", "{}", "--set", "seeds=1", "--out", root + "/s{}"]
                                        + common + [":::", "2", "3", "4"], in: packageRoot)
        #expect(status == 0)
        try #require(try runProcess(lesson, ["aggregate", root + "/s2", root + "/s3", root + "/s4",
                                             "--out", root + "/merged", "--no-render", "--quiet"],
                                    in: packageRoot) == 0)
        try #require(try runProcess(lesson, ["2", "--seeds", "2-4", "--out", root + "/whole"] + common,
                                    in: packageRoot) == 0)
        for f in ["results.json", "dale-drive.dat", "02-synapses.executed.md", "report.html", "seeds/seed-3.json"] {
            let a = FileManager.default.contents(atPath: root + "/whole/02-synapses/" + f)
            let b = FileManager.default.contents(atPath: root + "/merged/02-synapses/" + f)
            #expect(a != nil && a == b, "\(f) differs between the parallel sweep and the multi-seed run")
        }
    }
}

/// Results do not depend on the thread count (`--threads`): lesson 6 (BLAS) and lesson 7 (the spiking engine).
@Suite(.serialized) struct ThreadCountTests {
    func run(_ key: String, threads: Int, _ overrides: [(String, String)]) throws -> RunOutcome {
        var options = RunOptions()
        options.lessonsDirectory = packageRoot + "/lessons"
        options.outDirectory = temporaryFolder("threads-\(threads)")
        options.overrides = overrides + [("seeds", "1")]
        options.threads = threads
        options.render = false
        return try runLessonSerially(try findLesson(key), options: options)
    }

    @Test func resultsAreTheSameBytesForOneTwoAndFourThreads() throws {
        let l6 = [("dataset", "yin-yang"), ("hidden", "128"), ("epochs", "1"), ("rules", "bp,fa"),
                  ("circuit_steps", "0"), ("train_limit", "1000"), ("test_limit", "300")]
        let dropped: Set<String> = ["depths", "routes", "seeds", "train_limit", "test_limit", "epochs", "dt_check"]
        let l7 = Lesson07Tests.tiny.filter { !dropped.contains($0.0) }
            + [("depths", "1"), ("routes", "moving"), ("dt_check", "0"), ("epochs", "1"), ("train_limit", "150"),
               ("test_limit", "100")]
        for (key, overrides, files) in [("6", l6, ["results.json", "accuracy.dat", "angles.dat"]),
                                        ("7", l7, ["results.json", "accuracy.dat"])] {
            let outcomes = try [1, 2, 4].map { try run(key, threads: $0, overrides) }
            for f in files {
                let a = FileManager.default.contents(atPath: outcomes[0].folder + "/" + f)
                for o in outcomes.dropFirst() {
                    #expect(a != nil && a == FileManager.default.contents(atPath: o.folder + "/" + f),
                            "lesson \(key): \(f) differs with another thread count")
                }
            }
        }
    }
}

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
            ("1", [("noise_duration", "1000000"), ("noise_dt", "0.001"), ("noise_trials", "10000")],
             "would take about"),
            ("2", [("window", "1000000"), ("dt", "0.001"), ("trials", "10000"), ("seeds", "3")], "would take about"),
            ("3", [("hidden", "4096"), ("hidden_layers", "8"), ("epochs", "10000")], "would take about"),
            ("4", [("hidden", "512"), ("hidden_layers", "6"), ("steps", "100000"), ("batch", "1000")],
             "would take about"),
            ("5", [("t_max", "40000"), ("window", "20000"), ("dt", "0.01"), ("hidden", "256"), ("hidden_layers", "4"),
                   ("batch", "512")], "would take about"),
            ("6", [("hidden", "4096"), ("hidden_layers", "6"), ("epochs", "1000")], "would take about"),
            ("7", [("hidden", "1024"), ("depths", "1,2,3"), ("epochs", "1000"), ("dt", "0.01")], "would take about"),
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
        #expect(throws: LessonError.usage("--out needs a folder name (an empty one would write into the current "
            + "folder)")) { _ = try runLessonSerially(lesson02, options: o) }
        let spec = ParameterSpec.real("dt", 0.1, in: 0.001...1, "time step (ms)")
        for bad in ["0x1p-3", "nan", "inf", "1_0"] {
            #expect(throws: LessonError.self) { _ = try spec.normalise(bad, source: "--set") }
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
}
