import Foundation
import LessonKit
import NeuroModel

// MARK: Work estimate

/// Lesson 6: synapse-samples of training (forward, backward, update) per rule and epoch; one BLAS thread runs
/// about 2·10¹⁰ of these per second. The cell-by-cell circuit visits every synapse of every sample one at a time
/// (forward, error, Hebbian update and the frSF step beside it): `circuitCostPerSynapseSample` of those units
/// each. Memory: the dataset, a few copies of every network, the circuit (about 100 bytes per synapse).
/// What one synapse-sample of lesson 6's cell-by-cell circuit costs, in BLAS synapse-samples: 100 was 2.4 to
/// 3.4 times too low (issue 20, measured over circuit_steps at the default sizes), so 300.
let circuitCostPerSynapseSample = 300.0

@Sendable func lesson06Estimate(_ values: ParameterValues) throws -> WorkEstimate {
    let p = try Lesson06Parameters(values)
    let d = datasetShape(p.data, trainLimit: p.trainLimit, testLimit: p.testLimit)
    let n = synapses([d.inputs] + Array(repeating: p.hidden, count: p.hiddenLayers) + [d.classes])
    let rules = Double(p.rules.count)
    let ops =
        3 * n * Double(d.train + d.test) * Double(p.epochs) * rules
        + n * circuitCostPerSynapseSample * Double(p.circuitSteps * p.config.batchSize)
    let bytes = 16 * Double((d.train + d.test) * d.inputs) + 8 * n * (6 + rules) + (p.circuitSteps > 0 ? 100 * n : 0)
    return WorkEstimate(
        operations: ops, operationsPerSecond: 2e10, bytes: bytes,
        hint: "lower hidden, hidden_layers, epochs or the rules, or set train_limit")
}
