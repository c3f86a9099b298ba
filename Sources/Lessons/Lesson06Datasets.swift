import Foundation
import NeuroModel

/// Lesson 6 — full-dataset training of the rules and of the microcircuit.
public let lesson06 = LessonDescriptor(
    number: 6, slug: "datasets", title: "Training on full datasets",
    claim: "On a full image dataset the sign-concordant rules reach within 1.5 points of BP's test accuracy "
        + "with the same network and budget; the rate-level microcircuit's run is frSF's run, step for step",
    parameters: [
        .integer("seed", 6, in: 0...Int.max, "random seed"),
        .choice("dataset", "auto", of: ["auto", "fashion-mnist", "mnist", "cifar10", "yin-yang"],
                "dataset; auto = the IDX files in data_dir if given, else Fashion-MNIST if installed, else Yin-Yang"),
        .text("data_dir", "none",
              "folder with the dataset files (none = the Debian package's folder for Fashion-MNIST)"),
        .integer("hidden", 256, in: 1...4096, "units per hidden layer"),
        .integer("hidden_layers", 2, in: 1...6, "hidden layers"),
        .list("rules", "bp,fa,usf,frsf", of: Rule.allCases.map(\.rawValue), "rules to train"),
        .integer("epochs", 10, in: 1...1000, "training epochs"),
        .integer("last_epochs", 3, in: 1...1000, "test accuracy = mean of this many last epochs"),
        .choice("precision", "double", of: ["double", "float"],
                "arithmetic of the rules' training (float: sgemm, about 1.4x faster)"),
        .real("learning_rate", 0.05, in: 1e-6...10, "SGD learning rate"),
        .integer("batch", 32, in: 1...10_000, "mini-batch size"),
        .integer("train_limit", 0, in: 0...10_000_000, "use only the first N training samples (0 = all)"),
        .integer("test_limit", 0, in: 0...10_000_000, "use only the first N test samples (0 = all)"),
        .integer("circuit_steps", 100, in: 0...100_000, "steps the cell-by-cell microcircuit runs beside frSF"),
    ],
    seeds: 3,
    run: runLesson06, summary: lesson06Summary, estimate: lesson06Estimate)

/// The accuracy table over seeds: mean ± sd of each rule's accuracy and final hidden-layer angles.
@Sendable func lesson06Summary(_ n: SeedNumbers) -> [String: String] {
    let rows = Rule.allCases.filter { n.text("accuracy_\($0.rawValue)") != "—" }.map { r in
        let k = r.rawValue
        return "| \(k) | \(n.text("accuracy_\(k)", digits: 2)) | \(n.text("angle_\(k)_1", unit: "°")) | "
            + "\(n.text("angle_\(k)_2", unit: "°")) |"
    }
    return ["accuracy_table": rows.joined(separator: "\n")]
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
        ("fashion-mnist", [9, 0, 0, 3, 0, 2, 7, 2, 5, 5], [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]),
    ]
    return fingerprints.first { _, train, test in
        trainLabels.prefix(10).elementsEqual(train) && testLabels.prefix(10).elementsEqual(test)
    }?.0
}

/// Loads the requested dataset. `auto` reads the IDX files of a `data_dir` the user names (an error when it
/// holds none) and otherwise falls back to Yin-Yang, with a message, when Fashion-MNIST is not installed.
func loadLesson6Data(_ p: ParameterValues, log: (String) -> Void) throws -> Lesson6Data {
    let dir = p.string("data_dir") == "none" ? nil : p.string("data_dir")
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
    switch p.string("dataset") {
    case "auto":
        if let dir { return try idx(dir, nil) }
        // A package folder with any files in it is read, so that a damaged install is reported, not skipped.
        let installed = try? FileManager.default.contentsOfDirectory(atPath: fashionMNISTSystemDirectory)
        if let installed, !installed.isEmpty {
            return try idx(fashionMNISTSystemDirectory, "fashion-mnist",
                           hint: "Reinstall with: apt-get install --reinstall dataset-fashion-mnist")
        }
        log("Fashion-MNIST not found in \(fashionMNISTSystemDirectory): install it with "
            + "'apt-get install dataset-fashion-mnist' (or pass --set data_dir=DIR); using Yin-Yang instead")
        return yinYang()
    case "fashion-mnist":
        return try idx(dir ?? fashionMNISTSystemDirectory, "fashion-mnist",
                       hint: dir == nil ? "Install it with: apt-get install dataset-fashion-mnist" : "")
    case "mnist":
        guard let dir else {
            throw LessonError.usage("dataset mnist needs --set data_dir=DIR, a folder (or its raw/) with "
                                    + idxCanonicalNames.joined(separator: ", ") + " (plain or .gz)")
        }
        return try idx(dir, "mnist")
    case "cifar10":
        guard let dir else {
            throw LessonError.usage("dataset cifar10 needs --set data_dir=DIR, "
                                    + "the folder of the binary version (data_batch_1.bin … test_batch.bin)")
        }
        let d = try wrap("cifar10", hint: "Use the binary version (cifar-10-batches-bin)") { try loadCIFAR10(dir) }
        return Lesson6Data(train: d.train, test: d.test, name: "cifar10", claimsAccuracy: false)
    default:
        return yinYang()
    }
}

func runLesson06(_ ctx: RunContext) throws {
    // Parameters
    let p = ctx.parameters
    // One BLAS thread: OpenBLAS splits some products and reductions (FA's feedback products, the 1000-sample
    // probe) differently for different thread counts, which changed the last digits of FA's loss and angles
    // between 1 and 2 threads. With one thread the results are the same bytes whatever --threads says.
    setBLASThreads(1)
    let data = try loadLesson6Data(p, log: ctx.log)
    var train = data.train, test = data.test
    let dataName = data.name
    if p.integer("train_limit") > 0 { train = train.prefix(p.integer("train_limit")) }
    if p.integer("test_limit") > 0 { test = test.prefix(p.integer("test_limit")) }
    let rules = p.list("rules").compactMap(Rule.init(rawValue:))
    let sizes = [train.x.cols] + Array(repeating: p.integer("hidden"),
                                       count: p.integer("hidden_layers")) + [train.classes]
    let config = SGDConfig(learningRate: p.real("learning_rate"), batchSize: p.integer("batch"), loss: .crossEntropy)
    let epochs = p.integer("epochs")
    let lastEpochs = min(p.integer("last_epochs"), epochs)
    var irng = ctx.rng(1)
    let initial = Network(sizes: sizes, hidden: .relu, output: .linear, rng: &irng)
    let probeIdx = Array(0..<min(1000, train.count))
    let probe = (x: train.x.rows(probeIdx), y: oneHot(probeIdx.map { train.labels[$0] }, classes: train.classes))
    let fingerprint = "lesson 6; seed \(ctx.seed); " + p.ordered.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
        + "; data \(dataName) \(train.count)/\(test.count)"
    ctx.record("dataset", "\(dataName) (\(train.count) training, \(test.count) test samples)")
    ctx.record("architecture", sizes.map(String.init).joined(separator: "-"))
    ctx.log("dataset \(dataName): \(train.count) train, \(test.count) test; network "
            + "\(sizes.map(String.init).joined(separator: "-")); BLAS \(blasKernel), \(blasThreads) threads")

    // Simulation 1: every rule from the same weights and feedback draw, with a checkpoint after each epoch.
    var histories: [(Rule, [[Double]])] = []
    var interruption: LessonError?
    var epochSeconds: [Rule: [Double]] = [:]
    /// Trains one rule in precision T from the shared start, with a checkpoint (stored in Double, which holds
    /// every Float exactly) after each epoch. Returns false when the whole run must stop.
    func trainRule<T: BLASScalar>(_ rule: Rule, _: T.Type) -> Bool {
        let path = (ctx.folder as NSString).appendingPathComponent("checkpoint-\(rule.rawValue).ckpt")
        let start = NetworkOf<T>(converting: initial)
        var frng = ctx.rng(10)
        var learner = LearnerOf<T>(network: start, feedback: FeedbackOf<T>(rule: rule, network: start, rng: &frng),
                                   rng: ctx.rng(20))
        let probeX = DenseMatrix<T>(converting: probe.x), probeY = DenseMatrix<T>(converting: probe.y)
        var history: [[Double]] = []
        var startEpoch = 1
        if ctx.resume {
            do {
                let resumePath = ctx.checkpointToResume((path as NSString).lastPathComponent)
                if let c = try TrainingCheckpoint.load(from: resumePath, fingerprint: fingerprint,
                                                       rule: rule.rawValue, epochs: epochs) {
                    let saved = Network(layers: c.layers, hidden: .relu, output: .linear)
                    learner = LearnerOf<T>(network: NetworkOf<T>(converting: saved),
                                           feedback: FeedbackOf<T>(rule: rule, matrices: c.feedback.map {
                                               DenseMatrix<T>(converting: $0) }),
                                           rng: SplitMix64(state: c.rngState))
                    learner.steps = c.steps
                    history = c.history
                    startEpoch = c.epoch + 1
                    ctx.log("\(rule.rawValue): resumed from the checkpoint of epoch \(c.epoch)")
                }
            } catch {
                interruption = LessonError("\(error)")
                return false
            }
        }
        if history.isEmpty {
            let accuracy = 100 * learner.network.accuracy(test.x, labels: test.labels)
            history.append([0, .nan, accuracy] + learner.anglesToBP(x: probeX, y: probeY, loss: .crossEntropy))
        }
        defer {
            histories.append((rule, history))
            // NaN or Inf stops a rule early; the check counts the epochs it completed with finite loss and weights.
            if interruption == nil {
                ctx.check(.atLeast("\(rule.rawValue): epochs on \(dataName) completed without divergence",
                                   observed: Double(history.count - 1), bound: Double(epochs)))
            }
        }
        guard startEpoch <= epochs else { return true }
        for epoch in startEpoch...epochs {
            if ctx.mustStopBeforeEpoch {
                interruption = LessonError("interrupted during \(rule.rawValue) before epoch \(epoch); checkpoints up "
                    + "to epoch \(epoch - 1) are in \(ctx.finalFolder): run the same command with --resume to continue")
                return false
            }
            let clock = Date()
            var lossSum = 0.0, batches = 0
            do {
                try learner.epoch(train, config: config, epoch: epoch) { _, loss, _ in lossSum += loss; batches += 1 }
            } catch let d as TrainingDiverged {
                ctx.log(d.description)
                return true
            } catch {
                interruption = LessonError("\(error)")
                return false
            }
            ctx.epochCompleted()
            let seconds = Date().timeIntervalSince(clock)
            let accuracy = learner.network.accuracy(test.x, labels: test.labels)
            let angles = learner.anglesToBP(x: probeX, y: probeY, loss: .crossEntropy)
            history.append([Double(epoch), lossSum / Double(max(batches, 1)), 100 * accuracy] + angles)
            epochSeconds[rule, default: []].append(seconds)
            ctx.plotLive(rule.rawValue, epoch: epoch, value: 100 * accuracy)
            ctx.log(String(format: "%@ epoch %d/%d: step %d, loss %.4f, test accuracy %.2f %%, %.2f s", rule.rawValue,
                           epoch, epochs, learner.steps, lossSum / Double(max(batches, 1)), 100 * accuracy, seconds))
            let checkpoint = TrainingCheckpoint(
                fingerprint: fingerprint, rule: rule.rawValue, epoch: epoch, steps: learner.steps,
                rngState: learner.rng.state,
                layers: learner.network.layers.map { Layer(w: Matrix(converting: $0.w), b: $0.b.map { Double($0) }) },
                feedback: learner.feedback.matrices.map { Matrix(converting: $0) }, history: history)
            do { try writeFileAtomically(checkpoint.encoded(), to: path) } catch {
                interruption = LessonError("cannot write checkpoint \(path); choose a writable --out folder")
                return false
            }
        }
        return true
    }
    withGracefulInterrupt {
        for rule in rules {
            let carryOn = p.string("precision") == "float" ? trainRule(rule, Float.self) : trainRule(rule, Double.self)
            if !carryOn { break }
        }
    }
    if interruption == nil, isInterruptRequested {
        // Ctrl-C during the last epoch: training is complete and checkpointed, but the run stops here.
        interruption = LessonError("interrupted at the end of training; checkpoints of every epoch are "
            + "in \(ctx.finalFolder): run the same command with --resume to finish")
    }

    // Checks on the rules
    /// Mean test accuracy (%) of a rule's last epochs; nil when it did not complete them.
    func late(_ r: Rule) -> Double? {
        guard let h = histories.first(where: { $0.0 == r })?.1, h.count > epochs else { return nil }
        let tail = h.suffix(lastEpochs).map { $0[2] }
        return tail.reduce(0, +) / Double(tail.count)
    }
    let complete = interruption == nil
    let concordant = rules.filter(\.isSignConcordant).map(\.rawValue)
    let concordantList = concordant.isEmpty ? "none trained" : concordant.joined(separator: ", ")
    let concordantText = "the sign-concordant rules (\(concordantList))"
    let accuracyClaim = "\(concordantText) within 1.5 points of bp's final test accuracy on \(dataName)"
    ctx.record("claim", data.claimsAccuracy
        ? "On \(dataName) \(concordantText) reach within 1.5 points of BP's test accuracy with the same network "
            + "and budget; the rate-level microcircuit's run is frSF's run, step for step"
        : "On \(dataName) the rules' accuracy and angles to BP are measured (the 1.5-point claim is checked on "
            + "MNIST-type image data only); the rate-level microcircuit's run is frSF's run, step for step")
    if complete, data.claimsAccuracy, let bpHistory = histories.first(where: { $0.0 == .bp })?.1 {
        // A claim relative to BP means something only if BP learned: its accuracy must exceed chance by 4
        // binomial standard errors over the test set (as in lesson 7); at chance "within 1.5 points" is empty.
        // A BP run that diverged is judged by its last epoch.
        let bpReached = late(.bp) ?? bpHistory.last?[2] ?? .nan
        let chance = 100 / Double(test.classes)
        let se = 100 * (chance / 100 * (1 - chance / 100) / Double(max(test.count, 1))).squareRoot()
        ctx.check(.atLeast("bp: test accuracy on \(dataName) above chance (\(format(chance)) % + 4 SE), "
                           + "so that the comparison with bp means something", id: "bp-learned",
                           observed: bpReached, bound: chance + 4 * se, unit: "%"))
        for rule in rules where rule.isSignConcordant {
            // Paired over seeds: BP and the rule share start and batches on each seed.
            ctx.check(.atMost("\(rule.rawValue): bp's test accuracy minus \(rule.rawValue)'s on \(dataName) "
                              + "(mean of the last \(lastEpochs) epochs)", id: "\(rule.rawValue)-gap-to-bp",
                              observed: (late(.bp) ?? .nan) - (late(rule) ?? .nan), bound: 1.5,
                              unit: "points").overSeeds)
        }
    }
    for (rule, h) in histories {
        ctx.record("accuracy_\(rule.rawValue)", late(rule) ?? .nan)
        let last = h.last ?? []
        for l in 1..<max(sizes.count - 1, 1) {
            ctx.record("angle_\(rule.rawValue)_\(l)", last.count > 2 + l ? last[2 + l] : .nan)
        }
        let secs = epochSeconds[rule] ?? []
        ctx.recordTiming("seconds_per_epoch_\(rule.rawValue)",
                         secs.isEmpty ? "—" : String(format: "%.2f", secs.reduce(0, +) / Double(secs.count)))
    }
    ctx.record("rules_trained", histories.map(\.0.rawValue).joined(separator: ","))

    // Figures (written even after an interruption or a divergence)
    let L = sizes.count - 1
    var accRows: [[Double]] = []
    for e in 0...epochs {
        var row = [Double(e)]
        for (_, h) in histories { row.append(h.first { Int($0[0]) == e }?[2] ?? .nan) }
        accRows.append(row)
    }
    ctx.figure(Figure(
        name: "accuracy", title: "Test accuracy per epoch on \(dataName)",
        claim: data.claimsAccuracy ? accuracyClaim : "test accuracy per rule on \(dataName) (measured, not claimed)",
        blocks: [DataBlock("test accuracy", columns: ["epoch"] + histories.map { "\($0.0.rawValue) accuracy (%)" },
                           rows: accRows)],
        script: """
        set xlabel 'epoch'
        set ylabel 'test accuracy (%)'
        set key bottom right
        set xrange [0.5:\(epochs) + 0.5]
        names = '\(histories.map { $0.0.rawValue }.joined(separator: " "))'
        # Epoch 0 (chance level) is in the data but left off the plot so the differences between rules show.
        # Mean over seeds (lines) and ± 1 sd (bands; the sd of column i is column i + \(histories.count)).
        plot for [i=2:\(histories.count + 1)] DATA index 0 every ::1 using 1:(column(i)-column(i+\(histories.count))):\
        (column(i)+column(i+\(histories.count))) with filledcurves lt (i-1) notitle, \\
             for [i=2:\(histories.count + 1)] DATA index 0 every ::1 using 1:i \
        with linespoints lt (i-1) title word(names, i-1)
        """))
    ctx.figure(Figure(
        name: "angles", title: "Angle to the BP gradient per layer over training (\(dataName))",
        claim: "hidden-layer updates stay within 90 degrees of BP",
        blocks: histories.map { rule, h in
            DataBlock(rule.rawValue, columns: ["epoch", "loss", "test accuracy (%)"]
                          + (1...L).map { "layer \($0) angle (°)" }, rows: h)
        },
        script: """
        set xlabel 'epoch'
        set ylabel 'angle to BP gradient (degrees)'
        set yrange [0:100]
        set key outside right top
        names = '\(histories.map { $0.0.rawValue }.joined(separator: " "))'
        plot for [i=0:\(histories.count - 1)] for [l=1:\(L - 1)] DATA index i using 1:(column(3+l)) \
        with linespoints lt (i+1) dt l title sprintf('%s, layer %d', word(names, i+1), l)
        """))
    if let interruption { throw interruption }

    // Simulation 2: the cell-by-cell microcircuit beside frSF, same start, same feedback, same batches.
    if p.integer("circuit_steps") > 0 {
        var frng = ctx.rng(10)
        let feedback = Feedback(rule: .frsf, network: initial, rng: &frng)
        var circuit = Microcircuit(network: initial, feedbackMagnitudes: feedback.matrices, softmaxOutput: true)
        var learner = Learner(network: initial, feedback: feedback, rng: ctx.rng(30))
        var order = ctx.rng(31)
        var worst = 0.0
        let start = Date()
        var crossings = 0
        for step in 1...p.integer("circuit_steps") {
            let idx = (0..<config.batchSize).map { _ in Int(order.next() % UInt64(train.count)) }
            let x = train.x.rows(idx), y = oneHot(idx.map { train.labels[$0] }, classes: train.classes)
            crossings += circuit.hebbianStep(inputs: (0..<x.rows).map { Array(x.row($0)) },
                                             targets: (0..<y.rows).map { Array(y.row($0)) },
                                             learningRate: config.learningRate).crossings
            try learner.step(x: x, y: y, config: config, epoch: 1)
            let w = circuit.weights
            for l in 0..<L {
                worst = max(worst, maxRelativeError(w[l].data, learner.network.layers[l].w.data) / Double(step))
            }
        }
        let seconds = Date().timeIntervalSince(start)
        ctx.check(.atMost("microcircuit vs frSF on \(dataName), \(p.integer("circuit_steps")) steps: "
                          + "max relative weight error per step", observed: worst, bound: 1e-12))
        ctx.check(.none("microcircuit after training on \(dataName): pairs with sign(B) ≠ sign(Wᵀ)",
                        violations: circuit.feedbackSignMismatches,
                        of: synapseCount(sizes, fromLayer: 2)))
        ctx.recordTiming("circuit_rate", String(format: "%.0f",
                                                Double(p.integer("circuit_steps") * config.batchSize) / seconds))
        ctx.record("circuit_crossings", String(crossings))
        ctx.log(String(format: "microcircuit: %d steps beside frSF in %.1f s, %d zero crossings, max error %.2e",
                       p.integer("circuit_steps"), seconds, crossings, worst))
    } else {
        ctx.recordTiming("circuit_rate", "not run")
        ctx.record("circuit_crossings", "not run")
    }
}
