import Foundation
import Testing

@testable import LessonCLI
@testable import LessonKit
@testable import Lessons

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
    /// A mean over seeds is written with its standard error to two significant digits and the mean to the same
    /// decimal place, so neither shows digits the spread does not support; a value every seed shares has no ± 0.
    @Test func meanAndErrorRoundsToTheError() {
        #expect(meanAndError(81.96, 0.0782943) == "81.960 ± 0.078")
        #expect(meanAndError(0.69, 0.123167) == "0.69 ± 0.12")
        #expect(meanAndError(30.2114, 0.718244) == "30.21 ± 0.72")
        #expect(meanAndError(1234.6, 56.7) == "1235 ± 57")
        #expect(meanAndError(1.5, 0) == format(1.5))
        #expect(meanAndError(2, .nan) == "\(format(2)) ± \(format(.nan))")
        // Seeds that agree to rounding are one value; small numbers share a power of ten.
        #expect(meanAndError(27.014256438160, 3e-15) == format(27.014256438160))
        #expect(meanAndError(1.57e-7, 2.7e-8) == "(1.57 ± 0.27)e-7")
        #expect(meanAndError(2.4e-16, 1.1e-17) == "(2.40 ± 0.11)e-16")
    }

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

    /// Issue 20 #11: one seed (a per-seed job) cannot decide a claim over seeds: the check keeps its value and
    /// verdict on that value but does not count, and says "over one seed: aggregate to decide"; claims for every
    /// seed, and claims over two or more seeds, are decided as before.
    @Test func oneSeedLeavesAClaimOverSeedsToAggregate() {
        let one = combine(seeded([0.9]) { .atLeast("acc", observed: $0, bound: 0.95).overSeeds })
        #expect(one.overOneSeed == true && !one.counts && !one.passed)
        #expect(resultText(one) == "over one seed: aggregate to decide")
        let identity = combine(seeded([2e-12]) { .atMost("identity", observed: $0, bound: 1e-12) })
        #expect(identity.overOneSeed == nil && identity.counts && !identity.passed)
        let two = combine(seeded([0.9, 0.91]) { .atLeast("acc", observed: $0, bound: 0.95).overSeeds })
        #expect(two.overOneSeed == nil && two.counts)
        #expect(
            summaryLine([one, identity]) == "0 passed, 1 failed; 1 over one seed (aggregate the seeds' runs to decide)")
        #expect(markdownCheckTable([one]).contains("| over one seed: aggregate to decide |"))
    }

    @Test func idsCarryNoNumbers() {
        #expect(checkID("rate at 2.5 nA within the dt bound") == "rate-at-na-within-the-dt-bound")
        #expect(Check.none("Dale violations", violations: 0, of: 900).id == "dale-violations")
        #expect(Check.atLeast("x", id: "my-id", observed: 1, bound: 0).id == "my-id")
    }
}
