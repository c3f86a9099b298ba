import Foundation
import LessonKit
import NeuroModel

// MARK: Work estimate

/// Lesson 2: time steps of the LIF pair and Poisson runs (three per trial); about 10⁸ per second.
@Sendable func lesson02Estimate(_ values: ParameterValues) throws -> WorkEstimate {
    let p = try Lesson02Parameters(values)
    return WorkEstimate(
        operations: 3 * Double(p.trials) * p.window / p.dt, operationsPerSecond: 1e8, bytes: 0,
        hint: "lower window or trials, or raise dt")
}
