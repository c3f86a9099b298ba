import Foundation
import LessonKit
import NeuroModel

/// A long run's state after a whole epoch, enough to continue bit for bit: JSON (doubles are written in their
/// shortest exact form) followed by a line with an FNV-1a 64-bit checksum of the JSON, so a flipped bit, a
/// truncated file or a checkpoint of another run is refused with one line instead of resumed silently.
struct EpochCheckpoint<State: Codable>: Codable {
    var format = EpochCheckpointFormat.name
    /// Identifies the run (lesson, seed, parameters, data); a resume with another fingerprint is refused.
    var fingerprint: String
    var epoch: Int
    var state: State
}

enum EpochCheckpointFormat {
    /// Version 2: lesson 7's typed models, momentum traces and the standard network.
    static let name = "microcircuit-lessons epoch checkpoint 2"
    /// Non-finite numbers (a NaN angle, say) are written as strings, so that every state can be saved.
    static let nonFinite = JSONEncoder.NonConformingFloatEncodingStrategy.convertToString(
        positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    static let nonFiniteDecoding = JSONDecoder.NonConformingFloatDecodingStrategy.convertFromString(
        positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")

    /// FNV-1a, 64 bits: the integrity check shared with lesson 6's checkpoints.
    static func checksum(_ bytes: Data) -> UInt64 { CheckpointIntegrity.checksum(bytes) }
}

extension EpochCheckpoint {
    /// Writes through a temporary file and a rename: a reader never sees a half-written checkpoint.
    func save(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = EpochCheckpointFormat.nonFinite
        let json: Data
        do { json = try encoder.encode(self) } catch {
            throw LessonError("cannot encode checkpoint \(path): \(error)")
        }
        var file = json
        file.append(contentsOf: Array(String(format: "\nfnv1a64 %016llx\n", EpochCheckpointFormat.checksum(json)).utf8))
        do { try writeFileAtomically(file, to: path) } catch {
            throw LessonError("cannot write checkpoint \(path); choose a writable --out folder")
        }
    }

    /// Reads a checkpoint for this run, or nil when none exists. Throws one line when the file is corrupt,
    /// belongs to another run, or claims more epochs than the run has.
    static func load(from path: String, fingerprint: String, epochs: Int) throws -> EpochCheckpoint? {
        let read: Data?
        do { read = try CheckpointIntegrity.read(path) } catch let e as DataError { throw LessonError(e.description) }
        guard let file = read else { return nil }
        let c = try verified(file, path: path)
        guard c.fingerprint == fingerprint else {
            throw LessonError(
                "\(path) was written by a run with other parameters, seed or data; run the same "
                    + "command as before with --resume, or delete it")
        }
        if let problem = CheckpointIntegrity.epochProblem(c.epoch, of: epochs, path: path) {
            throw LessonError(problem)
        }
        return c
    }

    /// Decodes a checkpoint file after checking its checksum and format (whatever run wrote it).
    static func verified(_ file: Data, path: String) throws -> EpochCheckpoint {
        let corrupt = LessonError(CheckpointIntegrity.corrupt(path, "truncated or checksum mismatch"))
        guard let cut = file.lastIndex(of: UInt8(ascii: "\n"), before: file.endIndex - 1) else { throw corrupt }
        let json = file[file.startIndex..<cut]
        let tail = String(decoding: file[(cut + 1)...], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let expected = String(format: "fnv1a64 %016llx", EpochCheckpointFormat.checksum(Data(json)))
        guard tail == expected else { throw corrupt }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = EpochCheckpointFormat.nonFiniteDecoding
        guard let probe = try? decoder.decode(FormatProbe.self, from: Data(json)) else { throw corrupt }
        guard probe.format == EpochCheckpointFormat.name else {
            throw LessonError(
                "\(path) was written by an older version of this program (\(probe.format)); delete it or run "
                    + "without --resume")
        }
        guard let c = try? decoder.decode(EpochCheckpoint.self, from: Data(json)) else { throw corrupt }
        return c
    }
}

/// The one field every checkpoint version has, read before the rest.
private struct FormatProbe: Decodable { var format: String }

extension Data {
    /// The index of the last `byte` strictly before `end`.
    func lastIndex(of byte: UInt8, before end: Index) -> Index? {
        var i = end
        while i > startIndex {
            i -= 1
            if self[i] == byte { return i }
        }
        return nil
    }
}
