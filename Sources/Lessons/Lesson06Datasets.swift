import Foundation
import LessonKit
import NeuroModel

/// The claim on a sign-concordant rule: BP's test accuracy minus the rule's, mean over seeds, is at most this many
/// points (with 95 % confidence).
let lesson06GapClaim = 1.5

/// Lesson 6 — full-dataset training of the rules and of the microcircuit.
public let lesson06 = LessonDescriptor(
    number: 6, slug: "datasets", title: "Training on full datasets",
    claim: "On a full image dataset the sign-concordant rules reach within \(format(lesson06GapClaim)) points of "
        + "BP's test accuracy "
        + "with the same network and budget; the rate-level microcircuit's run is frSF's run, step for step",
    parameters: [
        .integer("seed", in: 0...Int.max, "random seed"),
        .choice(
            "dataset", of: DatasetName.allCases.map(\.rawValue),
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
    exporter: { try lesson06Export($0, path: $1) })

/// The accuracy table over seeds: mean ± sd of each rule's accuracy and final hidden-layer angles.
@Sendable func lesson06Summary(_ n: SeedNumbers) -> [String: String] {
    var table = MarkdownTable([])
    for r in Rule.allCases where n.text("accuracy_\(r.rawValue)") != "—" {
        let k = r.rawValue
        table.append([
            k, n.text("accuracy_\(k)", digits: 2), n.text("angle_\(k)_1", unit: "°"),
            n.text("angle_\(k)_2", unit: "°")
        ])
    }
    return ["accuracy_table": table.bodyText]
}

/// The datasets lessons 6 and 7 train on (the values of their `dataset` parameter).
enum DatasetName: String, CaseIterable {
    case auto
    case fashionMNIST = "fashion-mnist"
    case mnist, cifar10
    case yinYang = "yin-yang"
}

/// The `dataset` and `data_dir` parameters of lessons 6 and 7, read once.
struct DatasetRequest {
    let dataset: DatasetName
    /// nil for `none` (the Debian package's folder, where there is one)
    let dataDir: String?

    init(_ p: ParameterValues) throws {
        dataset = try p.choice("dataset", as: DatasetName.init(rawValue:))
        dataDir = p.string("data_dir") == "none" ? nil : p.string("data_dir")
    }
}

/// What `dataset` resolves to here, for `lesson params`: for `auto`, the data a run would load (without
/// loading it).
@Sendable func datasetNotes(_ values: ParameterValues) -> [String: String] {
    guard let request = try? DatasetRequest(values), request.dataset == .auto else { return [:] }
    if let dir = request.dataDir { return ["dataset": "auto finds the IDX files in \(dir), named by their labels"] }
    let installed = (try? FileManager.default.contentsOfDirectory(atPath: fashionMNISTSystemDirectory)) ?? []
    if !installed.isEmpty { return ["dataset": "auto finds Fashion-MNIST in \(fashionMNISTSystemDirectory)"] }
    return [
        "dataset": "auto finds no Fashion-MNIST (apt-get install dataset-fashion-mnist) and uses Yin-Yang"
    ]
}

/// The data of one run: the name used in checks, records and figures, and whether it is an image
/// dataset on which the 1.5-point accuracy claim is checked.
struct Lesson6Data {
    var train: Dataset
    var test: Dataset
    let name: String
    let claimsAccuracy: Bool
}

/// Recognises the official MNIST and Fashion-MNIST files by the first ten training and test labels
/// (a fingerprint of their published order); nil for any other IDX data, such as a subset or a reshuffle.
func knownIDXDataset(trainLabels: [Int], testLabels: [Int]) -> String? {
    let fingerprints = [
        ("mnist", [5, 0, 4, 1, 9, 2, 1, 3, 1, 4], [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]),
        ("fashion-mnist", [9, 0, 0, 3, 0, 2, 7, 2, 5, 5], [9, 2, 1, 1, 6, 1, 4, 6, 5, 7])
    ]
    return fingerprints.first { _, train, test in
        trainLabels.prefix(10).elementsEqual(train) && testLabels.prefix(10).elementsEqual(test)
    }?.0
}

/// Loads the requested dataset. `auto` reads the IDX files of a `data_dir` the user names (an error when it
/// holds none) and otherwise falls back to Yin-Yang, with a message, when Fashion-MNIST is not installed.
func loadLesson6Data(_ request: DatasetRequest, log: (String) -> Void) throws -> Lesson6Data {
    let dir = request.dataDir
    func wrap<T>(_ what: String, hint: String = "", _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as DataError {
            throw LessonError("\(what): \(e.description)" + (hint.isEmpty ? "" : ". \(hint)"))
        }
    }
    /// IDX files from a folder. `name` nil: named by their content (auto with a data_dir); otherwise a
    /// message when the content says the files are the other dataset.
    func idx(_ folder: String, _ name: String?, hint: String = "") throws -> Lesson6Data {
        let d = try wrap(name ?? "IDX data", hint: hint) { try loadIDXDirectory(folder, name: name ?? "idx") }
        let known = knownIDXDataset(trainLabels: d.train.labels, testLabels: d.test.labels)
        if let name, let known, known != name {
            log("note: the files in \(folder) look like \(known) (by their first labels), not \(name)")
        }
        let used = name ?? known ?? "IDX data in \(folder)"
        return Lesson6Data(train: d.train, test: d.test, name: used, claimsAccuracy: true)
    }
    func yinYang() -> Lesson6Data {
        let y = YinYang.standard()
        return Lesson6Data(train: y.train, test: y.test, name: "yin-yang", claimsAccuracy: false)
    }
    switch request.dataset {
    case .auto:
        if let dir { return try idx(dir, nil) }
        // A package folder with any files in it is read, so that a damaged install is reported, not skipped.
        let installed = try? FileManager.default.contentsOfDirectory(atPath: fashionMNISTSystemDirectory)
        if let installed, !installed.isEmpty {
            return try idx(
                fashionMNISTSystemDirectory, "fashion-mnist",
                hint: "Reinstall with: apt-get install --reinstall dataset-fashion-mnist")
        }
        log(
            "Fashion-MNIST not found in \(fashionMNISTSystemDirectory): install it with "
                + "'apt-get install dataset-fashion-mnist' (or pass --set data_dir=DIR); using Yin-Yang instead")
        return yinYang()
    case .fashionMNIST:
        return try idx(
            dir ?? fashionMNISTSystemDirectory, "fashion-mnist",
            hint: dir == nil ? "Install it with: apt-get install dataset-fashion-mnist" : "")
    case .mnist:
        guard let dir else {
            throw LessonError.usage(
                "dataset mnist needs --set data_dir=DIR, a folder (or its raw/) with "
                    + idxCanonicalNames.joined(separator: ", ") + " (plain or .gz)")
        }
        return try idx(dir, "mnist")
    case .cifar10:
        guard let dir else {
            throw LessonError.usage(
                "dataset cifar10 needs --set data_dir=DIR, "
                    + "the folder of the binary version (data_batch_1.bin … test_batch.bin)")
        }
        let d = try wrap("cifar10", hint: "Use the binary version (cifar-10-batches-bin)") { try loadCIFAR10(dir) }
        return Lesson6Data(train: d.train, test: d.test, name: "cifar10", claimsAccuracy: false)
    case .yinYang:
        return yinYang()
    }
}

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
    let data = try loadLesson6Data(p.data, log: ctx.log)
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
    let path = (ctx.folder as NSString).appendingPathComponent("checkpoint-\(rule.rawValue).ckpt")
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

/// A learner at the shared start, or, with --resume, at this rule's last checkpoint: the learner, the history
/// so far and the first epoch still to train.
func startOrResume<T: BLASScalar>(
    _ rule: Rule, _: T.Type, _ p: Lesson06Parameters, _ s: Lesson06Setup,
    _ ctx: RunContext, path: String
) throws
    -> (learner: LearnerOf<T>, history: [[Double]], first: Int)
{
    let start = NetworkOf<T>(converting: s.initial)
    var frng = ctx.rng(10)
    let learner = LearnerOf<T>(
        network: start, feedback: FeedbackOf<T>(rule: rule, network: start, rng: &frng),
        rng: ctx.rng(20))
    guard ctx.resume else { return (learner, [], 1) }
    let resumePath = ctx.checkpointToResume((path as NSString).lastPathComponent)
    guard
        let c = try TrainingCheckpoint.load(
            from: resumePath, fingerprint: s.fingerprint, rule: rule.rawValue,
            epochs: p.epochs)
    else { return (learner, [], 1) }
    if let problem = checkpointShapeProblem(c, like: learner, depth: s.depth) {
        throw LessonError(CheckpointIntegrity.corrupt(resumePath, problem))
    }
    let saved = Network(layers: c.layers, hidden: lesson06Activations.hidden, output: lesson06Activations.output)
    var resumed = LearnerOf<T>(
        network: NetworkOf<T>(converting: saved),
        feedback: FeedbackOf<T>(
            rule: rule,
            matrices: c.feedback.map {
                DenseMatrix<T>(converting: $0)
            }),
        rng: SplitMix64(state: c.rngState))
    resumed.steps = c.steps
    ctx.log("\(rule.rawValue): resumed from the checkpoint of epoch \(c.epoch)")
    return (resumed, c.history, c.epoch + 1)
}

/// What in checkpoint `c` does not fit this run's fresh learner (a file edited by hand and given a new checksum,
/// or written by another build): the number and shape of its layers and feedback matrices, and its history of one
/// row per epoch 0...epoch with [epoch, loss, accuracy, one angle per layer]. Nil when everything fits.
func checkpointShapeProblem<T: BLASScalar>(_ c: TrainingCheckpoint, like fresh: LearnerOf<T>, depth: Int)
    -> String?
{
    let layers = fresh.network.layers
    guard c.layers.count == layers.count else { return "\(c.layers.count) layers, the network has \(layers.count)" }
    for (l, (saved, wanted)) in zip(c.layers, layers).enumerated()
    where saved.w.rows != wanted.w.rows || saved.w.cols != wanted.w.cols || saved.b.count != wanted.b.count {
        return "layer \(l + 1) is \(saved.w.rows)×\(saved.w.cols), the network's is \(wanted.w.rows)×\(wanted.w.cols)"
    }
    let feedback = fresh.feedback.matrices
    guard c.feedback.count == feedback.count else {
        return "\(c.feedback.count) feedback matrices, the rule has \(feedback.count)"
    }
    for (l, (saved, wanted)) in zip(c.feedback, feedback).enumerated()
    where saved.rows != wanted.rows || saved.cols != wanted.cols {
        return "feedback matrix \(l + 1) is \(saved.rows)×\(saved.cols), the rule's is \(wanted.rows)×\(wanted.cols)"
    }
    for (e, row) in c.history.enumerated() {
        guard row.count == 3 + depth else { return "history row \(e) has \(row.count) entries, not \(3 + depth)" }
        guard row[0] == Double(e) else { return "history row \(e) is for epoch \(format(row[0]))" }
    }
    return nil
}

func saveCheckpoint<T: BLASScalar>(
    _ learner: LearnerOf<T>, rule: Rule, epoch: Int, history: [[Double]],
    _ s: Lesson06Setup, path: String
) throws {
    let checkpoint = TrainingCheckpoint(
        fingerprint: s.fingerprint, rule: rule.rawValue, epoch: epoch, steps: learner.steps,
        rngState: learner.rng.state,
        layers: learner.network.layers.map { Layer(w: Matrix(converting: $0.w), b: $0.b.map { Double($0) }) },
        feedback: learner.feedback.matrices.map { Matrix(converting: $0) }, history: history)
    do { try writeFileAtomically(checkpoint.encoded(), to: path) } catch {
        throw LessonError("cannot write checkpoint \(path); choose a writable --out folder")
    }
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

// MARK: Checks

func lesson06Checks(
    _ histories: [RuleHistory], _ circuit: CircuitBesideFrSF?, _ p: Lesson06Parameters,
    _ s: Lesson06Setup, _ ctx: RunContext, complete: Bool
) {
    // NaN or Inf stops a rule early; the check counts the epochs it completed with finite loss and weights.
    for h in histories where h.finished {
        ctx.check(
            .atLeast(
                "\(h.rule.rawValue): epochs on \(s.name) completed without divergence",
                observed: Double(h.rows.count - 1), bound: Double(p.epochs)
            ).calibrated)
    }
    func late(_ r: Rule) -> Double? {
        histories.first { $0.rule == r }?.late(p.epochs, last: p.lastEpochs)
    }
    // Every rule that trained must have learned (a rule that diverged is judged by its last epoch); a claim
    // relative to BP means something only if BP learned, and a run in which nothing learned fails.
    for h in histories where h.finished {
        ctx.check(
            learnedCheck(
                h.rule.rawValue, on: s.name, accuracy: late(h.rule) ?? h.rows.last?[2] ?? .nan,
                classes: s.test.classes, testSamples: s.test.count))
    }
    if complete, s.claimsAccuracy, histories.contains(where: { $0.rule == .bp }) {
        for rule in p.rules where rule.isSignConcordant {
            // Paired over seeds: BP and the rule share start and batches on each seed.
            ctx.check(
                .atMost(
                    "\(rule.rawValue): bp's test accuracy minus \(rule.rawValue)'s on \(s.name) "
                        + "(mean of the last \(p.lastEpochs) epochs)", id: "\(rule.rawValue)-gap-to-bp",
                    observed: (late(.bp) ?? .nan) - (late(rule) ?? .nan), bound: lesson06GapClaim,
                    unit: "points"
                ).overSeeds.calibrated)
        }
    }
    if let circuit {
        // Like a rule's: a learning rate at which the pair blows up fails here, and the run keeps the rest.
        ctx.check(
            .atLeast(
                "microcircuit beside frSF on \(s.name): steps completed without divergence",
                observed: Double(circuit.steps), bound: Double(p.circuitSteps)
            ).calibrated)
        ctx.check(
            .atMost(
                "microcircuit vs frSF on \(s.name), \(circuit.steps) steps: "
                    + "max relative weight error per step", observed: circuit.worst, bound: roundingBound))
        ctx.check(
            .none(
                "microcircuit after training on \(s.name): pairs with sign(B) ≠ sign(Wᵀ)",
                violations: circuit.mismatches, of: synapseCount(s.sizes, fromLayer: 2)))
    }
}

func lesson06Records(
    _ histories: [RuleHistory], _ circuit: CircuitBesideFrSF?, _ p: Lesson06Parameters,
    _ s: Lesson06Setup, _ ctx: RunContext, complete: Bool
) {
    ctx.record("dataset", "\(s.name) (\(s.train.count) training, \(s.test.count) test samples)")
    ctx.record("architecture", s.sizes.map(String.init).joined(separator: "-"))
    let concordantText = concordantRulesText(p.rules)
    ctx.record(
        "claim",
        s.claimsAccuracy
            ? "On \(s.name) \(concordantText) reach within 1.5 points of BP's test accuracy with the same network "
                + "and budget; the rate-level microcircuit's run is frSF's run, step for step"
            : "On \(s.name) the rules' accuracy and angles to BP are measured (the 1.5-point claim is checked on "
                + "MNIST-type image data only); the rate-level microcircuit's run is frSF's run, step for step")
    for h in histories {
        ctx.record("accuracy_\(h.rule.rawValue)", h.late(p.epochs, last: p.lastEpochs) ?? .nan)
        let last = h.rows.last ?? []
        for l in 1..<max(s.depth, 1) {
            ctx.record("angle_\(h.rule.rawValue)_\(l)", last.count > 2 + l ? last[2 + l] : .nan)
        }
        ctx.recordTiming(
            "seconds_per_epoch_\(h.rule.rawValue)",
            h.seconds.isEmpty
                ? "—" : String(format: "%.2f", h.seconds.reduce(0, +) / Double(h.seconds.count)))
    }
    ctx.record("rules_trained", histories.map(\.rule.rawValue).joined(separator: ","))
    guard complete else { return }
    if let circuit {
        ctx.recordTiming(
            "circuit_rate",
            String(
                format: "%.0f",
                Double(circuit.steps * p.config.batchSize) / circuit.seconds))
        ctx.record("circuit_crossings", String(circuit.crossings))
    } else {
        ctx.recordTiming("circuit_rate", "not run")
        ctx.record("circuit_crossings", "not run")
    }
}

/// "the sign-concordant rules (usf, frsf)", as checks, records and figures name them.
func concordantRulesText(_ rules: [Rule]) -> String {
    let concordant = rules.filter(\.isSignConcordant).map(\.rawValue)
    return "the sign-concordant rules (\(concordant.isEmpty ? "none trained" : concordant.joined(separator: ", ")))"
}

// MARK: Figures

/// Written even after an interruption or a divergence, with what was trained.
func lesson06Figures(_ histories: [RuleHistory], _ p: Lesson06Parameters, _ s: Lesson06Setup, _ ctx: RunContext) {
    let concordantText = concordantRulesText(p.rules)
    let rows = (0...p.epochs).map { e in
        [Double(e)] + histories.map { h in h.rows.first { Int($0[0]) == e }?[2] ?? .nan }
    }
    ctx.figure(
        AccuracyFigure(
            title: "Test accuracy per epoch on \(s.name)",
            claim: s.claimsAccuracy
                ? "\(concordantText) within 1.5 points of bp's final test accuracy on \(s.name)"
                : "test accuracy per rule on \(s.name) (measured, not claimed)",
            rules: histories.map(\.rule), rows: rows, xRange: "[0.5:\(p.epochs) + 0.5]", fromEpochOne: true,
            points: true
        ).figure)
    let L = s.depth
    let curves = histories.enumerated().flatMap { i, h in
        (1..<L).map { l in
            let (style, title) = ruleLayerCurve(h.rule, layer: l, of: L - 1)
            return "DATA index \(i) using 1:\(3 + l) with linespoints \(style) title '\(title)'"
        }
    }
    ctx.figure(
        Figure(
            name: "angles", title: "Angle to the BP gradient per layer over training (\(s.name))",
            claim: "each rule's angle to BP per layer (shown, not checked here; lesson 3 checks the 90-degree claim)",
            blocks: histories.map { h in
                DataBlock(
                    h.rule.rawValue,
                    columns: ["epoch", "loss", "test accuracy (%)"]
                        + (1...L).map { "layer \($0) angle (°)" }, rows: h.rows)
            },
            script: """
                set xlabel 'epoch'
                set ylabel 'angle to BP gradient (degrees)'
                set yrange [0:130]
                set key outside right top
                # 90 degrees: beyond it an update points uphill.
                set arrow from graph 0, first 90 to graph 1, first 90 nohead dt 2 lc rgb '#777777'
                # Each rule in its own style (style.gp); deeper hidden layers are drawn thinner.
                plot \(curves.joined(separator: ", \\\n     "))
                """))
}

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

/// Input width, classes and training and test samples of a dataset choice before it is loaded.
func datasetShape(_ request: DatasetRequest, trainLimit: Int, testLimit: Int)
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

// MARK: Export

/// Lesson 6's checkpoints for `lesson export` (`checkpoint-RULE.ckpt`, binary, starting "MCKPT"); nil for any
/// other file. Bl has the shape of W(l+1) and carries δ from layer l + 1 back to layer l (for DFA it is D,
/// shape n_L × n_l).
@Sendable func lesson06Export(_ data: Data, path: String) throws -> [(name: String, array: NumpyArray)]? {
    guard data.starts(with: Array("MCKPT".utf8)) else { return nil }
    do { return lesson6Arrays(try TrainingCheckpoint(decoding: data, path: path)) } catch let e as DataError {
        throw LessonError(e.description)
    }
}

/// Lesson 6: W1…WL, b1…bL and the feedback matrices B1… of one rule, its per-epoch history and its epoch.
func lesson6Arrays(_ c: TrainingCheckpoint) -> [(name: String, array: NumpyArray)] {
    var out: [(String, NumpyArray)] = []
    for (l, layer) in c.layers.enumerated() {
        out.append(("W\(l + 1)", NumpyArray(layer.w)))
        out.append(("b\(l + 1)", NumpyArray(shape: [layer.b.count], layer.b)))
    }
    for (l, b) in c.feedback.enumerated() { out.append(("B\(l + 1)", NumpyArray(b))) }
    out.append(("history", historyArray(c.history)))
    out.append(("epoch", NumpyArray(shape: [], [Int64(c.epoch)])))
    return out
}
