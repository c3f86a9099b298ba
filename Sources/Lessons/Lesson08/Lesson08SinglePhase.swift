import Foundation
import LessonKit
import NeuroModel

/// Lesson 8 — single-phase learning: the errors ride on bursts while the input runs, with no clock that separates
/// a forward phase from error phases.
public let lesson08 = LessonDescriptor(
    number: 8, slug: "single-phase", title: "Single-phase learning: errors in bursts",
    claim: "With the error multiplexed into bursts while the input runs, each layer's single-phase spiking update "
        + "approaches the rate-level frSF update as the window T grows, stays within 90° of BP, and, given the "
        + "three-phase circuit's time per sample, trains the circuit to within "
        + "\(format(Lesson08Claim.costOfOnePhase)) points of the three-phase circuit (same-seed gaps over seeds, "
        + "95 % confidence); Dale's principle and sign concordance hold after training",
    parameters: [
        .integer("seed", in: 0...Int.max, "random seed"),
        .choice("dataset", of: DatasetRequest.choices, "dataset; auto = what `lesson params 8` shows"),
        .text("data_dir", "folder with the dataset files (none = the Debian package's folder)"),
        .integer("hidden", in: 1...1024, "Pyr cells per hidden layer"),
        .integer("hidden_layers", in: 1...3, "hidden layers"),
        .integer("epochs", in: 1...1000, "training epochs"),
        .integer("evaluations", in: 1...20, "test-set evaluations per epoch"),
        .real("learning_rate", in: 1e-3...1e7, "η of every model (nA·ms per unit of ε·r)"),
        .real("bias_rate", in: 0.1...2000, "rate of the tonic source behind each bias (Hz)"),
        .real("momentum", in: 0...0.999, "decay of each synapse's eligibility trace per batch"),
        .real("warmup", in: 0...100, "linear warm-up of the plasticity tone (epochs)"),
        .real("target_low", in: 0...500, "teacher rate of the other classes (Hz)"),
        .real("target_high", in: 0...500, "teacher rate of the labelled class (Hz)"),
        .integer("batch", in: 1...4096, "mini-batch size"),
        .real("window", in: 10...5000, "counting window T of training (ms)"),
        .real(
            "single_window", in: 0...20_000,
            "single-phase training window (ms); 0 = the three-phase time per sample, window × (hidden_layers + 1)"),
        .real("test_window", in: 10...20000, "counting window when classifying test samples (ms)"),
        .real("burst_baseline", in: 1...1000, "baseline burst rate ν₀ (Hz)"),
        .real("burst_gain", in: 0.01...1, "mean burst deviation held at this fraction of ν₀"),
        .real("apical_tau", in: 1...1000, "time constant τ_a of the apical signal (ms)"),
        .real("rate_tau", in: 1...1000, "time constant τ_r of an output cell's own-spike trace (ms)"),
        .real("trace_tau", in: 1...1000, "time constant τ_u of a cell's drive trace (ms)"),
        .real(
            "lag", in: 0...1000, "error-loop lag per layer: layer l of L counts bursts lag·(L − l + 1) late (ms)"
        ),
        .real("homeostasis", in: 0...100, "rate homeostasis γ of hidden cells (nA per spikes/ms per batch; 0 = off)"),
        .real("rate_target", in: 1...200, "target rate of the rate homeostasis (Hz)"),
        .real("t_min", in: 10...20_000, "shortest window of the angle sweep (ms)"),
        .real("t_max", in: 20...40_000, "longest window of the angle sweep (ms); windows double from t_min"),
        .integer("probe", in: 8...10_000, "training samples in the probe batch for angles"),
        .real("dt", in: 0.01...1, "time step (ms); must divide t_ref = 2 ms"),
        .integer("train_limit", in: 0...10_000_000, "use only the first N training samples (0 = all)"),
        .integer("test_limit", in: 0...10_000_000, "use only the first N test samples (0 = all)")
    ],
    run: runLesson08, estimate: lesson08Estimate, notes: lesson08Notes)

// MARK: Parameters

/// Lesson 8's parameters, read once.
struct Lesson08Parameters {
    var hidden: Int, depth: Int, epochs: Int, evaluations: Int
    var learningRate: Double, warmup: Double
    var batch: Int, testWindow: Double, probe: Int, trainLimit: Int, testLimit: Int
    /// The single-phase circuit's training window (ms): by default the time the three-phase circuit spends on a
    /// sample, its forward window and one error window per hidden layer.
    var singleWindow: Double
    /// The angle sweep: t_min doubling up to t_max (ms).
    var windows: [Double]
    let data: DatasetRequest
    var settings = SpikingSettings()
    var phase = SinglePhaseSettings()

    init(_ p: ParameterValues) throws {
        hidden = p.integer("hidden")
        depth = p.integer("hidden_layers")
        epochs = p.integer("epochs")
        evaluations = p.integer("evaluations")
        learningRate = p.real("learning_rate")
        warmup = p.real("warmup")
        batch = p.integer("batch")
        testWindow = p.real("test_window")
        probe = p.integer("probe")
        trainLimit = p.integer("train_limit")
        testLimit = p.integer("test_limit")
        data = try DatasetRequest(p)
        guard p.real("t_min") < p.real("t_max") else { throw LessonError.usage("t_min must be below t_max") }
        windows = []
        var t = p.real("t_min")
        while t <= p.real("t_max") * (1 + 1e-9) {
            windows.append(t)
            t *= 2
        }
        settings.window = p.real("window")
        singleWindow = p.real("single_window") > 0 ? p.real("single_window") : settings.window * Double(depth + 1)
        settings.dt = p.real("dt")
        settings.biasRate = p.real("bias_rate") / 1000
        settings.momentum = p.real("momentum")
        settings.targetLow = p.real("target_low") / 1000
        settings.targetHigh = p.real("target_high") / 1000
        // Both circuits share one burst code, baseline and gain (lesson 8's ν₀ is 200 Hz, lesson 7's 100 Hz: the
        // three-phase circuit trained the same at 100, 200 and 400 Hz; the notebook's Findings).
        settings.burstBaseline = p.real("burst_baseline") / 1000
        settings.gainTarget = p.real("burst_gain")
        phase.baseline = settings.burstBaseline
        phase.gainTarget = settings.gainTarget
        phase.apicalTau = p.real("apical_tau")
        phase.rateTau = p.real("rate_tau")
        phase.traceTau = p.real("trace_tau")
        phase.lag = p.real("lag")
        phase.homeostasis = p.real("homeostasis")
        phase.rateTarget = p.real("rate_target") / 1000
        try requireStepDividesRefractory(settings.dt, settings.cell.tRef)
        guard settings.targetHigh > settings.targetLow else {
            throw LessonError.usage("target_high must be above target_low")
        }
    }

    func sizes(_ data: Dataset) -> [Int] { [data.x.cols] + Array(repeating: hidden, count: depth) + [data.classes] }
}

func runLesson08(_ ctx: RunContext) throws {
    var p = try Lesson08Parameters(ctx.parameters)
    p.settings.threads = ctx.threads
    setBLASThreads(blasThreadsPerRun)  // parallelism is over samples; products stay reproducible
    let d = try lesson08Data(ctx, p)
    var rng = ctx.rng(80)
    let start = SpikingCircuit(sizes: p.sizes(d.train), settings: p.settings, rng: &rng)
    let prediction = lesson08Prediction(start, d)
    let sweep = try lesson08Sweep(start, prediction, d, p, ctx)
    var training = Lesson08Training(start: start, p)
    let stop = withGracefulInterrupt { () -> LessonError? in
        do { try training.run(d, p, ctx) } catch let e as LessonError { return e } catch {
            return LessonError("\(error)")
        }
        return nil
    }
    let raster = lesson08Raster(training.single, d, p, gains: training.gains)
    lesson08Checks(start, prediction, sweep, training, d, p, ctx, complete: stop == nil)
    lesson08Records(prediction, sweep, training, d, p, ctx)
    lesson08ExerciseRecords(p, ctx)
    lesson08Figures(sweep, training, raster, d, p, ctx)
    if let stop { throw stop }
}

/// Exercise values (lessons/08-single-phase.md, ## Exercises): the single-phase window, the bursts a window holds
/// at the baseline and their relative noise 1/√(ν₀T) in % (here and at 200 ms, 100 Hz), and the per-loop lag
/// that matches traces twice as slow (the mean of 2τ_r and 2τ_a).
func lesson08ExerciseRecords(_ p: Lesson08Parameters, _ ctx: RunContext) {
    let bursts = p.settings.burstBaseline * p.singleWindow
    ctx.record("ex_single_window", p.singleWindow)
    ctx.record("ex_bursts_per_window", bursts)
    ctx.record("ex_burst_noise", 100 / bursts.squareRoot())
    ctx.record("ex_burst_noise_200_100", 100 / (0.1 * 200).squareRoot())
    ctx.record("ex_burst_noise_ratio", bursts.squareRoot() / (0.1 * 200).squareRoot())
    ctx.record("ex_lag_doubled_taus", p.phase.rateTau + p.phase.apicalTau)
}

/// The dataset (limited as asked) and the probe batch with its teacher rates.
struct Lesson08Data {
    let train: Dataset, test: Dataset, name: String
    let probe: (x: Matrix, y: Matrix)
}

func lesson08Data(_ ctx: RunContext, _ p: Lesson08Parameters) throws -> Lesson08Data {
    let loaded = try loadDataset(p.data, log: ctx.log)
    var train = loaded.train
    var test = loaded.test
    if p.trainLimit > 0 && p.trainLimit < train.count { train = train.prefix(p.trainLimit) }
    if p.testLimit > 0 && p.testLimit < test.count { test = test.prefix(p.testLimit) }
    let batches = (train.count + p.batch - 1) / p.batch
    guard p.evaluations <= batches else {
        throw LessonError(
            "evaluations = \(p.evaluations), but an epoch of \(train.count) training samples has only \(batches) "
                + "batches of \(p.batch); set evaluations ≤ \(batches) or use more training samples")
    }
    try requireAttainableLearnedCheck(testCount: test.count, classes: test.classes)
    var order = ctx.rng(81)
    let idx = Array(order.permutation(train.count).prefix(min(p.probe, train.count)))
    let y = Matrix(
        rows: idx.count, cols: train.classes,
        data: idx.flatMap { p.settings.target(train.labels[$0], classes: train.classes) })
    ctx.record("dataset", "\(loaded.name) (\(train.count) training, \(test.count) test samples)")
    return Lesson08Data(train: train, test: test, name: loaded.name, probe: (train.x.rows(idx), y))
}

// MARK: Prediction

/// At rate level the expected burst deviation of cell j is β ε_j, so the expected single-phase update is frSF's
/// (the three-phase circuit's target too). The reference: frSF and BP on the probe batch at the start, and
/// ∠(frSF, BP) per layer, which bounds how far a spiking estimate of frSF may stray and still descend.
struct Lesson08Prediction {
    let frsf: [Matrix], bp: [Matrix], frsfToBP: [Double]
}

func lesson08Prediction(_ c: SpikingCircuit, _ d: Lesson08Data) -> Lesson08Prediction {
    let r = rateUpdates(
        Network(twinOf: c), magnitudes: c.feedbackMagnitudes, x: d.probe.x, y: d.probe.y,
        inputRate: c.settings.inputRate)
    return Lesson08Prediction(frsf: r.frsf, bp: r.bp, frsfToBP: r.frsfToBP)
}

/// What `lesson params 8` adds to the values: what `dataset = auto` finds, and the single-phase window that
/// `single_window = 0` selects.
@Sendable func lesson08Notes(_ values: ParameterValues) -> [String: String] {
    var notes = datasetNotes(values)
    if let p = try? Lesson08Parameters(values), values.real("single_window") == 0 {
        notes["single_window"] = "0 selects \(format(p.singleWindow)) ms, window × (hidden_layers + 1)"
    }
    return notes
}

// MARK: Work estimate

/// Lesson 8: synapse-samples of the spiking circuits. The single-phase kernel runs about 2·10⁸ synapse-samples per
/// second on two cores at dt = 0.5 ms and T = 200 ms, the three-phase one about 4.5·10⁸ (lesson 7); one core
/// does half.
@Sendable func lesson08Estimate(_ values: ParameterValues) throws -> WorkEstimate {
    let p = try Lesson08Parameters(values)
    let d = datasetShape(p.data, trainLimit: p.trainLimit, testLimit: p.testLimit)
    let n = synapses([d.inputs] + Array(repeating: p.hidden, count: p.depth) + [d.classes])
    let single = (p.singleWindow + p.settings.settle + p.phase.lag * Double(p.depth + 1)) / 250
    let three = (p.settings.window + p.settings.settle) / 250
    let train = Double(p.epochs * d.train) * n * (single / 2e8 + three / 4.5e8)
    let test = Double(2 * p.epochs * p.evaluations * d.test) * n * (p.testWindow + 50) / 250 / 4.5e8
    let sweep = Double(p.probe) * n * p.windows.reduce(0) { $0 + ($1 + 50) / 250 } * 3 / 2e8
    let seconds = (train + test + sweep) * pow(0.5 / p.settings.dt, 0.55)
    return WorkEstimate(
        operations: 2 * seconds * 1e8, operationsPerSecond: 1e8, bytes: 16 * Double((d.train + d.test) * d.inputs),
        hint: "lower hidden, epochs or evaluations, raise dt, shorten window or test_window, or set train_limit")
}
