import Foundation
import NeuroModel
import Testing

@testable import LessonKit
@testable import Lessons

@Suite struct Lesson07Tests {
    /// A tiny run on Yin-Yang: too small for the accuracy claims, so only the claims that must hold at any
    /// size are asserted (Dale, sign concordance, BP above chance), and that every claim was checked.
    static let tiny = [
        ("dataset", "yin-yang"), ("data_dir", "none"), ("hidden", "12"), ("depths", "1,2"),
        ("routes", "moving,fixed"), ("epochs", "2"), ("train_limit", "400"), ("test_limit", "300"),
        ("probe", "32"), ("dt_check", "100"), ("window", "100"), ("test_window", "100"), ("seeds", "1")
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
        let ids = Set(outcome.checks.map(\.id))
        for depth in [1, 2] {
            for model in ["spiking-moving", "spiking-fixed", "twin", "bp", "standard"] {
                #expect(ids.contains("depth-\(depth)-\(model)-learned"), "no learned check for \(model)")
            }
            for id in ["standard-gap", "twin-gap", "moving-spiking-gap", "fixed-spiking-gap"] {
                #expect(ids.contains("depth-\(depth)-\(id)"), "missing \(id)")
            }
            for mode in ["moving", "fixed"] {
                for l in 1...depth { #expect(ids.contains("depth-\(depth)-\(mode)-layer-\(l)-angle-to-bp")) }
                #expect(ids.contains("depth-\(depth)-\(mode)-dale") && ids.contains("depth-\(depth)-\(mode)-sign"))
            }
        }
        #expect(ids.contains("dt-vs-fine-step"))
        // Yin-Yang is not Fashion-MNIST: the accuracy level is not claimed on it.
        #expect(!ids.contains { $0.hasSuffix("-level") })
        for c in outcome.checks where c.id.hasSuffix("-dale") || c.id.hasSuffix("-sign") {
            #expect(c.passed, "\(c.name): \(c.observedText)")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: outcome.folder)
        #expect(files.contains("accuracy.dat") && files.contains("angles.gp"))
    }

    /// The models are told apart by type, never by their position in a list: with the route modes in either
    /// order every record, and the sign of every gap, is the same.
    @Test func routeOrderDoesNotChangeAnyResult() throws {
        let small =
            Lesson07Tests.tiny.filter { !["depths", "routes", "dt_check"].contains($0.0) } + [
                ("depths", "1"), ("dt_check", "0")
            ]
        let a = try run(small + [("routes", "moving,fixed")], folder: temporaryFolder("l7-order-a"))
        let b = try run(small + [("routes", "fixed,moving")], folder: temporaryFolder("l7-order-b"))
        func numbers(_ o: RunOutcome) throws -> [String: Double] {
            let data = try Data(contentsOf: URL(fileURLWithPath: o.folder + "/results.json"))
            let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let numbers = try #require(json["numbers"] as? [String: [String: Any]])
            return numbers.compactMapValues { $0["mean"] as? Double }
        }
        let (na, nb) = (try numbers(a), try numbers(b))
        #expect(na.keys.contains("fixed_cost_1") && na.keys.contains("gap_1_spiking-fixed"))
        #expect(na == nb)
        for c in a.checks {
            let twin = b.checks.first { $0.id == c.id }
            #expect(twin?.observed == c.observed, "\(c.id)")
        }
    }

    /// One hidden cell is admissible: angles that are undefined (a zero update) are kept as such, and the
    /// checkpoint, results and figures are still written.
    @Test func oneHiddenCellRuns() throws {
        let small =
            Lesson07Tests.tiny.filter { !["depths", "hidden", "dt_check"].contains($0.0) } + [
                ("depths", "2"), ("hidden", "1"), ("dt_check", "0")
            ]
        let outcome = try run(small, folder: temporaryFolder("l7-one-cell"))
        #expect(FileManager.default.fileExists(atPath: outcome.folder + "/results.json"))
    }

    /// Stopped after one epoch, then resumed: the same results.json and data files as an uninterrupted run.
    @Test func interruptedRunResumesToTheSameResult() throws {
        let small =
            Lesson07Tests.tiny.filter { !["depths", "routes", "dt_check"].contains($0.0) }
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

    /// A checkpoint lesson 7 wrote before the one checkpoint format (JSON, `checkpoint-depthN.json`) is refused on
    /// --resume with one line saying an older version wrote it, not passed over.
    @Test func olderCheckpointIsRefused() throws {
        let folder = try stoppedAfterOneEpoch("l7-older")
        let seed = folder + "/07-spiking-training/checkpoints/seed-7/"
        try FileManager.default.removeItem(atPath: seed + "checkpoint-depth1.ckpt")
        let json = #"{"epoch":1,"fingerprint":"f","format":"microcircuit-lessons epoch checkpoint 2","state":{}}"#
        let old = json + String(format: "\nfnv1a64 %016llx\n", CheckpointIntegrity.checksum(Array(json.utf8)))
        try old.write(toFile: seed + "checkpoint-depth1.json", atomically: true, encoding: .utf8)
        expectLessonError(["checkpoint-depth1.json was written by an older version of lesson", "without --resume"]) {
            _ = try run(Lesson07Tests.oneDepth, folder: folder, resume: true)
        }
    }

    /// The tiny run with one depth and moving routes.
    static let oneDepth =
        Lesson07Tests.tiny.filter { !["depths", "routes", "dt_check"].contains($0.0) }
        + [("depths", "1"), ("routes", "moving"), ("dt_check", "0")]

    /// The output folder of a `oneDepth` run into the fresh folder `name` that stopped after its first epoch.
    func stoppedAfterOneEpoch(_ name: String) throws -> String {
        let folder = temporaryFolder(name)
        expectLessonError(["interrupted before epoch 2 of depth 1; checkpoints are in"]) {
            _ = try run(Lesson07Tests.oneDepth, folder: folder, stopAfter: 1)
        }
        return folder
    }

    /// A checkpoint with one changed byte is refused with one line, not resumed.
    @Test func corruptCheckpointIsRefused() throws {
        let folder = try stoppedAfterOneEpoch("l7-corrupt")
        let path = folder + "/07-spiking-training/checkpoints/seed-7/checkpoint-depth1.ckpt"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let i = bytes.count / 2
        bytes[i] = bytes[i] == UInt8(ascii: "1") ? UInt8(ascii: "2") : UInt8(ascii: "1")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do {
            _ = try run(Lesson07Tests.oneDepth, folder: folder, resume: true)
            Issue.record("a corrupt checkpoint was resumed")
        } catch let e as LessonError {
            #expect(e.description.contains("corrupt"))
        }
    }
}
