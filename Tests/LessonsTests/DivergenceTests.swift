import Foundation
import NeuroModel
import Testing

@testable import LessonKit
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

    /// Issue 20 #4: lesson 6's microcircuit beside frSF diverging (η = 10) is a failing check, like a rule's, and the
    /// run keeps everything else: the rules' checks, records, figures and results.json.
    @Test func lesson6DivergingMicrocircuitIsAFailingCheckWithOutputsKept() throws {
        var options = RunOptions()
        options.lessonsDirectory = packageRoot + "/lessons"
        options.outDirectory = temporaryFolder("diverge-circuit")
        options.render = false
        options.overrides = [
            ("data_dir", try learnableIDXFolder(train: 300, test: 100)), ("hidden", "16"), ("epochs", "1"),
            ("rules", "bp"), ("learning_rate", "10"), ("circuit_steps", "20")
        ]
        let outcome = try runLessonSerially(try findLesson("6"), options: options)
        let circuit = try #require(
            outcome.checks.first {
                $0.id.hasPrefix("microcircuit-beside-frsf") && $0.id.hasSuffix("without-divergence")
            })
        #expect(!circuit.passed && circuit.observed < 20, "\(circuit.observed)")
        #expect(outcome.checks.contains { $0.id == "bp-learned" })
        let files = try FileManager.default.contentsOfDirectory(atPath: outcome.folder)
        for f in ["results.json", "accuracy.dat", "angles.dat", "06-datasets.executed.md"] {
            #expect(files.contains(f), "\(f) missing: \(files)")
        }
    }
}
