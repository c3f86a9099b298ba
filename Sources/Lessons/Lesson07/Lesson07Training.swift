import Foundation
import LessonKit
import NeuroModel

// Lesson 7's simulation: every model of one depth trained on the same batches from the same start, one epoch at
// a time, with a checkpoint after each epoch.

/// Everything the simulation of one depth needs besides its state.
struct Lesson07Data {
    let train: Dataset, test: Dataset, name: String
    /// True for the full Fashion-MNIST sets, where the absolute accuracy claim is made.
    let isFullFashionMNIST: Bool
    let probe: (x: Matrix, y: Matrix)
    let fingerprint: String
}

/// The shared start of every model of one depth: weights, biases and |R| drawn from the run's seed; the
/// standard network's Xavier weights from a stream of its own.
func lesson07Start(_ depth: Int, _ p: Lesson07Parameters, _ d: Lesson07Data, _ ctx: RunContext)
    -> (circuit: SpikingCircuit, standard: Network)
{
    var rng = ctx.rng(70 + UInt64(depth))
    let circuit = SpikingCircuit(sizes: p.sizes(depth, data: d.train), settings: p.settings, rng: &rng)
    var standardRNG = ctx.rng(80 + UInt64(depth))
    let standard = Network(sizes: circuit.sizes, hidden: .relu, output: .linear, rng: &standardRNG)
    return (circuit, standard)
}

/// The live models of one depth, rebuilt from (and written back to) a `Lesson07Depth`.
struct Lesson07Live {
    var circuits: [(mode: RouteMode, circuit: SpikingCircuit)]
    /// The twin, BP and the standard network, in that order.
    var learners: [(model: Lesson07Model, learner: Learner)]
    let feedback: Feedback
    let p: Lesson07Parameters

    /// A fresh depth: every model at the shared start.
    static func starting(_ depth: Int, _ start: (circuit: SpikingCircuit, standard: Network), _ p: Lesson07Parameters)
        -> Lesson07Depth
    {
        let twin = RateLearnerState(
            network: Network(twinOf: start.circuit), traces: zeroTraces(Network(twinOf: start.circuit)))
        let standard = RateLearnerState(network: start.standard, traces: zeroTraces(start.standard))
        return Lesson07Depth(
            depth: depth,
            models: Lesson07Model.all(routes: p.routes).map { model in
                switch model {
                case .spiking: return Lesson07Trained(model: model, circuit: start.circuit.state)
                case .twin, .bp: return Lesson07Trained(model: model, learner: twin)
                case .standard: return Lesson07Trained(model: model, learner: standard)
                }
            })
    }

    init(_ run: Lesson07Depth, start: SpikingCircuit, _ p: Lesson07Parameters) throws {
        self.p = p
        let frsf = Feedback(rule: .frsf, matrices: start.feedbackMagnitudes)
        feedback = frsf
        circuits = try run.models.compactMap { trained in
            guard case .spiking(let mode) = trained.model else { return nil }
            guard let state = trained.circuit else { throw LessonError("the checkpoint lacks the \(trained.model)") }
            var settings = p.settings
            settings.routes = mode
            do {
                return (mode, try SpikingCircuit(restoring: state, sizes: start.sizes, settings: settings))
            } catch let e as DataError { throw LessonError("checkpoint: \(e.description)") }
        }
        learners = try run.models.compactMap { trained in
            guard !trained.model.isSpiking else { return nil }
            guard let s = trained.learner, s.network.sizes == start.sizes,
                s.traces.map(\.w.rows) == s.network.layers.map(\.w.rows),
                s.traces.map(\.w.cols) == s.network.layers.map(\.w.cols), s.network.allFinite
            else { throw LessonError("the checkpoint's \(trained.model) does not fit this run; delete it") }
            var learner = Learner(
                network: s.network, feedback: trained.model == .twin ? frsf : .bp, rng: SplitMix64(seed: 0))
            learner.traces = s.traces
            return (trained.model, learner)
        }
    }

    /// The SGD settings of a rate model at this step's tone.
    func config(_ model: Lesson07Model, tone: Double) -> SGDConfig {
        let standard = model == .standard
        var c = SGDConfig(
            learningRate: (standard ? p.standardLearningRate : p.learningRate) * tone, batchSize: p.batch,
            loss: standard ? .crossEntropy : .mse)
        c.momentum = p.settings.momentum
        if !standard {
            c.biasRate = p.settings.biasRate
            c.outputScale = p.settings.outputPlasticity
        }
        return c
    }
}

/// Zero momentum traces shaped like a network's layers.
func zeroTraces(_ n: Network) -> [Layer] {
    n.layers.map { Layer(w: Matrix(rows: $0.w.rows, cols: $0.w.cols), b: Array(repeating: 0, count: $0.b.count)) }
}

extension Lesson07Live {
    /// One epoch in a shared random order; every model sees the same batches. The plasticity tone g(t) scales
    /// every η: a linear warm-up, then constant or a cosine decay over the whole run.
    mutating func trainEpoch(_ epoch: Int, _ d: Lesson07Data, _ ctx: RunContext, depth: Int) throws {
        var orderRNG = ctx.rng(72).fork(UInt64(epoch))
        let order = orderRNG.permutation(d.train.count)
        let perEpoch = (order.count + p.batch - 1) / p.batch
        let tone = PlasticityTone(
            warmup: Int((p.warmup * Double(perEpoch)).rounded()), total: p.epochs * perEpoch, cosine: p.cosine)
        var progress = Lesson07Progress(depth: depth, epoch: epoch, samples: order.count)
        for (b, start) in stride(from: 0, to: order.count, by: p.batch).enumerated() {
            // Ctrl-C or SIGTERM (a scheduler's warning): stop within a batch; the epoch is dropped and --resume
            // trains it again from the previous epoch's checkpoint, to the same bits.
            guard !isInterruptRequested else {
                throw LessonError(
                    interruptedMessage(
                        "in epoch \(epoch) of depth \(depth) (the epoch is trained again on resume); checkpoints",
                        ctx))
            }
            let idx = Array(order[start..<min(start + p.batch, order.count)])
            let x = d.train.x.rows(idx)
            let labels = idx.map { d.train.labels[$0] }
            let g = tone.factor((epoch - 1) * perEpoch + b)
            for c in circuits.indices {
                let u = circuits[c].circuit.train(
                    x: x, labels: labels, learningRate: p.learningRate * g, stream: UInt64(epoch) << 32 + UInt64(start))
                if let why = runawayBurst(u, baseline: p.settings.burstBaseline) {
                    throw Lesson07Breakdown(
                        "training ran away: spiking circuit (\(circuits[c].mode.rawValue) routes), depth \(depth), "
                            + "epoch \(epoch), batch \(b + 1): \(why); stopped",
                        check: .atMost(
                            "\(depth) hidden, \(circuits[c].mode.rawValue) routes: burst code in range, "
                                + "peak rate / ν₀",
                            id: "burst-range", observed: u.peakBurstRate / p.settings.burstBaseline,
                            bound: runawayBurstMultiple))
                }
                if lesson07Diagnostics && (b + 1) % 200 == 0 {
                    FileHandle.standardError.write(
                        Data(
                            ("diag " + circuitDiagnostic(circuits[c].circuit, u, "epoch \(epoch) batch \(b + 1)")
                                + "\n").utf8))
                }
                guard circuits[c].circuit.allFinite else {
                    throw LessonError(
                        "training diverged: spiking circuit (\(circuits[c].mode.rawValue) routes), depth \(depth), "
                            + "epoch \(epoch): non-finite weights; lower learning_rate")
                }
            }
            try stepRateModels(x: x, labels: labels, tone: g, epoch: epoch)
            progress.report(start + idx.count, ctx)
        }
    }

    /// One step of the twin, BP (rates x·ν_in, teacher rates, squared error) and the standard network (features
    /// x, one-hot targets, softmax cross-entropy).
    mutating func stepRateModels(x: Matrix, labels: [Int], tone: Double, epoch: Int) throws {
        let classes = circuits.first?.circuit.sizes.last ?? learners[0].learner.network.sizes.last ?? 1
        let rates = x.map { $0 * p.settings.inputRate }
        let teacher = Matrix(
            rows: labels.count, cols: classes, data: labels.flatMap { p.settings.target($0, classes: classes) })
        let oneHotTargets = oneHot(labels, classes: classes)
        for i in learners.indices {
            let model = learners[i].model
            do {
                if model == .standard {
                    try learners[i].learner.step(
                        x: x, y: oneHotTargets, config: config(model, tone: tone), epoch: epoch)
                } else {
                    try learners[i].learner.step(x: rates, y: teacher, config: config(model, tone: tone), epoch: epoch)
                }
            } catch { throw LessonError("\(model): \(error)") }
        }
    }
}

/// How many times ν₀ a burst channel may be asked for before the circuit counts as run away. The homeostat holds
/// the mean |ν − ν₀| at g·ν₀ (g = burst_gain ≤ 1); in a working circuit the busiest channel of a batch sits
/// near 19 such means (measured: peak 0.384 spikes/ms at ν₀ = 0.1, g = 0.15 over six epochs of seed 7's default run,
/// 11,250 batches; the fixed-route run that collapses passes 10 in epoch 2), so 100 ν₀ is at least
/// 99/g ≥ 99 means and five times the largest seen, and fifty times the refractory limit 1/t_ref of any cell at
/// the default ν₀. Calibrated on that run, not derived: a margin, not a claim.
let runawayBurstMultiple = 100.0

/// A spiking circuit that broke down while training (its burst code ran away, or its accuracy collapsed to
/// chance): the run stops at once with `message`, and `check` fails in the check table.
struct Lesson07Breakdown: Error, CustomStringConvertible {
    let description: String
    let check: Check
    init(_ message: String, check: Check) {
        description = message
        self.check = check
    }
}

/// The breakdown of a spiking circuit whose test accuracy, after `run`'s last epoch, fell back to chance after an
/// earlier epoch was clearly above it; nil otherwise. With n test samples and c classes the accuracy of a
/// guessing classifier is 1/c with standard error s = √((1/c)(1 − 1/c)/n); "clearly above" is more than 5 s above
/// chance, "back at chance" within 3 s of it (a working circuit is never that close again: normal deviations).
func collapse(_ run: Lesson07Depth, _ d: Lesson07Data) -> Lesson07Breakdown? {
    let c = 1 / Double(max(d.test.classes, 2))
    let chance = 100 * c
    let s = 100 * (c * (1 - c) / Double(max(d.test.count, 1))).squareRoot()
    for m in run.models {
        guard case .spiking(let mode) = m.model, let last = m.history.last, last.epoch >= 2 else { continue }
        let best = m.history.dropLast().filter { $0.epoch >= 1 }.map(\.accuracy).max() ?? -.infinity
        guard best > chance + 5 * s, last.accuracy <= chance + 3 * s else { continue }
        return Lesson07Breakdown(
            String(
                format: "training collapsed: spiking circuit (%@ routes), depth %d: test accuracy fell to %.1f %% "
                    + "(chance %.1f %%) in epoch %d after reaching %.1f %%; stopped", mode.rawValue, run.depth,
                last.accuracy, chance, last.epoch, best),
            check: .atLeast(
                "\(run.depth) hidden, \(mode.rawValue) routes: accuracy stays above chance + 3 SE after learning",
                id: "no-collapse", observed: last.accuracy, bound: chance + 3 * s, unit: "%"))
    }
    return nil
}

/// Why a batch's burst code has run away (a channel asked for more than `runawayBurstMultiple` ν₀, or a
/// non-finite rate), or nil.
func runawayBurst(_ u: SpikingUpdate, baseline nu0: Double) -> String? {
    guard !(u.peakBurstRate <= runawayBurstMultiple * nu0) else { return nil }
    return String(
        format: "a burst channel was asked for %.4g spikes/ms, more than %.0f ν₀ = %.4g (the homeostatic gain has "
            + "run away)", u.peakBurstRate, runawayBurstMultiple, runawayBurstMultiple * nu0)
}

/// Progress of one epoch on standard error: samples/s and the time left, every 20 s.
struct Lesson07Progress {
    let depth: Int, epoch: Int, samples: Int
    let clock = Date()
    var last = Date()

    init(depth: Int, epoch: Int, samples: Int) {
        self.depth = depth
        self.epoch = epoch
        self.samples = samples
    }

    mutating func report(_ done: Int, _ ctx: RunContext) {
        guard Date().timeIntervalSince(last) > 20 else { return }
        last = Date()
        let rate = Double(done) / last.timeIntervalSince(clock)
        ctx.log(
            String(
                format: "depth %d, epoch %d: %d/%d samples, %.0f samples/s, epoch done in about %.0f s", depth, epoch,
                done, samples, rate, Double(samples - done) / rate))
    }
}

extension Lesson07Live {
    /// Test accuracy and probe-batch angles of every model after `epoch`, appended to the run's histories, and
    /// every model's state written back.
    func record(into run: inout Lesson07Depth, epoch: Int, _ d: Lesson07Data) {
        for i in run.models.indices {
            let model = run.models[i].model
            if case .spiking(let mode) = model, let c = circuits.first(where: { $0.mode == mode })?.circuit {
                run.models[i].history.append(measure(c, epoch: epoch, d))
                run.models[i].circuit = c.state
            } else if let learner = learners.first(where: { $0.model == model })?.learner {
                var e = Lesson07Epoch(epoch: epoch, accuracy: rateAccuracy(model, learner.network, d))
                if model == .twin {
                    e.anglesToBP = definedAngles(
                        rateUpdates(
                            learner.network, magnitudes: feedback.matrices, x: d.probe.x, y: d.probe.y,
                            inputRate: p.settings.inputRate
                        ).frsfToBP)
                }
                run.models[i].history.append(e)
                run.models[i].learner = RateLearnerState(network: learner.network, traces: learner.traces)
            }
        }
    }

    /// A spiking circuit's test accuracy (over `test_window`), its update's angles to the rate-level BP and frSF
    /// updates at its own weights on the probe batch, ties and clipped burst channels.
    func measure(_ c: SpikingCircuit, epoch: Int, _ d: Lesson07Data) -> Lesson07Epoch {
        let (labels, tied) = c.classify(d.test.x, stream: 1 << 40 + UInt64(epoch) << 24, window: p.testWindow)
        let u = c.update(x: d.probe.x, targets: d.probe.y, learningRate: 1, stream: 1 << 41 + UInt64(epoch) << 24)
        let rate = rateUpdates(
            Network(twinOf: c), magnitudes: c.feedbackMagnitudes, x: d.probe.x, y: d.probe.y,
            inputRate: c.settings.inputRate)
        if lesson07Diagnostics {
            let acc = accuracyPercent(labels, d.test.labels)
            FileHandle.standardError.write(
                Data(
                    ("diag "
                        + circuitDiagnostic(
                            c, u,
                            "epoch \(epoch) acc "
                                + String(format: "%.2f", acc)) + "\n").utf8))
        }
        return Lesson07Epoch(
            epoch: epoch, accuracy: accuracyPercent(labels, d.test.labels),
            anglesToBP: definedAngles(zip(u.weights, rate.bp).map { angleDegrees($0, $1) }),
            anglesToFrSF: definedAngles(zip(u.weights, rate.frsf).map { angleDegrees($0, $1) }), tied: tied,
            clipped: Double(u.clipped) / Double(max(u.channels, 1)))
    }

    /// A rate model's test accuracy (%): the twin and BP read rates of inputs x·ν_in, the standard network x.
    func rateAccuracy(_ model: Lesson07Model, _ net: Network, _ d: Lesson07Data) -> Double {
        let x = model == .standard ? d.test.x : d.test.x.map { $0 * p.settings.inputRate }
        return 100 * net.accuracy(x, labels: d.test.labels)
    }
}

func accuracyPercent(_ predicted: [Int], _ labels: [Int]) -> Double {
    100 * Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(max(labels.count, 1))
}

/// Set LESSON07_DIAG=1 to print a spiking circuit's state to standard error every 200 batches and after each
/// epoch (mean rates per layer in Hz, silent synapses per layer and route, mean |W| per layer, clipped bursts).
let lesson07Diagnostics = ProcessInfo.processInfo.environment["LESSON07_DIAG"] != nil

/// One line of the LESSON07_DIAG print: `u` is an update of circuit `c` (its rates and burst channels).
func circuitDiagnostic(_ c: SpikingCircuit, _ u: SpikingUpdate, _ label: String) -> String {
    let rates = u.rates.dropFirst().map { 1000 * $0.data.reduce(0, +) / Double(max($0.count, 1)) }
    let layers = (0..<c.depth).map { l -> String in
        let w = c.weights[l].data
        let s = c.routeSigns[l]
        let silentPlus = (0..<w.count).filter { w[$0] == 0 && s[$0] > 0 }.count
        let silentMinus = (0..<w.count).filter { w[$0] == 0 && s[$0] < 0 }.count
        let plus = s.filter { $0 > 0 }.count
        let meanAbs = w.reduce(0) { $0 + abs($1) } / Double(max(w.count, 1))
        let bias = c.biases[l].reduce(0, +) / Double(max(c.biases[l].count, 1))
        return String(
            format: "L%d rate %.1f Hz silent %.3f (+ %.3f, - %.3f) routes+ %.3f |W| %.4f b %.3f", l + 1, rates[l],
            Double(silentPlus + silentMinus) / Double(max(w.count, 1)), Double(silentPlus) / Double(max(plus, 1)),
            Double(silentMinus) / Double(max(w.count - plus, 1)), Double(plus) / Double(max(w.count, 1)), meanAbs,
            bias)
    }
    let mode = c.settings.routes.rawValue
    let q = c.secondStrengths
    let top = c.depth - 1
    let both = (0..<q.count).filter { q[$0] > 0 && Double(c.routeSigns[top][$0]) * c.weights[top].data[$0] + q[$0] > 0 }
    let dual = q.isEmpty ? "" : String(format: "; dual: both active %.3f", Double(both.count) / Double(q.count))
    let feedback = c.signedFeedback.map { b in b.data.reduce(0) { $0 + abs($1) } / Double(max(b.count, 1)) }
    let pairs = max(c.signedFeedback.map(\.count).reduce(0, +), 1)
    let sign = String(
        format: "; |B| %@ sign mismatches %.3f", feedback.map { String(format: "%.3f", $0) }.joined(separator: ","),
        Double(c.signMismatches) / Double(pairs))
    return "\(mode) \(label): " + layers.joined(separator: "; ") + dual + sign
        + String(
            format: "; clipped bursts %.4f peak %.3f gains %@", Double(u.clipped) / Double(max(u.channels, 1)),
            u.peakBurstRate, u.gains.map { String(format: "%.3g", $0) }.joined(separator: ","))
}
