import Foundation
import LessonKit
import NeuroModel

// MARK: Work estimate

/// Lesson 1: time steps of the noise-free f-I curve and of the noisy trials; the exact integrator runs about
/// 10⁸ steps per second.
@Sendable func lesson01Estimate(_ values: ParameterValues) throws -> WorkEstimate {
    let p = try Lesson01Parameters(values)
    let n = p.noise
    let clean = Double(p.currents.count) * p.duration / p.dt
    let noisy = Double(n.currents.count * n.trials) * (n.duration + n.warmup) / n.dt
    return WorkEstimate(
        operations: clean + noisy, operationsPerSecond: 1e8, bytes: 0,
        hint: "lower duration, noise_duration, noise_trials or points, or raise dt or noise_dt")
}
