import CBLAS
import CSystem
import Foundation

/// A floating-point type OpenBLAS has kernels for (Float: s…, Double: d…), with the few elementary
/// functions the networks need.
public protocol BLASScalar: BinaryFloatingPoint, Sendable, Codable {
    /// C ← α op(A) op(B) + β C, row-major.
    static func blasGemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self,
        a: UnsafePointer<Self>?, lda: Int, b: UnsafePointer<Self>?, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>?, ldc: Int)
    /// y ← α x + y.
    static func blasAxpy(n: Int, alpha: Self, x: UnsafePointer<Self>?, y: UnsafeMutablePointer<Self>?)
    static func exp(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    /// `values` in Double: the array itself for Double, each entry widened for Float (generic code converts
    /// through these instead of casting with `as?`).
    static func doubles(_ values: [Self]) -> [Double]
    /// A Double matrix in this precision: the matrix itself for Double, each entry rounded for Float.
    static func fromDouble(_ m: DenseMatrix<Double>) -> DenseMatrix<Self>
}

extension Double: BLASScalar {
    @inlinable public static func blasGemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Double>?, lda: Int, b: UnsafePointer<Double>?, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>?, ldc: Int
    ) {
        cblas_dgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
    @inlinable public static func blasAxpy(
        n: Int, alpha: Double, x: UnsafePointer<Double>?,
        y: UnsafeMutablePointer<Double>?
    ) {
        cblas_daxpy(Int32(n), alpha, x, 1, y, 1)
    }
    @inlinable public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    @inlinable public static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
    @inlinable public static func log(_ x: Double) -> Double { Foundation.log(x) }
    @inlinable public static func doubles(_ values: [Double]) -> [Double] { values }
    @inlinable public static func fromDouble(_ m: DenseMatrix<Double>) -> DenseMatrix<Double> { m }
}

extension Float: BLASScalar {
    @inlinable public static func blasGemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>?, lda: Int, b: UnsafePointer<Float>?, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>?, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
    @inlinable public static func blasAxpy(
        n: Int, alpha: Float, x: UnsafePointer<Float>?,
        y: UnsafeMutablePointer<Float>?
    ) {
        cblas_saxpy(Int32(n), alpha, x, 1, y, 1)
    }
    @inlinable public static func exp(_ x: Float) -> Float { Foundation.expf(x) }
    @inlinable public static func tanh(_ x: Float) -> Float { Foundation.tanhf(x) }
    @inlinable public static func log(_ x: Float) -> Float { Foundation.logf(x) }
    @inlinable public static func doubles(_ values: [Float]) -> [Double] { values.map { Double($0) } }
    @inlinable public static func fromDouble(_ m: DenseMatrix<Double>) -> DenseMatrix<Float> {
        DenseMatrix<Float>(converting: m)
    }
}

/// A dense row-major matrix. Element (i, j) is `data[i * cols + j]`. `Matrix` is the Double version used
/// throughout; `DenseMatrix<Float>` serves the single-precision training path.
public struct DenseMatrix<Scalar: BLASScalar>: Equatable, Sendable, Codable {
    public let rows: Int
    public let cols: Int
    public var data: [Scalar]

    @inlinable public init(rows: Int, cols: Int, repeating value: Scalar = 0) {
        precondition(rows >= 0 && cols >= 0, "Matrix: negative shape \(rows)x\(cols)")
        self.rows = rows
        self.cols = cols
        self.data = Array(repeating: value, count: rows * cols)
    }

    @inlinable public init(rows: Int, cols: Int, data: [Scalar]) {
        precondition(data.count == rows * cols, "Matrix: \(data.count) values for shape \(rows)x\(cols)")
        self.rows = rows
        self.cols = cols
        self.data = data
    }

    /// The same matrix in another precision (each entry rounded to nearest).
    @inlinable public init<Other: BLASScalar>(converting m: DenseMatrix<Other>) {
        self.init(rows: m.rows, cols: m.cols, data: m.data.map { Scalar($0) })
    }

    /// A matrix whose entries are left unset, for outputs that a BLAS call overwrites in full.
    @inlinable init(uninitializedRows rows: Int, cols: Int) {
        precondition(rows >= 0 && cols >= 0, "Matrix: negative shape \(rows)x\(cols)")
        self.rows = rows
        self.cols = cols
        self.data = [Scalar](unsafeUninitializedCapacity: rows * cols) { _, count in count = rows * cols }
    }

    @inlinable public init(rows: Int, cols: Int, _ generate: (Int, Int) -> Scalar) {
        var d = [Scalar]()
        d.reserveCapacity(rows * cols)
        for i in 0..<rows { for j in 0..<cols { d.append(generate(i, j)) } }
        self.init(rows: rows, cols: cols, data: d)
    }

    @inlinable public subscript(i: Int, j: Int) -> Scalar {
        get { data[i * cols + j] }
        set { data[i * cols + j] = newValue }
    }

    @inlinable public var count: Int { data.count }

    @inlinable public func row(_ i: Int) -> ArraySlice<Scalar> { data[(i * cols)..<((i + 1) * cols)] }

    @inlinable public var transposed: DenseMatrix {
        DenseMatrix(rows: cols, cols: rows) { i, j in self[j, i] }
    }

    /// Elementwise map.
    @inlinable public func map(_ f: (Scalar) -> Scalar) -> DenseMatrix {
        DenseMatrix(rows: rows, cols: cols, data: data.map(f))
    }

    /// Rows selected by index, in order (a mini-batch).
    @inlinable public func rows(_ indices: some Collection<Int>) -> DenseMatrix {
        var out = DenseMatrix(rows: indices.count, cols: cols)
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

    /// ‖A‖_F, accumulated in Double.
    @inlinable public var frobeniusNorm: Double { data.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() }
    @inlinable public var allFinite: Bool { data.allSatisfy { $0.isFinite } }
}

/// The Double matrix used throughout.
public typealias Matrix = DenseMatrix<Double>

// MARK: - Gradient descent

/// The gradient-descent update ΔW = −η·g of a gradient, entry by entry (the one place the lessons write it).
@inlinable public func descentStep(_ gradient: [Double], learningRate eta: Double) -> [Double] {
    gradient.map { -eta * $0 }
}

/// C ← α op(A) op(B) + β C through OpenBLAS ?gemm; op is identity or transpose.
@inlinable public func gemm<T: BLASScalar>(
    _ a: DenseMatrix<T>, transA: Bool = false,
    _ b: DenseMatrix<T>, transB: Bool = false,
    alpha: T = 1, beta: T = 0, into c: inout DenseMatrix<T>
) {
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
                T.blasGemm(
                    transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                    a: pa.baseAddress, lda: a.cols, b: pb.baseAddress, ldb: b.cols,
                    beta: beta, c: pc.baseAddress, ldc: c.cols)
            }
        }
    }
}

/// op(A) op(B) as a new matrix.
@inlinable public func matmul<T: BLASScalar>(
    _ a: DenseMatrix<T>, transA: Bool = false,
    _ b: DenseMatrix<T>, transB: Bool = false
) -> DenseMatrix<T> {
    let k = transA ? a.rows : a.cols
    var c =
        k > 0
        ? DenseMatrix<T>(uninitializedRows: transA ? a.cols : a.rows, cols: transB ? b.rows : b.cols)
        : DenseMatrix<T>(rows: transA ? a.cols : a.rows, cols: transB ? b.rows : b.cols)
    gemm(a, transA: transA, b, transB: transB, into: &c)
    return c
}

/// y ← α x + y through BLAS ?axpy.
@inlinable public func axpy<T: BLASScalar>(_ alpha: T, _ x: [T], _ y: inout [T]) {
    precondition(x.count == y.count, "axpy: lengths \(x.count) and \(y.count) differ")
    x.withUnsafeBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { yp in
            T.blasAxpy(n: xp.count, alpha: alpha, x: xp.baseAddress, y: yp.baseAddress)
        }
    }
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
    let na = dot(a, a).squareRoot()
    let nb = dot(b, b).squareRoot()
    guard na > 0, nb > 0, na.isFinite, nb.isFinite else { return .nan }
    var diff = 0.0
    var sum = 0.0
    for i in a.indices {
        let x = a[i] / na
        let y = b[i] / nb
        diff += (x - y) * (x - y)
        sum += (x + y) * (x + y)
    }
    return 2 * atan2(diff.squareRoot(), sum.squareRoot()) * 180 / Double.pi
}

@inlinable public func angleDegrees<T: BLASScalar>(_ a: DenseMatrix<T>, _ b: DenseMatrix<T>) -> Double {
    precondition(
        a.rows == b.rows && a.cols == b.cols,
        "angle: shapes \(a.rows)x\(a.cols) and \(b.rows)x\(b.cols) differ")
    return angleDegrees(T.doubles(a.data), T.doubles(b.data))
}

/// Largest |a_i − b_i| / max(‖b‖_∞, tiny): relative error of a against reference b, in the max norm.
public func maxRelativeError(_ a: [Double], _ reference: [Double]) -> Double {
    precondition(a.count == reference.count, "maxRelativeError: lengths differ")
    var scale = 0.0
    var diff = 0.0
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

extension DenseMatrix {
    enum CodingKeys: String, CodingKey { case rows, cols, data }

    /// Decodes a matrix and refuses one whose data do not fill its shape (a damaged or edited file).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let rows = try c.decode(Int.self, forKey: .rows)
        let cols = try c.decode(Int.self, forKey: .cols)
        let data = try c.decode([Scalar].self, forKey: .data)
        guard rows >= 0, cols >= 0, rows.multipliedReportingOverflow(by: cols).overflow == false,
            data.count == rows * cols
        else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "a \(rows)×\(cols) matrix with \(data.count) entries"))
        }
        self.init(rows: rows, cols: cols, data: data)
    }
}
