import Foundation
import Testing
@testable import Lessons
import NeuroModel

/// Runs a lesson at the given overrides into a fresh folder and expects every check to pass and, when
/// gnuplot is installed (as CI installs it), every figure script to render.
/// `fullSizeOnly` names claims made for the notebook's size (checked at full size by `lesson all` in CI): at the
/// small size they must be computed, not met.
func runSmall(_ key: String, _ overrides: [(String, String)], fullSizeOnly: Set<String> = []) throws -> RunOutcome {
    var options = RunOptions()
    options.lessonsDirectory = packageRoot + "/lessons"
    options.outDirectory = temporaryFolder("run-\(key)")
    // Two seeds unless a test asks for more: the machinery over seeds is exercised at half the cost of defaults.
    options.overrides = overrides.contains { $0.0 == "seeds" } ? overrides : overrides + [("seeds", "2")]
    let outcome = try runLessonSerially(try findLesson(key), options: options)
    for id in fullSizeOnly { #expect(outcome.checks.contains { $0.id == id }, "lesson \(key) made no check \(id)") }
    for c in outcome.checks where !c.passed && !fullSizeOnly.contains(c.id) {
        let expected = "\(c.expectedText) \(c.toleranceText)"
        Issue.record("lesson \(key): check failed: \(c.name): observed \(c.observedText), expected \(expected)")
    }
    #expect(!outcome.checks.isEmpty)
    if options.gnuplot != nil {
        #expect(outcome.renderedFormats == ["png", "svg", "pdf"], "lesson \(key): \(outcome.renderNote)")
    }
    return outcome
}

@Suite struct LessonRunTests {
    /// Lesson 1's noisy part at a coarser step and fewer, shorter trials (its dt-bias term grows accordingly).
    static let smallNoise: [(String, String)] = [("noise_dt", "0.1"), ("noise_trials", "16"),
                                                  ("noise_duration", "1000"), ("noise_points", "4")]

    @Test func lesson1PassesAtSmallSize() throws {
        _ = try runSmall("1", [("duration", "500"), ("points", "8")] + Self.smallNoise)
    }

    @Test func lesson2PassesAtSmallSize() throws {
        _ = try runSmall("2", [("window", "2000"), ("trials", "8")])
    }

    @Test func notebookDefaultsEqualCodeDefaults() throws {
        for l in allLessons {
            let nb = try Notebook.load(packageRoot + "/lessons/" + l.notebookFile)
            for spec in l.parameters {
                let inNotebook = try #require(nb.parameters[spec.name], "\(l.notebookFile) lacks \(spec.name)")
                #expect(try spec.normalise(inNotebook, source: l.notebookFile) == spec.defaultValue,
                        "\(l.notebookFile): \(spec.name) = \(inNotebook), code default \(spec.defaultValue)")
            }
            #expect(Set(nb.parameters.keys) == Set(l.parameters.map(\.name)))
        }
    }

    @Test func runWritesExecutedNotebookResultsAndFigures() throws {
        let outcome = try runSmall("1", [("duration", "300"), ("points", "5")] + Self.smallNoise)
        let files = try FileManager.default.contentsOfDirectory(atPath: outcome.folder)
        #expect(files.contains("01-lif.executed.md"))
        #expect(files.contains("results.json"))
        #expect(files.contains("fi-curve.gp") && files.contains("fi-curve.dat"))
        #expect(!files.contains { $0.contains(".tmp") })
        let executed = try String(contentsOfFile: outcome.folder + "/01-lif.executed.md", encoding: .utf8)
        #expect(!executed.contains("{{"))
        #expect(executed.contains("duration = 300  # overridden"))
    }

    @Test func sameSeedGivesByteIdenticalResults() throws {
        let a = try runSmall("2", [("window", "500"), ("trials", "3")])
        let b = try runSmall("2", [("window", "500"), ("trials", "3")])
        let c = try runSmall("4", [("hidden", "12"), ("steps", "60")])
        let d = try runSmall("4", [("hidden", "12"), ("steps", "60")])
        for file in ["results.json", "angles.dat", "circuit-vs-matrix.dat", "04-microcircuit.executed.md"] {
            let x = FileManager.default.contents(atPath: c.folder + "/" + file)
            #expect(x != nil && x == FileManager.default.contents(atPath: d.folder + "/" + file),
                    "\(file) differs between identical runs")
        }
        for file in ["results.json", "hebbian-window.dat", "dale-drive.dat", "02-synapses.executed.md"] {
            let x = FileManager.default.contents(atPath: a.folder + "/" + file)
            let y = FileManager.default.contents(atPath: b.folder + "/" + file)
            #expect(x != nil && x == y, "\(file) differs between identical runs")
        }
    }

    @Test func unknownLessonAndBadParameterAreUsageErrors() {
        let unknown = LessonError.usage("unknown lesson '99'; run 'lesson list' to see lessons 1–\(allLessons.count)")
        #expect(throws: unknown) {
            _ = try findLesson("99")
        }
        #expect(throws: LessonError.self) { _ = try runSmall("1", [("dt", "-1")]) }
        #expect(throws: LessonError.self) { _ = try runSmall("1", [("dt", "0.3")]) }  // does not divide t_ref
        #expect(throws: LessonError.self) { _ = try runSmall("1", [("noise_dt", "0.3")]) }
        #expect(throws: LessonError.self) { _ = try runSmall("1", [("noise_i_min", "3"), ("noise_i_max", "2")]) }
    }

    @Test func unwritableOutputFolderIsAClearError() {
        var options = RunOptions()
        options.lessonsDirectory = packageRoot + "/lessons"
        options.outDirectory = "/proc/not-writable"
        #expect(throws: LessonError.self) { _ = try runLessonSerially(try findLesson("1"), options: options) }
    }
}

@Suite struct TrainingLessonRunTests {
    @Test func lesson3PassesAtSmallSize() throws {
        // Smaller net, fewer epochs and a larger step than the notebook, on three seeds. BP's 95 % is a claim for
        // the notebook's 150 epochs (here BP reaches 90–95 %): computed here, met in CI's full-size run.
        _ = try runSmall("3", [("epochs", "60"), ("hidden", "60"), ("learning_rate", "0.3"), ("random_nets", "40"),
                               ("angle_every", "50"), ("rules", "bp,fa,frsf"), ("seeds", "3")],
                         fullSizeOnly: ["bp-final-accuracy"])
    }
}

/// Runs a lesson without rendering and without requiring its checks to pass; returns the outcome and log.
func runUnchecked(_ key: String, _ overrides: [(String, String)]) throws -> (RunOutcome, [String]) {
    var options = RunOptions()
    options.lessonsDirectory = packageRoot + "/lessons"
    options.outDirectory = temporaryFolder("unchecked-\(key)")
    options.overrides = overrides
    options.render = false
    var messages: [String] = []
    let outcome = try runLessonSerially(try findLesson(key), options: options, log: { messages.append($0) })
    return (outcome, messages)
}

/// The numeric rows of block `index` of a figure's data file.
func dataRows(_ path: String, block index: Int = 0) throws -> [[Double]] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let block = text.components(separatedBy: "\n\n\n")[index]
    return block.split(separator: "\n").filter { !$0.hasPrefix("#") }
        .map { $0.split(separator: " ").map { Double($0) ?? -1 } }
}

/// A small learnable IDX dataset in a fresh folder: 10 classes of 28×28 images, class c lighting the 78 pixels
/// from 78c on over noise.
func learnableIDXFolder(train: Int = 600, test: Int = 300) throws -> String {
    let folder = temporaryFolder("idx")
    func be32(_ v: Int) -> [UInt8] { [24, 16, 8, 0].map { UInt8(v >> $0 & 0xff) } }
    var rng = SplitMix64(seed: 5)
    for (prefix, n) in [("train", train), ("t10k", test)] {
        let labels = (0..<n).map { UInt8($0 % 10) }
        let pixels = labels.flatMap { c in
            (0..<784).map { $0 / 78 == Int(c) ? UInt8(255) : UInt8(rng.next() % 60) }
        }
        try Data(be32(0x803) + be32(n) + be32(28) + be32(28) + pixels)
            .write(to: URL(fileURLWithPath: folder + "/\(prefix)-images-idx3-ubyte"))
        try Data(be32(0x801) + be32(n) + labels)
            .write(to: URL(fileURLWithPath: folder + "/\(prefix)-labels-idx1-ubyte"))
    }
    return folder
}

/// Lesson 3 at a learning rate at which BP's loss explodes (linear units).
let lesson3Diverging: [(String, String)] = [("learning_rate", "10"), ("epochs", "4"), ("activation", "linear"),
                                            ("hidden", "20"), ("train_size", "600"), ("random_nets", "10")]

@Suite struct DivergenceRuleTests {
    /// A loss that explodes while still finite is a divergence; a claim relative to BP needs BP to have learned.
    @Test func lesson6ExplodingLossIsADivergenceAndBPMustLearn() throws {
        let data = try learnableIDXFolder()
        let base = [("dataset", "auto"), ("data_dir", data), ("hidden", "64"), ("epochs", "2"),
                    ("rules", "bp,usf"), ("circuit_steps", "0")]
        let (good, _) = try runUnchecked("6", base + [("learning_rate", "0.1")])
        let learned = try #require(good.checks.first { $0.id == "bp-learned" })
        #expect(learned.passed && learned.name.contains("above chance (10 % + 4 SE)"), "\(learned)")
        let se: Double = 100 * (0.09 / 300.0).squareRoot()
        #expect(abs((learned.lower ?? 0) - (10 + 4 * se)) < 1e-9)
        #expect(good.failed == 0)

        let (bad, log) = try runUnchecked("6", base + [("learning_rate", "10")])
        #expect(log.contains { $0.contains("training diverged: rule bp") && $0.contains("above 1e6 ×") },
                "\(log.joined(separator: "\n"))")
        let bpLearned = try #require(bad.checks.first { $0.id == "bp-learned" })
        #expect(!bpLearned.passed)
        #expect(bad.checks.contains { $0.name.hasPrefix("bp: epochs") && !$0.passed })
    }

    @Test func uninformativeLossIsTheStartingLoss() {
        let y = oneHot([0, 1, 2, 9], classes: 10)
        #expect(abs(uninformativeLoss(y, .crossEntropy) - log(10.0)) < 1e-15)
        #expect(uninformativeLoss(y, .mse) == 1)  // ½·1 per one-hot row, floored at 1
        #expect(divergenceLossFactor == 1e6)
    }

    /// Lesson 3 gets the same rule: at learning rate 10 with linear units BP's loss explodes and it stops.
    @Test func lesson3UsesTheSameDivergenceRule() throws {
        let (outcome, log) = try runUnchecked("3", lesson3Diverging + [("rules", "bp")])
        #expect(log.contains { $0.contains("training diverged: rule bp") }, "\(log)")
        #expect(outcome.checks.contains { $0.name.hasPrefix("bp: epochs completed without divergence") && !$0.passed })
    }
}

@Suite struct Lesson03ReliabilityTests {

    /// After a rule diverges, every accuracy column still holds its own rule's numbers (each equal to that rule
    /// trained alone), with NaN for the epochs it did not reach.
    @Test func accuracyColumnsBelongToTheirRulesAfterADivergence() throws {
        let rules = ["bp", "fa", "usf"]
        let (all, log) = try runUnchecked("3", lesson3Diverging + [("rules", rules.joined(separator: ","))])
        #expect(log.contains { $0.contains("training diverged: rule bp") }, "\(log)")
        let table = try dataRows(all.folder + "/accuracy.dat")
        // Summary block: epoch, one mean column per rule, then one sd column per rule.
        #expect(table.count == 5 && table.allSatisfy { $0.count == 2 * rules.count + 1 })
        #expect(table.last.map { $0[1].isNaN } == true, "bp's column must end in NaN after its divergence")
        for (i, rule) in rules.enumerated() {
            let (alone, _) = try runUnchecked("3", lesson3Diverging + [("rules", rule)])
            let own = try dataRows(alone.folder + "/accuracy.dat").map { $0[1] }
            let column = table.map { $0[i + 1] }
            #expect(column.count == own.count)
            for (a, b) in zip(column, own) { #expect(a == b || (a.isNaN && b.isNaN), "\(rule): \(column) vs \(own)") }
        }
    }

    @Test func accuracyTableKeepsColumnsInRuleOrder() {
        let rows = accuracyTable([[50, 60], [40, 45, 70, 80], []], epochs: 3)
        #expect(rows.count == 4)
        #expect(rows[1][0] == 1 && rows[1][1] == 60 && rows[1][2] == 45 && rows[1][3].isNaN)
        #expect(rows[3][1].isNaN && rows[3][2] == 80)
    }

    /// With nothing measured in the checked window the angle check fails and says so (NaN, not −inf).
    @Test func unmeasuredAngleIsReportedAsNotMeasured() throws {
        let (outcome, _) = try runUnchecked("3", [("epochs", "1"), ("rules", "bp,fa,usf"), ("hidden", "20"),
                                                  ("train_size", "300"), ("random_nets", "10")])
        let fa = try #require(outcome.checks.first { $0.name.hasPrefix("fa: hidden-layer angle") })
        #expect(!fa.passed && fa.observed.isNaN)
        #expect(fa.name.contains("no angle measured; raise epochs or lower angle_every"), "\(fa.name)")
        let usf = try #require(outcome.checks.first { $0.name.hasPrefix("usf: hidden-layer angle") })
        #expect(usf.observed.isFinite && !usf.name.contains("no angle measured"))
    }

    @Test func batchLargerThanTheDataIsAUsageError() throws {
        let error = try #require(throws: LessonError.self) {
            _ = try runUnchecked("3", [("batch", "400"), ("train_size", "300")])
        }
        #expect(error.status == 2)
        #expect(error.description == "batch (400) is larger than the training set (train_size 300); choose batch ≤ "
            + "train_size")
    }
}

@Suite struct MicrocircuitLessonRunTests {
    @Test func lesson4PassesAtSmallSize() throws {
        _ = try runSmall("4", [("hidden", "12"), ("steps", "60")])
    }
}

@Suite struct SpikingLessonRunTests {
    @Test func lesson5PassesAtNotebookSize() throws {
        // The notebook's own settings with a shorter sweep start: the claims are made at T = 800 ms.
        _ = try runSmall("5", [("t_min", "100"), ("seeds", "5")])
    }
}

@Suite struct DatasetLessonRunTests {
    let small: [(String, String)] = [("dataset", "yin-yang"), ("hidden", "32"), ("epochs", "3"),
                                     ("learning_rate", "0.1"), ("rules", "bp,usf,frsf"), ("circuit_steps", "20"),
                                     ("seeds", "1")]

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
        options.stopAfterEpochs = 4
        #expect(throws: LessonError.self) { _ = try runLessonSerially(try findLesson("6"), options: options) }
        let partial = try FileManager.default.contentsOfDirectory(atPath: options.outDirectory + "/06-datasets")
        let checkpoints = try FileManager.default.contentsOfDirectory(
            atPath: options.outDirectory + "/06-datasets/checkpoints/seed-6")
        #expect(checkpoints.contains("checkpoint-bp.ckpt") && partial.contains("results.json")
                && partial.contains("accuracy.dat"))
        #expect(!partial.contains { $0.contains(".tmp") })
        options.stopAfterEpochs = nil
        options.resume = true
        let resumed = try runLessonSerially(try findLesson("6"), options: options)
        for file in ["results.json", "accuracy.dat", "angles.dat"] {
            let a = FileManager.default.contents(atPath: full.folder + "/" + file)
            #expect(a != nil && a == FileManager.default.contents(atPath: resumed.folder + "/" + file),
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
        #expect(throws: LessonError.self) { _ = try runLessonSerially(try findLesson("6"), options: options) }
        let path = options.outDirectory + "/06-datasets/checkpoints/seed-6/checkpoint-bp.ckpt"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count / 2] ^= 0x10
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        options.stopAfterEpochs = nil
        options.resume = true
        let error = try #require(throws: LessonError.self) {
            _ = try runLessonSerially(try findLesson("6"), options: options)
        }
        #expect(error.description.contains("checkpoint-bp.ckpt is corrupt (checksum mismatch); delete it or run "
            + "without --resume"), "\(error)")
        #expect(!error.description.contains("\n") && !error.description.contains("diverged"))
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
        let stale = ["06-datasets/.checkpoint-bp.ckpt.tmp-\(dead.processIdentifier)",
                     "06-datasets/.dat.nosync1234.AbCd", ".render.sh.tmp-\(dead.processIdentifier)"]
        let live = ".other-file.dat.tmp-\(ProcessInfo.processInfo.processIdentifier)"
        for name in stale + [live] {
            FileManager.default.createFile(atPath: out + "/" + name, contents: Data(count: 1000))
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

    @Test func missingDatasetFolderIsAClearError() {
        #expect(throws: LessonError.self) { _ = try runSmall("6", small + [("dataset", "mnist"), ("data_dir",
                                                                                                  "/nonexistent")]) }
        #expect(throws: LessonError.self) { _ = try runSmall("6", small + [("dataset", "mnist")]) }
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

    @Test func checksNameTheDatasetUsed() throws {
        let outcome = try runSmall("6", small + [("circuit_steps", "5"), ("epochs", "1")])
        for c in outcome.checks { #expect(c.name.contains("yin-yang"), "\(c.name)") }
        let results = try String(contentsOfFile: outcome.folder + "/results.json", encoding: .utf8)
        for word in ["Fashion-MNIST", "fashion-mnist", "spiking"] { #expect(!results.contains(word), "\(word)") }
    }
}
@Suite struct DivergenceTests {
    /// A linear network with η = 10 diverges under BP: the run names the rule and step, keeps its figures
    /// and results, and reports a failing check (so the executable exits non-zero).
    @Test func divergenceIsAFailingCheckWithOutputsKept() throws {
        var options = RunOptions()
        options.lessonsDirectory = packageRoot + "/lessons"
        options.outDirectory = temporaryFolder("diverge")
        options.render = false
        options.overrides = [("activation", "linear"), ("learning_rate", "10"), ("epochs", "4"), ("rules", "bp"),
                             ("random_nets", "10")]
        var messages: [String] = []
        let outcome = try runLessonSerially(try findLesson("3"), options: options, log: { messages.append($0) })
        #expect(messages.contains { $0.contains("rule bp") && $0.contains("step") })
        #expect(outcome.checks.contains { $0.name.contains("without divergence") && !$0.passed })
        let files = try FileManager.default.contentsOfDirectory(atPath: outcome.folder)
        #expect(files.contains("accuracy.dat") && files.contains("results.json"))
    }
}

@Suite struct Lesson07Tests {
    /// A tiny run on Yin-Yang: too small for the accuracy claims, so only the claims that must hold at any
    /// size are asserted (Dale, sign concordance, BP above chance), and that every claim was checked.
    static let tiny = [("dataset", "auto"), ("data_dir", "none"), ("hidden", "12"), ("depths", "1,2"),
                       ("routes", "moving,fixed"), ("epochs", "2"), ("train_limit", "400"), ("test_limit", "300"),
                       ("probe", "32"), ("dt_check", "100"), ("window", "100"), ("learning_rate", "2000"),
                       ("seeds", "1")]

    func run(_ overrides: [(String, String)], folder: String, resume: Bool = false, stopAfter: Int? = nil) throws
        -> RunOutcome {
        var options = RunOptions()
        options.lessonsDirectory = packageRoot + "/lessons"
        options.outDirectory = folder
        options.overrides = overrides
        options.render = false
        options.resume = resume
        options.stopAfterEpochs = stopAfter
        return try runLessonSerially(try findLesson("7"), options: options)
    }

    @Test func tinyRunChecksEveryClaim() throws {
        let outcome = try run(Lesson07Tests.tiny, folder: temporaryFolder("l7-tiny"))
        let names = outcome.checks.map(\.name)
        for depth in ["1 hidden", "2 hidden"] {
            #expect(names.contains { $0.hasPrefix(depth) && $0.contains("minus the spiking circuit's") })
            #expect(names.contains { $0.hasPrefix(depth) && $0.contains("minus the rate frSF twin's") })
            #expect(names.contains { $0.hasPrefix(depth) && $0.contains("angle to BP") })
        }
        #expect(names.contains { $0.hasPrefix("dt 0.5 vs 0.1 ms") })
        #expect(names.contains { $0.contains("BP test accuracy above chance") })
        for c in outcome.checks where c.name.contains("Dale") || c.name.contains("sign(B)") {
            #expect(c.passed, "\(c.name): \(c.observedText)")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: outcome.folder)
        #expect(files.contains("accuracy.dat") && files.contains("angles.gp"))
    }

    /// Stopped after one epoch, then resumed: the same results.json and data files as an uninterrupted run.
    @Test func interruptedRunResumesToTheSameResult() throws {
        let small = Lesson07Tests.tiny.filter { $0.0 != "depths" && $0.0 != "routes" }
            + [("depths", "1"), ("routes", "fixed"), ("dt_check", "0")]
        let whole = try run(small, folder: temporaryFolder("l7-whole"))
        let folder = temporaryFolder("l7-resumed")
        #expect(throws: LessonError.self) { _ = try run(small, folder: folder, stopAfter: 1) }
        let resumed = try run(small, folder: folder, resume: true)
        for file in ["results.json", "accuracy.dat", "angles.dat"] {
            let a = try String(contentsOfFile: whole.folder + "/" + file, encoding: .utf8)
            let b = try String(contentsOfFile: resumed.folder + "/" + file, encoding: .utf8)
            #expect(a == b, "\(file) differs after resume")
        }
    }

    /// A checkpoint with one changed byte is refused with one line, not resumed.
    @Test func corruptCheckpointIsRefused() throws {
        let small = Lesson07Tests.tiny.filter { $0.0 != "depths" && $0.0 != "routes" }
            + [("depths", "1"), ("routes", "moving"), ("dt_check", "0")]
        let folder = temporaryFolder("l7-corrupt")
        #expect(throws: LessonError.self) { _ = try run(small, folder: folder, stopAfter: 1) }
        let path = folder + "/07-spiking-training/checkpoints/seed-7/checkpoint-depth1.json"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let i = bytes.count / 2
        bytes[i] = bytes[i] == UInt8(ascii: "1") ? UInt8(ascii: "2") : UInt8(ascii: "1")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do {
            _ = try run(small, folder: folder, resume: true)
            Issue.record("a corrupt checkpoint was resumed")
        } catch let e as LessonError {
            #expect(e.description.contains("corrupt"))
        }
    }
}

@Suite struct RunOutputTests {
    func options(_ out: String, seed: UInt64, lessons: String = packageRoot + "/lessons") -> RunOptions {
        var o = RunOptions()
        o.lessonsDirectory = lessons
        o.outDirectory = out
        o.overrides = [("hidden", "8"), ("steps", "30")]
        o.seed = seed
        o.render = false
        return o
    }

    func contents(_ folder: String) throws -> [String: Data] {
        var all: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
            all[name] = FileManager.default.contents(atPath: folder + "/" + name)
        }
        return all
    }

    /// A run replaces the folder as a whole (no file of an earlier run stays beside its own); a run that fails
    /// after computing (here: an unknown placeholder) leaves the previous run's folder exactly as it was.
    @Test func runFolderNeverHoldsAMixOfRuns() throws {
        let out = temporaryFolder("mix")
        let lesson = try findLesson("4")
        let first = try runLessonSerially(lesson, options: options(out, seed: 6))
        try Data("seed 6".utf8).write(to: URL(fileURLWithPath: first.folder + "/leftover-of-seed-6.dat"))
        let second = try runLessonSerially(lesson, options: options(out, seed: 7))
        #expect(second.folder == first.folder)
        let after = try contents(second.folder)
        #expect(after["leftover-of-seed-6.dat"] == nil)
        let results = try #require(after["results.json"].map { String(decoding: $0, as: UTF8.self) })
        #expect(results.contains("\"seeds\" : [\n    7\n  ]"))
        #expect(String(decoding: after["04-microcircuit.executed.md"] ?? Data(), as: UTF8.self).contains("seed 7"))

        let broken = temporaryFolder("broken-notebooks")
        let text = try String(contentsOfFile: packageRoot + "/lessons/04-microcircuit.md", encoding: .utf8)
        try (text + "\n{{no_such_value}}\n").write(toFile: broken + "/04-microcircuit.md", atomically: true,
                                                    encoding: .utf8)
        let error = try #require(throws: LessonError.self) {
            _ = try runLessonSerially(lesson, options: options(out, seed: 8, lessons: broken))
        }
        #expect(error.description.contains("{{no_such_value}}"))
        #expect(try contents(second.folder) == after, "a failed run changed the previous run's folder")
        // Only the hidden staging folder may remain, holding the finished seeds' records for --resume.
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).filter { !$0.hasPrefix(".") }.sorted()
                == ["04-microcircuit", "render.sh", "style.gp"])
    }

    /// Writes a stand-in for gnuplot that runs `body` with the output file name in $OUT, and renders lesson 1.
    func renderWith(_ body: String) throws -> RunOutcome {
        let dir = temporaryFolder("fake-gnuplot")
        let script = dir + "/gnuplot"
        try ("#!/bin/sh\nOUT=$(printf '%s' \"$4\" | sed \"s/^set output '\\(.*\\)'$/\\1/\")\n" + body + "\n")
            .write(toFile: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        var o = RunOptions()
        o.lessonsDirectory = packageRoot + "/lessons"
        o.outDirectory = temporaryFolder("fake-render")
        o.overrides = [("duration", "300"), ("points", "5"), ("noise_dt", "0.1"), ("noise_trials", "4"),
                       ("noise_duration", "300"), ("noise_points", "3")]
        o.gnuplot = script
        return try runLessonSerially(try findLesson("1"), options: o)
    }

    /// gnuplot exiting 0 without writing its file, with an empty one, or with a cut-off one: one line each, and
    /// no figure left under its final name (nor a temporary).
    @Test func renderedFiguresAreCheckedBeforeTheyAreKept() throws {
        let cases = [("exit 0", "gnuplot wrote no file"), (": > \"$OUT\"", "gnuplot wrote an empty file"),
                     ("printf '\\211PNG\\r\\n\\032\\n%%PDF- <svg' > \"$OUT\"", "incomplete or damaged")]
        for (body, message) in cases {
            let outcome = try renderWith(body)
            #expect(outcome.renderedFormats.isEmpty)
            #expect(outcome.renderNote.contains(message) && !outcome.renderNote.contains("\n"),
                    "\(outcome.renderNote)")
            #expect(!outcome.renderNote.contains("NSCocoaErrorDomain") && !outcome.renderNote.contains("Error Domain"))
            let files = try FileManager.default.contentsOfDirectory(atPath: outcome.folder)
            #expect(!files.contains { $0.hasSuffix(".png") || $0.hasSuffix(".svg") || $0.hasSuffix(".pdf") },
                    "\(files)")
            #expect(!files.contains { $0.contains(".tmp") }, "\(files)")
        }
    }

    @Test func completeFiguresAreRecognised() {
        let png = Data([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2] + [0, 0, 0, 0] + Array("IEND".utf8)
            + [0xae, 0x42, 0x60, 0x82])
        #expect(figureLooksComplete(png, format: "png"))
        #expect(!figureLooksComplete(png.dropLast(3), format: "png"))
        #expect(figureLooksComplete(Data("%PDF-1.5\n…\n%%EOF\n".utf8), format: "pdf"))
        #expect(!figureLooksComplete(Data("%PDF-1.5\n… cut".utf8), format: "pdf"))
        #expect(figureLooksComplete(Data("<?xml?>\n<svg>\n</svg>\n\n".utf8), format: "svg"))
        #expect(!figureLooksComplete(Data("<?xml?>\n<svg>\n<g>".utf8), format: "svg"))
    }
}
