import Foundation
import Testing

@testable import LessonCLI
@testable import LessonKit
@testable import Lessons

/// A sweep over seeds through GNU parallel (one process per seed, as on a cluster), then `lesson aggregate`,
/// gives the files of one run over all seeds. Skipped, and shown as skipped, without GNU parallel.
@Suite(.serialized) struct ParallelSweepTests {
    @Test(
        .enabled(
            if: gnuParallel != nil && lessonExecutable != nil,
            "needs GNU parallel (apt-get install parallel) and the built lesson executable"))
    func sweepThroughGNUParallelThenAggregate() throws {
        let parallel = try #require(gnuParallel)
        let lesson = try #require(lessonExecutable)
        let root = temporaryFolder("parallel")
        let common = ["--set", "window=2000", "--set", "trials=8", "--no-render", "--quiet"]
        let status = try runProcess(
            parallel,
            [
                "--will-cite", "--halt", "now,fail=1", "-j", "2", lesson, "2",
                "--seed", "{}", "--set", "seeds=1", "--out", root + "/s{}"
            ]
                + common + [":::", "2", "3", "4"], in: packageRoot)
        #expect(status == 0)
        try #require(
            try runProcess(
                lesson,
                [
                    "aggregate", root + "/s2", root + "/s3", root + "/s4",
                    "--out", root + "/merged", "--no-render", "--quiet"
                ],
                in: packageRoot) == 0)
        try #require(
            try runProcess(
                lesson, ["2", "--seeds", "2-4", "--out", root + "/whole"] + common,
                in: packageRoot) == 0)
        for f in ["results.json", "dale-drive.dat", "02-synapses.executed.md", "report.html", "seeds/seed-3.json"] {
            let a = FileManager.default.contents(atPath: root + "/whole/02-synapses/" + f)
            let b = FileManager.default.contents(atPath: root + "/merged/02-synapses/" + f)
            #expect(a != nil && a == b, "\(f) differs between the parallel sweep and the multi-seed run")
        }
    }
}
