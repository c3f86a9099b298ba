import Foundation
import LessonKit
import NeuroModel

/// Lesson 5 — the microcircuit with spiking somas: Hebbian updates from spike counts approach frSF.
public let lesson05 = LessonDescriptor(
    number: 5, slug: "spiking-microcircuit", title: "The spiking microcircuit",
    claim: "With LIF somas, spike counts and burst-coded errors, the Hebbian update's angle to the rate-level frSF "
        + "update shrinks as the window T grows, and at the default T it is below 90° − ∠(frSF, BP), "
        + "so the update "
        + "still descends",
    parameters: [
        .integer("seed", in: 0...Int.max, "random seed"),
        .integer("hidden", in: 1...256, "Pyr cells per hidden layer"),
        .integer("hidden_layers", in: 1...4, "hidden layers"),
        .integer("batch", in: 1...512, "samples in the measured batch"),
        .real("window", in: 10...20_000, "default counting window T (ms)"),
        .real("t_min", in: 5...20_000, "shortest window of the sweep (ms)"),
        .real("t_max", in: 10...40_000, "longest window of the sweep (ms); windows double from t_min"),
        .real("dt", in: 0.01...1, "time step (ms); must divide t_ref = 2 ms"),
        .real("tau_syn", in: 0.5...200, "synaptic time constant τ_s (ms)"),
        .real("input_rate", in: 0.001...1, "input rate for a feature of 1 (spikes/ms)"),
        .real("burst_baseline", in: 0.001...1, "baseline burst rate ν₀ of the error channel (spikes/ms)"),
        .real("weight_scale", in: 0.01...20, "forward weights ~ U(±a), a = weight_scale / (0.05 √n_in) (nA·ms)"),
        .real("bias", in: 0...10, "tonic drive of every Pyr cell (nA); rheobase is 1.5 nA")
    ],
    run: runLesson05, estimate: lesson05Estimate)

// MARK: Parameters

/// Lesson 5's parameters, read once.
struct Lesson05Parameters {
    let sizes: [Int]
    let batch: Int
    /// The default window T, where the descent claims are checked, and the sweep: t_min doubling to t_max, with T.
    let window: Double, windows: [Double]
    let settings: SpikingSettings
    let weightScale: Double, bias: Double

    init(_ p: ParameterValues) throws {
        var settings = SpikingSettings()
        settings.dt = p.real("dt")
        try requireStepDividesRefractory(settings.dt, Activation.lifCell.tRef)
        guard p.real("t_min") < p.real("t_max") else { throw LessonError.usage("t_min must be below t_max") }
        sizes = [4] + Array(repeating: p.integer("hidden"), count: p.integer("hidden_layers")) + [3]
        batch = p.integer("batch")
        window = p.real("window")
        var windows: [Double] = []
        var t = p.real("t_min")
        while t <= p.real("t_max") * (1 + 1e-9) {
            windows.append(t)
            t *= 2
        }
        if !windows.contains(window) {
            windows.append(window)
            windows.sort()
        }
        self.windows = windows
        settings.tauSynapse = p.real("tau_syn")
        settings.inputRate = p.real("input_rate")
        settings.burstBaseline = p.real("burst_baseline")
        settings.window = window
        self.settings = settings
        weightScale = p.real("weight_scale")
        bias = p.real("bias")
    }

    /// Number of weight layers L.
    var depth: Int { sizes.count - 1 }
}

func runLesson05(_ ctx: RunContext) throws {
    let p = try Lesson05Parameters(ctx.parameters)
    var rng = ctx.rng(1)
    var settings = p.settings
    settings.threads = ctx.threads
    let circuit = SpikingCircuit(
        sizes: p.sizes, settings: settings, weightScale: p.weightScale, bias: p.bias,
        rng: &rng)
    let data = YinYang.standard().train
    let idx = Array(0..<p.batch)
    let x = data.x.rows(idx)
    let y = Matrix(rows: p.batch, cols: 3, data: idx.flatMap { p.settings.target(data.labels[$0], classes: 3) })
    let prediction = lesson05Prediction(circuit, x: x, y: y)
    let sweep = windowSweep(circuit, prediction, x: x, y: y, p, ctx)
    let raster = forwardRaster(circuit, x: x, p)
    lesson05Checks(circuit, prediction, sweep, p, ctx)
    lesson05Records(prediction, sweep, p, ctx)
    lesson05Figures(prediction, sweep, raster, p, ctx)
}

// MARK: Prediction

/// The rate-level circuit (lesson 4) gives exactly the frSF update of the rate twin — the same weights with
/// r = the Siegert rate of the noisy LIF soma. This is the reference the spikes should approach; BP's update and
/// ∠(frSF, BP) per layer bound how far they may stray and still descend.
struct Lesson05Prediction {
    let frsf: [Matrix], bp: [Matrix], frsfToBP: [Double]
    /// Mean rate of the hidden and output cells of the twin (Hz).
    let meanRate: Double
}

func lesson05Prediction(_ circuit: SpikingCircuit, x: Matrix, y: Matrix) -> Lesson05Prediction {
    let settings = circuit.settings
    let rate = rateUpdates(
        Network(twinOf: circuit), magnitudes: circuit.feedbackMagnitudes, x: x, y: y, inputRate: settings.inputRate)
    let twinPass = Network(twinOf: circuit).forward(x.map { $0 * settings.inputRate })
    let hiddenRates = twinPass.rates.dropFirst()
    let hiddenCells = hiddenRates.map(\.count).reduce(0, +)
    return Lesson05Prediction(
        frsf: rate.frsf, bp: rate.bp, frsfToBP: rate.frsfToBP,
        meanRate: 1000 * hiddenRates.flatMap(\.data).reduce(0, +) / Double(hiddenCells))
}

// MARK: Simulation

/// The spiking update at every window of the sweep against the rate-level frSF update.
struct WindowSweep {
    /// [T, angle per layer…] and [T, sign-match fraction per layer…]
    var angleRows: [[Double]] = [], signRows: [[Double]] = []
    /// At the default window: angle per layer to frSF and to BP
    var angles: [Double] = [], toBP: [Double] = []
    /// At the default window: worst |spike-count rate − Siegert rate of the mean drive| of the output cells
    var rateError = 0.0
    var clipped = ""
}

/// One loop over windows; each runs the whole batch through the spiking circuit. The error channels' gains are
/// homeostatic (each population's own mean |ε| in this batch), never rate-level.
func windowSweep(
    _ circuit: SpikingCircuit, _ prediction: Lesson05Prediction, x: Matrix, y: Matrix,
    _ p: Lesson05Parameters, _ ctx: RunContext
) -> WindowSweep {
    var w = WindowSweep()
    let L = p.depth
    for T in p.windows {
        var c = circuit
        c.settings.window = T
        let u = c.update(x: x, targets: y, learningRate: 1, stream: 1000 + UInt64(T * 1000) << 16)
        let angles = zip(u.weights, prediction.frsf).map { angleDegrees($0, $1) }
        let signs = zip(u.weights, prediction.frsf).map { signMatchFraction($0.data, $1.data) }
        w.angleRows.append([T] + angles)
        w.signRows.append([T] + signs)
        ctx.log(
            "T = \(format(T)) ms: angle to rate-level frSF per layer "
                + angles.map { String(format: "%.1f°", $0) }.joined(separator: ", ") + "; sign match "
                + signs.map { String(format: "%.0f%%", 100 * $0) }.joined(separator: ", "))
        guard T == p.window else { continue }
        w.angles = angles
        w.toBP = zip(u.weights, prediction.bp).map { angleDegrees($0, $1) }
        // Output rates: spike count / T against the Siegert rate of the cell's mean drive.
        let f = c.forward(x, stream: 7)
        for s in 0..<p.batch {
            for k in 0..<p.sizes[L] {
                w.rateError = max(w.rateError, abs(f.rates[L][s, k] - Activation.lifNoisy.apply(f.basal[L - 1][s, k])))
            }
        }
        w.clipped = "\(u.clipped) of \(u.channels)"
    }
    return w
}

/// Spikes of the first four cells of each layer for the first sample: [t, raster row, population index].
func forwardRaster(_ circuit: SpikingCircuit, x: Matrix, _ p: Lesson05Parameters) -> [[Double]] {
    // Rows by layer, input at the bottom: input, Pyr 1, …, Pyr out; five rows per population.
    var rows: [[Double]] = []
    _ = circuit.forwardRecording(Array(x.row(0)), stream: 3) { spike in
        guard spike.cell < 4 else { return }
        rows.append([spike.time, Double(spike.layer) * 5 + Double(spike.cell), Double(spike.layer)])
    }
    return rows
}
