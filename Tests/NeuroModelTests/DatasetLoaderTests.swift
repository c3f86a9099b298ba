import Foundation
import Testing

@testable import NeuroModel

@Suite struct DatasetLoaderTests {
    func mnistFolder(
        images: [UInt8] = idxImages(4), labels: [UInt8] = idxLabels([0, 1, 2, 9]),
        compress: Bool = true
    ) -> DataFolder {
        let d = DataFolder()
        for (name, bytes) in [
            ("train-images-idx3-ubyte", images), ("train-labels-idx1-ubyte", labels),
            ("t10k-images-idx3-ubyte", idxImages(2)), ("t10k-labels-idx1-ubyte", idxLabels([3, 4]))
        ] {
            d.write(name, bytes)
            if compress { d.gzip(name) }
        }
        return d
    }

    @Test func readsGzippedAndPlainIDX() throws {
        for compress in [true, false] {
            let d = mnistFolder(compress: compress)
            let (train, test) = try loadIDXDirectory(d.path, name: "t")
            #expect(train.count == 4 && test.count == 2)
            #expect(train.x.cols == 6)
            #expect(train.labels == [0, 1, 2, 9])
            #expect(train.x[1, 0] == 6.0 / 255)
        }
    }

    @Test func rejectsWrongMagicTruncationBadLabelsAndMissingFiles() {
        var bad = idxImages(4)
        bad[3] = 0x01
        let cases: [(DataFolder, [String])] = [
            (mnistFolder(images: bad), ["is not an IDX image file (wrong magic number)"]),
            (mnistFolder(images: Array(idxImages(4).dropLast(5))), ["is truncated: ", "download it again"]),
            (mnistFolder(labels: idxLabels([0, 1, 2, 10])), ["label 10 at index 3", "outside 0...9"]),
            (mnistFolder(labels: idxLabels([0, 1, 2])), ["has 4 images but ", " has 3 labels"])
        ]
        for (d, fragments) in cases {
            expectError(DataError.self, fragments) { _ = try loadIDXDirectory(d.path, name: "t") }
        }
        expectError(DataError.self, ["data folder /nonexistent does not exist; give the folder that holds"]) {
            _ = try loadIDXDirectory("/nonexistent", name: "t")
        }
    }

    @Test func rejectsCorruptGzip() {
        let d = mnistFolder()
        var bytes = [UInt8](FileManager.default.contents(atPath: d.path + "/train-images-idx3-ubyte.gz") ?? Data())
        for i in 12..<min(bytes.count, 40) { bytes[i] ^= 0x5a }
        d.write("train-images-idx3-ubyte.gz", bytes)
        expectError(DataError.self, ["train-images-idx3-ubyte.gz is corrupt (gzip stream error)"]) {
            _ = try loadIDXDirectory(d.path, name: "t")
        }
    }

    /// Every common distribution of the four files: '-idx' or '.idx' before the type, plain or gzip,
    /// in the folder itself or in torchvision's `raw/` subfolder.
    @Test func readsEveryCommonFileNaming() throws {
        for dotted in [false, true] {
            for compress in [false, true] {
                for sub in ["", "raw/"] {
                    let d = DataFolder()
                    if !sub.isEmpty {
                        try FileManager.default.createDirectory(
                            atPath: d.path + "/raw",
                            withIntermediateDirectories: true)
                    }
                    let files = [
                        ("train-images", "idx3", idxImages(4)),
                        ("train-labels", "idx1", idxLabels([0, 1, 2, 9])),
                        ("t10k-images", "idx3", idxImages(2)),
                        ("t10k-labels", "idx1", idxLabels([3, 4]))
                    ]
                    for (stem, idx, bytes) in files {
                        let name = sub + stem + (dotted ? "." : "-") + idx + "-ubyte"
                        d.write(name, bytes)
                        if compress { d.gzip(name) }
                    }
                    let (train, test) = try loadIDXDirectory(d.path, name: "t")
                    let variant = "dotted \(dotted), gzip \(compress), folder '\(sub)'"
                    #expect(train.count == 4 && test.count == 2, "\(variant)")
                    #expect(train.labels == [0, 1, 2, 9] && test.labels == [3, 4], "\(variant)")
                    #expect(train.x[1, 0] == 6.0 / 255, "\(variant)")
                    #expect(holdsIDXDataset(d.path), "\(variant)")
                }
            }
        }
    }

    @Test func missingFilesNameTheFolderAndTheNamesLookedFor() throws {
        let empty = DataFolder()
        let error = try #require(throws: DataError.self) { _ = try loadIDXDirectory(empty.path, name: "t") }
        let message = error.description
        #expect(message.contains(empty.path) && !message.contains("\n"))
        for name in idxCanonicalNames { #expect(message.contains(name), "\(message)") }
        #expect(message.contains(".gz") && message.contains(".idx") && message.contains("raw/"))
        #expect(!holdsIDXDataset(empty.path))

        // Only the missing file is named when the others are there.
        let partial = mnistFolder()
        try FileManager.default.removeItem(atPath: partial.path + "/t10k-labels-idx1-ubyte.gz")
        let one = try #require(throws: DataError.self) { _ = try loadIDXDirectory(partial.path, name: "t") }
        #expect(one.description.contains("t10k-labels-idx1-ubyte") && !one.description.contains("train-images"))

        let absent = try #require(throws: DataError.self) { _ = try loadIDXDirectory("/nonexistent/mnist", name: "t") }
        #expect(absent.description.contains("/nonexistent/mnist"))
        #expect(absent.description.contains("train-images-idx3-ubyte"))
    }

    @Test func labelOutOfRangeNamesItsIndex() throws {
        let d = mnistFolder(labels: idxLabels([0, 1, 2, 10]))
        let error = try #require(throws: DataError.self) { _ = try loadIDXDirectory(d.path, name: "t") }
        #expect(error.description.contains("label 10 at index 3"))
    }

    /// Header sizes whose product overflows Int, or exceeds the pixel limit, are one clear error, not a trap.
    @Test func overflowingOrHugeIDXHeaderIsOneLineError() throws {
        let huge = 0x7fff_ffff
        for (n, rows, cols) in [(huge, huge, huge), (1 << 20, 1 << 20, 1 << 20), (100_000, 10_000, 10_000)] {
            let d = mnistFolder(
                images: be32(0x803) + be32(n) + be32(rows) + be32(cols),
                labels: be32(0x801) + be32(n), compress: false)
            let error = try #require(throws: DataError.self) { _ = try loadIDXDirectory(d.path, name: "t") }
            #expect(error.description.contains("train-images-idx3-ubyte"), "\(error)")
            #expect(error.description.contains("header promises \(n)×\(rows)×\(cols) pixels"), "\(error)")
            #expect(!error.description.contains("\n"))
        }
    }

    /// Issue 20 #16: the memory guard compares a load with the memory available now (not the machine's total):
    /// the pixel bytes and their Doubles, 9 bytes per pixel, must fit in it.
    @Test func idxLoadsAreCheckedAgainstAvailableMemory() throws {
        let available = availableMemory()
        #expect(available > 0 && available <= ProcessInfo.processInfo.physicalMemory)
        let pixels = 100_000 * 784
        #expect(try idxPixelCount(100_000, 28, 28, path: "x", available: UInt64(9 * pixels + 1)) == pixels)
        let error = try #require(throws: DataError.self) {
            _ = try idxPixelCount(100_000, 28, 28, path: "x", available: UInt64(9 * pixels))
        }
        #expect(
            error.description.contains(
                "need \((9 * pixels) >> 20) MiB to load, more than the \((9 * pixels) >> 20) MiB "
                    + "of memory available now"), "\(error)")
    }

    /// A file holding more than its header promises (a gzip bomb) is refused after reading what was promised;
    /// a link to /dev/zero is refused by its header; a short file names what it lacks.
    @Test func readsNoMoreThanTheHeaderPromises() throws {
        let bomb = mnistFolder(images: idxImages(4) + [UInt8](repeating: 0, count: 64 << 20))
        let padded = try #require(throws: DataError.self) { _ = try loadIDXDirectory(bomb.path, name: "t") }
        #expect(padded.description.contains("train-images-idx3-ubyte.gz is padded"), "\(padded)")
        #expect(padded.description.contains("more than the 4×2×3 pixels of its header"), "\(padded)")

        let extraLabel = mnistFolder(labels: idxLabels([0, 1, 2, 9]) + [3])
        let labels = try #require(throws: DataError.self) { _ = try loadIDXDirectory(extraLabel.path, name: "t") }
        #expect(labels.description.contains("more than the 4 labels of its header"), "\(labels)")

        let zero = mnistFolder(compress: false)
        try FileManager.default.removeItem(atPath: zero.path + "/train-images-idx3-ubyte")
        try FileManager.default.createSymbolicLink(
            atPath: zero.path + "/train-images-idx3-ubyte",
            withDestinationPath: "/dev/zero")
        let magic = try #require(throws: DataError.self) { _ = try loadIDXDirectory(zero.path, name: "t") }
        #expect(magic.description.contains("is not an IDX image file"), "\(magic)")

        let short = mnistFolder(images: Array(idxImages(4).dropLast(5)))
        let truncated = try #require(throws: DataError.self) { _ = try loadIDXDirectory(short.path, name: "t") }
        #expect(
            truncated.description.contains("is truncated: 4×2×3 pixels needs 24 bytes, the file holds 19"),
            "\(truncated)")
    }

    /// A CIFAR-10 file linked to /dev/zero is read no further than the record limit.
    @Test func cifarFileIsReadNoFurtherThanItsLimit() throws {
        let d = DataFolder()
        try FileManager.default.createSymbolicLink(
            atPath: d.path + "/data_batch_1.bin",
            withDestinationPath: "/dev/zero")
        let error = try #require(throws: DataError.self) { _ = try loadCIFAR10(d.path, recordLimit: 100) }
        #expect(error.description.contains("data_batch_1.bin is padded or not what its header says"), "\(error)")
        #expect(error.description.contains("more than 307300 bytes"), "\(error)")
        #expect(cifarRecordLimit == 50_000)
    }

    /// Label errors give the 0-based index within the file (IDX) or the file and record (CIFAR-10).
    @Test func labelErrorsNameFileAndRecord() throws {
        let d = mnistFolder(labels: idxLabels([0, 42, 2, 9]))
        let idx = try #require(throws: DataError.self) { _ = try loadIDXDirectory(d.path, name: "t") }
        #expect(
            idx.description.contains("train-labels-idx1-ubyte.gz: label 42 at index 1 (0-based, of 4 labels)"),
            "\(idx)")
        let c = DataFolder()
        func records(_ labels: [UInt8]) -> [UInt8] { labels.flatMap { [$0] + [UInt8](repeating: 1, count: 3072) } }
        for b in 1...5 { c.write("data_batch_\(b).bin", records(b == 3 ? [1, 2, 12] : [1, 2])) }
        c.write("test_batch.bin", records([7]))
        let cifar = try #require(throws: DataError.self) { _ = try loadCIFAR10(c.path) }
        #expect(
            cifar.description.contains("data_batch_3.bin: label 12 in record 2 (0-based, byte offset 6146)"),
            "\(cifar)")
    }

    @Test func readsAndValidatesCIFAR10Binary() throws {
        let d = DataFolder()
        func records(_ labels: [UInt8]) -> [UInt8] { labels.flatMap { [$0] + (0..<3072).map { UInt8($0 % 251) } } }
        for b in 1...5 { d.write("data_batch_\(b).bin", records([UInt8(b), 0])) }
        d.write("test_batch.bin", records([7]))
        let (train, test) = try loadCIFAR10(d.path)
        #expect(train.count == 10 && test.count == 1 && train.x.cols == 3072)
        #expect(test.labels == [7])
        d.write("test_batch.bin", Array(records([7]).dropLast()))
        expectError(DataError.self, ["test_batch.bin is truncated: 3072 bytes is not a whole number of 3073-byte"]) {
            _ = try loadCIFAR10(d.path)
        }
        d.write("test_batch.bin", records([12]))
        expectError(DataError.self, ["test_batch.bin: label 12 in record 0", "is outside 0...9"]) {
            _ = try loadCIFAR10(d.path)
        }
    }

    /// A small state of the kind lessons save: layers, feedback, a history with a NaN, an RNG state.
    struct SmallState: CheckpointState, Equatable {
        var layers: [Layer]
        var feedback: [Matrix]
        var history: [[Double]]
        var rngState: UInt64
        var weightsAreFinite: Bool {
            layers.allSatisfy { $0.w.data.allSatisfy(\.isFinite) && $0.b.allSatisfy(\.isFinite) }
                && feedback.allSatisfy { $0.data.allSatisfy(\.isFinite) }
        }
        func validate(epoch: Int, expecting: Void?) throws {
            try CheckpointProblem.count(history, epoch + 1, "history", "rows")
        }
    }

    func smallCheckpoint(epoch: Int = 3, weight: Double? = nil) -> Checkpoint<SmallState> {
        var g = SplitMix64(seed: 9)
        var net = Network(sizes: [3, 4, 2], hidden: .relu, output: .linear, rng: &g)
        if let weight { net.layers[1].w[1, 2] = weight }
        let state = SmallState(
            layers: net.layers, feedback: [Matrix(rows: 2, cols: 4, repeating: 0.5)],
            history: (0...epoch).map { [Double($0), $0 == 0 ? .nan : 0.5, 1] }, rngState: g.state)
        return Checkpoint(lesson: "00-test", fingerprint: "f", epoch: epoch, state: state)
    }

    /// A JSON checkpoint of another format with a valid checksum line, as an earlier version wrote them.
    func checkpointText(format: String) -> Data {
        let json = #"{"epoch":1,"fingerprint":"f","format":"\#(format)","state":{}}"#
        return Data((json + String(format: "\nfnv1a64 %016llx\n", CheckpointIntegrity.checksum(Array(json.utf8)))).utf8)
    }

    @Test func checkpointRoundTripsAndRejectsDamage() throws {
        let c = smallCheckpoint()
        let data = try c.encoded()
        let back = try Checkpoint<SmallState>(decoding: data, path: "x")
        #expect(back.state.layers == c.state.layers && back.state.rngState == c.state.rngState && back.epoch == 3)
        #expect(back.state.history[0][1].isNaN && back.state.history[1] == [1, 0.5, 1] && back.lesson == "00-test")
        expectError(DataError.self, ["checkpoint x is corrupt (checksum mismatch); delete it or run without"]) {
            _ = try Checkpoint<SmallState>(decoding: data.dropLast(3), path: "x")
        }
        expectError(DataError.self, ["x is not a checkpoint of this program; delete it or run without --resume"]) {
            _ = try Checkpoint<SmallState>(decoding: Data("garbage!".utf8), path: "x")
        }
    }

    /// One flipped bit anywhere (a weight, the RNG state, the checksum itself) is refused with one line.
    @Test func checkpointWithAFlippedBitIsRefused() throws {
        let data = [UInt8](try smallCheckpoint().encoded())
        for i in stride(from: 8, to: data.count, by: 7) {
            for bit in [0, 5] {
                var bad = data
                bad[i] ^= UInt8(1 << bit)
                let error = try #require(throws: DataError.self) {
                    _ = try Checkpoint<SmallState>(decoding: Data(bad), path: "c.ckpt")
                }
                #expect(
                    error.description.hasPrefix("checkpoint c.ckpt is corrupt (")
                        && error.description.hasSuffix("); delete it or run without --resume"),
                    "byte \(i) bit \(bit): \(error)")
            }
        }
    }

    /// Checkpoints of both earlier formats (lesson 6's binary files, lesson 7's JSON epoch checkpoints) are refused
    /// in one line saying an older version wrote them.
    @Test func checkpointsOfOlderVersionsAreRefusedWithOneLine() throws {
        let older = "was written by an older version of lesson"
        for magic in ["MCKPT001", "MCKPT002"] {
            let error = try #require(throws: DataError.self) {
                _ = try Checkpoint<SmallState>(decoding: Data((magic + "rest of an old file").utf8), path: "c.ckpt")
            }
            #expect(error.description.hasPrefix("c.ckpt \(older)") && error.description.contains("without --resume"))
        }
        let json = try #require(throws: DataError.self) {
            _ = try CheckpointFile(
                decoding: checkpointText(format: "microcircuit-lessons epoch checkpoint 2"), path: "d.json")
        }
        #expect(json.description.hasPrefix("d.json \(older)") && !json.description.contains("\n"))
        let foreign = try #require(throws: DataError.self) {
            _ = try CheckpointFile(decoding: checkpointText(format: "something else"), path: "e")
        }
        #expect(foreign.description.contains("not a checkpoint of this program"))
    }

    /// A NaN weight is a corrupt checkpoint (one is only written after an epoch with finite weights).
    @Test func checkpointWithNaNWeightIsCorruptNotDivergence() throws {
        let data = try smallCheckpoint(weight: .nan).encoded()
        let error = try #require(throws: DataError.self) { _ = try Checkpoint<SmallState>(decoding: data, path: "c") }
        #expect(
            error.description == "checkpoint c is corrupt (a weight is not finite); delete it or run without "
                + "--resume")
        #expect(!error.description.contains("diverged"))
    }

    /// A checkpoint claiming more epochs than the run has, or another run's or lesson's, is refused.
    @Test func checkpointClaimingMoreEpochsOrAnotherRunIsRefused() throws {
        let folder = DataFolder()
        let path = folder.path + "/c.ckpt"
        try smallCheckpoint(epoch: 100).encoded().write(to: URL(fileURLWithPath: path))
        let epochs = try #require(throws: DataError.self) {
            _ = try Checkpoint<SmallState>.load(from: path, lesson: "00-test", fingerprint: "f", epochs: 3)
        }
        #expect(
            epochs.description == "\(path) claims epoch 100 of a run with 3 epochs; delete it or run without "
                + "--resume")
        let other = try #require(throws: DataError.self) {
            _ = try Checkpoint<SmallState>.load(from: path, lesson: "00-test", fingerprint: "g", epochs: 300)
        }
        #expect(other.description.contains("written by a run with other parameters, seed or data"))
        // Another lesson's checkpoint is named as that lesson's, read by this one (not "not what it saves").
        let lesson = try #require(throws: DataError.self) {
            _ = try Checkpoint<SmallState>.load(from: path, lesson: "01-other", fingerprint: "f", epochs: 300)
        }
        #expect(
            lesson.description == "\(path) was written by lesson 00-test, and lesson 01-other is reading it; put back "
                + "lesson 01-other's own checkpoint, or run without --resume")
        let back = try #require(
            try Checkpoint<SmallState>.load(from: path, lesson: "00-test", fingerprint: "f", epochs: 100))
        #expect(try back.encoded() == smallCheckpoint(epoch: 100).encoded())
        #expect(
            try Checkpoint<SmallState>.load(from: path + "-absent", lesson: "00-test", fingerprint: "f", epochs: 3)
                == nil)
    }
}

/// Issue 30: dataset files that would hang the run or decide its results without a word are refused in one line.
@Suite struct HostileDatasetTests {
    /// A FIFO under a dataset file's name would block the open until something writes to it; it is refused at
    /// once (the test would hang before the fix).
    @Test func aFIFOIsRefusedNotOpened() throws {
        let d = DataFolder()
        for (name, bytes) in [
            ("train-labels-idx1-ubyte", idxLabels([0, 1, 2, 9])), ("t10k-images-idx3-ubyte", idxImages(2)),
            ("t10k-labels-idx1-ubyte", idxLabels([3, 4]))
        ] {
            d.write(name, bytes)
        }
        #expect(mkfifo(d.path + "/train-images-idx3-ubyte", 0o644) == 0)
        let error = try #require(throws: DataError.self) { _ = try loadIDXDirectory(d.path, name: "t") }
        #expect(error.description.contains("train-images-idx3-ubyte is a FIFO, not a dataset file"), "\(error)")
    }

    /// Test images of another shape with the same pixel count (14×56 beside 28×28; here 3×2 beside 2×3) are
    /// refused, naming both shapes.
    @Test func testImagesOfAnotherShapeAreRefused() throws {
        let d = DataFolder()
        for (name, bytes) in [
            ("train-images-idx3-ubyte", idxImages(4)), ("train-labels-idx1-ubyte", idxLabels([0, 1, 2, 9])),
            ("t10k-images-idx3-ubyte", idxImages(2, rows: 3, cols: 2)), ("t10k-labels-idx1-ubyte", idxLabels([3, 4]))
        ] {
            d.write(name, bytes)
        }
        let error = try #require(throws: DataError.self) { _ = try loadIDXDirectory(d.path, name: "t") }
        #expect(error.description.contains("training images are 2×3 pixels, test images 3×2"), "\(error)")
    }

    /// A plain and a gzip copy of one file with different contents are refused; identical copies (as torchvision
    /// leaves them in raw/) are read.
    @Test func twoDifferentCopiesOfOneFileAreRefused() throws {
        let d = DataFolder()
        for (name, bytes) in [
            ("train-images-idx3-ubyte", idxImages(4)), ("train-labels-idx1-ubyte", idxLabels([0, 1, 2, 9])),
            ("t10k-images-idx3-ubyte", idxImages(2)), ("t10k-labels-idx1-ubyte", idxLabels([3, 4]))
        ] {
            d.write(name, bytes)
        }
        d.write("copy", idxLabels([0, 1, 2, 9]))
        d.gzip("copy")
        try FileManager.default.moveItem(atPath: d.path + "/copy.gz", toPath: d.path + "/train-labels-idx1-ubyte.gz")
        #expect(try loadIDXDirectory(d.path, name: "t").train.labels == [0, 1, 2, 9])
        d.write("copy", idxLabels([0, 1, 2, 8]))
        d.gzip("copy")
        try FileManager.default.removeItem(atPath: d.path + "/train-labels-idx1-ubyte.gz")
        try FileManager.default.moveItem(atPath: d.path + "/copy.gz", toPath: d.path + "/train-labels-idx1-ubyte.gz")
        let error = try #require(throws: DataError.self) { _ = try loadIDXDirectory(d.path, name: "t") }
        #expect(error.description.contains("are two copies of train-labels-idx1-ubyte with different contents"))
    }
}
