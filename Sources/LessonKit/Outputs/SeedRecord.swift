import Foundation
import NeuroModel

/// Everything one seed of a lesson computed: the unit from which every output file is made. A run over several
/// seeds keeps each in `seeds/seed-S.json`; `lesson aggregate` merges records made by separate processes.
struct SeedRecord: Codable, Equatable {
    static let format = "microcircuit-lessons seed record 1"
    var format = SeedRecord.format
    let lesson: String
    let seed: UInt64
    /// Every parameter but `seed` and `seeds`.
    let parameters: [String: String]
    let checks: [Check]
    let values: [String: String]
    let numbers: [String: Double]
    let figures: [Figure]
    /// "complete", or why the seed stopped early.
    let status: String

    init(
        lesson: String, seed: UInt64, parameters: [String: String], checks: [Check], values: [String: String],
        numbers: [String: Double], figures: [Figure], status: String
    ) {
        self.lesson = lesson
        self.seed = seed
        self.parameters = parameters
        self.checks = checks
        self.values = values
        self.numbers = numbers
        self.figures = figures
        self.status = status
    }

    /// The checks with ids made unique within the seed (a repeated id gets `-2`, `-3`, … in order).
    var uniqueChecks: [Check] {
        var seen: [String: Int] = [:]
        return checks.map { c in
            var c = c
            let k = (seen[c.id] ?? 0) + 1
            seen[c.id] = k
            if k > 1 { c.id += "-\(k)" }
            return c
        }
    }
}

func writeSeedRecord(_ r: SeedRecord, folder: String) throws {
    let dir = (folder as NSString).appendingPathComponent("seeds")
    try prepareDirectory(dir, noLinkBelow: (folder as NSString).deletingLastPathComponent)
    let data = try jsonEncoder().encode(r)
    try writeAtomically(
        String(decoding: data, as: UTF8.self) + "\n",
        to: (dir as NSString).appendingPathComponent("seed-\(r.seed).json"))
}

/// Reads one seed record; one line when it is not one.
func readSeedRecord(_ path: String) throws -> SeedRecord {
    guard let r = try readSeedRecordIfCurrent(path) else {
        throw LessonError(
            "\(path) is not a seed record of this version (\(SeedRecord.format)); "
                + "run that seed again")
    }
    return r
}

/// Reads one seed record: nil when the file is not one of this version (e.g. an older version's); throws one line
/// when it cannot be read or holds what the runner never writes (a figure name that is no safe file name, a
/// script outside the subset of gnuplot figures use, two figures of one name): such a record was made by hand.
func readSeedRecordIfCurrent(_ path: String) throws -> SeedRecord? {
    let read: Data?
    do { read = try CheckpointIntegrity.read(path) } catch let e as DataError { throw LessonError(e.description) }
    guard let data = read else { throw LessonError("cannot read \(path)") }
    let decoded: SeedRecord?
    do { decoded = try jsonDecoder().decode(SeedRecord.self, from: data) } catch let e as FigureRefused {
        throw LessonError("\(path) holds \(e), which the runner never writes; run that seed again")
    } catch { decoded = nil }
    guard let r = decoded, r.format == SeedRecord.format else { return nil }
    var names = Set<String>()
    for f in r.figures where !names.insert(f.name).inserted {
        throw LessonError(
            "\(path) holds two figures named \(f.name), which the runner never writes; run that seed again")
    }
    return r
}
