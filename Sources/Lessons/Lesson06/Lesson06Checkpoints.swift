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
        loaded = try Checkpoint.load(
            from: resumePath, lesson: lesson06.id, fingerprint: s.fingerprint, epochs: p.epochs)
    } catch let e as DataError { throw LessonError(e.description) }
    guard let checkpoint = loaded else { return (learner, [], 1) }
    let c = checkpoint.state
    guard c.rule == rule else {
        throw LessonError(
            "\(resumePath) was written by a run with other parameters, seed or data; run the same "
                + "command as before with --resume, or delete it")
    }
    guard c.history.count == checkpoint.epoch + 1 else {
        throw LessonError(
            CheckpointIntegrity.corrupt(resumePath, "\(c.history.count) history rows for epoch \(checkpoint.epoch)"))
    }
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
    ctx.log("\(rule.rawValue): resumed from the checkpoint of epoch \(checkpoint.epoch)")
    return (resumed, c.history, checkpoint.epoch + 1)
}

/// What in checkpoint `c` does not fit this run's fresh learner (a file edited by hand and given a new checksum,
/// or written by another build): the number and shape of its layers and feedback matrices, and its history of one
/// row per epoch 0...epoch with [epoch, loss, accuracy, one angle per layer]. Nil when everything fits.
func checkpointShapeProblem<T: BLASScalar>(_ c: Lesson06RuleState, like fresh: LearnerOf<T>, depth: Int)
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
