import Foundation
import LessonKit
import NeuroModel

// MARK: Work estimate

/// Lesson 3: synapse-samples of training (forward, backward, update) for every rule; the small networks run
/// about 10⁹ per second.
@Sendable func lesson03Estimate(_ values: ParameterValues) throws -> WorkEstimate {
    let p = try Lesson03Parameters(values)
    let n = synapses(p.sizes)
    let ops = 3 * n * Double(p.trainSize + 2000) * Double(p.epochs * p.rules.count)
    return WorkEstimate(
        operations: ops, operationsPerSecond: 1e9, bytes: 8 * n * 12,
        hint: "lower hidden, hidden_layers, epochs or the rules")
}
