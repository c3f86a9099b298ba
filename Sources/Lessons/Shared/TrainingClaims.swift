import Foundation
import NeuroModel

// Claims shared by the lessons that train on full datasets.

/// The claim on a sign-concordant rate rule: BP's test accuracy minus the rule's, mean over seeds, is at most this
/// many points (with 95 % confidence). Lesson 6 claims it of uSF and frSF, lesson 7 of its rate twin.
let concordantGapClaim = 1.5
