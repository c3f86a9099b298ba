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

    /// A table of long names and values over seeds keeps within 120 columns: the name and the observed value
    /// wrap onto further lines of their row, and nothing is lost.
    @Test func tableFitsOneHundredTwentyColumns() {
        var long = Check.atLeast(
            "hidden layer: angle between the spiking circuit's update and the rate twin's after one epoch of training "
                + "on Fashion-MNIST", observed: 81.234567, bound: 80, unit: "%"
        ).overSeeds
        long.seeds = .init(
            seeds: [7, 8, 9, 10], values: [81.1, 81.2, 81.3, 81.33], passedPerSeed: [true, true, true, true],
            sd: 0.1, standardError: 0.05, tQuantile: 2.353, confidenceLower: 81.117, confidenceUpper: nil,
            worstSeed: nil)
        let table = checkTable([long, .atMost("short", observed: 1, bound: 2)])
        let lines = table.split(separator: "\n")
        #expect(lines.allSatisfy { $0.count <= checkTableColumns }, "\(lines.map(\.count))")
        #expect(lines.count > 5)
        let words = table.split(whereSeparator: \.isWhitespace)
        for word in ["Fashion-MNIST", "(%)", "81.235", "0.050", "81.117"] { #expect(words.contains(Substring(word))) }
    }

    /// A per-seed value every seed shares is said once; a spread names the worst seed.
    @Test func identicalSeedsSaidOnce() {
        var c = Check.close("identity", observed: 1, expected: 1, tolerance: 1e-12)
        c.seeds = .init(
            seeds: [1, 2, 3], values: [1, 1, 1], passedPerSeed: [true, true, true], sd: nil, standardError: nil,
            tQuantile: nil, confidenceLower: nil, confidenceUpper: nil, worstSeed: 1)
        #expect(c.observedText == "1 (all 3 seeds)")
        c.seeds?.values = [1, 1.5, 1]
        c.seeds?.worstSeed = 2
        #expect(c.observedText == "1 (3 seeds; worst: seed 2)")
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
