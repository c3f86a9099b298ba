import Foundation
import Testing

@testable import LessonCLI
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
        let merged = try aggregateRuns([root + "/s6", root + "/s4", root + "/s5"], options: options)
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
            _ = try aggregateRuns([root + "/a", root + "/b"], options: options)
            Issue.record("expected an error")
        } catch let e as LessonError {
            #expect(e.description.contains("other parameters") && e.description.contains("window"))
        }
    }
}
