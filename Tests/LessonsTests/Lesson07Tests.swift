import Foundation
import NeuroModel
import Testing

@testable import Lessons

@Suite struct Lesson07Tests {
    /// A tiny run on Yin-Yang: too small for the accuracy claims, so only the claims that must hold at any
    /// size are asserted (Dale, sign concordance, BP above chance), and that every claim was checked.
    static let tiny = [
        ("dataset", "auto"), ("data_dir", "none"), ("hidden", "12"), ("depths", "1,2"),
        ("routes", "moving,fixed"), ("epochs", "2"), ("train_limit", "400"), ("test_limit", "300"),
        ("probe", "32"), ("dt_check", "100"), ("window", "100"), ("learning_rate", "2000"),
        ("seeds", "1")
    ]

    func run(_ overrides: [(String, String)], folder: String, resume: Bool = false, stopAfter: Int? = nil) throws
        -> RunOutcome
    {
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
        let small =
            Lesson07Tests.tiny.filter { $0.0 != "depths" && $0.0 != "routes" }
            + [("depths", "1"), ("routes", "fixed"), ("dt_check", "0")]
        let whole = try run(small, folder: temporaryFolder("l7-whole"))
        let folder = temporaryFolder("l7-resumed")
        expectLessonError(["interrupted before epoch 2 of depth 1; checkpoints are in"]) {
            _ = try run(small, folder: folder, stopAfter: 1)
        }
        let resumed = try run(small, folder: folder, resume: true)
        for file in ["results.json", "accuracy.dat", "angles.dat"] {
            let a = try String(contentsOfFile: whole.folder + "/" + file, encoding: .utf8)
            let b = try String(contentsOfFile: resumed.folder + "/" + file, encoding: .utf8)
            #expect(a == b, "\(file) differs after resume")
        }
    }

    /// A checkpoint with one changed byte is refused with one line, not resumed.
    @Test func corruptCheckpointIsRefused() throws {
        let small =
            Lesson07Tests.tiny.filter { $0.0 != "depths" && $0.0 != "routes" }
            + [("depths", "1"), ("routes", "moving"), ("dt_check", "0")]
        let folder = temporaryFolder("l7-corrupt")
        expectLessonError(["interrupted before epoch 2 of depth 1; checkpoints are in"]) {
            _ = try run(small, folder: folder, stopAfter: 1)
        }
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
