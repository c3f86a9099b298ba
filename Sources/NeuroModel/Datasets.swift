import CZlib
import Foundation

/// A dataset file that is missing, truncated or malformed. The message names the file and what to do.
public struct DataError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ message: String) { description = message }
}

/// Reads a whole file through zlib, which reads gzip-compressed and plain files alike.
/// Throws on a missing file or a corrupt gzip stream.
public func readPossiblyGzipped(_ path: String) throws -> [UInt8] {
    guard FileManager.default.fileExists(atPath: path) else { throw DataError("missing dataset file \(path)") }
    guard let file = gzopen(path, "rb") else { throw DataError("cannot open \(path)") }
    defer { gzclose(file) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let n = chunk.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
        if n < 0 {
            throw DataError("\(path) is corrupt (gzip stream error); delete it and reinstall or download it again")
        }
        if n == 0 { break }
        out.append(contentsOf: chunk[0..<Int(n)])
    }
    return out
}

func bigEndian32(_ b: [UInt8], _ at: Int) -> Int {
    Int(b[at]) << 24 | Int(b[at + 1]) << 16 | Int(b[at + 2]) << 8 | Int(b[at + 3])
}

/// IDX image + label files (MNIST, Fashion-MNIST): magic 0x00000803 with dims (n, rows, cols) for images,
/// 0x00000801 with dim (n) for labels; unsigned bytes. Pixels are scaled to [0, 1].
public func loadIDX(images imagesPath: String, labels labelsPath: String, classes: Int = 10,
                    name: String) throws -> Dataset {
    let img = try readPossiblyGzipped(imagesPath)
    let lab = try readPossiblyGzipped(labelsPath)
    guard img.count >= 16, bigEndian32(img, 0) == 0x0803 else {
        throw DataError("\(imagesPath) is not an IDX image file (wrong magic number); is it the right file?")
    }
    guard lab.count >= 8, bigEndian32(lab, 0) == 0x0801 else {
        throw DataError("\(labelsPath) is not an IDX label file (wrong magic number); is it the right file?")
    }
    let n = bigEndian32(img, 4), rows = bigEndian32(img, 8), cols = bigEndian32(img, 12)
    let nLabels = bigEndian32(lab, 4)
    guard n > 0, rows > 0, cols > 0, img.count == 16 + n * rows * cols else {
        throw DataError("\(imagesPath) is truncated or padded: header says \(n)×\(rows)×\(cols), "
            + "file holds \(img.count - 16) pixel bytes")
    }
    guard lab.count == 8 + nLabels else {
        throw DataError("\(labelsPath) is truncated or padded: header says \(nLabels) labels, "
            + "file holds \(lab.count - 8)")
    }
    guard nLabels == n else { throw DataError("\(imagesPath) has \(n) images but \(labelsPath) has \(nLabels) labels") }
    let labels = lab[8...].map(Int.init)
    if let bad = labels.firstIndex(where: { $0 >= classes }) {
        throw DataError("\(labelsPath): label \(labels[bad]) at index \(bad) is outside 0...\(classes - 1)")
    }
    let d = rows * cols
    var x = Matrix(rows: n, cols: d)
    img.withUnsafeBufferPointer { src in
        x.data.withUnsafeMutableBufferPointer { dst in
            for i in 0..<(n * d) { dst[i] = Double(src[16 + i]) / 255 }
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
public let idxCanonicalNames = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]

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
        throw DataError("data folder \(directory) does not exist; give the folder that holds "
                        + idxCanonicalNames.joined(separator: ", ") + " (or their .gz)")
    }
    var found: [String] = []
    var missing: [String] = []
    for canonical in idxCanonicalNames {
        let candidates = idxSearchFolders(directory).flatMap { folder in
            idxNameVariants(canonical).map { (folder as NSString).appendingPathComponent($0) }
        }
        if let path = candidates.first(where: { fm.fileExists(atPath: $0) }) {
            found.append(path)
        } else {
            missing.append(canonical)
        }
    }
    guard missing.isEmpty, found.count == 4 else {
        throw DataError("no \(missing.joined(separator: ", ")) in \(directory) or its raw/ subfolder "
                        + "(looked for each with '-idx' or '.idx', plain or .gz); "
                        + "put the MNIST or Fashion-MNIST IDX files there or give the folder that holds them")
    }
    return IDXFiles(trainImages: found[0], trainLabels: found[1], testImages: found[2], testLabels: found[3])
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
    guard train.x.cols == test.x.cols else {
        throw DataError("\(directory): train images have \(train.x.cols) pixels, test images \(test.x.cols)")
    }
    return (train, test)
}

/// Where Debian's dataset-fashion-mnist package installs the files.
public let fashionMNISTSystemDirectory = "/usr/share/datasets/fashion-mnist"

/// CIFAR-10, binary version: records of 1 label byte + 3072 pixel bytes (R, G, B planes of 32×32),
/// in data_batch_1.bin … data_batch_5.bin and test_batch.bin. Pixels scaled to [0, 1].
public func loadCIFAR10(_ directory: String) throws -> (train: Dataset, test: Dataset) {
    func load(_ files: [String], _ name: String) throws -> Dataset {
        var bytes: [UInt8] = []
        for f in files {
            let path = (directory as NSString).appendingPathComponent(f)
            let b = try readPossiblyGzipped(path)
            guard !b.isEmpty, b.count % 3073 == 0 else {
                throw DataError("\(path) is truncated: \(b.count) bytes is not a whole number of 3073-byte "
                    + "CIFAR-10 records")
            }
            bytes += b
        }
        let n = bytes.count / 3073
        var x = Matrix(rows: n, cols: 3072)
        var labels: [Int] = []
        labels.reserveCapacity(n)
        for s in 0..<n {
            let label = Int(bytes[s * 3073])
            guard label < 10 else {
                throw DataError("\(name): label \(label) in record \(s) is outside 0...9; the file is corrupt")
            }
            labels.append(label)
            for i in 0..<3072 { x.data[s * 3072 + i] = Double(bytes[s * 3073 + 1 + i]) / 255 }
        }
        return Dataset(name: name, x: x, labels: labels, classes: 10)
    }
    let train = try load((1...5).map { "data_batch_\($0).bin" }, "cifar-10 train")
    return (train, try load(["test_batch.bin"], "cifar-10 test"))
}
