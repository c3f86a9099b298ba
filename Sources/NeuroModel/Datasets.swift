import CZlib
import Foundation

/// A dataset file read through zlib (gzip-compressed and plain files alike), a bounded number of bytes at a
/// time, so that a file is never read further than its header promises (a gzip bomb or a link to /dev/zero
/// costs no more memory than a valid file).
final class DatasetFileReader {
    let path: String
    private let file: gzFile

    init(_ path: String) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw DataError("missing dataset file \(path)")
        }
        guard !isFolder.boolValue else { throw DataError("\(path) is a folder, not a dataset file") }
        // A FIFO or socket would block the open (and the run) until something writes to it: refused, not opened.
        var info = stat()
        if stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFIFO || (info.st_mode & S_IFMT) == S_IFSOCK {
            let kind = (info.st_mode & S_IFMT) == S_IFIFO ? "a FIFO" : "a socket"
            throw DataError("\(path) is \(kind), not a dataset file; give the folder of the real files")
        }
        guard let file = gzopen(path, "rb") else { throw DataError("cannot open \(path); check its permissions") }
        self.path = path
        self.file = file
    }

    deinit { gzclose(file) }

    /// Reads up to `count` bytes; fewer only when the file ends first. Memory grows with what is read.
    func read(upTo count: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: min(1 << 20, max(count, 0)))
        while out.count < count {
            let want = min(chunk.count, count - out.count)
            let n = chunk.withUnsafeMutableBytes { buffer in
                buffer.baseAddress.map { gzread(file, $0, UInt32(want)) } ?? -1
            }
            if n < 0 {
                throw DataError("\(path) is corrupt (gzip stream error); delete it and reinstall or download it again")
            }
            if n == 0 { break }
            chunk.withUnsafeBufferPointer { out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[0..<Int(n)])) }
        }
        return out
    }

    /// Reads exactly `count` bytes of `what`; throws naming the file when it ends first.
    func read(exactly count: Int, _ what: String) throws -> [UInt8] {
        let bytes = try read(upTo: count)
        guard bytes.count == count else {
            throw DataError(
                "\(path) is truncated: \(what) needs \(count) bytes, the file holds \(bytes.count); "
                    + "delete it and download it again")
        }
        return bytes
    }

    /// Throws when the file holds anything after what its header promised.
    func expectEnd(_ promised: String) throws {
        guard try read(upTo: 1).isEmpty else {
            throw DataError(
                "\(path) is padded or not what its header says: it holds more than \(promised); "
                    + "delete it and download it again")
        }
    }
}

/// Reads a whole file through zlib, which reads gzip-compressed and plain files alike, refusing one that holds
/// more than `limit` bytes (uncompressed). Throws on a missing file or a corrupt gzip stream.
public func readPossiblyGzipped(_ path: String, limit: Int) throws -> [UInt8] {
    let reader = try DatasetFileReader(path)
    let bytes = try reader.read(upTo: limit)
    try reader.expectEnd("\(limit) bytes, the most a file of this kind may hold")
    return bytes
}

func bigEndian32(_ b: [UInt8], _ at: Int) -> Int {
    Int(b[at]) << 24 | Int(b[at + 1]) << 16 | Int(b[at + 2]) << 8 | Int(b[at + 3])
}

/// The most pixel bytes an IDX image file may promise: 2^30 (8 GiB once scaled to Doubles; EMNIST, the
/// largest common IDX set, has 5.5·10^8).
public let idxPixelLimit = 1 << 30

/// The memory this process can use now without swapping, in bytes: Linux's MemAvailable (free memory plus the
/// page cache it can reclaim), lowered to what is left under the cgroup's limit in a container with one;
/// elsewhere the physical memory. A guard against total RAM lets a load start that the machine cannot hold.
public func availableMemory() -> UInt64 {
    func number(_ path: String) -> UInt64? {
        (try? String(contentsOfFile: path, encoding: .utf8)).flatMap {
            UInt64($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
    var available = ProcessInfo.processInfo.physicalMemory
    if let info = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
        let line = info.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
        let kiB = line.split(separator: " ").dropFirst().first.flatMap({ UInt64($0) })
    {
        available = min(available, kiB * 1024)
    }
    if let limit = number("/sys/fs/cgroup/memory.max"), let used = number("/sys/fs/cgroup/memory.current") {
        available = min(available, limit > used ? limit - used : 0)
    }
    return available
}

/// The pixel count `n`×`rows`×`cols` an IDX header promises, or a one-line error when it overflows, exceeds
/// `idxPixelLimit`, or would not fit in the memory `available` now: the pixels are read as bytes and then held
/// as Doubles, 9 bytes each while both exist (a small gzip file can promise gigabytes).
func idxPixelCount(
    _ n: Int, _ rows: Int, _ cols: Int, path: String, available: UInt64 = availableMemory()
) throws -> Int {
    let (d, o1) = rows.multipliedReportingOverflow(by: cols)
    let (total, o2) = n.multipliedReportingOverflow(by: d)
    guard !o1, !o2, total <= idxPixelLimit else {
        throw DataError(
            "\(path): header promises \(n)×\(rows)×\(cols) pixels, more than the \(idxPixelLimit) "
                + "this program reads; the file is corrupt or not an image dataset")
    }
    let needed = UInt64(total) * UInt64(1 + MemoryLayout<Double>.size)
    guard needed < available else {
        throw DataError(
            "\(path): \(n)×\(rows)×\(cols) pixels need \(needed >> 20) MiB to load, more than the "
                + "\(available >> 20) MiB of memory available now; use a smaller dataset or free memory")
    }
    return total
}

/// IDX image + label files (MNIST, Fashion-MNIST): magic 0x00000803 with dims (n, rows, cols) for images,
/// 0x00000801 with dim (n) for labels; unsigned bytes. Pixels are scaled to [0, 1]. Both headers are checked
/// before any pixel is read, and neither file is read beyond what its header promises.
public func loadIDX(
    images imagesPath: String, labels labelsPath: String, classes: Int = 10,
    name: String
) throws -> Dataset {
    let imageFile = try DatasetFileReader(imagesPath)
    let labelFile = try DatasetFileReader(labelsPath)
    let img = try imageFile.read(upTo: 16)
    guard img.count == 16, bigEndian32(img, 0) == 0x0803 else {
        throw DataError("\(imagesPath) is not an IDX image file (wrong magic number); is it the right file?")
    }
    let lab = try labelFile.read(upTo: 8)
    guard lab.count == 8, bigEndian32(lab, 0) == 0x0801 else {
        throw DataError("\(labelsPath) is not an IDX label file (wrong magic number); is it the right file?")
    }
    let n = bigEndian32(img, 4)
    let rows = bigEndian32(img, 8)
    let cols = bigEndian32(img, 12)
    let nLabels = bigEndian32(lab, 4)
    guard n > 0, rows > 0, cols > 0 else {
        throw DataError("\(imagesPath): header says \(n)×\(rows)×\(cols) pixels; the file is corrupt")
    }
    guard nLabels == n else { throw DataError("\(imagesPath) has \(n) images but \(labelsPath) has \(nLabels) labels") }
    let total = try idxPixelCount(n, rows, cols, path: imagesPath)
    let labelBytes = try labelFile.read(exactly: n, "\(n) labels")
    try labelFile.expectEnd("the \(n) labels of its header")
    let labels = labelBytes.map(Int.init)
    if let bad = labels.firstIndex(where: { $0 >= classes }) {
        throw DataError(
            "\(labelsPath): label \(labels[bad]) at index \(bad) (0-based, of \(n) labels) is "
                + "outside 0...\(classes - 1); the file is corrupt or not a \(classes)-class dataset")
    }
    let pixels = try imageFile.read(exactly: total, "\(n)×\(rows)×\(cols) pixels")
    try imageFile.expectEnd("the \(n)×\(rows)×\(cols) pixels of its header")
    let d = rows * cols
    var x = Matrix(rows: n, cols: d)
    pixels.withUnsafeBufferPointer { src in
        x.data.withUnsafeMutableBufferPointer { dst in
            for i in 0..<total { dst[i] = Double(src[i]) / 255 }
        }
    }
    return Dataset(name: name, x: x, labels: labels, classes: classes)
}

/// The four files of an IDX dataset (MNIST, Fashion-MNIST), found by `locateIDXFiles`.
public struct IDXFiles: Equatable, Sendable {
    public let trainImages: String
    public let trainLabels: String
    public let testImages: String
    public let testLabels: String
}

/// The four files in their canonical names (as on yann.lecun.com and in torchvision's `raw/`).
public let idxCanonicalNames = [
    "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"
]

/// Every name under which one file is commonly distributed: `train-images-idx3-ubyte` and
/// `train-images.idx3-ubyte` (dot before idx, as in some Kaggle copies), each plain or gzip-compressed.
public func idxNameVariants(_ canonical: String) -> [String] {
    var dotted = canonical
    if let r = canonical.range(of: "-idx", options: .backwards) { dotted.replaceSubrange(r, with: ".idx") }
    let stems = dotted == canonical ? [canonical] : [canonical, dotted]
    return stems.flatMap { [$0, $0 + ".gz"] }
}

/// The folders searched for the files: the folder itself, then its `raw/` subfolder (torchvision's `MNIST/raw/`).
func idxSearchFolders(_ directory: String) -> [String] {
    [directory, (directory as NSString).appendingPathComponent("raw")]
}

/// Finds the four IDX files in `directory` or `directory/raw` under any of the names of `idxNameVariants`.
/// Throws a one-line DataError naming the folder and the names looked for when a file is absent.
public func locateIDXFiles(_ directory: String) throws -> IDXFiles {
    let fm = FileManager.default
    var isFolder: ObjCBool = false
    guard fm.fileExists(atPath: directory, isDirectory: &isFolder), isFolder.boolValue else {
        throw DataError(
            "data folder \(directory) does not exist; give the folder that holds "
                + idxCanonicalNames.joined(separator: ", ") + " (or their .gz)")
    }
    var found: [String] = []
    var missing: [String] = []
    for canonical in idxCanonicalNames {
        let candidates = idxSearchFolders(directory).flatMap { folder in
            idxNameVariants(canonical).map { (folder as NSString).appendingPathComponent($0) }
        }
        let present = candidates.filter { fm.fileExists(atPath: $0) }
        if let path = present.first {
            // Two copies of one file (plain and .gz, or two spellings) must hold the same bytes, or which one is
            // read would decide the results without a word.
            for other in present.dropFirst() where try !sameDecompressedBytes(path, other) {
                throw DataError(
                    "\(path) and \(other) are two copies of \(canonical) with different contents; remove the one "
                        + "that is wrong")
            }
            found.append(path)
        } else {
            missing.append(canonical)
        }
    }
    guard missing.isEmpty, found.count == 4 else {
        throw DataError(
            "no \(missing.joined(separator: ", ")) in \(directory) or its raw/ subfolder "
                + "(looked for each with '-idx' or '.idx', plain or .gz); "
                + "put the MNIST or Fashion-MNIST IDX files there or give the folder that holds them")
    }
    return IDXFiles(trainImages: found[0], trainLabels: found[1], testImages: found[2], testLabels: found[3])
}

/// Whether two dataset files hold the same bytes once decompressed (read 1 MiB at a time; at most 4 GiB each).
func sameDecompressedBytes(_ a: String, _ b: String) throws -> Bool {
    let x = try DatasetFileReader(a)
    let y = try DatasetFileReader(b)
    for _ in 0..<4096 {
        let p = try x.read(upTo: 1 << 20)
        let q = try y.read(upTo: 1 << 20)
        guard p == q else { return false }
        if p.isEmpty { return true }
    }
    return false
}

/// The rows × cols of an IDX image file's header (the file was read and checked by `loadIDX` before).
func idxImageShape(_ path: String) throws -> (rows: Int, cols: Int) {
    let header = try DatasetFileReader(path).read(upTo: 16)
    guard header.count == 16 else { throw DataError("\(path) is truncated") }
    return (bigEndian32(header, 8), bigEndian32(header, 12))
}

/// Whether `directory` (or its `raw/`) holds all four IDX files under any of the common names.
public func holdsIDXDataset(_ directory: String) -> Bool {
    (try? locateIDXFiles(directory)) != nil
}

/// MNIST or Fashion-MNIST in IDX format from a directory, under any of the names of `idxNameVariants`,
/// in the directory itself or its `raw/` subfolder.
public func loadIDXDirectory(_ directory: String, name: String) throws -> (train: Dataset, test: Dataset) {
    let files = try locateIDXFiles(directory)
    let train = try loadIDX(images: files.trainImages, labels: files.trainLabels, name: name + " train")
    let test = try loadIDX(images: files.testImages, labels: files.testLabels, name: name + " test")
    let trainShape = try idxImageShape(files.trainImages)
    let testShape = try idxImageShape(files.testImages)
    guard trainShape == testShape else {
        throw DataError(
            "\(directory): training images are \(trainShape.rows)×\(trainShape.cols) pixels, test images "
                + "\(testShape.rows)×\(testShape.cols); give the training and test files of one dataset")
    }
    return (train, test)
}

/// Where Debian's dataset-fashion-mnist package installs the files.
public let fashionMNISTSystemDirectory = "/usr/share/datasets/fashion-mnist"

/// CIFAR-10, binary version: records of 1 label byte + 3072 pixel bytes (R, G, B planes of 32×32),
/// in data_batch_1.bin … data_batch_5.bin and test_batch.bin (10,000 records each). Pixels scaled to [0, 1].
/// A file is read no further than `recordLimit` records.
public func loadCIFAR10(_ directory: String, recordLimit: Int = cifarRecordLimit) throws
    -> (train: Dataset, test: Dataset)
{
    let recordSize = 3073
    func load(_ files: [String], _ name: String) throws -> Dataset {
        var bytes: [UInt8] = []
        var origins: [(path: String, first: Int)] = []  // the file each record comes from
        for f in files {
            let path = (directory as NSString).appendingPathComponent(f)
            let b = try readPossiblyGzipped(path, limit: recordLimit * recordSize)
            guard !b.isEmpty, b.count % recordSize == 0 else {
                throw DataError(
                    "\(path) is truncated: \(b.count) bytes is not a whole number of 3073-byte "
                        + "CIFAR-10 records")
            }
            origins.append((path, bytes.count / recordSize))
            bytes += b
        }
        let n = bytes.count / recordSize
        var x = Matrix(rows: n, cols: 3072)
        var labels: [Int] = []
        labels.reserveCapacity(n)
        for s in 0..<n {
            let label = Int(bytes[s * recordSize])
            guard label < 10 else {
                let origin = origins.last { $0.first <= s } ?? (path: directory, first: 0)
                throw DataError(
                    "\(origin.path): label \(label) in record \(s - origin.first) (0-based, byte offset "
                        + "\((s - origin.first) * recordSize)) is outside 0...9; the file is corrupt, download it again"
                )
            }
            labels.append(label)
            for i in 0..<3072 { x.data[s * 3072 + i] = Double(bytes[s * recordSize + 1 + i]) / 255 }
        }
        return Dataset(name: name, x: x, labels: labels, classes: 10)
    }
    let train = try load((1...5).map { "data_batch_\($0).bin" }, "cifar-10 train")
    return (train, try load(["test_batch.bin"], "cifar-10 test"))
}

/// The most records one CIFAR-10 file may hold: the whole training set (the official files hold 10,000 each).
public let cifarRecordLimit = 50_000
