import Foundation
import NeuroModel
import Testing

@testable import Lessons

@Suite struct DivergenceTests {
    /// A linear network with η = 10 diverges under BP: the run names the rule and step, keeps its figures
    /// and results, and reports a failing check (so the executable exits non-zero).
    @Test func divergenceIsAFailingCheckWithOutputsKept() throws {
        var options = RunOptions()
        options.lessonsDirectory = packageRoot + "/lessons"
        options.outDirectory = temporaryFolder("diverge")
        options.render = false
        options.overrides = [
            ("activation", "linear"), ("learning_rate", "10"), ("epochs", "4"), ("rules", "bp"),
            ("random_nets", "10")
        ]
        var messages: [String] = []
        let outcome = try runLessonSerially(try findLesson("3"), options: options, log: { messages.append($0) })
        #expect(messages.contains { $0.contains("rule bp") && $0.contains("step") })
        #expect(outcome.checks.contains { $0.name.contains("without divergence") && !$0.passed })
        let files = try FileManager.default.contentsOfDirectory(atPath: outcome.folder)
        #expect(files.contains("accuracy.dat") && files.contains("results.json"))
    }
}
