import Foundation
import NeuroModel

#if canImport(Glibc)
    import Glibc
#endif

// `lesson export CHECKPOINT --out FILE.npz`: the trained weights of a lesson's checkpoint as a numpy archive, for
// Python users (`numpy.load`). The checkpoint's format is one for every lesson (NeuroModel's `Checkpoint`); the
// lesson that wrote one reads its state (`LessonDescriptor.exporter`), and this file names no lesson. Layer l
// (1-based) maps layer l − 1 to layer l: Wl has shape (units of layer l) × (units of layer l − 1), row-major, as
// in the model's W^l, and bl has one entry per unit; feedback is stored in the shape of the forward weights it
// stands in for.

/// The arrays of a checkpoint file (`checkpoint-NAME.ckpt` in an output folder's checkpoints/seed-S/), then its
/// epoch. One reader for every lesson: the file's integrity and format are checked here (`CheckpointFile`), and the
/// lesson that wrote it, named in it, reads its state. Throws one line when the file is not a checkpoint of this
/// program, is damaged or holds a non-finite weight, or was written by an older version.
public func exportedArrays(checkpoint path: String, lessons: [LessonDescriptor]) throws
    -> [(name: String, array: NumpyArray)]
{
    let advice = "lesson export reads a checkpoint-NAME.ckpt from an output folder's checkpoints/seed-S/"
    guard let data = FileManager.default.contents(atPath: path) else {
        throw LessonError("cannot read checkpoint \(path); \(advice)")
    }
    do {
        let file = try CheckpointFile(decoding: data, path: path, advice: advice)
        guard let exporter = lessons.first(where: { $0.id == file.lesson })?.exporter else {
            throw LessonError("\(path) is a checkpoint of lesson \(file.lesson), which has no export")
        }
        return try exporter(file) + [("epoch", NumpyArray(shape: [], [Int64(file.epoch)]))]
    } catch let e as DataError { throw LessonError(e.description) }
}

/// Writes `exportedArrays(checkpoint:)` as a .npz file, atomically.
public func exportCheckpoint(_ path: String, to npz: String, lessons: [LessonDescriptor]) throws -> [String] {
    guard npz.hasSuffix(".npz") else { throw LessonError.usage("--out needs a file name ending in .npz") }
    guard !isSameFile(path, npz) else {
        throw LessonError.usage(
            "--out \(npz) is the checkpoint \(path) itself; give another file name for the archive")
    }
    let arrays = try exportedArrays(checkpoint: path, lessons: lessons)
    let archive: Data
    do { archive = try npzArchive(arrays) } catch let e as DataError { throw LessonError(e.description) }
    do { try writeFileAtomically(archive, to: npz) } catch {
        throw LessonError("cannot write \(npz); check that its folder exists and is writable")
    }
    return arrays.map(\.name)
}

/// Whether the two paths name one existing file (the same path written otherwise, a symbolic or a hard link).
func isSameFile(_ a: String, _ b: String) -> Bool {
    var x = stat()
    var y = stat()
    guard stat(a, &x) == 0, stat(b, &y) == 0 else { return false }
    return x.st_dev == y.st_dev && x.st_ino == y.st_ino
}

/// Per-epoch rows as a 2-D array; rows shorter than the longest are padded with NaN.
package func historyArray(_ rows: [[Double]]) -> NumpyArray {
    let width = rows.map(\.count).max() ?? 0
    let flat = rows.flatMap { $0 + Array(repeating: Double.nan, count: width - $0.count) }
    return NumpyArray(shape: [rows.count, width], flat)
}
