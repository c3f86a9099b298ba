import Foundation
import NeuroModel

// `lesson export CHECKPOINT --out FILE.npz`: the trained weights of a lesson 6 or lesson 7 checkpoint as a numpy
// archive, for Python users (`numpy.load`). Layer l (1-based) maps layer l − 1 to layer l: Wl has shape
// (units of layer l) × (units of layer l − 1), row-major, as in the model's W^l, and bl has one entry per unit.
// Feedback is stored in the shape of the forward weights it stands in for: lesson 6's Bl has the shape of
// W(l+1) and carries δ from layer l + 1 back to layer l (for DFA it is D, shape n_L × n_l); lesson 7's Rl,
// the magnitudes |R| onto hidden layer l, has the shape of W(l+1) too.

/// The arrays of a checkpoint file (lesson 6's `checkpoint-RULE.ckpt` or lesson 7's `checkpoint-depthN.json`).
/// Throws one line when the file is not a checkpoint of this program or fails its integrity check.
public func exportedArrays(checkpoint path: String) throws -> [(name: String, array: NumpyArray)] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw LessonError(
            "cannot read checkpoint \(path); give a checkpoint-RULE.ckpt (lesson 6) or "
                + "checkpoint-depthN.json (lesson 7) from an output folder's checkpoints/seed-S/")
    }
    if data.starts(with: Array("MCKPT".utf8)) {
        do {
            return lesson6Arrays(try TrainingCheckpoint(decoding: data, path: path))
        } catch let e as DataError { throw LessonError(e.description) }
    }
    if data.first == UInt8(ascii: "{") {
        return try lesson7Arrays(try EpochCheckpoint<DepthRun>.verified(data, path: path), path: path)
    }
    throw LessonError("\(path) is not a checkpoint of this program (lesson 6 .ckpt or lesson 7 .json)")
}

/// Writes `exportedArrays(checkpoint:)` as a .npz file, atomically.
public func exportCheckpoint(_ path: String, to npz: String) throws -> [String] {
    guard npz.hasSuffix(".npz") else { throw LessonError.usage("--out needs a file name ending in .npz") }
    let arrays = try exportedArrays(checkpoint: path)
    let archive: Data
    do { archive = try npzArchive(arrays) } catch let e as DataError { throw LessonError(e.description) }
    do { try writeFileAtomically(archive, to: npz) } catch {
        throw LessonError("cannot write \(npz); check that its folder exists and is writable")
    }
    return arrays.map(\.name)
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

/// Lesson 7: for every trained model (e.g. `spiking_moving_`, `rate_frSF_`, `BP_`) its W and b per layer; for
/// the spiking circuits also |R| per hidden layer (`R1`…, the feedback magnitudes) and the route signs of W
/// (`route_signs1`…, +1 excitatory, −1 inhibitory); each model's history; the epoch.
func lesson7Arrays(_ c: EpochCheckpoint<DepthRun>, path: String) throws -> [(name: String, array: NumpyArray)] {
    let bad = LessonError(CheckpointIntegrity.corrupt(path, "its layers do not fit together"))
    guard let first = c.state.arms.compactMap(\.circuit).first, let w0 = first.weights.first,
        let b0 = first.biases.first, !b0.isEmpty, w0.count % b0.count == 0
    else { throw bad }
    let sizes = [w0.count / b0.count] + first.biases.map(\.count)
    func matrix(_ values: [Double], rows: Int) throws -> NumpyArray {
        guard rows > 0, values.count % rows == 0 else { throw bad }
        return NumpyArray(shape: [rows, values.count / rows], values)
    }
    var out: [(String, NumpyArray)] = []
    for arm in c.state.arms {
        let prefix = arm.name.replacingOccurrences(of: " ", with: "_") + "_"
        if let s = arm.circuit {
            for l in s.weights.indices {
                out.append((prefix + "W\(l + 1)", try matrix(s.weights[l], rows: s.biases[l].count)))
                out.append((prefix + "b\(l + 1)", NumpyArray(shape: [s.biases[l].count], s.biases[l])))
                out.append((prefix + "route_signs\(l + 1)", try intMatrix(s.routeSigns[l], rows: s.biases[l].count)))
            }
            for l in s.feedbackMagnitudes.indices where l + 1 < s.biases.count {
                // |R| onto hidden layer l + 1 from layer l + 2: (units of layer l + 2) × (units of layer l + 1).
                out.append((prefix + "R\(l + 1)", try matrix(s.feedbackMagnitudes[l], rows: s.biases[l + 1].count)))
            }
        } else if let layers = arm.network {
            guard layers.count == sizes.count - 1 else { throw bad }
            for (l, flat) in layers.enumerated() {
                let n = sizes[l + 1] * sizes[l]
                guard flat.count == n + sizes[l + 1] else { throw bad }
                out.append((prefix + "W\(l + 1)", NumpyArray(shape: [sizes[l + 1], sizes[l]], Array(flat[..<n]))))
                out.append((prefix + "b\(l + 1)", NumpyArray(shape: [sizes[l + 1]], Array(flat[n...]))))
            }
        }
        out.append((prefix + "history", historyArray(arm.history)))
    }
    out.append(("epoch", NumpyArray(shape: [], [Int64(c.epoch)])))
    return out

    func intMatrix(_ values: [Int8], rows: Int) throws -> NumpyArray {
        guard rows > 0, values.count % rows == 0 else { throw bad }
        return NumpyArray(shape: [rows, values.count / rows], values.map(Int64.init))
    }
}

/// Per-epoch rows as a 2-D array; rows shorter than the longest are padded with NaN.
func historyArray(_ rows: [[Double]]) -> NumpyArray {
    let width = rows.map(\.count).max() ?? 0
    let flat = rows.flatMap { $0 + Array(repeating: Double.nan, count: width - $0.count) }
    return NumpyArray(shape: [rows.count, width], flat)
}
