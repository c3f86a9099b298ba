import Foundation
import NeuroModel
import Testing

@testable import LessonKit
@testable import Lessons

@Suite struct DatasetLessonRunTests {
    let small: [(String, String)] = [
        ("dataset", "yin-yang"), ("hidden", "32"), ("epochs", "3"),
        ("learning_rate", "0.1"), ("rules", "bp,usf,frsf"), ("circuit_steps", "20"),
        ("seeds", "1")
    ]

    /// Options of lesson 6 at small size without the circuit, into the fresh folder `name`, after a run of them
    /// that stopped after two epochs with its checkpoints: the options continue it with --resume.
    func stoppedRun(_ name: String) throws -> RunOptions {
        var options = RunOptions()
        options.lessonsDirectory = packageRoot + "/lessons"
        options.render = false
        options.overrides = small.filter { $0.0 != "circuit_steps" } + [("circuit_steps", "0")]
        options.outDirectory = temporaryFolder(name)
        options.stopAfterEpochs = 2
        #expect(throws: LessonError.self) { _ = try runLessonSerially(try findLesson("6"), options: options) }
        options.stopAfterEpochs = nil
        options.resume = true
        return options
    }

    @Test func lesson6PassesOnYinYangAtSmallSize() throws {
        _ = try runSmall("6", small)
    }

    @Test func lesson6TrainsInSinglePrecision() throws {
        _ = try runSmall("6", small + [("precision", "float")])
    }

    @Test func interruptedRunResumesToTheSameResult() throws {
        var options = RunOptions()
        options.lessonsDirectory = packageRoot + "/lessons"
        options.render = false
        let overrides = small.filter { $0.0 != "circuit_steps" } + [("circuit_steps", "0")]
        options.overrides = overrides
        options.outDirectory = temporaryFolder("full")
        let full = try runLessonSerially(try findLesson("6"), options: options)

        options.outDirectory = temporaryFolder("resumed")
        options.stopAfterEpochs = 4  // bp's 3 epochs, then one of usf's
        expectLessonError([
            "interrupted during usf before epoch 2; checkpoints up to epoch 1 are in",
            "run the same command with --resume to continue"
        ]) {
            _ = try runLessonSerially(try findLesson("6"), options: options)
        }
        let partial = try FileManager.default.contentsOfDirectory(atPath: options.outDirectory + "/06-datasets")
        let checkpoints = try FileManager.default.contentsOfDirectory(
            atPath: options.outDirectory + "/06-datasets/checkpoints/seed-6")
        #expect(
            checkpoints.contains("checkpoint-bp.ckpt") && partial.contains("results.json")
                && partial.contains("accuracy.dat"))
        #expect(!partial.contains { $0.contains(".tmp") })
        options.stopAfterEpochs = nil
        options.resume = true
        let resumed = try runLessonSerially(try findLesson("6"), options: options)
        for file in ["results.json", "accuracy.dat", "angles.dat"] {
            let a = FileManager.default.contents(atPath: full.folder + "/" + file)
            #expect(
                a != nil && a == FileManager.default.contents(atPath: resumed.folder + "/" + file),
                "\(file) differs after resume")
        }
    }

    /// A checkpoint with one flipped bit is refused with one line saying what to do; it is not resumed, and
    /// not reported as a divergence.
    @Test func corruptCheckpointIsRefusedWithOneLine() throws {
        var options = RunOptions()
        options.lessonsDirectory = packageRoot + "/lessons"
        options.render = false
        options.overrides = small.filter { $0.0 != "circuit_steps" } + [("circuit_steps", "0")]
        options.outDirectory = temporaryFolder("l6-corrupt")
        options.stopAfterEpochs = 2
        expectLessonError([
            "interrupted during bp before epoch 3; checkpoints up to epoch 2 are in",
            "run the same command with --resume to continue"
        ]) {
            _ = try runLessonSerially(try findLesson("6"), options: options)
        }
        let path = options.outDirectory + "/06-datasets/checkpoints/seed-6/checkpoint-bp.ckpt"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count / 2] ^= 0x10
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        options.stopAfterEpochs = nil
        options.resume = true
        let error = try #require(throws: LessonError.self) {
            _ = try runLessonSerially(try findLesson("6"), options: options)
        }
        #expect(
            error.description.contains(
                "checkpoint-bp.ckpt is corrupt (checksum mismatch); delete it or run "
                    + "without --resume"), "\(error)")
        #expect(!error.description.contains("\n") && !error.description.contains("diverged"))
    }

    /// A checkpoint of the binary format lesson 6 wrote before the one checkpoint format is refused on --resume
    /// with one line saying an older version wrote it.
    @Test func olderCheckpointIsRefusedWithOneLine() throws {
        let options = try stoppedRun("l6-older")
        let path = options.outDirectory + "/06-datasets/checkpoints/seed-6/checkpoint-bp.ckpt"
        try Data(("MCKPT002" + String(repeating: "\u{0}", count: 64)).utf8).write(to: URL(fileURLWithPath: path))
        expectLessonError(["checkpoint-bp.ckpt was written by an older version of lesson", "without --resume"]) {
            _ = try runLessonSerially(try findLesson("6"), options: options)
        }
    }

    /// Issue 20 #7: a checkpoint edited by hand and given a new checksum (a short history row, a history row of
    /// another epoch, a layer or feedback matrix of another shape, a layer missing) is refused with one line when
    /// it is loaded, instead of crashing once training has finished.
    @Test func handEditedCheckpointsAreRefusedWithOneLine() throws {
        var options = RunOptions()
        options.lessonsDirectory = packageRoot + "/lessons"
        options.render = false
        options.overrides =
            small.filter { $0.0 != "circuit_steps" && $0.0 != "rules" } + [
                ("circuit_steps", "0"), ("rules", "bp,usf")
            ]
        options.outDirectory = temporaryFolder("l6-edited")
        options.stopAfterEpochs = 5  // bp's 3 epochs and 2 of usf's
        #expect(throws: LessonError.self) { _ = try runLessonSerially(try findLesson("6"), options: options) }
        let folder = options.outDirectory + "/06-datasets/checkpoints/seed-6/"
        let edits: [(String, String, (inout Lesson06RuleState) -> Void)] = [
            (
                "bp", "history[1] has 2 entries, [epoch, loss, accuracy, angles] needs 6",
                {
                    $0.history[1] = Array($0.history[1].prefix(2))
                }
            ),
            ("bp", "history[2][0] is 7, not epoch 2", { $0.history[2][0] = 7 }),
            ("bp", "layers has 2 layers, the run needs 3", { $0.layers.removeLast() }),
            ("usf", "feedback[1] is 1×1, usf needs 3×32", { $0.feedback[1] = Matrix(rows: 1, cols: 1) }),
            (
                "usf", "layers[1].w is 3×32, the run needs 32×32",
                {
                    $0.layers[1] = Layer(w: Matrix(rows: 3, cols: 32), b: [0, 0, 0])
                }
            )
        ]
        options.stopAfterEpochs = nil
        options.resume = true
        for (rule, problem, edit) in edits {
            let path = folder + "checkpoint-\(rule).ckpt"
            let original = try Data(contentsOf: URL(fileURLWithPath: path))
            var c = try Checkpoint<Lesson06RuleState>(decoding: original, path: path)
            edit(&c.state)
            try c.encoded().write(to: URL(fileURLWithPath: path))
            expectLessonError(["checkpoint-\(rule).ckpt: \(problem); rerun without --resume"]) {
                _ = try runLessonSerially(try findLesson("6"), options: options)
            }
            try original.write(to: URL(fileURLWithPath: path))
        }
        #expect(try resultsStatus(try runLessonSerially(try findLesson("6"), options: options).folder) == "complete")
    }

    /// Temporary files left by a run killed during a write (its own and Foundation's) are removed by the next
    /// run; one of a process still running is kept.
    @Test func staleTemporaryFilesAreRemovedAtTheNextRun() throws {
        let dead = Process()
        dead.executableURL = URL(fileURLWithPath: "/bin/true")
        try dead.run()
        dead.waitUntilExit()
        let out = temporaryFolder("l6-stale")
        let folder = out + "/06-datasets"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let stale = [
            "06-datasets/.checkpoint-bp.ckpt.tmp-\(dead.processIdentifier)",
            "06-datasets/.dat.nosync1234.AbCd", ".render.sh.tmp-\(dead.processIdentifier)"
        ]
        let live = ".other-file.dat.tmp-\(ProcessInfo.processInfo.processIdentifier)"
        for name in stale + [live] {
            #expect(FileManager.default.createFile(atPath: out + "/" + name, contents: Data(count: 1000)))
        }
        #expect(isStaleTemporary(".checkpoint-bp.ckpt.tmp-\(dead.processIdentifier)") && !isStaleTemporary(live))
        #expect(isStaleTemporary(".dat.nosync1234.AbCd"))
        #expect(!isStaleTemporary("checkpoint-bp.ckpt") && !isStaleTemporary(".hidden"))
        var options = RunOptions()
        options.lessonsDirectory = packageRoot + "/lessons"
        options.render = false
        options.overrides = small.filter { $0.0 != "epochs" } + [("epochs", "1")]
        options.outDirectory = out
        var messages: [String] = []
        _ = try runLessonSerially(try findLesson("6"), options: options, log: { messages.append($0) })
        for name in stale { #expect(!FileManager.default.fileExists(atPath: out + "/" + name), "\(name) was left") }
        #expect(FileManager.default.fileExists(atPath: out + "/" + live))
        #expect(messages.contains("removed 3 temporary files (3000 bytes) left by an interrupted run"), "\(messages)")
    }

    /// Issue 20 #9: a run killed during a checkpoint write leaves the cut temporary inside checkpoints/seed-S/ (of
    /// the staging folder, or of the run folder once a later run swapped it in); --resume removes every one.
    @Test func staleTemporariesInCheckpointFoldersAreRemovedOnResume() throws {
        let dead = Process()
        dead.executableURL = URL(fileURLWithPath: "/bin/true")
        try dead.run()
        dead.waitUntilExit()
        let options = try stoppedRun("l6-stale-checkpoint")
        let cut = ".checkpoint-bp.ckpt.tmp-\(dead.processIdentifier)"
        let places = [
            "06-datasets/checkpoints/seed-6/", ".06-datasets.partial/checkpoints/seed-6/", "06-datasets/seeds/"
        ]
        for place in places {
            let folder = options.outDirectory + "/" + place
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            #expect(FileManager.default.createFile(atPath: folder + cut, contents: Data(count: 100)))
        }
        var messages: [String] = []
        _ = try runLessonSerially(try findLesson("6"), options: options, log: { messages.append($0) })
        let left = FileManager.default.subpaths(atPath: options.outDirectory)?.filter { $0.contains(".tmp-") }
        #expect(left == [], "\(left ?? [])")
        #expect(messages.contains("removed 3 temporary files (300 bytes) left by an interrupted run"), "\(messages)")
    }

    /// Issue 20 #16: --resume with a folder or a FIFO where a checkpoint or a seed record should be is refused in
    /// one line (it restarted silently, or would block reading the FIFO); the same reader serves lessons 6 and 7.
    @Test func aCheckpointThatIsNotAFileIsRefusedOnResume() throws {
        let options = try stoppedRun("l6-not-a-file")
        let path = options.outDirectory + "/06-datasets/checkpoints/seed-6/checkpoint-bp.ckpt"
        for (kind, make) in [("a folder", "mkdir"), ("a FIFO", "mkfifo")] {
            try? FileManager.default.removeItem(atPath: path)
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            #expect(try runProcess("/usr/bin/env", [make, path], in: options.outDirectory) == 0)
            expectLessonError(["\(path) is \(kind), not a checkpoint file; delete it or run without --resume"]) {
                _ = try runLessonSerially(try findLesson("6"), options: options)
            }
        }
        let record = options.outDirectory + "/06-datasets/seeds/seed-6.json"
        try? FileManager.default.removeItem(atPath: record)
        try FileManager.default.createDirectory(atPath: record, withIntermediateDirectories: true)
        expectLessonError(["\(record) is a folder, not a checkpoint file"]) {
            _ = try runLessonSerially(try findLesson("6"), options: options)
        }
        #expect(try CheckpointIntegrity.read(options.outDirectory + "/none") == nil)
    }

    @Test func missingDatasetFolderIsAClearError() {
        expectLessonError(["mnist: data folder /nonexistent does not exist; give the folder that holds"]) {
            _ = try runSmall("6", small + [("dataset", "mnist"), ("data_dir", "/nonexistent")])
        }
        expectLessonError(["dataset mnist needs --set data_dir=DIR"]) {
            _ = try runSmall("6", small + [("dataset", "mnist")])
        }
    }

    /// `auto` with a data_dir the user names does not fall back to Yin-Yang when the folder holds no dataset.
    @Test func namedEmptyDataFolderIsAnErrorNotAFallback() throws {
        let empty = temporaryFolder("empty-data")
        let error = try #require(throws: LessonError.self) {
            _ = try runSmall("6", small + [("dataset", "auto"), ("data_dir", empty)])
        }
        #expect(error.description.contains(empty) && !error.description.contains("\n"), "\(error)")
        #expect(error.description.contains("train-images-idx3-ubyte"))
        #expect(error.description.contains("t10k-labels-idx1-ubyte"))
    }

    @Test func officialIDXFilesAreRecognisedByTheirFirstLabels() {
        let fashion = (train: [9, 0, 0, 3, 0, 2, 7, 2, 5, 5, 1], test: [9, 2, 1, 1, 6, 1, 4, 6, 5, 7, 4])
        let mnist = (train: [5, 0, 4, 1, 9, 2, 1, 3, 1, 4, 3], test: [7, 2, 1, 0, 4, 1, 4, 9, 5, 9, 0])
        #expect(knownIDXDataset(trainLabels: fashion.train, testLabels: fashion.test) == "fashion-mnist")
        #expect(knownIDXDataset(trainLabels: mnist.train, testLabels: mnist.test) == "mnist")
        #expect(knownIDXDataset(trainLabels: mnist.train, testLabels: fashion.test) == nil)
        #expect(knownIDXDataset(trainLabels: [0, 1, 2, 9], testLabels: [3, 4]) == nil)
    }

    /// One registry: lessons 6 and 7 offer `auto` and exactly its datasets, and a generated dataset's entry gives
    /// the shape it loads with.
    @Test func lessons6And7OfferTheDatasetRegistry() throws {
        for key in ["6", "7"] {
            let spec = try #require(try findLesson(key).parameters.first { $0.name == "dataset" })
            guard case .choice(let options) = spec.kind else {
                Issue.record("lesson \(key)'s dataset is not a choice")
                continue
            }
            #expect(options == ["auto"] + DatasetName.allCases.map(\.rawValue))
        }
        let entry = DatasetName.yinYang.entry
        let loaded = try loadDataset(
            DatasetRequest(ParameterValues(order: [], values: ["dataset": "yin-yang", "data_dir": "none"])),
            log: { _ in })
        #expect(loaded.name == "yin-yang" && loaded.dataset == .yinYang && !loaded.claimsAccuracy)
        #expect(loaded.train.count == entry.train && loaded.test.count == entry.test)
        #expect(loaded.train.x.cols == entry.inputs && loaded.train.classes == entry.classes)
    }

    @Test func checksNameTheDatasetUsed() throws {
        let outcome = try runSmall("6", small + [("circuit_steps", "5"), ("epochs", "1")])
        for c in outcome.checks { #expect(c.name.contains("yin-yang"), "\(c.name)") }
        let results = try String(contentsOfFile: outcome.folder + "/results.json", encoding: .utf8)
        for word in ["Fashion-MNIST", "fashion-mnist", "spiking"] { #expect(!results.contains(word), "\(word)") }
    }
}
