import Foundation

/// The integrity check every checkpoint of this program carries (`Checkpoint`): an FNV-1a 64-bit checksum of the
/// content, and the same one-line refusals for a damaged file, for one written by an older version and for one
/// that claims more epochs than the run has.
public enum CheckpointIntegrity {
    /// FNV-1a, 64 bits.
    public static func checksum<S: Sequence>(_ bytes: S) -> UInt64 where S.Element == UInt8 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return h
    }

    /// The message for a checkpoint that fails its integrity check (`why`: what was found).
    public static func corrupt(_ path: String, _ why: String) -> String {
        "checkpoint \(path) is corrupt (\(why)); delete it or run without --resume"
    }

    /// The message for a checkpoint in a format an earlier version of the program wrote (`what`: which).
    public static func olderVersion(_ path: String, _ what: String) -> String {
        "\(path) was written by an older version of lesson (\(what)); rerun without --resume, or delete it"
    }

    /// The bytes of the checkpoint (or record) at `path` for a resumed run: nil when there is none; throws one line
    /// when something else stands under its name (a folder, a FIFO, a device), which would otherwise be taken
    /// for "no checkpoint" and the run restarted silently, or, for a FIFO, block the run on reading it.
    /// A symbolic link is refused too, dangling or not: one that dangles would be taken for "no checkpoint", and
    /// one that points elsewhere would resume from (and the run then overwrite) a file outside the run's folder.
    public static func read(_ path: String) throws -> Data? {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw DataError("cannot read \(path) (\(String(cString: strerror(errno)))); check its permissions")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            let kind: String
            switch info.st_mode & S_IFMT {
            case S_IFLNK: kind = "a symbolic link"
            case S_IFDIR: kind = "a folder"
            case S_IFIFO: kind = "a FIFO"
            case S_IFSOCK: kind = "a socket"
            default: kind = "a device"
            }
            throw DataError("\(path) is \(kind), not a checkpoint file; delete it or run without --resume")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError("cannot read \(path); check its permissions, or delete it or run without --resume")
        }
        return data
    }

    /// The message for a checkpoint whose epoch is outside 0...`epochs`, or nil when it is inside.
    public static func epochProblem(_ epoch: Int, of epochs: Int, path: String) -> String? {
        (0...max(epochs, 0)).contains(epoch)
            ? nil
            : "\(path) claims epoch \(epoch) of a run with \(epochs) epochs; delete it or run without --resume"
    }
}

/// What a checkpoint saves: a lesson's training state after a whole epoch, enough to continue bit for bit.
///
/// A checkpoint may have been edited by hand and given a new checksum, so its state is validated as a whole before
/// anything uses it: `validate(epoch:expecting:)` is called by the loader (`Checkpoint.load`, with what the run
/// expects) and by `lesson export` (`CheckpointFile.decode`, with nil: internal consistency only).
public protocol CheckpointState: Codable, Sendable {
    /// What a run expects of a saved state: its network sizes, the models it trains, its steps per epoch, …
    associatedtype Expectation: Sendable = Void

    /// Whether every weight the state holds is finite. A checkpoint is only written after an epoch that ended with
    /// finite weights, so a file holding a non-finite one is corrupt, and is refused.
    var weightsAreFinite: Bool { get }

    /// Throws a `CheckpointProblem` naming the first field that does not fit: the file's `epoch` (already within
    /// the run's epochs) and, when `expected` is given, the run's parameters; with nil (`lesson export`, which has
    /// no run), that the state's arrays fit each other, are not empty and hold finite numbers.
    func validate(epoch: Int, expecting expected: Expectation?) throws
}

/// The first field of a checkpoint's state that does not fit: its path in the state (`models[2].circuit.weights[0]`)
/// and what is wrong with it (`has 100 numbers, the run needs 100×784 = 78400`).
public struct CheckpointProblem: Error, Equatable, Sendable, CustomStringConvertible {
    public let field: String
    public let problem: String

    public init(_ field: String, _ problem: String) {
        self.field = field
        self.problem = problem
    }

    public var description: String { "\(field) \(problem)" }

    /// The one-line refusal of the checkpoint at `path`.
    public func message(path: String, advice: String) -> String { "\(path): \(self); \(advice)" }

    /// The advice of a refusal on --resume.
    public static let resumeAdvice = "rerun without --resume"
    /// The advice of a refusal by `lesson export`.
    public static let exportAdvice = "lesson export reads only a checkpoint as a run wrote it"

    /// Throws unless `array` has `count` elements (`what`: the word for them, e.g. `layers`; `needs`: who needs
    /// that many, e.g. `the run needs`).
    public static func count(
        _ array: some Collection, _ count: Int, _ field: String, _ what: String = "entries",
        needs: String = "the run needs"
    ) throws {
        guard array.count == count else {
            throw CheckpointProblem(field, "has \(array.count) \(what), \(needs) \(count)")
        }
    }

    /// Throws unless the flat row-major `array` holds a rows × cols matrix.
    public static func matrix(
        _ array: [some Any], rows: Int, cols: Int, _ field: String, needs: String = "the run needs"
    ) throws {
        let (n, overflow) = rows.multipliedReportingOverflow(by: cols)
        guard !overflow, array.count == n else {
            throw CheckpointProblem(field, "has \(array.count) numbers, \(needs) \(rows)×\(cols) = \(n)")
        }
    }

    /// Throws unless every number of `array` is finite (and, with `nonNegative`, not negative).
    public static func finite(_ array: [Double], _ field: String, nonNegative: Bool = false) throws {
        guard let i = array.firstIndex(where: { !$0.isFinite || (nonNegative && $0 < 0) }) else { return }
        throw CheckpointProblem(
            "\(field)[\(i)]", "is \(array[i]), not a finite\(nonNegative ? " non-negative" : "") number")
    }
}

/// The one checkpoint format of every lesson that trains in epochs (format 3): a JSON object (format, lesson,
/// fingerprint, epoch, the lesson's state; doubles in their shortest exact form, non-finite numbers as strings)
/// followed by the line `fnv1a64 <16 hex digits>`, the checksum of the JSON. A flipped bit, a truncated file, a
/// non-finite weight, a checkpoint of another run and one of an older format are each refused in one line.
public struct Checkpoint<State: CheckpointState>: Codable, Sendable {
    public var format = CheckpointFile.formatName
    /// The lesson that wrote it (its id, e.g. `06-datasets`): `lesson export` asks that lesson to read `state`.
    public var lesson: String
    /// Identifies the run (lesson, seed, parameters, data); a resume with another fingerprint is refused.
    public var fingerprint: String
    public var epoch: Int
    public var state: State

    public init(lesson: String, fingerprint: String, epoch: Int, state: State) {
        self.lesson = lesson
        self.fingerprint = fingerprint
        self.epoch = epoch
        self.state = state
    }

    /// The file's bytes: the JSON, then the checksum line.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = CheckpointFile.nonFinite
        let json: Data
        do { json = try encoder.encode(self) } catch { throw DataError("cannot encode a checkpoint: \(error)") }
        var file = json
        file.append(contentsOf: Array(CheckpointFile.checksumLine(json).utf8))
        return file
    }

    /// Decodes a checkpoint file of this format, checked as `CheckpointFile` says.
    public init(decoding file: Data, path: String) throws {
        self = try CheckpointFile(decoding: file, path: path).decode(State.self)
    }

    /// Reads the checkpoint of this run at `path`, or nil when none exists. Throws one line when the file is
    /// damaged, of an older format, another lesson's or another run's, or claims more epochs than the run has.
    /// The state is validated as a whole against `expected`, what the run's parameters imply
    /// (`CheckpointState.validate`): a field that does not fit is refused in one line naming the file and the field.
    public static func load(
        from path: String, lesson: String, fingerprint: String, epochs: Int, expecting expected: State.Expectation
    ) throws -> Checkpoint? {
        guard let data = try CheckpointIntegrity.read(path) else { return nil }
        let file = try CheckpointFile(decoding: data, path: path)
        guard file.lesson == lesson else {
            throw DataError(
                "\(path) was written by lesson \(file.lesson), and lesson \(lesson) is reading it; put back lesson "
                    + "\(lesson)'s own checkpoint, or run without --resume")
        }
        let c = try file.decodeUnvalidated(State.self)
        guard c.fingerprint == fingerprint else {
            throw DataError(
                "\(path) was written by a run with other parameters, seed or data; run the same "
                    + "command as before with --resume, or delete it")
        }
        if let problem = CheckpointIntegrity.epochProblem(c.epoch, of: epochs, path: path) {
            throw DataError(problem)
        }
        do { try c.state.validate(epoch: c.epoch, expecting: expected) } catch let p as CheckpointProblem {
            throw DataError(p.message(path: path, advice: CheckpointProblem.resumeAdvice))
        }
        return c
    }
}

extension Checkpoint where State.Expectation == Void {
    /// `load(from:lesson:fingerprint:epochs:expecting:)` of a state that needs nothing of the run.
    public static func load(from path: String, lesson: String, fingerprint: String, epochs: Int) throws
        -> Checkpoint?
    {
        try load(from: path, lesson: lesson, fingerprint: fingerprint, epochs: epochs, expecting: ())
    }
}

/// A checkpoint file whose checksum and format are verified, its state not yet decoded: what `lesson export`
/// reads (whatever lesson wrote it), and the first step of `Checkpoint(decoding:path:)`.
public struct CheckpointFile: Sendable {
    /// The format written in every checkpoint.
    public static let formatName = "microcircuit-lessons checkpoint 3"
    public let path: String
    /// The id of the lesson that wrote it.
    public let lesson: String
    public let epoch: Int
    /// The JSON, checksum verified.
    let json: Data

    /// Non-finite numbers (a NaN angle, say) are written as strings, so that every state can be saved.
    static let nonFinite = JSONEncoder.NonConformingFloatEncodingStrategy.convertToString(
        positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    static let nonFiniteDecoding = JSONDecoder.NonConformingFloatDecodingStrategy.convertFromString(
        positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")

    static func checksumLine(_ json: Data) -> String {
        String(format: "\nfnv1a64 %016llx\n", CheckpointIntegrity.checksum(json))
    }

    /// The fields every version of the JSON format has, read before the rest.
    private struct Header: Decodable {
        var format: String
        var lesson: String?
        var epoch: Int?
    }

    /// Checks the file: an older version's checkpoint (lesson 6's binary `MCKPT…` files, lesson 7's JSON epoch
    /// checkpoints) or another format, a checksum that does not match, a JSON that does not parse; one line each.
    /// `advice` ends the line for a file that is no checkpoint at all.
    public init(decoding file: Data, path: String, advice: String = "delete it or run without --resume") throws {
        if file.starts(with: Array("MCKPT".utf8)) {
            throw DataError(CheckpointIntegrity.olderVersion(path, "a binary checkpoint of lesson 6"))
        }
        guard file.first == UInt8(ascii: "{") else {
            throw DataError("\(path) is not a checkpoint of this program; \(advice)")
        }
        let cut = file.lastIndex(of: UInt8(ascii: "\n"), before: file.endIndex - 1)
        guard let cut, file[(cut + 1)...].starts(with: Array("fnv1a64 ".utf8)) else {
            if let other = CheckpointFile.otherFile(file) {
                throw DataError("\(path) is \(other), not a checkpoint; \(advice)")
            }
            throw DataError(CheckpointIntegrity.corrupt(path, "truncated or malformed"))
        }
        let json = Data(file[file.startIndex..<cut])
        guard Data(file[cut...]) == Data(CheckpointFile.checksumLine(json).utf8) else {
            throw DataError(CheckpointIntegrity.corrupt(path, "checksum mismatch"))
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = CheckpointFile.nonFiniteDecoding
        guard let header = try? decoder.decode(Header.self, from: json) else {
            throw DataError(CheckpointIntegrity.corrupt(path, "truncated or malformed"))
        }
        guard header.format == CheckpointFile.formatName else {
            guard header.format.hasPrefix("microcircuit-lessons ") else {
                throw DataError("\(path) is not a checkpoint of this program; \(advice)")
            }
            throw DataError(CheckpointIntegrity.olderVersion(path, header.format))
        }
        guard let lesson = header.lesson, let epoch = header.epoch else {
            throw DataError(CheckpointIntegrity.corrupt(path, "truncated or malformed"))
        }
        self.path = path
        self.lesson = lesson
        self.epoch = epoch
        self.json = json
    }

    /// What a whole JSON document without a checksum line is, when this program wrote it (a results.json, a seed
    /// record): given where a checkpoint is expected, it is named, not called a damaged checkpoint.
    static func otherFile(_ file: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: file) as? [String: Any] else { return nil }
        let kind = (object["schema"] as? String) ?? (object["format"] as? String) ?? ""
        if kind.hasPrefix("microcircuit-lessons results") { return "a run's results (results.json)" }
        if kind.hasPrefix("microcircuit-lessons seed record") { return "a seed record (seeds/seed-S.json)" }
        // A checkpoint cut off after its JSON is a damaged checkpoint, not another file.
        return kind.hasPrefix("microcircuit-lessons") ? nil : "a JSON file without a checksum line"
    }

    /// The checkpoint with its state, as the lesson that wrote it reads it (`lesson export`); throws one line when
    /// the state is not `State`, holds a non-finite weight or does not fit together (`CheckpointState.validate`
    /// without a run: internal consistency).
    public func decode<State: CheckpointState>(_: State.Type) throws -> Checkpoint<State> {
        let c = try decodeUnvalidated(State.self)
        do { try c.state.validate(epoch: c.epoch, expecting: nil) } catch let p as CheckpointProblem {
            throw DataError(p.message(path: path, advice: CheckpointProblem.exportAdvice))
        }
        return c
    }

    /// The checkpoint with its state decoded, its weights finite and its epoch not negative; not yet validated.
    func decodeUnvalidated<State: CheckpointState>(_: State.Type) throws -> Checkpoint<State> {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = CheckpointFile.nonFiniteDecoding
        let c: Checkpoint<State>
        do { c = try decoder.decode(Checkpoint<State>.self, from: json) } catch {
            let field = (error as? DecodingError).map { ": " + CheckpointFile.describe($0) } ?? ""
            let why = "its content is not what lesson \(lesson) saves\(field)"
            throw DataError(CheckpointIntegrity.corrupt(path, why))
        }
        guard c.state.weightsAreFinite else {
            throw DataError(CheckpointIntegrity.corrupt(path, "a weight is not finite"))
        }
        guard c.epoch >= 0, c.epoch < Int.max else {
            throw DataError(CheckpointIntegrity.corrupt(path, "epoch \(c.epoch)"))
        }
        return c
    }
}

extension CheckpointFile {
    /// Where in the JSON a decoding error is (`state.models[2].circuit`) and what is wrong, on one line.
    static func describe(_ error: DecodingError) -> String {
        func field(_ path: [any CodingKey]) -> String {
            path.reduce("") { s, key in
                key.intValue.map { s + "[\($0)]" } ?? (s.isEmpty ? key.stringValue : s + "." + key.stringValue)
            }
        }
        let what: String
        switch error {
        case .keyNotFound(let key, let c): what = field(c.codingPath + [key]) + " is missing"
        case .valueNotFound(_, let c): what = field(c.codingPath) + " is missing"
        case .typeMismatch(let type, let c): what = field(c.codingPath) + " is not a \(type)"
        case .dataCorrupted(let c): what = field(c.codingPath) + " is invalid (\(c.debugDescription))"
        @unknown default: what = "\(error)"
        }
        return what.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}

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
