import Foundation
import Testing

@testable import LessonKit
@testable import Lessons

@Suite struct CheckTests {
    @Test func checksComputeTheirOwnVerdict() {
        #expect(Check.close("a", observed: 1.05, expected: 1, tolerance: 0.1).passed)
        #expect(!Check.close("a", observed: 1.2, expected: 1, tolerance: 0.1).passed)
        #expect(!Check.close("a", observed: .nan, expected: 1, tolerance: 10).passed)
        #expect(Check.atMost("b", observed: 1, bound: 1).passed)
        #expect(!Check.atLeast("c", observed: 0.5, bound: 1).passed)
        #expect(!Check.within("d", observed: 3, lower: 0, upper: 2).passed)
        #expect(!Check.none("e", violations: 1, of: 3).passed)
    }

    @Test func tableEndsWithSummaryLine() {
        let table = checkTable([.atMost("x", observed: 1, bound: 2), .atMost("y", observed: 3, bound: 2)])
        #expect(table.hasSuffix("1 passed, 1 failed"))
        #expect(table.contains("FAIL"))
    }

    /// A tensor comparison bounds the max-norm relative error and lists the first entries OK / NOT OK.
    @Test func tensorComparisonListsFirstEntries() {
        let good = TensorComparison("same", observed: [1, 2, 3], expected: [1, 2, 3 + 1e-15], bound: roundingBound)
        #expect(good.check("same").passed && good.relativeError > 0)
        #expect(good.listing().hasPrefix("same: max relative error") && good.listing().contains("OK"))
        #expect(!good.listing().contains("NOT OK"))
        let bad = TensorComparison("off", observed: [1, 2.5], expected: [1, 2], bound: roundingBound)
        #expect(!bad.check("off").passed && bad.relativeError == 0.25)
        let lines = bad.listing().split(separator: "\n")
        #expect(
            lines.count == 3 && lines[0].hasSuffix("NOT OK") && lines[1].contains(" OK ")
                && lines[2].contains("NOT OK"))
    }
}
