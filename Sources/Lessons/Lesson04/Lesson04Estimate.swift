import Foundation
import LessonKit
import NeuroModel

// MARK: Work estimate

/// Lesson 4: synapse-samples of the cell-by-cell circuit and the matrix rule side by side; about 5·10⁶ per
/// second (the circuit visits every cell and synapse).
@Sendable func lesson04Estimate(_ values: ParameterValues) throws -> WorkEstimate {
    let p = try Lesson04Parameters(values)
    let n = synapses(p.sizes)
    return WorkEstimate(
        operations: n * Double(p.steps * p.batch), operationsPerSecond: 5e6,
        bytes: 200 * n, hint: "lower hidden, hidden_layers, steps or batch")
}
