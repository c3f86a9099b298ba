import Foundation
import LessonKit
import NeuroModel

// Lesson 8's simulations: the window sweep at the start, then training of the single-phase circuit beside the
// three-phase circuit (lesson 7's) and BP on the same LIF network, from the same start on the same batches.

// MARK: Window sweep

/// Per window T of the sweep, per weight layer: the single-phase update's angle to the rate-level frSF update, to
/// BP's and to the three-phase spiking update at the same T; and the three-phase update's angle to frSF.
struct Lesson08Sweep {
    var single: [[Double]] = [], toBP: [[Double]] = [], toThree: [[Double]] = [], three: [[Double]] = []
    /// The populations' burst gains β at the longest window (spikes/ms per unit ε).
    var gains: [Double] = []
}

func lesson08Sweep(
    _ c: SpikingCircuit, _ prediction: Lesson08Prediction, _ d: Lesson08Data, _ p: Lesson08Parameters,
    _ ctx: RunContext
) throws -> Lesson08Sweep {
    var s = Lesson08Sweep()
    for T in p.windows {
        // Ctrl-C or SIGTERM: stop between windows (a long sweep must not outlast the signal; nothing is written).
        guard !isInterruptRequested else {
            throw LessonError(
                "interrupted during the window sweep, before T = \(format(T)) ms; lesson 8 keeps no checkpoints: "
                    + "run it again")
        }
        var circuit = c
        circuit.settings.window = T
        let stream = 1 << 44 + UInt64(T * 16) << 20
        // The populations' gains settle on the batch (one round per layer and one more), then measure.
        let gains = circuit.settleGains(
            x: d.probe.x, targets: d.probe.y, stream: stream, phase: p.phase, rounds: circuit.depth + 1)
        let one = circuit.singlePhaseUpdate(
            x: d.probe.x, targets: d.probe.y, learningRate: 1, stream: stream + 1 << 18, phase: p.phase, gains: gains
        ).update
        let three = circuit.update(x: d.probe.x, targets: d.probe.y, learningRate: 1, stream: stream + 2 << 18)
        s.single.append(zip(one.weights, prediction.frsf).map { angleDegrees($0, $1) })
        s.toBP.append(zip(one.weights, prediction.bp).map { angleDegrees($0, $1) })
        s.toThree.append(zip(one.weights, three.weights).map { angleDegrees($0, $1) })
        s.three.append(zip(three.weights, prediction.frsf).map { angleDegrees($0, $1) })
        s.gains = gains
        ctx.log(
            "T = \(format(T)) ms: single phase to frSF per layer "
                + (s.single.last ?? []).map { String(format: "%.1f°", $0) }.joined(separator: ", ")
                + "; three phase to frSF "
                + (s.three.last ?? []).map { String(format: "%.1f°", $0) }
                .joined(separator: ", "))
    }
    return s
}

// MARK: Training

/// One test-set evaluation during training.
struct Lesson08Point: Sendable {
    /// Epochs of training so far (fractional between the end of epochs).
    var epoch: Double
    /// Test accuracy (%) of the single-phase circuit, the three-phase circuit and BP.
    var single: Double, three: Double, bp: Double
    /// Mean rate of the single-phase circuit's hidden cells and output cells on the last batch (Hz).
    var hiddenRate: Double, outputRate: Double
}

/// The three models of one seed, trained on the same batches from the same start.
struct Lesson08Training {
    var single: SpikingCircuit, three: SpikingCircuit
    var bp: Learner
    /// The single-phase populations' burst gains β (nil before the first batch).
    var gains: [Double]?
    var points: [Lesson08Point] = []
    var lastRates = (hidden: Double.nan, output: Double.nan)

    init(start: SpikingCircuit, _ p: Lesson08Parameters) {
        single = start
        single.settings.window = p.singleWindow
        three = start
        bp = Learner(network: Network(twinOf: start), feedback: .bp, rng: SplitMix64(seed: 0))
    }

    mutating func run(_ d: Lesson08Data, _ p: Lesson08Parameters, _ ctx: RunContext) throws {
        let perEpoch = (d.train.count + p.batch - 1) / p.batch
        let tone = PlasticityTone(
            warmup: Int((p.warmup * Double(perEpoch)).rounded()), total: p.epochs * perEpoch, cosine: true)
        // Evaluations at equal shares of each epoch, the last at its end.
        let marks = Set((1...p.evaluations).map { max(1, $0 * perEpoch / p.evaluations) })
        // The populations' tones settle on the probe batch before learning starts.
        gains = single.settleGains(
            x: d.probe.x, targets: d.probe.y, stream: 1 << 47, phase: p.phase, rounds: single.depth + 1)
        evaluate(epoch: 0, d, p)
        let clock = Date()
        var last = Date()
        try trainEpochs(
            from: 1, through: p.epochs, ctx,
            interrupted: { LessonError("interrupted before epoch \($0); lesson 8 keeps no checkpoints: run it again") },
            train: { epoch in
                var orderRNG = ctx.rng(82).fork(UInt64(epoch))
                let order = orderRNG.permutation(d.train.count)
                for (b, first) in stride(from: 0, to: order.count, by: p.batch).enumerated() {
                    // Ctrl-C or SIGTERM: stop within a batch (lesson 8 keeps no checkpoints, nothing is half-written).
                    guard !isInterruptRequested else {
                        throw LessonError("interrupted in epoch \(epoch); lesson 8 keeps no checkpoints: run it again")
                    }
                    let idx = Array(order[first..<min(first + p.batch, order.count)])
                    let step = (epoch - 1) * perEpoch + b
                    try trainBatch(idx, eta: p.learningRate * tone.factor(step), stream: UInt64(step) << 20, d, p)
                    if marks.contains(b + 1) {
                        evaluate(epoch: Double(epoch - 1) + Double(b + 1) / Double(perEpoch), d, p)
                    }
                    guard Date().timeIntervalSince(last) > 20 else { continue }
                    last = Date()
                    let rate = Double(step + 1) / last.timeIntervalSince(clock)
                    ctx.log(
                        String(
                            format: "epoch %d: batch %d/%d, %.1f batches/s, done in about %.0f s", epoch, b + 1,
                            perEpoch, rate, Double(p.epochs * perEpoch - step - 1) / rate))
                }
                return .trained
            }, completed: { _ in })
    }

    /// One batch for each model: the single-phase update, the three-phase update, BP's step.
    mutating func trainBatch(
        _ idx: [Int], eta: Double, stream: UInt64, _ d: Lesson08Data, _ p: Lesson08Parameters
    ) throws {
        let x = d.train.x.rows(idx)
        let labels = idx.map { d.train.labels[$0] }
        let classes = d.train.classes
        let y = Matrix(rows: idx.count, cols: classes, data: labels.flatMap { p.settings.target($0, classes: classes) })
        let u = single.singlePhaseUpdate(
            x: x, targets: y, learningRate: eta, stream: stream, phase: p.phase, gains: gains)
        gains = u.gains
        single.apply(u.update)
        let rates = u.update.rates
        lastRates = (
            1000 * rates[1..<(rates.count - 1)].flatMap(\.data).reduce(0, +)
                / Double(rates[1..<(rates.count - 1)].map(\.count).reduce(0, +)),
            1000 * (rates.last?.data.reduce(0, +) ?? .nan) / Double(max(rates.last?.count ?? 0, 1))
        )
        three.train(x: x, labels: labels, learningRate: eta, stream: stream)
        var config = SGDConfig(learningRate: eta, batchSize: idx.count, loss: .mse)
        config.momentum = p.settings.momentum
        config.biasRate = p.settings.biasRate
        do { try bp.step(x: x.map { $0 * p.settings.inputRate }, y: y, config: config, epoch: 1) } catch {
            throw LessonError("BP: \(error)")
        }
        guard single.allFinite, three.allFinite else {
            throw LessonError("training diverged: non-finite weights in a spiking circuit; lower learning_rate")
        }
    }

    /// Test accuracy of the three models now.
    mutating func evaluate(epoch: Double, _ d: Lesson08Data, _ p: Lesson08Parameters) {
        let stream = 1 << 45 + UInt64(points.count) << 24
        let a = single.classify(d.test.x, stream: stream, window: p.testWindow).labels
        let b = three.classify(d.test.x, stream: stream + 1 << 22, window: p.testWindow).labels
        let bpAccuracy = 100 * bp.network.accuracy(d.test.x.map { $0 * p.settings.inputRate }, labels: d.test.labels)
        points.append(
            Lesson08Point(
                epoch: epoch, single: accuracyPercent(a, d.test.labels), three: accuracyPercent(b, d.test.labels),
                bp: bpAccuracy, hiddenRate: lastRates.hidden, outputRate: lastRates.output))
    }
}

// MARK: Raster

/// Events and bursts of the trained single-phase circuit for one training sample: the first six cells of each
/// Pyr layer, as [t (ms), raster row, 0 event / 1 burst].
func lesson08Raster(_ c: SpikingCircuit, _ d: Lesson08Data, _ p: Lesson08Parameters, gains: [Double]?)
    -> [[Double]]
{
    let spikes = c.singlePhaseRecording(
        Array(d.probe.x.row(0)), targets: Array(d.probe.y.row(0)), stream: 1 << 46, phase: p.phase,
        gains: gains ?? Array(repeating: 1, count: c.depth))
    return spikes.filter { $0.cell < 6 }.map {
        [$0.time, Double(($0.layer - 1) * 8 + $0.cell), $0.burst ? 1 : 0]
    }
}
