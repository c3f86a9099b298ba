import Foundation
import LessonKit
import NeuroModel

// Lesson 6's checkpoints: one per rule after each epoch (`checkpoint-RULE.ckpt`), in the one checkpoint format
// (NeuroModel's `Checkpoint`) with the state below.

/// The state of one rule's training after a whole epoch: enough to continue bit for bit.
struct Lesson06RuleState: CheckpointState, Equatable {
    var rule: Rule
    var steps: Int
    var rngState: UInt64
    /// Weights in Double, which holds every Float exactly.
    var layers: [Layer]
    var feedback: [Matrix]
    /// Per-epoch rows [epoch, loss, accuracy, one angle per hidden layer], epochs 0…epoch.
    var history: [[Double]]

    var weightsAreFinite: Bool {
        layers.allSatisfy { $0.w.data.allSatisfy(\.isFinite) && $0.b.allSatisfy(\.isFinite) }
            && feedback.allSatisfy { $0.data.allSatisfy(\.isFinite) }
    }
}

/// What a run of lesson 6 expects of one rule's checkpoint.
struct Lesson06Expectation: Sendable {
    var rule: Rule
    /// The network's layer sizes, inputs first.
    var sizes: [Int]
    /// SGD steps of one epoch: ⌈training samples / batch⌉.
    var stepsPerEpoch: Int
}

extension Lesson06RuleState {
    /// The whole state against the run (`expected`), or, for `lesson export`, against itself: the rule, the
    /// layers' shapes (and that they chain), the feedback matrices the rule draws for them, finite numbers, one
    /// history row per epoch 0…epoch with [epoch, loss, accuracy, one angle per layer], and the step counter.
    func validate(epoch: Int, expecting expected: Lesson06Expectation?) throws {
        let needs = expected == nil ? "its layers need" : "the run needs"
        if let expected, rule != expected.rule {
            throw CheckpointProblem("rule", "is \(rule.rawValue), the file is \(expected.rule.rawValue)'s checkpoint")
        }
        guard let first = layers.first else { throw CheckpointProblem("layers", "is empty") }
        let sizes = expected?.sizes ?? [first.w.cols] + layers.map(\.w.rows)
        let L = sizes.count - 1
        try CheckpointProblem.count(layers, L, "layers", "layers", needs: needs)
        for (l, layer) in layers.enumerated() {
            let (rows, cols) = (sizes[l + 1], sizes[l])
            guard layer.w.rows == rows, layer.w.cols == cols, rows > 0, cols > 0 else {
                throw CheckpointProblem(
                    "layers[\(l)].w", "is \(layer.w.rows)×\(layer.w.cols), \(needs) \(rows)×\(cols)")
            }
            try CheckpointProblem.count(layer.b, rows, "layers[\(l)].b", "biases", needs: needs)
            try CheckpointProblem.finite(layer.w.data, "layers[\(l)].w.data")
            try CheckpointProblem.finite(layer.b, "layers[\(l)].b")
        }
        try CheckpointProblem.count(feedback, L - 1, "feedback", "matrices", needs: "the rule needs")
        for (l, m) in feedback.enumerated() {
            let rows = rule == .bp ? 0 : rule == .dfa ? sizes[L] : sizes[l + 2]
            let cols = rule == .bp ? 0 : sizes[l + 1]
            guard m.rows == rows, m.cols == cols else {
                throw CheckpointProblem(
                    "feedback[\(l)]", "is \(m.rows)×\(m.cols), \(rule.rawValue) needs \(rows)×\(cols)")
            }
            try CheckpointProblem.finite(m.data, "feedback[\(l)].data")
        }
        try CheckpointProblem.count(history, epoch + 1, "history", "rows", needs: "epochs 0…\(epoch) need")
        for (e, row) in history.enumerated() {
            try CheckpointProblem.count(
                row, 3 + L, "history[\(e)]", "entries", needs: "[epoch, loss, accuracy, angles] needs")
            guard row[0] == Double(e) else {
                throw CheckpointProblem("history[\(e)][0]", "is \(format(row[0])), not epoch \(e)")
            }
            // The loss is a mean over the epoch's batches: none before the first (NaN), finite after.
            guard e == 0 || (row[1].isFinite && row[1] >= 0) else {
                throw CheckpointProblem("history[\(e)][1]", "is \(format(row[1])), not a loss")
            }
            guard (0...100).contains(row[2]) else {
                throw CheckpointProblem("history[\(e)][2]", "is \(format(row[2])), not an accuracy in %")
            }
            if let a = row.dropFirst(3).firstIndex(where: { $0.isInfinite }) {
                throw CheckpointProblem("history[\(e)][\(a)]", "is \(row[a]), not an angle")
            }
        }
        // A checkpoint is written after whole epochs only, each of ⌈samples / batch⌉ steps.
        if let expected {
            let (steps, overflow) = epoch.multipliedReportingOverflow(by: expected.stepsPerEpoch)
            guard !overflow, self.steps == steps else {
                throw CheckpointProblem(
                    "steps", "is \(self.steps), \(epoch) epochs of \(expected.stepsPerEpoch) steps make \(steps)")
            }
        } else {
            guard steps >= epoch, epoch == 0 ? steps == 0 : steps % epoch == 0 else {
                throw CheckpointProblem(
                    "steps", "is \(steps), not a whole number of steps per epoch for \(epoch) epochs")
            }
        }
    }
}

/// The file name of `rule`'s checkpoint in a seed's checkpoint folder.
func lesson06CheckpointName(_ rule: Rule) -> String { "checkpoint-\(rule.rawValue).ckpt" }

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
    let loaded: Checkpoint<Lesson06RuleState>?
    do {
        let stepsPerEpoch = (s.train.count + p.config.batchSize - 1) / p.config.batchSize
        loaded = try Checkpoint.load(
            from: resumePath, lesson: lesson06.id, fingerprint: s.fingerprint, epochs: p.epochs,
            expecting: Lesson06Expectation(rule: rule, sizes: s.sizes, stepsPerEpoch: stepsPerEpoch))
    } catch let e as DataError { throw LessonError(e.description) }
    guard let checkpoint = loaded else { return (learner, [], 1) }
    let c = checkpoint.state
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
    ctx.log("\(rule.rawValue): resumed from the checkpoint of epoch \(checkpoint.epoch)")
    return (resumed, c.history, checkpoint.epoch + 1)
}

func saveCheckpoint<T: BLASScalar>(
    _ learner: LearnerOf<T>, rule: Rule, epoch: Int, history: [[Double]],
    _ s: Lesson06Setup, path: String
) throws {
    let state = Lesson06RuleState(
        rule: rule, steps: learner.steps, rngState: learner.rng.state,
        layers: learner.network.layers.map { Layer(w: Matrix(converting: $0.w), b: $0.b.map { Double($0) }) },
        feedback: learner.feedback.matrices.map { Matrix(converting: $0) }, history: history)
    let checkpoint = Checkpoint(lesson: lesson06.id, fingerprint: s.fingerprint, epoch: epoch, state: state)
    do { try writeFileAtomically(checkpoint.encoded(), to: path) } catch {
        throw LessonError("cannot write checkpoint \(path); choose a writable --out folder")
    }
}

// MARK: Export

/// Lesson 6's checkpoints for `lesson export`: W1…WL, b1…bL and the feedback matrices B1… of one rule, and its
/// per-epoch history. Bl has the shape of W(l+1) and carries δ from layer l + 1 back to layer l (for DFA it is D,
/// shape n_L × n_l).
@Sendable func lesson06Export(_ file: CheckpointFile) throws -> [(name: String, array: NumpyArray)] {
    let c = try file.decode(Lesson06RuleState.self).state
    var out: [(String, NumpyArray)] = []
    for (l, layer) in c.layers.enumerated() {
        out.append(("W\(l + 1)", NumpyArray(layer.w)))
        out.append(("b\(l + 1)", NumpyArray(shape: [layer.b.count], layer.b)))
    }
    for (l, b) in c.feedback.enumerated() { out.append(("B\(l + 1)", NumpyArray(b))) }
    out.append(("history", historyArray(c.history)))
    return out
}
