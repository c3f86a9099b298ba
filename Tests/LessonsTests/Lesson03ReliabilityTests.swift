import Foundation
import NeuroModel
import Testing

@testable import LessonKit
@testable import Lessons

@Suite struct Lesson03ReliabilityTests {

    /// After a rule diverges, every accuracy column still holds its own rule's numbers (each equal to that rule
    /// trained alone), with NaN for the epochs it did not reach.
    @Test func accuracyColumnsBelongToTheirRulesAfterADivergence() throws {
        let rules = ["bp", "fa", "usf"]
        let (all, log) = try runUnchecked("3", lesson3Diverging + [("rules", rules.joined(separator: ","))])
        #expect(log.contains { $0.contains("training diverged: rule bp") }, "\(log)")
        let table = try dataRows(all.folder + "/accuracy.dat")
        // Summary block: epoch, one mean column per rule, then one sd column per rule.
        #expect(table.count == 5 && table.allSatisfy { $0.count == 2 * rules.count + 1 })
        #expect(table.last.map { $0[1].isNaN } == true, "bp's column must end in NaN after its divergence")
        for (i, rule) in rules.enumerated() {
            let (alone, _) = try runUnchecked("3", lesson3Diverging + [("rules", rule)])
            let own = try dataRows(alone.folder + "/accuracy.dat").map { $0[1] }
            let column = table.map { $0[i + 1] }
            #expect(column.count == own.count)
            for (a, b) in zip(column, own) { #expect(a == b || (a.isNaN && b.isNaN), "\(rule): \(column) vs \(own)") }
        }
    }

    @Test func accuracyTableKeepsColumnsInRuleOrder() {
        let rows = accuracyTable([[50, 60], [40, 45, 70, 80], []], epochs: 3)
        #expect(rows.count == 4)
        #expect(rows[1][0] == 1 && rows[1][1] == 60 && rows[1][2] == 45 && rows[1][3].isNaN)
        #expect(rows[3][1].isNaN && rows[3][2] == 80)
    }

    /// With nothing measured in the checked window the angle check fails and says so (NaN, not −inf).
    @Test func unmeasuredAngleIsReportedAsNotMeasured() throws {
        let (outcome, _) = try runUnchecked(
            "3",
            [
                ("epochs", "1"), ("rules", "bp,fa,usf"), ("hidden", "20"),
                ("train_size", "300"), ("random_nets", "10")
            ])
        let fa = try #require(outcome.checks.first { $0.name.hasPrefix("fa: hidden-layer angle") })
        #expect(!fa.passed && fa.observed.isNaN)
        #expect(fa.name.contains("no angle measured; raise epochs or lower angle_every"), "\(fa.name)")
        let usf = try #require(outcome.checks.first { $0.name.hasPrefix("usf: hidden-layer angle") })
        #expect(usf.observed.isFinite && !usf.name.contains("no angle measured"))
    }

    @Test func batchLargerThanTheDataIsAUsageError() throws {
        let error = try #require(throws: LessonError.self) {
            _ = try runUnchecked("3", [("batch", "400"), ("train_size", "300")])
        }
        #expect(error.status == 2)
        #expect(
            error.description == "batch (400) is larger than the training set (train_size 300); choose batch ≤ "
                + "train_size")
    }
}
