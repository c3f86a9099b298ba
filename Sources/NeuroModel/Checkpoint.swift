import Foundation

/// The integrity check every checkpoint of this program carries (lesson 6's binary `TrainingCheckpoint`,
/// lesson 7's JSON epoch checkpoint): an FNV-1a 64-bit checksum of the content, and the same one-line
/// refusals for a damaged file and for one that claims more epochs than the run has.
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

    /// The bytes of the checkpoint (or record) at `path` for a resumed run: nil when there is none; throws one line
    /// when something else stands under its name (a folder, a FIFO, a device), which would otherwise be taken
    /// for "no checkpoint" and the run restarted silently, or, for a FIFO, block the run on reading it.
    public static func read(_ path: String) throws -> Data? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw DataError("cannot read \(path) (\(String(cString: strerror(errno)))); check its permissions")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            let kind: String
            switch info.st_mode & S_IFMT {
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

/// The state of one rule's training run after a whole epoch: enough to continue bit for bit.
public struct TrainingCheckpoint: Equatable, Sendable {
    /// Identifies the run (lesson, seed, parameters); a resume with another fingerprint is refused.
    public var fingerprint: String
    public var rule: String
    public var epoch: Int
    public var steps: Int
    public var rngState: UInt64
    public var layers: [Layer]
    public var feedback: [Matrix]
    /// Per-epoch rows the lesson records (epoch, loss, accuracy, angles …).
    public var history: [[Double]]

    public init(
        fingerprint: String, rule: String, epoch: Int, steps: Int, rngState: UInt64,
        layers: [Layer], feedback: [Matrix], history: [[Double]]
    ) {
        self.fingerprint = fingerprint
        self.rule = rule
        self.epoch = epoch
        self.steps = steps
        self.rngState = rngState
        self.layers = layers
        self.feedback = feedback
        self.history = history
    }

    static let magic = Array("MCKPT002".utf8)
    /// The format before the checksum was added: refused, since its content cannot be verified.
    static let uncheckedMagic = Array("MCKPT001".utf8)

    /// Binary layout: magic, then length-prefixed fields, little-endian 64-bit integers and IEEE doubles, then
    /// the FNV-1a checksum of everything before it (little-endian 64 bits).
    public func encoded() -> Data {
        var out = Data(TrainingCheckpoint.magic)
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func doubles(_ xs: [Double]) {
            u64(UInt64(xs.count))
            for x in xs { u64(x.bitPattern) }
        }
        func string(_ s: String) {
            let b = Array(s.utf8)
            u64(UInt64(b.count))
            out.append(contentsOf: b)
        }
        func matrix(_ m: Matrix) {
            u64(UInt64(m.rows))
            u64(UInt64(m.cols))
            doubles(m.data)
        }
        string(fingerprint)
        string(rule)
        u64(UInt64(epoch))
        u64(UInt64(steps))
        u64(rngState)
        u64(UInt64(layers.count))
        for l in layers {
            matrix(l.w)
            doubles(l.b)
        }
        u64(UInt64(feedback.count))
        for m in feedback { matrix(m) }
        u64(UInt64(history.count))
        for h in history { doubles(h) }
        u64(CheckpointIntegrity.checksum(out))
        return out
    }

    /// Decodes a checkpoint; throws a one-line `DataError` on a truncated, damaged (checksum mismatch, a
    /// non-finite weight: a checkpoint is only written after an epoch that ended with finite weights) or
    /// foreign file.
    public init(decoding data: Data, path: String) throws {
        let all = [UInt8](data)
        var at = 0
        let corrupt = DataError(CheckpointIntegrity.corrupt(path, "truncated or malformed"))
        guard all.count >= 8, Array(all[0..<8]) != TrainingCheckpoint.uncheckedMagic else {
            throw DataError(
                "\(path) was written by an older version without an integrity check; delete it or run "
                    + "without --resume")
        }
        guard all.count >= 16, Array(all[0..<8]) == TrainingCheckpoint.magic else {
            throw DataError("\(path) is not a checkpoint of this program; delete it or run without --resume")
        }
        let bytes = Array(all[0..<(all.count - 8)])
        let stored = all[(all.count - 8)...].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard stored == CheckpointIntegrity.checksum(bytes) else {
            throw DataError(CheckpointIntegrity.corrupt(path, "checksum mismatch"))
        }
        at = 8
        func u64() throws -> UInt64 {
            guard at + 8 <= bytes.count else { throw corrupt }
            var v: UInt64 = 0
            for i in 0..<8 { v |= UInt64(bytes[at + i]) << (8 * UInt64(i)) }
            at += 8
            return v
        }
        func count(_ limit: Int = 1 << 28) throws -> Int {
            let n = try u64()
            guard n <= UInt64(limit) else { throw corrupt }
            return Int(n)
        }
        func doubles() throws -> [Double] { try (0..<count()).map { _ in Double(bitPattern: try u64()) } }
        func string() throws -> String {
            let n = try count(1 << 20)
            guard at + n <= bytes.count else { throw corrupt }
            defer { at += n }
            return String(decoding: bytes[at..<(at + n)], as: UTF8.self)
        }
        func matrix() throws -> Matrix {
            let r = try count()
            let c = try count()
            let d = try doubles()
            guard d.count == r * c else { throw corrupt }
            return Matrix(rows: r, cols: c, data: d)
        }
        fingerprint = try string()
        rule = try string()
        epoch = try count()
        steps = try count()
        rngState = try u64()
        layers = try (0..<count(1000)).map { _ in
            let w = try matrix()
            let b = try doubles()
            guard b.count == w.rows else { throw corrupt }
            return Layer(w: w, b: b)
        }
        feedback = try (0..<count(1000)).map { _ in try matrix() }
        history = try (0..<count()).map { _ in try doubles() }
        guard at == bytes.count else { throw corrupt }
        let weights = layers.flatMap { $0.w.data + $0.b } + feedback.flatMap(\.data)
        guard weights.allSatisfy(\.isFinite) else {
            throw DataError(CheckpointIntegrity.corrupt(path, "a weight is not finite"))
        }
    }

    /// Reads the checkpoint of `rule` for this run, or nil when none exists. Throws one line when the file is
    /// damaged, belongs to another run or rule, claims more epochs than the run has, or its history does not
    /// match its epoch.
    public static func load(from path: String, fingerprint: String, rule: String, epochs: Int) throws
        -> TrainingCheckpoint?
    {
        guard let data = try CheckpointIntegrity.read(path) else { return nil }
        let c = try TrainingCheckpoint(decoding: data, path: path)
        guard c.fingerprint == fingerprint, c.rule == rule else {
            throw DataError(
                "\(path) was written by a run with other parameters, seed or data; run the same "
                    + "command as before with --resume, or delete it")
        }
        if let problem = CheckpointIntegrity.epochProblem(c.epoch, of: epochs, path: path) {
            throw DataError(problem)
        }
        guard c.history.count == c.epoch + 1 else {
            throw DataError(CheckpointIntegrity.corrupt(path, "\(c.history.count) history rows for epoch \(c.epoch)"))
        }
        return c
    }
}
