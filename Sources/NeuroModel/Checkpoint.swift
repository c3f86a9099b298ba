import Foundation

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

    public init(fingerprint: String, rule: String, epoch: Int, steps: Int, rngState: UInt64, layers: [Layer], feedback: [Matrix], history: [[Double]]) {
        self.fingerprint = fingerprint; self.rule = rule; self.epoch = epoch; self.steps = steps
        self.rngState = rngState; self.layers = layers; self.feedback = feedback; self.history = history
    }

    static let magic = Array("MCKPT001".utf8)

    /// Binary layout: magic, then length-prefixed fields, little-endian 64-bit integers and IEEE doubles.
    public func encoded() -> Data {
        var out = Data(TrainingCheckpoint.magic)
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func doubles(_ xs: [Double]) { u64(UInt64(xs.count)); for x in xs { u64(x.bitPattern) } }
        func string(_ s: String) { let b = Array(s.utf8); u64(UInt64(b.count)); out.append(contentsOf: b) }
        func matrix(_ m: Matrix) { u64(UInt64(m.rows)); u64(UInt64(m.cols)); doubles(m.data) }
        string(fingerprint); string(rule)
        u64(UInt64(epoch)); u64(UInt64(steps)); u64(rngState)
        u64(UInt64(layers.count)); for l in layers { matrix(l.w); doubles(l.b) }
        u64(UInt64(feedback.count)); for m in feedback { matrix(m) }
        u64(UInt64(history.count)); for h in history { doubles(h) }
        return out
    }

    /// Decodes a checkpoint; throws `DataError` on a truncated or foreign file.
    public init(decoding data: Data, path: String) throws {
        let bytes = [UInt8](data)
        var at = 0
        let corrupt = DataError("checkpoint \(path) is truncated or corrupt; delete it and run without --resume")
        guard bytes.count >= 8, Array(bytes[0..<8]) == TrainingCheckpoint.magic else {
            throw DataError("\(path) is not a checkpoint of this program; delete it and run without --resume")
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
            let r = try count(), c = try count()
            let d = try doubles()
            guard d.count == r * c else { throw corrupt }
            return Matrix(rows: r, cols: c, data: d)
        }
        fingerprint = try string(); rule = try string()
        epoch = try count(); steps = try count(); rngState = try u64()
        layers = try (0..<count(1000)).map { _ in
            let w = try matrix(), b = try doubles()
            guard b.count == w.rows else { throw corrupt }
            return Layer(w: w, b: b)
        }
        feedback = try (0..<count(1000)).map { _ in try matrix() }
        history = try (0..<count()).map { _ in try doubles() }
        guard at == bytes.count else { throw corrupt }
    }
}
