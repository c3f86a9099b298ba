import Foundation
import LessonKit
import NeuroModel

// Claims shared by the lessons that train on full datasets.

/// The claim on a sign-concordant rate rule: BP's test accuracy minus the rule's, mean over seeds, is at most this
/// many points (with 95 % confidence). Lesson 6 claims it of uSF and frSF, lesson 7 of its rate twin.
let concordantGapClaim = 1.5

/// Refuses a test set too small for the "learned" check to be passable: that check asks for an accuracy above
/// chance c by 4 binomial standard errors, c + 4√(c(1 − c)/n), which is below 100 % only when n > 16 c/(1 − c)
/// (n ≥ 2 for ten classes). A check that cannot pass would fail every model without saying why.
func requireAttainableLearnedCheck(testCount n: Int, classes: Int) throws {
    let c = 1 / Double(max(classes, 2))
    let bound = c + samplingErrorMultiple * (c * (1 - c) / Double(max(n, 1))).squareRoot()
    guard bound >= 1 else { return }
    let needed = Int((samplingErrorMultiple * samplingErrorMultiple * c / (1 - c)).rounded(.down)) + 1
    throw LessonError(
        "\(n) test sample\(n == 1 ? "" : "s") cannot show that a model learned: the check asks for chance + "
            + "\(format(samplingErrorMultiple)) SE = \(format(100 * bound)) %; "
            + "set test_limit ≥ \(needed) (or 0 for all)")
}
