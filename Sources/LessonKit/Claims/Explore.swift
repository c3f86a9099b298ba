import Foundation

// `--explore`: for students changing parameters. Some claims follow from theory for any admissible parameters
// (an exact identity, a closed form, Dale's principle, a sampling bound derived for the run's own sizes); they
// still decide the run. Others are empirical claims calibrated at the notebook's default parameters (an
// accuracy reached, a gap to BP, an angle after training): each lesson marks them `.calibrated` where it makes
// the check, and with other values they are measured and reported, marked informational, and do not fail the
// run. That a trained model learned at all is never calibrated: a run in which nothing learned fails.

/// The checks with the calibrated claims marked informational.
func markTunedClaims(_ checks: [Check]) -> [Check] {
    checks.map { c in
        var c = c
        if c.calibratedAtDefaults == true { c.informational = true }
        return c
    }
}
