import CZlib
import Foundation

/// An array for numpy: float64 or int64 values in C (row-major) order with their shape.
public struct NumpyArray: Equatable, Sendable {
    public enum Values: Equatable, Sendable {
        case float64([Double])
        case int64([Int64])
    }

    public var shape: [Int]
    public var values: Values

    public init(shape: [Int], _ values: [Double]) {
        precondition(shape.reduce(1, *) == values.count, "NumpyArray: \(values.count) values for shape \(shape)")
        self.shape = shape
        self.values = .float64(values)
    }

    public init(shape: [Int], _ values: [Int64]) {
        precondition(shape.reduce(1, *) == values.count, "NumpyArray: \(values.count) values for shape \(shape)")
        self.shape = shape
        self.values = .int64(values)
    }

    /// A matrix as a 2-D array (rows × cols).
    public init(_ m: Matrix) { self.init(shape: [m.rows, m.cols], m.data) }

    /// The array as a `.npy` file, format version 1.0: the magic string, a header naming dtype, order and
    /// shape (a Python dict literal padded with spaces so the data starts at a multiple of 64 bytes), then the
    /// values little-endian.
    public func npy() -> Data {
        let descr: String
        switch values {
        case .float64: descr = "<f8"
        case .int64: descr = "<i8"
        }
        let dims = shape.map(String.init)
        let shapeText = dims.count == 1 ? "(\(dims[0]),)" : "(" + dims.joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        let prefix = 10  // magic (6), version (2), header length (2)
        let padding = (64 - (prefix + header.utf8.count + 1) % 64) % 64
        header += String(repeating: " ", count: padding) + "\n"
        var out = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        out.append(contentsOf: [UInt8(length & 0xff), UInt8(length >> 8)])
        out.append(contentsOf: Array(header.utf8))
        switch values {
        case .float64(let xs): for x in xs { appendLittleEndian(x.bitPattern, to: &out) }
        case .int64(let xs): for x in xs { appendLittleEndian(UInt64(bitPattern: x), to: &out) }
        }
        return out
    }
}

func appendLittleEndian<T: FixedWidthInteger>(_ v: T, to out: inout Data) {
    withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
}

/// A `.npz` archive (what `numpy.savez` writes and `numpy.load` reads): a ZIP file, stored without
/// compression, holding `NAME.npy` for each array, in the order given. Deterministic: no timestamps (the
/// DOS date of 1980-01-01), so the same arrays give the same bytes.
///
///     let data = try npzArchive([("W1", NumpyArray(w1)), ("epoch", NumpyArray(shape: [], [Int64(3)]))])
///     // Python: z = numpy.load("weights.npz"); z["W1"].shape
public func npzArchive(_ arrays: [(name: String, array: NumpyArray)]) throws -> Data {
    var out = Data()
    var central = Data()
    for (name, array) in arrays {
        guard !name.isEmpty, name.utf8.count < 200, !name.contains("/"), !name.contains("\\") else {
            throw DataError("npz: array name '\(name)' must be 1–199 bytes without slashes")
        }
        let file = Array((name + ".npy").utf8)
        let content = array.npy()
        guard content.count < Int(UInt32.max), out.count < Int(UInt32.max) - content.count - 100 else {
            throw DataError("npz: the arrays exceed 4 GiB, which a ZIP file without ZIP64 cannot hold")
        }
        let crc = content.withUnsafeBytes { raw -> UInt32 in
            UInt32(crc32(0, raw.bindMemory(to: UInt8.self).baseAddress, uInt(raw.count)))
        }
        let offset = UInt32(out.count)
        // Local file header: version 2.0, no flags, stored, DOS time 0:00, date 1980-01-01.
        func common(_ d: inout Data) {
            appendLittleEndian(UInt16(20), to: &d)
            appendLittleEndian(UInt16(0), to: &d)
            appendLittleEndian(UInt16(0), to: &d)
            appendLittleEndian(UInt16(0), to: &d)
            appendLittleEndian(UInt16(0x21), to: &d)
            appendLittleEndian(crc, to: &d)
            appendLittleEndian(UInt32(content.count), to: &d)
            appendLittleEndian(UInt32(content.count), to: &d)
            appendLittleEndian(UInt16(file.count), to: &d)
            appendLittleEndian(UInt16(0), to: &d)
        }
        appendLittleEndian(UInt32(0x0403_4b50), to: &out)
        common(&out)
        out.append(contentsOf: file)
        out.append(content)
        // Central directory entry: made by version 2.0, then the same fields, then comment, disk, attributes.
        appendLittleEndian(UInt32(0x0201_4b50), to: &central)
        appendLittleEndian(UInt16(20), to: &central)
        common(&central)
        appendLittleEndian(UInt16(0), to: &central)  // comment length
        appendLittleEndian(UInt16(0), to: &central)  // disk number
        appendLittleEndian(UInt16(0), to: &central)  // internal attributes
        appendLittleEndian(UInt32(0), to: &central)  // external attributes
        appendLittleEndian(offset, to: &central)
        central.append(contentsOf: file)
    }
    let directoryOffset = UInt32(out.count)
    out.append(central)
    // End of central directory record.
    appendLittleEndian(UInt32(0x0605_4b50), to: &out)
    appendLittleEndian(UInt16(0), to: &out)
    appendLittleEndian(UInt16(0), to: &out)
    appendLittleEndian(UInt16(arrays.count), to: &out)
    appendLittleEndian(UInt16(arrays.count), to: &out)
    appendLittleEndian(UInt32(central.count), to: &out)
    appendLittleEndian(directoryOffset, to: &out)
    appendLittleEndian(UInt16(0), to: &out)
    return out
}
