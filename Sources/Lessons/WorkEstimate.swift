import Foundation
import NeuroModel

/// What a lesson's run will cost, estimated from its parameters before anything runs: the runner refuses runs
/// whose memory cannot fit or whose time is beyond reason, and says up front how long a long run will take.
struct WorkEstimate {
    /// Elementary operations (time steps, synapse-samples) per seed.
    var operations: Double
    /// Operations per second on one core of the reference machine (release build), measured.
    var operationsPerSecond: Double
    /// Peak memory in bytes.
    var bytes: Double
    /// The parameters to lower when the run is too big (for the message).
    var hint: String

    func seconds(seeds: Int) -> Double {
        var s = operations / operationsPerSecond * Double(seeds)
        #if DEBUG
            s *= 10  // a debug build runs the numeric loops about ten times slower
        #endif
        return s
    }
}

/// Readable duration: "40 s", "12 min", "3.5 h", "2.0 days".
func durationText(_ seconds: Double) -> String {
    if seconds < 90 { return String(format: "%.0f s", seconds) }
    if seconds < 5400 { return String(format: "%.0f min", seconds / 60) }
    if seconds < 172_800 { return String(format: "%.1f h", seconds / 3600) }
    return String(format: "%.1f days", seconds / 86_400)
}

/// Runs longer than this are refused: at that size the parameters are almost certainly a slip, and a run that
/// cannot finish within a working week has nothing to show before then.
let longestRun: Double = 5 * 86_400

/// Checks a run's estimate before it starts: one line and a refusal when it cannot fit in memory or would take
/// longer than `longestRun`; a note with the expected time when it is long.
/// `available` is the memory free for it now (`availableMemory()`: not the total, which other processes share).
func vetWork(
    _ estimate: WorkEstimate?, seeds: Int, lesson: LessonDescriptor, log: (String) -> Void,
    available: Double = Double(availableMemory())
) throws {
    guard let e = estimate else { return }
    if e.bytes > 0.8 * available {
        throw LessonError(
            String(
                format: "lesson %d would need about %.1f GiB of memory, more than the %.1f GiB available now "
                    + "allows; %@", lesson.number, e.bytes / 1_073_741_824, available / 1_073_741_824, e.hint))
    }
    let seconds = e.seconds(seeds: seeds)
    if seconds > longestRun {
        throw LessonError(
            "lesson \(lesson.number) would take about \(durationText(seconds)) with these parameters "
                + "(\(seeds) seed\(seeds == 1 ? "" : "s")); \(e.hint)")
    }
    if seconds > 60 {
        log(
            "estimated time: about \(durationText(seconds)) for \(seeds) seed\(seeds == 1 ? "" : "s") "
                + "(rough, from the reference machine)")
    }
}

// MARK: Estimates of the lessons with parameters that can make a run very large
// Each reads its lesson's typed parameters, so a combination the lesson refuses is refused here, before any work.

/// Input width, classes and training and test samples of a dataset choice before it is loaded.
private func datasetShape(_ request: DatasetRequest, trainLimit: Int, testLimit: Int)
    -> (inputs: Int, classes: Int, train: Int, test: Int)
{
    let (inputs, classes, train, test): (Int, Int, Int, Int)
    switch request.dataset {
    case .cifar10: (inputs, classes, train, test) = (3072, 10, 50_000, 10_000)
    case .yinYang: (inputs, classes, train, test) = (4, 3, 5000, 1000)
    case .auto, .mnist, .fashionMNIST: (inputs, classes, train, test) = (784, 10, 60_000, 10_000)
    }
    return (
        inputs, classes, trainLimit > 0 ? min(trainLimit, train) : train, testLimit > 0 ? min(testLimit, test) : test
    )
}

/// Forward synapses of a fully connected network.
private func synapses(_ sizes: [Int]) -> Double {
    Double(zip(sizes, sizes.dropFirst()).map { $0 * $1 }.reduce(0, +))
}

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

/// Lesson 2: time steps of the LIF pair and Poisson runs (three per trial); about 10⁸ per second.
@Sendable func lesson02Estimate(_ values: ParameterValues) throws -> WorkEstimate {
    let p = try Lesson02Parameters(values)
    return WorkEstimate(
        operations: 3 * Double(p.trials) * p.window / p.dt, operationsPerSecond: 1e8, bytes: 0,
        hint: "lower window or trials, or raise dt")
}

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

/// Lesson 4: synapse-samples of the cell-by-cell circuit and the matrix rule side by side; about 5·10⁶ per
/// second (the circuit visits every cell and synapse).
@Sendable func lesson04Estimate(_ values: ParameterValues) throws -> WorkEstimate {
    let p = try Lesson04Parameters(values)
    let n = synapses(p.sizes)
    return WorkEstimate(
        operations: n * Double(p.steps * p.batch), operationsPerSecond: 5e6,
        bytes: 200 * n, hint: "lower hidden, hidden_layers, steps or batch")
}

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
