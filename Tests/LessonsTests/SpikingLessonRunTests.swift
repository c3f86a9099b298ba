import Foundation
import NeuroModel
import Testing

@testable import LessonKit
@testable import Lessons

@Suite struct SpikingLessonRunTests {
    @Test func lesson5PassesAtNotebookSize() throws {
        // The notebook's own settings with a shorter sweep start: the claims are made at T = 800 ms.
        _ = try runSmall("5", [("t_min", "100"), ("seeds", "5")])
    }

    /// Issue 20 #11: lesson 5 over one seed (a per-seed job) renders its main figure (no NaN error bars), and its
    /// claims over seeds say "over one seed: aggregate to decide" rather than pass or fail.
    @Test(.enabled(if: findGnuplot() != nil, "needs gnuplot (apt-get install gnuplot-nox)"))
    func lesson5OverOneSeedRendersAndLeavesItsClaimsOverSeedsToAggregate() throws {
        var options = RunOptions()
        options.lessonsDirectory = packageRoot + "/lessons"
        options.outDirectory = temporaryFolder("l5-one-seed")
        options.overrides = [("t_min", "100"), ("seeds", "1")]
        let outcome = try runLessonSerially(try findLesson("5"), options: options)
        #expect(outcome.renderedFormats == ["png", "svg", "pdf"], "\(outcome.renderNote)")
        #expect(FileManager.default.fileExists(atPath: outcome.folder + "/angle-vs-window.png"))
        let overSeeds = outcome.checks.filter { $0.scope == .overSeeds }
        #expect(!overSeeds.isEmpty && overSeeds.allSatisfy { $0.overOneSeed == true && !$0.counts })
        #expect(checkTable(outcome.checks).contains("over one seed: aggregate to decide"))
    }
}
