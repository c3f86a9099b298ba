import Foundation
import NeuroModel

/// The claims on the gaps to BP (points, mean over seeds): the spiking circuit's, and its rate twin's (the
/// twin is frSF, so lesson 6's claim).
let spikingGapClaim = 3.0
let twinGapClaim = lesson06GapClaim

/// Lesson 7 — the spiking microcircuit trained on a full dataset, beside its rate-level twin and BP.
public let lesson07 = LessonDescriptor(
    number: 7, slug: "spiking-training", title: "Training the spiking microcircuit",
    claim:
        "Trained on the full training set, the spiking microcircuit's test accuracy is within "
        + "\(format(spikingGapClaim)) points of BP's "
        + "(same LIF network, loss, batches and start; the same-seed gap, over seeds with 95 % confidence) and its "
        + "rate-level twin's within \(format(twinGapClaim)); every hidden layer's "
        + "spiking update stays within 90° of BP; Dale's principle and sign concordance hold after training",
    parameters: [
        .integer("seed", in: 0...Int.max, "random seed"),
        .choice(
            "dataset", of: ["auto", "fashion-mnist", "mnist", "cifar10"],
            "dataset; auto = Fashion-MNIST from the Debian package"),
        .text("data_dir", "folder with the dataset files (none = the Debian package's folder)"),
        .integer("hidden", in: 1...1024, "Pyr cells per hidden layer"),
        .list("depths", of: ["1", "2", "3"], "numbers of hidden layers to train"),
        .list("routes", of: RouteMode.allCases.map(\.rawValue), "route modes to train"),
        .integer("epochs", in: 1...1000, "training epochs"),
        .real("learning_rate", in: 1e-3...1e7, "η of every rule (nA·ms per unit of ε·r)"),
        .integer("batch", in: 1...4096, "mini-batch size"),
        .real("window", in: 10...5000, "counting window T of every phase (ms)"),
        .real("dt", in: 0.01...1, "time step (ms); must divide t_ref = 2 ms"),
        .integer("probe", in: 8...10_000, "training samples in the fixed probe batch for angles"),
        .integer("dt_check", in: 0...100_000, "test samples classified again at dt = 0.1 ms (0 = skip)"),
        .integer("train_limit", in: 0...10_000_000, "use only the first N training samples (0 = all)"),
        .integer("test_limit", in: 0...10_000_000, "use only the first N test samples (0 = all)")
    ],
    run: runLesson07, summary: lesson07Summary, estimate: lesson07Estimate)

/// Test accuracy of every trained model, mean ± sd over seeds.
@Sendable func lesson07Summary(_ n: SeedNumbers) -> [String: String] {
    var table = MarkdownTable([])
    for depth in 1...3 {
        for arm in ["spiking moving", "spiking fixed", "rate frSF", "BP"] {
            let v = n.text("accuracy_\(depth)_\(arm.replacingOccurrences(of: " ", with: "_"))", digits: 2)
            if v != "—" { table.append(["\(depth)", arm, "\(v) %"]) }
        }
    }
    return ["seed_table": table.bodyText]
}

// MARK: Parameters

/// Lesson 7's parameters, read once.
struct Lesson07Parameters {
    var hidden: Int, depths: [Int], routes: [RouteMode], epochs: Int
    var learningRate: Double, batch: Int, probe: Int, dtCheck: Int, trainLimit: Int, testLimit: Int
    let data: DatasetRequest
    var settings = SpikingSettings()

    init(_ p: ParameterValues) throws {
        hidden = p.integer("hidden")
        depths = try p.list("depths", as: { Int($0) })
        routes = try p.list("routes", as: RouteMode.init(rawValue:))
        epochs = p.integer("epochs")
        learningRate = p.real("learning_rate")
        batch = p.integer("batch")
        probe = p.integer("probe")
        dtCheck = p.integer("dt_check")
        trainLimit = p.integer("train_limit")
        testLimit = p.integer("test_limit")
        data = try DatasetRequest(p)
        settings.window = p.real("window")
        settings.dt = p.real("dt")
        try requireStepDividesRefractory(settings.dt, Activation.lifCell.tRef)
    }

    func sizes(_ depth: Int, data: Dataset) -> [Int] {
        [data.x.cols] + Array(repeating: hidden, count: depth) + [data.classes]
    }
}

/// One trained model's per-epoch record: [epoch, test accuracy %, angle to BP per layer…, angle to the rate
/// frSF update per layer…, tied fraction, clipped burst fraction] (spiking) or [epoch, accuracy %, angle to BP
/// per layer…] (rate models).
struct Arm: Codable {
    var name: String
    var history: [[Double]] = []
    var circuit: SpikingCircuitState?
    var network: [[Double]]?
}

/// One depth's training state: every arm, saved after each epoch.
struct DepthRun: Codable {
    var depth: Int
    var epoch = 0
    var arms: [Arm]
    var seconds: [Double] = []
}

// MARK: Prediction

/// Rate-level geometry at the start, on the probe batch: ∠(frSF, BP) per layer of the twin network. It bounds
/// how well the spiking update can align with BP: ∠(spike, BP) ≤ ∠(spike, frSF) + ∠(frSF, BP).
func lesson07Prediction(_ circuit: SpikingCircuit, probe: (x: Matrix, y: Matrix)) -> [Double] {
    let twin = rateTwin(circuit)
    return rateAngles(twin, magnitudes: circuit.feedbackMagnitudes, probe: probe, inputRate: circuit.settings.inputRate)
        .frsfToBP
}

/// The rate network with the circuit's weights and biases: r = Siegert rate of the noisy LIF soma.
func rateTwin(_ c: SpikingCircuit) -> Network {
    Network(layers: zip(c.weights, c.biases).map { Layer(w: $0, b: $1) }, hidden: .lifNoisy, output: .lifNoisy)
}

/// frSF and BP updates of a rate network on the probe batch, and their angle per layer.
func rateAngles(_ net: Network, magnitudes: [Matrix], probe: (x: Matrix, y: Matrix), inputRate: Double)
    -> (frsf: [Matrix], bp: [Matrix], frsfToBP: [Double])
{
    let pass = net.forward(probe.x.map { $0 * inputRate })
    let frsf = net.gradients(pass, targets: probe.y, loss: .mse, feedback: Feedback(rule: .frsf, matrices: magnitudes))
    let bp = net.gradients(pass, targets: probe.y, loss: .mse, feedback: .bp)
    let f = frsf.dW.map { $0.map { -$0 } }
    let b = bp.dW.map { $0.map { -$0 } }
    return (f, b, zip(f, b).map { angleDegrees($0, $1) })
}

// MARK: Simulation

/// Everything the simulation of one depth needs besides its state.
struct Lesson07Data {
    let train: Dataset, test: Dataset, name: String
    let probe: (x: Matrix, y: Matrix)
    let fingerprint: String
}

func runLesson07(_ ctx: RunContext) throws {
    var p = try Lesson07Parameters(ctx.parameters)
    p.settings.threads = ctx.threads
    let data = try lesson07Data(ctx, p)
    var runs: [DepthRun] = []
    setBLASThreads(1)  // parallelism is over samples; small products stay single-threaded and reproducible
    var predictions: [String] = []
    let stop = trainUnderInterrupt(ctx) {
        for depth in p.depths {
            let start = startCircuit(depth, p, data, ctx)
            // Hidden layers only: the output layer's frSF update is BP's.
            let frsfToBP = lesson07Prediction(start, probe: data.probe).dropLast()
            predictions.append(
                "\(depth) hidden: "
                    + frsfToBP.enumerated()
                    .map { "layer \($0.offset + 1) \(String(format: "%.1f°", $0.element))" }.joined(separator: ", "))
            do { runs.append(try trainDepth(start, p, data, ctx)) } catch let e as LessonError { return e } catch {
                return LessonError("\(error)")
            }
        }
        return nil
    }
    ctx.record("prediction", predictions.joined(separator: "; "))
    if stop == nil, let first = runs.first { try lesson07DtCheck(first, p, data, ctx) }
    try lesson07Checks(runs, p, data, ctx, complete: stop == nil)
    lesson07Figures(runs, p, data, ctx)
    if let stop { throw stop }
}

func lesson07Data(_ ctx: RunContext, _ p: Lesson07Parameters) throws -> Lesson07Data {
    let loaded = try loadLesson6Data(p.data, log: ctx.log)
    var train = loaded.train
    var test = loaded.test
    let name = loaded.name
    let trainLimit = p.trainLimit
    let testLimit = p.testLimit
    if trainLimit > 0 && trainLimit < train.count { train = train.prefix(trainLimit) }
    if testLimit > 0 && testLimit < test.count { test = test.prefix(testLimit) }
    var order = ctx.rng(71)
    let idx = Array(order.permutation(train.count).prefix(min(p.probe, train.count)))
    let y = Matrix(
        rows: idx.count, cols: train.classes,
        data: idx.flatMap { p.settings.target(train.labels[$0], classes: train.classes) })
    let fingerprint =
        "lesson 7; seed \(ctx.seed); "
        + ctx.parameters.ordered.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
        + "; data \(name) \(train.count)/\(test.count)"
    ctx.record("dataset", "\(name) (\(train.count) training, \(test.count) test samples)")
    return Lesson07Data(train: train, test: test, name: name, probe: (train.x.rows(idx), y), fingerprint: fingerprint)
}

/// The shared start of every model of one depth: weights, biases and |R| drawn from the run's seed.
func startCircuit(_ depth: Int, _ p: Lesson07Parameters, _ d: Lesson07Data, _ ctx: RunContext) -> SpikingCircuit {
    var rng = ctx.rng(70 + UInt64(depth))
    var settings = p.settings
    settings.threads = ctx.threads
    return SpikingCircuit(sizes: p.sizes(depth, data: d.train), settings: settings, rng: &rng)
}

/// Trains every arm of one depth (spiking circuits in each route mode, the rate twin, BP) on the same batches
/// from the same start, one epoch at a time, with a checkpoint after each epoch.
func trainDepth(_ start: SpikingCircuit, _ p: Lesson07Parameters, _ d: Lesson07Data, _ ctx: RunContext) throws
    -> DepthRun
{
    let sizes = start.sizes
    let depth = start.depth - 1
    let path = (ctx.folder as NSString).appendingPathComponent("checkpoint-depth\(depth).json")
    var run = DepthRun(
        depth: depth,
        arms: p.routes.map { Arm(name: "spiking \($0.rawValue)", circuit: start.state) }
            + [
                Arm(name: "rate frSF", network: flatLayers(rateTwin(start))),
                Arm(name: "BP", network: flatLayers(rateTwin(start)))
            ])
    let fingerprint = d.fingerprint + "; depth \(depth)"
    if ctx.resume,
        let saved = try EpochCheckpoint<DepthRun>.load(
            from: ctx.checkpointToResume((path as NSString).lastPathComponent), fingerprint: fingerprint,
            epochs: p.epochs)
    {
        run = saved.state
        ctx.log("depth \(depth): resumed from the checkpoint of epoch \(run.epoch)")
    }
    var models = try Lesson07Models(run, start: start, sizes: sizes, p)
    if run.epoch == 0 { try models.record(into: &run, epoch: 0, d, ctx) }
    var clock = Date()
    try trainEpochs(
        from: run.epoch + 1, through: p.epochs, ctx,
        interrupted: { epoch in
            LessonError(interruptedMessage("before epoch \(epoch) of depth \(depth); checkpoints", ctx))
        },
        train: { epoch in
            clock = Date()
            try models.trainEpoch(epoch, p, d, ctx, depth: depth)
            run.epoch = epoch
            return .trained
        },
        completed: { _ in
            run.seconds.append(Date().timeIntervalSince(clock))
            try models.record(into: &run, epoch: run.epoch, d, ctx)
            for arm in run.arms {
                ctx.plotLive("\(arm.name), depth \(depth)", epoch: run.epoch, value: arm.history.last?[1] ?? .nan)
            }
            try EpochCheckpoint(fingerprint: fingerprint, epoch: run.epoch, state: run).save(to: path)
            logEpoch(run, p, ctx)
        })
    return run
}

func logEpoch(_ run: DepthRun, _ p: Lesson07Parameters, _ ctx: RunContext) {
    let accuracies = run.arms.map { "\($0.name) \(String(format: "%.2f", $0.history.last?[1] ?? .nan)) %" }
    let mean = run.seconds.reduce(0, +) / Double(max(run.seconds.count, 1))
    let eta = mean * Double(p.epochs - run.epoch)
    ctx.log(
        "depth \(run.depth), epoch \(run.epoch)/\(p.epochs): " + accuracies.joined(separator: ", ")
            + String(format: "; %.0f s, this depth done in about %.0f s", run.seconds.last ?? 0, eta))
}

/// The live models of one depth, rebuilt from (and written back to) a `DepthRun`.
struct Lesson07Models {
    var circuits: [SpikingCircuit]
    var twin: Learner, bp: Learner
    let sizes: [Int]
    let inputRate: Double

    init(_ run: DepthRun, start: SpikingCircuit, sizes: [Int], _ p: Lesson07Parameters) throws {
        self.sizes = sizes
        inputRate = p.settings.inputRate
        var settings = p.settings
        circuits = try p.routes.enumerated().map { i, mode in
            settings.routes = mode
            guard let s = run.arms[i].circuit else { throw LessonError("checkpoint lacks the \(mode) circuit") }
            return try SpikingCircuit(restoring: s, sizes: sizes, settings: settings)
        }
        func network(_ arm: Arm) throws -> Network {
            guard let w = arm.network, w.count == sizes.count - 1 else {
                throw LessonError("checkpoint lacks \(arm.name); delete it")
            }
            var net = rateTwin(start)
            for l in net.layers.indices {
                let n = net.layers[l].w.count
                guard w[l].count == n + net.layers[l].b.count, w[l].allSatisfy(\.isFinite) else {
                    throw LessonError("checkpoint: \(arm.name) has the wrong shape or non-finite weights; delete it")
                }
                net.layers[l] = Layer(
                    w: Matrix(
                        rows: net.layers[l].w.rows, cols: net.layers[l].w.cols,
                        data: Array(w[l][..<n])), b: Array(w[l][n...]))
            }
            return net
        }
        let k = p.routes.count
        twin = Learner(
            network: try network(run.arms[k]),
            feedback: Feedback(rule: .frsf, matrices: start.feedbackMagnitudes), rng: SplitMix64(seed: 0))
        bp = Learner(
            network: try network(run.arms[k + 1]), feedback: .bp,
            rng: SplitMix64(seed: 0))
    }

    /// One epoch in a shared random order; every model sees the same batches.
    mutating func trainEpoch(_ epoch: Int, _ p: Lesson07Parameters, _ d: Lesson07Data, _ ctx: RunContext, depth: Int)
        throws
    {
        var orderRNG = ctx.rng(72).fork(UInt64(epoch))
        let order = orderRNG.permutation(d.train.count)
        let config = SGDConfig(learningRate: p.learningRate, batchSize: p.batch, loss: .mse)
        let clock = Date()
        var lastLog = clock
        for start in stride(from: 0, to: order.count, by: p.batch) {
            let idx = Array(order[start..<min(start + p.batch, order.count)])
            let x = d.train.x.rows(idx)
            let labels = idx.map { d.train.labels[$0] }
            for c in circuits.indices {
                circuits[c].train(
                    x: x, labels: labels, learningRate: p.learningRate,
                    stream: UInt64(epoch) << 32 + UInt64(start))
                guard circuits[c].allFinite else {
                    throw LessonError(
                        "training diverged: spiking circuit (\(circuits[c].settings.routes.rawValue) "
                            + "routes), depth \(depth), epoch \(epoch): non-finite weights; lower learning_rate")
                }
            }
            let y = Matrix(
                rows: idx.count, cols: sizes.last ?? 1,
                data: labels.flatMap { p.settings.target($0, classes: sizes.last ?? 1) })
            let xr = x.map { $0 * p.settings.inputRate }
            do {
                try twin.step(x: xr, y: y, config: config, epoch: epoch)
                try bp.step(x: xr, y: y, config: config, epoch: epoch)
            } catch { throw LessonError("\(error)") }
            if Date().timeIntervalSince(lastLog) > 20 {
                lastLog = Date()
                let done = start + idx.count
                let rate = Double(done) / lastLog.timeIntervalSince(clock)
                ctx.log(
                    String(
                        format: "depth %d, epoch %d: %d/%d samples, %.0f samples/s, epoch done in about %.0f s",
                        depth, epoch, done, order.count, rate, Double(order.count - done) / rate))
            }
        }
    }

    /// Test accuracy and probe-batch angles of every model after `epoch`, appended to the run's histories.
    func record(into run: inout DepthRun, epoch: Int, _ d: Lesson07Data, _ ctx: RunContext) throws {
        let L = sizes.count - 1
        for (i, c) in circuits.enumerated() {
            let (labels, tied) = c.classify(d.test.x, stream: 1 << 40 + UInt64(epoch) << 24)
            let u = c.update(x: d.probe.x, targets: d.probe.y, learningRate: 1, stream: 1 << 41 + UInt64(epoch) << 24)
            let rate = rateAngles(
                rateTwin(c), magnitudes: c.feedbackMagnitudes, probe: d.probe,
                inputRate: c.settings.inputRate)
            let toBP = (0..<L).map { angleDegrees(u.weights[$0], rate.bp[$0]) }
            let toFrSF = (0..<L).map { angleDegrees(u.weights[$0], rate.frsf[$0]) }
            run.arms[i].history.append(
                [Double(epoch), accuracyPercent(labels, d.test.labels)] + toBP + toFrSF
                    + [tied, Double(u.clipped) / Double(max(u.channels, 1))])
            run.arms[i].circuit = c.state
        }
        let k = circuits.count
        for (i, learner) in [twin, bp].enumerated() {
            let out = learner.network.forward(d.test.x.map { $0 * inputRate }).output
            let predicted = (0..<out.rows).map { s in (0..<out.cols).max { out[s, $0] < out[s, $1] } ?? 0 }
            // The twin's angle to BP on the probe batch; BP's own is 0 by definition.
            let own =
                i == 0
                ? rateAngles(learner.network, magnitudes: twin.feedback.matrices, probe: d.probe, inputRate: inputRate)
                    .frsfToBP
                : Array(repeating: 0, count: L)
            run.arms[k + i].history.append([Double(epoch), accuracyPercent(predicted, d.test.labels)] + own)
            run.arms[k + i].network = flatLayers(learner.network)
        }
    }
}

/// Each layer's weights followed by its biases (checkpoints).
func flatLayers(_ n: Network) -> [[Double]] { n.layers.map { $0.w.data + $0.b } }

func accuracyPercent(_ predicted: [Int], _ labels: [Int]) -> Double {
    100 * Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(max(labels.count, 1))
}

/// dt-independence: the first depth's first trained circuit classifies test samples again at dt = 0.1 ms.
/// A trained state that cannot be restored is an error, never a check that silently disappears.
func lesson07DtCheck(_ run: DepthRun, _ p: Lesson07Parameters, _ d: Lesson07Data, _ ctx: RunContext) throws {
    guard p.dtCheck > 0, p.settings.dt != 0.1, let state = run.arms.first?.circuit else { return }
    let n = min(p.dtCheck, d.test.count)
    let x = d.test.x.rows(Array(0..<n))
    let labels = Array(d.test.labels[0..<n])
    var fine = p.settings
    fine.dt = 0.1
    let sizes = p.sizes(run.depth, data: d.train)
    let coarseCircuit = try SpikingCircuit(restoring: state, sizes: sizes, settings: p.settings)
    let fineCircuit = try SpikingCircuit(restoring: state, sizes: sizes, settings: fine)
    let coarse = coarseCircuit.classify(x, stream: 1 << 42).labels
    let sharp = fineCircuit.classify(x, stream: 1 << 43).labels
    let disagree = Double(zip(coarse, sharp).filter { $0 != $1 }.count) / Double(n)
    // Paired difference of two accuracies on the same samples: Var ≤ P(disagree)/n; 4 standard errors.
    let se = (disagree / Double(n)).squareRoot()
    let diff = accuracyPercent(coarse, labels) - accuracyPercent(sharp, labels)
    ctx.check(
        .atMost(
            "dt 0.5 vs 0.1 ms: |test accuracy difference| on \(n) samples (4 paired SE)",
            observed: abs(diff), bound: samplingErrorMultiple * 100 * se, unit: "points"))
    ctx.record(
        "dt_check",
        String(
            format: "%.2f %% at dt = %@ ms, %.2f %% at dt = 0.1 ms on %d test samples "
                + "(%.1f %% of predictions differ)", accuracyPercent(coarse, labels), format(p.settings.dt),
            accuracyPercent(sharp, labels), n, 100 * disagree))
}

// MARK: Checks

func lesson07Checks(
    _ runs: [DepthRun], _ p: Lesson07Parameters, _ d: Lesson07Data, _ ctx: RunContext,
    complete: Bool
) throws {
    let chance = 100 / Double(d.train.classes)
    for run in runs {
        let k = p.routes.count
        let L = run.depth + 1
        guard let bp = run.arms[k + 1].history.last?[1], let twin = run.arms[k].history.last?[1] else { continue }
        let tag = "\(run.depth) hidden"
        // BP must have learned for a comparison with BP to mean anything: above chance by 4 binomial SEs.
        let se = 100 * (chance / 100 * (1 - chance / 100) / Double(d.test.count)).squareRoot()
        ctx.check(
            .atLeast(
                "\(tag): BP test accuracy above chance (\(format(chance)) % + \(format(samplingErrorMultiple)) SE)",
                observed: bp,
                bound: chance + samplingErrorMultiple * se, unit: "%"))
        // Accuracy gaps are paired (same seed: same start, batches and test set) and claimed over seeds.
        if complete {
            ctx.check(
                .atMost(
                    "\(tag): BP's test accuracy minus the rate frSF twin's",
                    id: "depth-\(run.depth)-twin-gap",
                    observed: bp - twin, bound: twinGapClaim, unit: "points"
                ).overSeeds)
        }
        for (i, mode) in p.routes.enumerated() {
            let arm = run.arms[i]
            if complete, let acc = arm.history.last?[1] {
                ctx.check(
                    .atMost(
                        "\(tag), \(mode.rawValue) routes: BP's test accuracy minus the spiking circuit's",
                        id: "depth-\(run.depth)-\(mode.rawValue)-spiking-gap", observed: bp - acc,
                        bound: spikingGapClaim,
                        unit: "points"
                    ).overSeeds)
            }
            for l in 0..<(L - 1) {
                let worst = arm.history.map { $0[2 + l] }.max() ?? .nan
                ctx.check(
                    .atMost(
                        "\(tag), \(mode.rawValue): hidden layer \(l + 1) angle to BP, max over epochs",
                        observed: worst, bound: descentAngleBound, unit: "°"))
            }
            if let s = arm.circuit {
                let c = try SpikingCircuit(restoring: s, sizes: p.sizes(run.depth, data: d.train), settings: p.settings)
                let synapses = synapseCount(p.sizes(run.depth, data: d.train))
                ctx.check(
                    .none(
                        "\(tag), \(mode.rawValue): synapses against their route (Dale)",
                        violations: c.daleViolations, of: synapses))
                ctx.check(
                    .none(
                        "\(tag), \(mode.rawValue): pairs with sign(B) ≠ sign(Wᵀ)",
                        violations: c.signMismatches,
                        of: synapseCount(p.sizes(run.depth, data: d.train), fromLayer: 2)))
            }
        }
    }
    lesson07Records(runs, p, ctx)
}

func lesson07Records(_ runs: [DepthRun], _ p: Lesson07Parameters, _ ctx: RunContext) {
    var table = MarkdownTable([])  // the header is in the notebook
    for run in runs {
        let L = run.depth + 1
        for arm in run.arms {
            guard let last = arm.history.last else { continue }
            // Spiking rows hold angles to BP and to rate frSF per layer; the twin's row its frSF-to-BP angles.
            let angles: String
            if arm.name.hasPrefix("spiking") {
                angles = (0..<(L - 1)).map { String(format: "%.1f° / %.1f°", last[2 + $0], last[2 + L + $0]) }
                    .joined(separator: ", ")
            } else if arm.name == "BP" {
                angles = "—"
            } else {
                angles = (0..<(L - 1)).map { String(format: "%.1f°", last[2 + $0]) }.joined(separator: ", ")
            }
            table.append(["\(run.depth)", arm.name, String(format: "%.2f", last[1]) + " %", angles])
            ctx.record("accuracy_\(run.depth)_\(arm.name.replacingOccurrences(of: " ", with: "_"))", last[1])
        }
    }
    ctx.record("accuracy_table", table.bodyText)
    // history rows of the spiking arms end with [tied fraction, clipped burst fraction].
    let readout = runs.flatMap { run in
        run.arms.filter { $0.name.hasPrefix("spiking") }.compactMap { arm -> String? in
            guard let last = arm.history.last, last.count >= 2 else { return nil }
            return String(
                format: "%d hidden, %@: %.1f %% tied, %.2f %% clipped", run.depth,
                String(arm.name.dropFirst("spiking ".count)), 100 * last[last.count - 2],
                100 * last[last.count - 1])
        }
    }
    ctx.record("readout", readout.joined(separator: "; "))
    ctx.recordTiming(
        "timing",
        runs.map { run in
            let total = run.seconds.reduce(0, +)
            return String(
                format: "%d hidden: %.0f s per epoch for all arms", run.depth,
                total / Double(max(run.seconds.count, 1)))
        }.joined(separator: "; "))
    if p.routes.count == 2 {
        let cost = runs.compactMap { run -> String? in
            guard let a = run.arms[0].history.last?[1], let b = run.arms[1].history.last?[1] else { return nil }
            return String(format: "%d hidden: fixed minus moving %+.2f points", run.depth, b - a)
        }
        ctx.record("fixed_cost", cost.joined(separator: "; "))
    } else {
        ctx.record("fixed_cost", "not measured (one route mode)")
    }
    if ctx.values["dt_check"] == nil { ctx.record("dt_check", "not run") }
}

// MARK: Figures

func lesson07Figures(_ runs: [DepthRun], _ p: Lesson07Parameters, _ d: Lesson07Data, _ ctx: RunContext) {
    lesson07AccuracyFigure(runs, p, d, ctx)
    lesson07AngleFigure(runs, p, ctx)
}

/// Test accuracy per epoch of every model, one panel per depth.
func lesson07AccuracyFigure(_ runs: [DepthRun], _ p: Lesson07Parameters, _ d: Lesson07Data, _ ctx: RunContext) {
    // One panel per depth, labelled (a), (b), …; block order is depth-major, arms in a fixed order. The rate
    // twin and BP are drawn in their rules' styles (`ruleStyle`), the spiking circuits in their own.
    let armCount = runs.first?.arms.count ?? 0
    let accuracyPanels = runs.enumerated().map { i, run in
        let bands = run.arms.enumerated().map { a, arm in
            "DATA index \(i * armCount + a) every ::1 using 1:($2-$3):($2+$3) with filledcurves "
                + "\(armStyle(arm.name)) notitle"
        }
        let lines = run.arms.enumerated().map { a, arm in
            "DATA index \(i * armCount + a) every ::1 using 1:2 with linespoints \(armStyle(arm.name)) "
                + "title '\(arm.name)'"
        }
        return """
            set title '\(panelLabel(i)) \(run.depth) hidden layer\(run.depth > 1 ? "s" : "")'
            plot \((bands + lines).joined(separator: ", \\\n     "))
            """
    }
    ctx.figure(
        Figure(
            name: "accuracy", title: "Test accuracy per epoch on \(d.name)",
            claim: "spiking within 3 points of BP, rate twin within 1.5",
            blocks: runs.flatMap { run in
                run.arms.map {
                    DataBlock(
                        "\(run.depth) hidden, \($0.name)", columns: ["epoch", "test accuracy (%)"],
                        rows: $0.history.map { Array($0.prefix(2)) })
                }
            },
            script: """
                set xlabel 'epoch'
                set ylabel 'test accuracy (%)'
                set key bottom right
                # Epoch 0 (chance level) is in the data but left off the plot, so the differences between models show.
                # Lines: mean over seeds; bands: ± 1 sd (column 3).
                set xrange [0.8:\(p.epochs) + 0.2]
                set xtics 1
                set multiplot layout 1,\(max(runs.count, 1))
                \(accuracyPanels.joined(separator: "\n"))
                unset multiplot
                """))
}

/// Angle of each spiking circuit's update to BP per hidden layer, one panel per depth.
func lesson07AngleFigure(_ runs: [DepthRun], _ p: Lesson07Parameters, _ ctx: RunContext) {
    let modes = p.routes.count
    let anglePanels = runs.enumerated().map { i, run in
        let curves = run.arms.prefix(modes).enumerated().flatMap { a, arm in
            (1...run.depth).map { l in
                "DATA index \(i * modes + a) using 1:\(1 + l) with linespoints \(armStyle(arm.name))"
                    + (l > 1 ? " lw \(String(format: "%.1f", max(2.5 - 0.8 * Double(l - 1), 0.8)))" : "")
                    + " title '\(p.routes[a].rawValue) routes, hidden \(l)'"
            }
        }
        return """
            set title '\(panelLabel(i)) \(run.depth) hidden layer\(run.depth > 1 ? "s" : "")'
            plot \(curves.joined(separator: ", \\\n     "))
            """
    }
    ctx.figure(
        Figure(
            name: "angles", title: "Angle of the spiking update to BP per hidden layer (probe batch)",
            claim: "every hidden layer's angle to BP stays below 90°",
            blocks: runs.flatMap { run in
                let L = run.depth + 1
                return run.arms.prefix(modes).map { arm in
                    DataBlock(
                        "\(run.depth) hidden, \(arm.name)",
                        columns: ["epoch"] + (1...L).map { "layer \($0) angle to BP (°)" }
                            + (1...L).map { "layer \($0) angle to rate frSF (°)" },
                        rows: arm.history.map { [$0[0]] + Array($0[2..<(2 + 2 * L)]) })
                }
            },
            script: """
                set xlabel 'epoch'
                set ylabel 'angle to BP (degrees)'
                set yrange [0:100]
                set xrange [-0.2:\(p.epochs) + 0.2]
                set xtics 1
                # Angles stay above 20° here, so the key sits in the empty band at the bottom.
                set key bottom right font ',13' spacing 0.9
                set arrow from graph 0, first 90 to graph 1, first 90 nohead dt 2 lc rgb '#777777'
                set multiplot layout 1,\(max(runs.count, 1))
                \(anglePanels.joined(separator: "\n"))
                unset multiplot
                """))
}

/// How lesson 7 draws a model: BP and the rate frSF twin in their rules' styles, the spiking circuits in reddish
/// purple (a colour no rule uses), solid with moving routes and dashed with fixed ones.
func armStyle(_ name: String) -> String {
    switch name {
    case "BP": return ruleStyle(.bp)
    case "rate frSF": return ruleStyle(.frsf)
    case "spiking fixed": return "lt 4 dt 2"
    default: return "lt 4"
    }
}

/// "(a)", "(b)", … for panel `i` of a multiplot.
func panelLabel(_ i: Int) -> String {
    "(" + String(UnicodeScalar(UInt8(97 + i % 26))) + ")"
}
