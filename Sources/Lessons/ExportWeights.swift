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
        let c = try EpochCheckpoint<Lesson07Depth>.verified(data, path: path)
        return try c.state.exportedArrays(path: path) + [("epoch", NumpyArray(shape: [], [Int64(c.epoch)]))]
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

/// Per-epoch rows as a 2-D array; rows shorter than the longest are padded with NaN.
func historyArray(_ rows: [[Double]]) -> NumpyArray {
    let width = rows.map(\.count).max() ?? 0
    let flat = rows.flatMap { $0 + Array(repeating: Double.nan, count: width - $0.count) }
    return NumpyArray(shape: [rows.count, width], flat)
}
