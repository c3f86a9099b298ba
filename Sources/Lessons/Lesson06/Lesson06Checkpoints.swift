import Foundation
import LessonKit
import NeuroModel

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
