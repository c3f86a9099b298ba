import Foundation
import NeuroModel
import Testing

@testable import LessonKit
@testable import Lessons

/// Checkpoints edited by a hostile user who then recomputed the checksum line: each is refused in one line naming
/// the file and the field (a LessonError, so the run exits non-zero), never a crash, a wrong label or a claim that
/// silently vanishes. A crafted checkpoint is the real one decoded, one field edited, re-encoded by the writer
/// (`Checkpoint.encoded`, which recomputes the checksum line).
@Suite struct HostileCheckpointTests {
    // MARK: Shared runs (each test works on its own copy)

    /// The output folder of lesson 7's `oneDepth` run stopped after its first epoch (of two).
    static let stopped7: Result<String, any Error> = Result {
        try Lesson07Tests().stoppedAfterOneEpoch("hostile-l7-stopped")
    }

    /// The output folder of lesson 6 (rules bp, usf, frsf; 3 epochs) stopped after bp's second epoch.
    static let stopped6: Result<String, any Error> = Result {
        var options = lesson6Options(temporaryFolder("hostile-l6-stopped"))
        options.stopAfterEpochs = 2
        do {
            _ = try runLessonSerially(try findLesson("6"), options: options)
        } catch let e as LessonError where e.description.contains("interrupted") {}
        return options.outDirectory
    }

    /// The output folder of lesson 7's `oneDepth` run, complete (for `lesson export`).
    static let complete7: Result<String, any Error> = Result {
        try Lesson07Tests().run(Lesson07Tests.oneDepth, folder: temporaryFolder("hostile-l7-complete")).folder
    }

    static func lesson6Options(_ out: String) -> RunOptions {
        var options = RunOptions()
        options.lessonsDirectory = packageRoot + "/lessons"
        options.render = false
        options.overrides = [
            ("dataset", "yin-yang"), ("hidden", "32"), ("epochs", "3"), ("learning_rate", "0.1"),
            ("rules", "bp,usf,frsf"), ("circuit_steps", "0"), ("seeds", "1")
        ]
        options.outDirectory = out
        return options
    }

    /// A fresh copy of a shared run's output folder.
    func copy(_ run: Result<String, any Error>, _ name: String) throws -> String {
        let copy = temporaryFolder(name) + "/out"
        try FileManager.default.copyItem(atPath: try run.get(), toPath: copy)
        return copy
    }

    /// Rewrites the checkpoint at `path` with `edit` applied, re-encoded and given a new checksum line by the writer.
    func craft<S: CheckpointState>(_: S.Type, _ path: String, _ edit: (inout Checkpoint<S>) -> Void) throws {
        var c = try Checkpoint<S>(decoding: Data(contentsOf: URL(fileURLWithPath: path)), path: path)
        edit(&c)
        try c.encoded().write(to: URL(fileURLWithPath: path))
    }

    /// Resumes lesson 7's `oneDepth` run in `out`.
    func resume7(_ out: String) throws {
        _ = try Lesson07Tests().run(Lesson07Tests.oneDepth, folder: out, resume: true)
    }

    func checkpoint7(_ out: String) -> String {
        out + "/07-spiking-training/checkpoints/seed-7/checkpoint-depth1.ckpt"
    }

    /// For each edit: the crafted checkpoint is refused on --resume in one line, `path: field problem; rerun
    /// without --resume`, and left as it was (nothing trained, nothing overwritten); then the original resumes to a
    /// complete run.
    func expectRefusedOnResume(
        _ out: String, _ edits: [(String, (inout Checkpoint<Lesson07Depth>) -> Void)],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let path = checkpoint7(out)
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        for (problem, edit) in edits {
            try craft(Lesson07Depth.self, path, edit)
            let crafted = try Data(contentsOf: URL(fileURLWithPath: path))
            expectLessonError(["\(path): \(problem)", "; rerun without --resume"], sourceLocation: sourceLocation) {
                try resume7(out)
            }
            #expect(crafted == (try Data(contentsOf: URL(fileURLWithPath: path))), "the checkpoint was changed")
            try original.write(to: URL(fileURLWithPath: path))
        }
        try resume7(out)
        #expect(try resultsStatus(out + "/07-spiking-training") == "complete", sourceLocation: sourceLocation)
    }

    // MARK: Lesson 7 on --resume

    /// Edits that crashed the run (SIGILL: an index out of range or an overflow) are refused when loaded.
    @Test func lesson7CheckpointsThatCrashedAreRefused() throws {
        let out = try copy(Self.stopped7, "hostile-l7-crash")
        let saved = try Checkpoint<Lesson07Depth>(
            decoding: Data(contentsOf: URL(fileURLWithPath: checkpoint7(out))), path: checkpoint7(out))
        let inputs = (saved.state.models[0].circuit?.weights[0].count ?? 0) / 12
        try expectRefusedOnResume(
            out,
            [
                ("models is empty", { $0.state.models = [] }),
                (
                    "models[0].history[1].anglesToBP has 0 angles, a spiking-moving entry has 2",
                    { $0.state.models[0].history[1].anglesToBP = [] }
                ),
                (
                    "models[0].circuit.weights has 0 layers, the run needs 2",
                    { $0.state.models[0].circuit?.weights = [] }
                ),
                (
                    "models[0].circuit.weights[0] has 10 numbers, the run needs 12×\(inputs) = \(12 * inputs)",
                    { $0.state.models[0].circuit?.weights[0].removeLast(12 * inputs - 10) }
                ),
                (
                    "models[0].circuit.crossings is \(Int.max), steps × synapses is at most",
                    { $0.state.models[0].circuit?.crossings = Int.max }
                ),
                (
                    "models[1].learner.traces has 1 layers, the run needs 2",
                    { $0.state.models[1].learner?.traces.removeLast() }
                )
            ])
    }

    /// The models must be the run's exactly: without the standard network the BP-vs-standard claim vanished, a
    /// duplicated twin was trained and listed twice, a model renamed `fixed` in a `routes=moving` run was
    /// labelled "fixed routes".
    @Test func lesson7ModelsMustBeTheRunsExactly() throws {
        let out = try copy(Self.stopped7, "hostile-l7-models")
        try expectRefusedOnResume(
            out,
            [
                (
                    "models lack the standard ReLU network, which the run trains",
                    { $0.state.models.removeAll { $0.model == .standard } }
                ),
                ("models[2] is a second rate frSF twin", { $0.state.models.insert($0.state.models[1], at: 2) }),
                (
                    "models[0] is the spiking, fixed routes, which the run does not train",
                    { $0.state.models[0].model = .spiking(.fixed) }
                ),
                ("models are not in the run's order", { $0.state.models.swapAt(1, 2) }),
                ("models[1].circuit is not empty", { $0.state.models[1].circuit = $0.state.models[0].circuit })
            ])
    }

    /// The state's epoch, depth, history and counters must agree with the file and the run: a disagreeing epoch
    /// retrained wrongly labelled epochs or "resumed from epoch 99" and trained nothing, dropped history rows
    /// gave an accuracy figure without that epoch, `depth = 2` trained an epoch before failing.
    @Test func lesson7EpochDepthAndHistoryMustAgree() throws {
        let out = try copy(Self.stopped7, "hostile-l7-epochs")
        try expectRefusedOnResume(
            out,
            [
                ("epoch is 99, the file's epoch is 1", { $0.state.epoch = 99 }),
                ("epoch is 0, the file's epoch is 1", { $0.state.epoch = 0 }),
                ("models[3].history has 1 entries, epochs 0…1 need 2", { $0.state.models[3].history.removeLast() }),
                ("models[2].history[1].epoch is 5, not 1", { $0.state.models[2].history[1].epoch = 5 }),
                ("depth is 2, the file is depth 1's checkpoint", { $0.state.depth = 2 }),
                (
                    "models[0].circuit.weightTraces[0][0] is inf, not a finite number",
                    { $0.state.models[0].circuit?.weightTraces[0][0] = .infinity }
                ),
                ("models[0].history[1].tied is 2.0, not a share in 0…1", { $0.state.models[0].history[1].tied = 2 }),
                ("seconds[0] is -1.0, not a finite non-negative number", { $0.state.seconds = [-1] })
            ])
    }

    /// A symbolic link where a checkpoint is expected is refused, dangling (it was taken for "no checkpoint" and
    /// the run restarted silently) or not.
    @Test func aSymlinkWhereACheckpointIsExpectedIsRefused() throws {
        let out = try copy(Self.stopped7, "hostile-l7-symlink")
        let path = checkpoint7(out)
        let elsewhere = temporaryFolder("hostile-elsewhere") + "/checkpoint-depth1.ckpt"
        try FileManager.default.moveItem(atPath: path, toPath: elsewhere)
        for target in [elsewhere + "-absent", elsewhere] {
            // The refused run's folder replaced the stopped one's, without the link (only files are carried over).
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
            expectLessonError(["\(path) is a symbolic link, not a checkpoint file; delete it or run without --resume"])
            {
                try resume7(out)
            }
        }
    }

    // MARK: Lesson 6 on --resume

    /// Lesson 6's state is validated the same way: the step counter (Int.max overflowed at the next step), the
    /// rule, the history's numbers; a checkpoint lesson 7 wrote is named as lesson 7's, read by lesson 6.
    @Test func lesson6StateIsValidatedAgainstTheRun() throws {
        let out = try copy(Self.stopped6, "hostile-l6")
        var options = Self.lesson6Options(out)
        options.resume = true
        let path = out + "/06-datasets/checkpoints/seed-6/checkpoint-bp.ckpt"
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        let edits: [(String, (inout Checkpoint<Lesson06RuleState>) -> Void)] = [
            (": steps is \(Int.max), 2 epochs of ", { $0.state.steps = Int.max }),
            (": steps is ", { $0.state.steps += 1 }),
            (": rule is usf, the file is bp's checkpoint", { $0.state.rule = .usf }),
            (": history[1][1] is ", { $0.state.history[1][1] = .infinity }),
            (": history[2][2] is 101, not an accuracy in %", { $0.state.history[2][2] = 101 }),
            (": history has 2 rows, epochs 0…2 need 3", { $0.state.history.removeLast() })
        ]
        for (problem, edit) in edits {
            try craft(Lesson06RuleState.self, path, edit)
            expectLessonError([path + problem, "; rerun without --resume"]) {
                _ = try runLessonSerially(try findLesson("6"), options: options)
            }
            try original.write(to: URL(fileURLWithPath: path))
        }
        try craft(Lesson06RuleState.self, path) { $0.lesson = lesson07.id }
        expectLessonError([
            "\(path) was written by lesson 07-spiking-training, and lesson 06-datasets is reading it; put back "
                + "lesson 06-datasets's own checkpoint, or run without --resume"
        ]) {
            _ = try runLessonSerially(try findLesson("6"), options: options)
        }
        try original.write(to: URL(fileURLWithPath: path))
        // lesson export, which has no run, validates lesson 6's state against itself.
        let exports: [(String, (inout Checkpoint<Lesson06RuleState>) -> Void)] = [
            (
                ": steps is \(Int.max), not a whole number of steps per epoch for 2 epochs",
                { $0.state.steps = Int.max }
            ),
            (": history has 2 rows, epochs 0…2 need 3", { $0.state.history.removeLast() }),
            (": history[1][2] is 101, not an accuracy in %", { $0.state.history[1][2] = 101 })
        ]
        for (problem, edit) in exports {
            try craft(Lesson06RuleState.self, path, edit)
            expectLessonError([path + problem, "; lesson export reads only a checkpoint as a run wrote it"]) {
                _ = try exportCheckpoint(path, to: out + "/bp.npz", lessons: allLessons)
            }
            try original.write(to: URL(fileURLWithPath: path))
        }
        // What the decoder refuses (biases that do not match their layer) is named by its place in the JSON.
        try craft(Lesson06RuleState.self, path) { $0.state.layers[0].b = [] }
        expectLessonError([
            "checkpoint \(path) is corrupt (its content is not what lesson 06-datasets saves: state.layers[0] is "
                + "invalid (0 biases for 32 units))"
        ]) {
            _ = try exportCheckpoint(path, to: out + "/bp.npz", lessons: allLessons)
        }
        try original.write(to: URL(fileURLWithPath: path))
        #expect(try resultsStatus(try runLessonSerially(try findLesson("6"), options: options).folder) == "complete")
    }

    // MARK: lesson export

    /// `lesson export` has no run: it validates the checkpoint's own consistency (shapes that fit each other, not
    /// empty, finite); weights = [] crashed it.
    @Test func exportValidatesTheCheckpointsOwnConsistency() throws {
        let out = try copy(Self.complete7, "hostile-export")
        let path = out + "/checkpoints/seed-7/checkpoint-depth1.ckpt"
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        let advice = "; lesson export reads only a checkpoint as a run wrote it"
        let edits: [(String, (inout Checkpoint<Lesson07Depth>) -> Void)] = [
            ("models[0].circuit.weights has 0 layers", { $0.state.models[0].circuit?.weights = [] }),
            ("models is empty", { $0.state.models = [] }),
            ("depth is 2, the layer sizes [", { $0.state.depth = 2 }),
            ("depth is 0 with layer sizes [", { $0.state.depth = 0 }),
            (
                "models[0].circuit.weights[1] has 0 numbers, its layer sizes",
                { $0.state.models[0].circuit?.weights[1] = [] }
            ),
            ("models[1].history[2].anglesToBP has 0 angles", { $0.state.models[1].history[2].anglesToBP = [] }),
            ("models lack the standard ReLU network", { $0.state.models.removeLast() }),
            ("models[2] is a second rate frSF twin", { $0.state.models.insert($0.state.models[1], at: 2) }),
            ("models[3].history has 2 entries, epochs 0…2 need 3", { $0.state.models[3].history.removeLast() })
        ]
        for (problem, edit) in edits {
            try craft(Lesson07Depth.self, path, edit)
            expectLessonError(["\(path): \(problem)", advice]) {
                _ = try exportCheckpoint(path, to: out + "/w.npz", lessons: allLessons)
            }
            #expect(!FileManager.default.fileExists(atPath: out + "/w.npz"))
            try original.write(to: URL(fileURLWithPath: path))
        }
        #expect(try exportCheckpoint(path, to: out + "/w.npz", lessons: allLessons).contains("spiking_moving_W1"))
    }

    /// `--out` naming the checkpoint itself (its path, or a link to it) is refused and the checkpoint kept.
    @Test func exportRefusesToOverwriteItsInput() throws {
        let out = try copy(Self.complete7, "hostile-export-self")
        let checkpoint = out + "/checkpoints/seed-7/checkpoint-depth1.ckpt"
        let input = out + "/depth1.npz"
        try FileManager.default.copyItem(atPath: checkpoint, toPath: input)
        try FileManager.default.createSymbolicLink(atPath: out + "/link.npz", withDestinationPath: input)
        for target in [input, out + "/./depth1.npz", out + "/link.npz"] {
            expectLessonError(["--out \(target) is the checkpoint \(input) itself; give another file name"]) {
                _ = try exportCheckpoint(input, to: target, lessons: allLessons)
            }
            #expect(sameFile(input, checkpoint))
        }
    }

    /// A results.json or a seed record given to `lesson export` is named for what it is, with advice that fits
    /// export (which files are checkpoints), not "run without --resume".
    @Test func exportOfAResultsFileOrSeedRecordSaysWhatItIs() throws {
        let out = try copy(Self.complete7, "hostile-export-other")
        let record = SeedRecord(
            lesson: lesson07.id, seed: 7, parameters: [:], checks: [], values: [:], numbers: [:], figures: [],
            status: "complete")
        try writeSeedRecord(record, folder: out)
        let advice = "lesson export reads a checkpoint-NAME.ckpt from an output folder's checkpoints/seed-S/"
        for (file, what) in [
            ("results.json", "a run's results (results.json)"),
            ("seeds/seed-7.json", "a seed record (seeds/seed-S.json)")
        ] {
            let path = out + "/" + file
            let error = try #require(throws: LessonError.self) {
                _ = try exportCheckpoint(path, to: out + "/w.npz", lessons: allLessons)
            }
            #expect(error.description == "\(path) is \(what), not a checkpoint; \(advice)")
        }
        // A checkpoint cut off after its JSON is still called damaged, not another kind of file.
        let checkpoint = out + "/checkpoints/seed-7/checkpoint-depth1.ckpt"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: checkpoint))
        let cut = try #require(bytes.firstIndex(of: UInt8(ascii: "\n")))
        try bytes[..<(cut + 1)].write(to: URL(fileURLWithPath: checkpoint))
        expectLessonError([CheckpointIntegrity.corrupt(checkpoint, "truncated or malformed")]) {
            _ = try exportCheckpoint(checkpoint, to: out + "/w.npz", lessons: allLessons)
        }
    }

    // MARK: The executable

    /// The `lesson` executable refuses a crafted checkpoint with exit status 1 and one line on standard error, on
    /// --resume and in `lesson export`, where `weights = []` ended it with SIGILL.
    @Test(needsLessonExecutable) func executableExitsWithOneLineInsteadOfCrashing() throws {
        let executable = try #require(lessonExecutable)
        let out = try copy(Self.stopped7, "hostile-cli")
        let path = checkpoint7(out)
        try craft(Lesson07Depth.self, path) { $0.state.models[0].circuit?.weights = [] }
        let sets = Lesson07Tests.oneDepth.flatMap { ["--set", "\($0.0)=\($0.1)"] }
        for args in [
            ["7", "--out", out, "--resume", "--no-render", "--lessons", packageRoot + "/lessons"] + sets,
            ["export", path, "--out", out + "/w.npz"]
        ] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: executable)
            p.arguments = args
            p.standardOutput = FileHandle.nullDevice
            let err = Pipe()
            p.standardError = err
            try p.run()
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationReason == .exit && p.terminationStatus == 1, "\(args[0]): \(text)")
            let lines = text.split(separator: "\n").filter { !$0.hasPrefix("lesson: note: this is a debug build") }
            #expect(lines.count == 1 && text.contains("\(path): models[0].circuit.weights has 0 layers"), "\(text)")
        }
    }
}
