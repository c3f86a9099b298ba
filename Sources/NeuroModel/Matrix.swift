import CBLAS
import CSystem
import Foundation

/// A dense row-major matrix of Doubles. Element (i, j) is `data[i * cols + j]`.
public struct Matrix: Equatable, Sendable {
    public let rows: Int
    public let cols: Int
    public var data: [Double]

    public init(rows: Int, cols: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && cols >= 0, "Matrix: negative shape \(rows)x\(cols)")
        self.rows = rows
        self.cols = cols
        self.data = Array(repeating: value, count: rows * cols)
    }

    public init(rows: Int, cols: Int, data: [Double]) {
        precondition(data.count == rows * cols, "Matrix: \(data.count) values for shape \(rows)x\(cols)")
        self.rows = rows
        self.cols = cols
        self.data = data
    }

    /// A matrix whose entries are left unset, for outputs that a BLAS call overwrites in full (β = 0);
    /// skipping the zero fill matters for the per-step gradients.
    init(uninitializedRows rows: Int, cols: Int) {
        precondition(rows >= 0 && cols >= 0, "Matrix: negative shape \(rows)x\(cols)")
        self.rows = rows
        self.cols = cols
        self.data = [Double](unsafeUninitializedCapacity: rows * cols) { _, count in count = rows * cols }
    }

    public init(rows: Int, cols: Int, _ generate: (Int, Int) -> Double) {
        var d = [Double]()
        d.reserveCapacity(rows * cols)
        for i in 0..<rows { for j in 0..<cols { d.append(generate(i, j)) } }
        self.init(rows: rows, cols: cols, data: d)
    }

    public subscript(i: Int, j: Int) -> Double {
        get { data[i * cols + j] }
        set { data[i * cols + j] = newValue }
    }

    public var count: Int { data.count }

    public func row(_ i: Int) -> ArraySlice<Double> { data[(i * cols)..<((i + 1) * cols)] }

    public var transposed: Matrix {
        Matrix(rows: cols, cols: rows) { i, j in self[j, i] }
    }

    /// Elementwise map.
    public func map(_ f: (Double) -> Double) -> Matrix {
        Matrix(rows: rows, cols: cols, data: data.map(f))
    }

    /// Rows selected by index, in order (a mini-batch).
    public func rows(_ indices: some Collection<Int>) -> Matrix {
        var out = Matrix(rows: indices.count, cols: cols)
        out.data.withUnsafeMutableBufferPointer { dst in
            data.withUnsafeBufferPointer { src in
                var r = 0
                for i in indices {
                    precondition(i >= 0 && i < rows, "Matrix.rows: index \(i) out of 0..<\(rows)")
                    guard cols > 0, let d = dst.baseAddress, let s = src.baseAddress else { continue }
                    (d + r * cols).update(from: s + i * cols, count: cols)
                    r += 1
                }
            }
        }
        return out
    }

    public var frobeniusNorm: Double { data.withUnsafeBufferPointer { cblas_dnrm2(Int32($0.count), $0.baseAddress, 1) } }
    public var allFinite: Bool { data.allSatisfy { $0.isFinite } }
}

/// C ← α op(A) op(B) + β C through OpenBLAS dgemm; op is identity or transpose.
public func gemm(_ a: Matrix, transA: Bool = false, _ b: Matrix, transB: Bool = false,
                 alpha: Double = 1, beta: Double = 0, into c: inout Matrix) {
    let m = transA ? a.cols : a.rows
    let k = transA ? a.rows : a.cols
    let kb = transB ? b.cols : b.rows
    let n = transB ? b.rows : b.cols
    precondition(k == kb, "gemm: inner dimensions \(k) and \(kb) differ")
    precondition(c.rows == m && c.cols == n, "gemm: output is \(c.rows)x\(c.cols), expected \(m)x\(n)")
    if m == 0 || n == 0 { return }
    if k == 0 {
        for i in c.data.indices { c.data[i] *= beta }
        return
    }
    a.data.withUnsafeBufferPointer { pa in
        b.data.withUnsafeBufferPointer { pb in
            c.data.withUnsafeMutableBufferPointer { pc in
                cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                            Int32(m), Int32(n), Int32(k), alpha, pa.baseAddress, Int32(a.cols),
                            pb.baseAddress, Int32(b.cols), beta, pc.baseAddress, Int32(c.cols))
            }
        }
    }
}

/// op(A) op(B) as a new matrix.
public func matmul(_ a: Matrix, transA: Bool = false, _ b: Matrix, transB: Bool = false) -> Matrix {
    let k = transA ? a.rows : a.cols
    var c = k > 0 ? Matrix(uninitializedRows: transA ? a.cols : a.rows, cols: transB ? b.rows : b.cols)
                  : Matrix(rows: transA ? a.cols : a.rows, cols: transB ? b.rows : b.cols)
    gemm(a, transA: transA, b, transB: transB, into: &c)
    return c
}

/// ⟨a, b⟩ = Σ a_i b_i over all entries (BLAS ddot).
public func dot(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "dot: lengths \(a.count) and \(b.count) differ")
    return a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in cblas_ddot(Int32(a.count), pa.baseAddress, 1, pb.baseAddress, 1) }
    }
}

/// Angle in degrees between two tensors seen as vectors, computed as 2 atan2(‖â − b̂‖, ‖â + b̂‖) with
/// â = a/‖a‖ (accurate near 0° and 180°, where acos of the cosine loses half the digits). NaN if either is zero.
public func angleDegrees(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "angle: lengths \(a.count) and \(b.count) differ")
    let na = dot(a, a).squareRoot(), nb = dot(b, b).squareRoot()
    guard na > 0, nb > 0, na.isFinite, nb.isFinite else { return .nan }
    var diff = 0.0, sum = 0.0
    for i in a.indices {
        let x = a[i] / na, y = b[i] / nb
        diff += (x - y) * (x - y)
        sum += (x + y) * (x + y)
    }
    return 2 * atan2(diff.squareRoot(), sum.squareRoot()) * 180 / Double.pi
}

public func angleDegrees(_ a: Matrix, _ b: Matrix) -> Double {
    precondition(a.rows == b.rows && a.cols == b.cols, "angle: shapes \(a.rows)x\(a.cols) and \(b.rows)x\(b.cols) differ")
    return angleDegrees(a.data, b.data)
}

/// Largest |a_i − b_i| / max(‖b‖_∞, tiny): relative error of a against reference b, in the max norm.
public func maxRelativeError(_ a: [Double], _ reference: [Double]) -> Double {
    precondition(a.count == reference.count, "maxRelativeError: lengths differ")
    var scale = 0.0, diff = 0.0
    for i in a.indices {
        scale = max(scale, abs(reference[i]))
        diff = max(diff, abs(a[i] - reference[i]))
    }
    return scale > 0 ? diff / scale : diff
}

/// Fraction of entries where sign(a_i) = sign(b_i) (zero counts as its own sign).
public func signMatchFraction(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "signMatchFraction: lengths differ")
    guard !a.isEmpty else { return 1 }
    var same = 0
    for i in a.indices where a[i].signum == b[i].signum { same += 1 }
    return Double(same) / Double(a.count)
}

extension Double {
    /// −1, 0 or +1.
    public var signum: Double { self > 0 ? 1 : (self < 0 ? -1 : 0) }
}

/// Name of the BLAS kernel in use, from OpenBLAS's own configuration string.
public var blasKernel: String {
    guard let c = openblas_get_config() else { return "OpenBLAS (unknown)" }
    return String(cString: c)
}

/// Threads OpenBLAS uses.
public var blasThreads: Int { Int(openblas_get_num_threads()) }

/// Sets the number of threads OpenBLAS uses. Small matrices (the lessons' teaching networks) run faster
/// on one thread; large ones (lesson 6) on all cores.
public func setBLASThreads(_ n: Int) {
    openblas_set_num_threads(Int32(max(1, n)))
}

/// Keeps blocks of up to 256 MB on the heap instead of mapping fresh pages for every batch-sized matrix
/// (glibc's default maps anything above 128 kB anew, and the page faults dominated small-network training).
public func configureAllocator() {
    #if os(Linux)
    _ = mallopt(M_MMAP_THRESHOLD, 256 << 20)
    _ = mallopt(M_TRIM_THRESHOLD, 512 << 20)
    #endif
}

/// y ← α x + y through BLAS daxpy.
public func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) {
    precondition(x.count == y.count, "axpy: lengths \(x.count) and \(y.count) differ")
    x.withUnsafeBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { yp in cblas_daxpy(Int32(xp.count), alpha, xp.baseAddress, 1, yp.baseAddress, 1) }
    }
}
