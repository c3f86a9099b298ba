import Foundation
import LessonKit
import NeuroModel

// MARK: Work estimate

/// Lesson 7: synapse-samples of the spiking circuits (training and testing every epoch); the engine runs about
/// 1.8·10⁸ per second at dt = 0.5 ms and T = 200 ms on two cores, slower at smaller dt and longer windows.
@Sendable func lesson07Estimate(_ values: ParameterValues) throws -> WorkEstimate {
    let p = try Lesson07Parameters(values)
    let d = datasetShape(p.data, trainLimit: p.trainLimit, testLimit: p.testLimit)
    let settle = p.settings.settle
    // Synapse-samples of the spiking circuits: training (forward and error phases) and the test each epoch, the
    // test scaled by its longer window. The rate models add about a quarter.
    let test = Double(d.test) * (p.testWindow + settle) / (p.settings.window + settle)
    let n = p.depths.map { synapses([d.inputs] + Array(repeating: p.hidden, count: $0) + [d.classes]) }.reduce(0, +)
    let ops = 1.25 * n * Double(p.routes.count * p.epochs) * (Double(d.train) + test)
    // Measured: about 4.5e8 synapse-samples/s on 2 cores at dt = 0.5 ms and T = 200 ms; the cost per sample
    // grows with the steps per window, less than linearly (synaptic events do not depend on dt).
    let rate = 4.5e8 * pow(p.settings.dt / 0.5, 0.55) * 250 / (p.settings.window + settle)
    let bytes = 16 * Double((d.train + d.test) * d.inputs) + 8 * n * 16
    return WorkEstimate(
        operations: ops, operationsPerSecond: rate, bytes: bytes,
        hint: "lower hidden, depths, routes or epochs, raise dt, shorten window or test_window, or set train_limit")
}
