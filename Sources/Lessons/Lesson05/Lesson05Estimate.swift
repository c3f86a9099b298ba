import Foundation
import LessonKit
import NeuroModel

// MARK: Work estimate

/// Lesson 5: sample-steps of every window of the sweep and of the default window (settling, forward and one
/// error phase per layer), weighted by the circuit's size; about 4·10⁶ per second.
@Sendable func lesson05Estimate(_ values: ParameterValues) throws -> WorkEstimate {
    let p = try Lesson05Parameters(values)
    let windows = p.window + p.windows.reduce(0, +)
    let steps = Double(p.batch) * Double(p.sizes.count) * (windows + 50 * 8) / p.settings.dt
    return WorkEstimate(
        operations: steps * (1 + synapses(p.sizes) / 100), operationsPerSecond: 4e6, bytes: 0,
        hint: "lower t_max, window, batch or hidden, or raise dt")
}
