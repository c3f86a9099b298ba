import Foundation
import NeuroModel
import Testing

@testable import LessonKit
@testable import Lessons

@Suite struct DivergenceRuleTests {
    /// A loss that explodes while still finite is a divergence; a claim relative to BP needs BP to have learned.
    @Test func lesson6ExplodingLossIsADivergenceAndBPMustLearn() throws {
        let data = try learnableIDXFolder()
        let base = [
            ("dataset", "auto"), ("data_dir", data), ("hidden", "64"), ("epochs", "2"),
            ("rules", "bp,usf"), ("circuit_steps", "0")
        ]
        let (good, _) = try runUnchecked("6", base + [("learning_rate", "0.1")])
        let learned = try #require(good.checks.first { $0.id == "bp-learned" })
        #expect(learned.passed && learned.name.contains("above chance (10 % + 4 SE)"), "\(learned)")
        let se: Double = 100 * (0.09 / 300.0).squareRoot()
        #expect(abs((learned.lower ?? 0) - (10 + 4 * se)) < 1e-9)
        #expect(good.failed == 0)

        let (bad, log) = try runUnchecked("6", base + [("learning_rate", "10")])
        #expect(
            log.contains { $0.contains("training diverged: rule bp") && $0.contains("above 1e6 ×") },
            "\(log.joined(separator: "\n"))")
        let bpLearned = try #require(bad.checks.first { $0.id == "bp-learned" })
        #expect(!bpLearned.passed)
        #expect(bad.checks.contains { $0.name.hasPrefix("bp: epochs") && !$0.passed })
    }

    @Test func uninformativeLossIsTheStartingLoss() {
        let y = oneHot([0, 1, 2, 9], classes: 10)
        #expect(abs(uninformativeLoss(y, .crossEntropy) - log(10.0)) < 1e-15)
        #expect(uninformativeLoss(y, .mse) == 1)  // ½·1 per one-hot row, floored at 1
        #expect(divergenceLossFactor == 1e6)
    }

    /// Lesson 3 gets the same rule: at learning rate 10 with linear units BP's loss explodes and it stops.
    @Test func lesson3UsesTheSameDivergenceRule() throws {
        let (outcome, log) = try runUnchecked("3", lesson3Diverging + [("rules", "bp")])
        #expect(log.contains { $0.contains("training diverged: rule bp") }, "\(log)")
        #expect(outcome.checks.contains { $0.name.hasPrefix("bp: epochs completed without divergence") && !$0.passed })
    }
}
