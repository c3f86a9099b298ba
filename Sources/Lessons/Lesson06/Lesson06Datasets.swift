import Foundation
import LessonKit
import NeuroModel

/// Lesson 6 — full-dataset training of the rules and of the microcircuit.
public let lesson06 = LessonDescriptor(
    number: 6, slug: "datasets", title: "Training on full datasets",
    claim: "On a full image dataset the sign-concordant rules reach within \(format(concordantGapClaim)) points of "
        + "BP's test accuracy "
        + "with the same network and budget; the rate-level microcircuit's run is frSF's run, step for step",
    parameters: [
        .integer("seed", in: 0...Int.max, "random seed"),
        .choice(
            "dataset", of: DatasetRequest.choices,
            "dataset; auto = the IDX files in data_dir if given, else Fashion-MNIST if installed, else Yin-Yang"),
        .text("data_dir", "folder with the dataset files (none = the Debian package's folder for Fashion-MNIST)"),
        .integer("hidden", in: 1...4096, "units per hidden layer"),
        .integer("hidden_layers", in: 1...6, "hidden layers"),
        .list("rules", of: Rule.allCases.map(\.rawValue), "rules to train"),
        .integer("epochs", in: 1...1000, "training epochs"),
        .integer("last_epochs", in: 1...1000, "test accuracy = mean of this many last epochs"),
        .choice(
            "precision", of: ["double", "float"],
            "arithmetic of the rules' training (float: sgemm, about 1.4x faster)"),
        .real("learning_rate", in: 1e-6...10, "SGD learning rate"),
        .integer("batch", in: 1...10_000, "mini-batch size"),
        .integer("train_limit", in: 0...10_000_000, "use only the first N training samples (0 = all)"),
        .integer("test_limit", in: 0...10_000_000, "use only the first N test samples (0 = all)"),
        .integer("circuit_steps", in: 0...100_000, "steps the cell-by-cell microcircuit runs beside frSF")
    ],
    run: runLesson06, summary: lesson06Summary, estimate: lesson06Estimate, notes: datasetNotes,
    exporter: lesson06Export)

// MARK: Parameters

/// The arithmetic the rules train in.
enum Precision: String {
    case double, float
}

/// Lesson 6's parameters, read once.
struct Lesson06Parameters {
    let data: DatasetRequest
    let rules: [Rule]
    let hidden: Int, hiddenLayers: Int, epochs: Int, lastEpochs: Int
    let precision: Precision
    let config: SGDConfig
    let trainLimit: Int, testLimit: Int, circuitSteps: Int

    init(_ p: ParameterValues) throws {
        data = try DatasetRequest(p)
        rules = try p.list("rules", as: Rule.init(rawValue:))
        hidden = p.integer("hidden")
        hiddenLayers = p.integer("hidden_layers")
        epochs = p.integer("epochs")
        lastEpochs = min(p.integer("last_epochs"), epochs)
        precision = try p.choice("precision", as: Precision.init(rawValue:))
        config = SGDConfig(learningRate: p.real("learning_rate"), batchSize: p.integer("batch"), loss: .crossEntropy)
        trainLimit = p.integer("train_limit")
        testLimit = p.integer("test_limit")
        circuitSteps = p.integer("circuit_steps")
    }
}

/// What every rule shares: the data, the network's shape and initial weights, the probe batch for angles.
struct Lesson06Setup {
    let train: Dataset, test: Dataset
    let name: String
    let claimsAccuracy: Bool
    let sizes: [Int]
    let initial: Network
    let probe: (x: Matrix, y: Matrix)
    /// Identifies the run in its checkpoints.
    let fingerprint: String
    /// Number of weight layers L.
    var depth: Int { sizes.count - 1 }
}

/// Lesson 6's networks: ReLU hidden units and a linear output under softmax cross-entropy (fresh or resumed).
let lesson06Activations: (hidden: Activation, output: Activation) = (.relu, .linear)

func lesson06Setup(_ p: Lesson06Parameters, _ ctx: RunContext) throws -> Lesson06Setup {
    let data = try loadDataset(p.data, log: ctx.log)
    var train = data.train
    var test = data.test
    if p.trainLimit > 0 { train = train.prefix(p.trainLimit) }
    if p.testLimit > 0 { test = test.prefix(p.testLimit) }
    let sizes = [train.x.cols] + Array(repeating: p.hidden, count: p.hiddenLayers) + [train.classes]
    var irng = ctx.rng(1)
    let initial = Network(
        sizes: sizes, hidden: lesson06Activations.hidden, output: lesson06Activations.output, rng: &irng)
    let probeIdx = Array(0..<min(1000, train.count))
    let probe = (x: train.x.rows(probeIdx), y: oneHot(probeIdx.map { train.labels[$0] }, classes: train.classes))
    let fingerprint =
        "lesson 6; seed \(ctx.seed); "
        + ctx.parameters.ordered.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
        + "; data \(data.name) \(train.count)/\(test.count)"
    ctx.log(
        "dataset \(data.name): \(train.count) train, \(test.count) test; network "
            + "\(sizes.map(String.init).joined(separator: "-")); BLAS \(blasKernel), \(blasThreads) threads")
    return Lesson06Setup(
        train: train, test: test, name: data.name, claimsAccuracy: data.claimsAccuracy,
        sizes: sizes, initial: initial, probe: probe, fingerprint: fingerprint)
}

func runLesson06(_ ctx: RunContext) throws {
    let p = try Lesson06Parameters(ctx.parameters)
    // One BLAS thread (`blasThreadsPerRun`): OpenBLAS splits some products and reductions (FA's feedback
    // products, the 1000-sample probe) differently for different thread counts, which changed the last digits of
    // FA's loss and angles between 1 and 2 threads. With one thread the results are the same bytes whatever
    // --threads says (it is for the spiking engine, which lesson 6 does not use).
    setBLASThreads(blasThreadsPerRun)
    let s = try lesson06Setup(p, ctx)
    var histories: [RuleHistory] = []
    let stop = trainUnderInterrupt(ctx) {
        for rule in p.rules {
            let (history, stop) =
                p.precision == .float
                ? trainRule(rule, Float.self, p, s, ctx) : trainRule(rule, Double.self, p, s, ctx)
            if let history { histories.append(history) }
            if let stop { return stop }
        }
        return nil
    }
    // After an interruption the run stops here, with the checks, records and figures of what was trained.
    let circuit = stop == nil && p.circuitSteps > 0 ? circuitBesideFrSF(p, s, ctx) : nil
    lesson06Checks(histories, circuit, p, s, ctx, complete: stop == nil)
    lesson06Records(histories, circuit, p, s, ctx, complete: stop == nil)
    lesson06Figures(histories, p, s, ctx)
    if let stop { throw stop }
}

// MARK: Prediction

// The sign-concordant rules' updates stay within 90° of BP's (lesson 3) and reach BP's accuracy within 1.5
// points on image data; the rate-level microcircuit's Hebbian update is frSF's update exactly (lesson 4), so
// trained side by side on the same batches their weights agree to rounding at every step.

// MARK: Simulation

/// One rule's training: per epoch [epoch, mean loss, test accuracy (%), angle to BP per layer…], from epoch 0.
struct RuleHistory {
    let rule: Rule
    var rows: [[Double]] = []
    var seconds: [Double] = []
    /// False when the run stopped during this rule's training (its divergence check is then not made).
    var finished = false

    /// Mean test accuracy (%) of the last `last` epochs; nil when the rule did not complete all `epochs`.
    func late(_ epochs: Int, last: Int) -> Double? {
        guard rows.count > epochs else { return nil }
        let tail = rows.suffix(last).map { $0[2] }
        return tail.reduce(0, +) / Double(tail.count)
    }
}

/// Trains one rule in precision T from the shared start, with a checkpoint (stored in Double, which holds every
/// Float exactly) after each epoch. Returns its history (nil when it could not start) and the error that must
/// stop the run.
func trainRule<T: BLASScalar>(
    _ rule: Rule, _: T.Type, _ p: Lesson06Parameters, _ s: Lesson06Setup,
    _ ctx: RunContext
) -> (RuleHistory?, LessonError?) {
    let path = (ctx.folder as NSString).appendingPathComponent(lesson06CheckpointName(rule))
    var learner: LearnerOf<T>
    var h = RuleHistory(rule: rule)
    var first = 1
    do {
        let started = try startOrResume(rule, T.self, p, s, ctx, path: path)
        learner = started.learner
        h.rows = started.history
        first = started.first
    } catch {
        return (nil, LessonError("\(error)"))
    }
    let probeX = DenseMatrix<T>(converting: s.probe.x)
    let probeY = DenseMatrix<T>(converting: s.probe.y)
    if h.rows.isEmpty {
        let accuracy = 100 * learner.network.accuracy(s.test.x, labels: s.test.labels)
        h.rows.append([0, .nan, accuracy] + learner.anglesToBP(x: probeX, y: probeY, loss: .crossEntropy))
    }
    var clock = Date()
    var lossSum = 0.0
    var batches = 0
    do {
        try trainEpochs(
            from: first, through: p.epochs, ctx,
            interrupted: { epoch in
                LessonError(
                    interruptedMessage(
                        "during \(rule.rawValue) before epoch \(epoch); checkpoints up to epoch "
                            + "\(epoch - 1)", ctx))
            },
            train: { epoch in
                clock = Date()
                lossSum = 0
                batches = 0
                do {
                    try learner.epoch(s.train, config: p.config, epoch: epoch) { _, loss, _ in
                        lossSum += loss
                        batches += 1
                    }
                } catch let d as TrainingDiverged {
                    ctx.log(d.description)
                    return .stoppedEarly
                }
                return .trained
            },
            completed: { epoch in
                let seconds = Date().timeIntervalSince(clock)
                let accuracy = learner.network.accuracy(s.test.x, labels: s.test.labels)
                let angles = learner.anglesToBP(x: probeX, y: probeY, loss: .crossEntropy)
                h.rows.append([Double(epoch), lossSum / Double(max(batches, 1)), 100 * accuracy] + angles)
                h.seconds.append(seconds)
                ctx.plotLive(rule.rawValue, epoch: epoch, value: 100 * accuracy)
                ctx.log(
                    String(
                        format: "%@ epoch %d/%d: step %d, loss %.4f, test accuracy %.2f %%, %.2f s",
                        rule.rawValue, epoch, p.epochs, learner.steps, lossSum / Double(max(batches, 1)),
                        100 * accuracy, seconds))
                try saveCheckpoint(learner, rule: rule, epoch: epoch, history: h.rows, s, path: path)
            })
    } catch let e as LessonError {
        return (h, e)
    } catch {
        return (h, LessonError("\(error)"))
    }
    h.finished = true
    return (h, nil)
}

/// The cell-by-cell microcircuit trained beside frSF: worst weight error per step, sign mismatches, crossings,
/// and the steps completed before the pair diverged (all of them when it did not).
struct CircuitBesideFrSF {
    var worst = 0.0, crossings = 0, mismatches = 0, seconds = 0.0
    var steps = 0
    /// Why the pair stopped early (a non-finite loss or weight), or nil.
    var diverged: String?
}

/// Simulation 2: the microcircuit beside frSF, same start, same feedback, same batches. A pair that diverges
/// (too large a learning rate) stops there: the steps it completed are compared and the divergence is reported
/// in a check, like a rule's, rather than ending the run.
func circuitBesideFrSF(_ p: Lesson06Parameters, _ s: Lesson06Setup, _ ctx: RunContext) -> CircuitBesideFrSF {
    var frng = ctx.rng(10)
    let feedback = Feedback(rule: .frsf, network: s.initial, rng: &frng)
    var circuit = Microcircuit(network: s.initial, feedbackMagnitudes: feedback.matrices, softmaxOutput: true)
    var learner = Learner(network: s.initial, feedback: feedback, rng: ctx.rng(30))
    var order = ctx.rng(31)
    var r = CircuitBesideFrSF()
    let start = Date()
    for step in 1...p.circuitSteps {
        let idx = (0..<p.config.batchSize).map { _ in Int(order.next() % UInt64(s.train.count)) }
        let x = s.train.x.rows(idx)
        let y = oneHot(idx.map { s.train.labels[$0] }, classes: s.train.classes)
        r.crossings +=
            circuit.hebbianStep(
                inputs: (0..<x.rows).map { Array(x.row($0)) },
                targets: (0..<y.rows).map { Array(y.row($0)) },
                learningRate: p.config.learningRate
            ).crossings
        do { try learner.step(x: x, y: y, config: p.config, epoch: 1) } catch {
            r.diverged = "\(error)"
            break
        }
        let w = circuit.weights
        guard w.allSatisfy({ $0.data.allSatisfy(\.isFinite) }) else {
            r.diverged = "microcircuit: non-finite weights at step \(step); lower the learning rate"
            break
        }
        for l in 0..<s.depth {
            r.worst = max(r.worst, maxRelativeError(w[l].data, learner.network.layers[l].w.data) / Double(step))
        }
        r.steps = step
    }
    r.seconds = Date().timeIntervalSince(start)
    r.mismatches = circuit.feedbackSignMismatches
    if let why = r.diverged { ctx.log("microcircuit beside frSF stopped after \(r.steps) steps: \(why)") }
    ctx.log(
        String(
            format: "microcircuit: %d steps beside frSF in %.1f s, %d zero crossings, max error %.2e",
            r.steps, r.seconds, r.crossings, r.worst))
    return r
}
