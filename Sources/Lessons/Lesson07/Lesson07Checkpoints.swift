import Foundation
import LessonKit
import NeuroModel

// Lesson 7's checkpoints: one per depth after each epoch (`checkpoint-depthN.ckpt`), in the one checkpoint format
// (NeuroModel's `Checkpoint`) with the depth's state, `Lesson07Depth`; and their arrays for `lesson export`.

extension Lesson07Depth {
    /// The arrays `lesson export` writes: for every trained model (prefix `spiking_fixed_`, `spiking_moving_`,
    /// `twin_`, `bp_`, `standard_`) its W and b per layer; for the spiking circuits also |R| per hidden layer
    /// (`R1`…, the feedback magnitudes onto hidden layer l, shaped like W(l+1)) and the route signs of W
    /// (`route_signs1`…, +1 excitatory, −1 inhibitory); each model's history (epoch, test accuracy %, angles to BP
    /// per layer, NaN where undefined).
    func exportedArrays(path: String) throws -> [(name: String, array: NumpyArray)] {
        let bad = LessonError(CheckpointIntegrity.corrupt(path, "its layers do not fit together"))
        var out: [(String, NumpyArray)] = []
        for trained in models {
            let prefix = trained.model.key.replacingOccurrences(of: "-", with: "_") + "_"
            if let s = trained.circuit {
                let sizes = [s.biases.first.map { s.weights[0].count / max($0.count, 1) } ?? 0] + s.biases.map(\.count)
                guard s.fits(sizes) else { throw bad }
                for l in s.weights.indices {
                    out.append((prefix + "W\(l + 1)", NumpyArray(shape: [sizes[l + 1], sizes[l]], s.weights[l])))
                    out.append((prefix + "b\(l + 1)", NumpyArray(shape: [sizes[l + 1]], s.biases[l])))
                    out.append(
                        (
                            prefix + "route_signs\(l + 1)",
                            NumpyArray(shape: [sizes[l + 1], sizes[l]], s.routeSigns[l].map(Int64.init))
                        ))
                }
                for l in s.feedbackMagnitudes.indices {
                    out.append(
                        (prefix + "R\(l + 1)", NumpyArray(shape: [sizes[l + 2], sizes[l + 1]], s.feedbackMagnitudes[l]))
                    )
                }
            } else if let learner = trained.learner {
                for (l, layer) in learner.network.layers.enumerated() {
                    out.append((prefix + "W\(l + 1)", NumpyArray(layer.w)))
                    out.append((prefix + "b\(l + 1)", NumpyArray(shape: [layer.b.count], layer.b)))
                }
            }
            out.append(
                (
                    prefix + "history",
                    historyArray(
                        trained.history.map { [Double($0.epoch), $0.accuracy] + $0.anglesToBP.map { $0 ?? .nan } })
                ))
        }
        return out
    }
}

extension Lesson07Depth: CheckpointState {
    var weightsAreFinite: Bool {
        func finite(_ xs: [[Double]]) -> Bool { xs.allSatisfy { $0.allSatisfy(\.isFinite) } }
        return models.allSatisfy { m in
            let circuit = m.circuit.map { finite($0.weights) && finite($0.biases) && finite($0.feedbackMagnitudes) }
            let learner = m.learner.map { l in
                (l.network.layers + l.traces).allSatisfy {
                    $0.w.data.allSatisfy(\.isFinite) && $0.b.allSatisfy(\.isFinite)
                }
            }
            return (circuit ?? true) && (learner ?? true)
        }
    }
}

/// The checkpoint of `depth` to resume from, or nil when there is none. A checkpoint an earlier version wrote under
/// its former name (`checkpoint-depthN.json`, before the one format) is refused in one line, not passed over.
func lesson07Resume(depth: Int, fingerprint: String, _ p: Lesson07Parameters, _ ctx: RunContext) throws
    -> Lesson07Depth?
{
    let path = ctx.checkpointToResume("checkpoint-depth\(depth).ckpt")
    let former = ctx.checkpointToResume("checkpoint-depth\(depth).json")
    do {
        if let c = try Checkpoint<Lesson07Depth>.load(
            from: path, lesson: lesson07.id, fingerprint: fingerprint, epochs: p.epochs)
        {
            return c.state
        }
        guard try CheckpointIntegrity.read(former) == nil else {
            throw DataError(CheckpointIntegrity.olderVersion(former, "a JSON epoch checkpoint of lesson 7"))
        }
        return nil
    } catch let e as DataError { throw LessonError(e.description) }
}

/// Lesson 7's checkpoints for `lesson export` (`checkpoint-depthN.ckpt`: every model of one depth).
@Sendable func lesson07Export(_ file: CheckpointFile) throws -> [(name: String, array: NumpyArray)] {
    try file.decode(Lesson07Depth.self).state.exportedArrays(path: file.path)
}
