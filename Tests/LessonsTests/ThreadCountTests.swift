import Foundation
import NeuroModel
import Testing

@testable import LessonCLI
@testable import LessonKit
@testable import Lessons

/// Results do not depend on the thread count (`--threads`): lesson 6 (BLAS) and lesson 7 (the spiking engine).
@Suite(.serialized) struct ThreadCountTests {
    func run(_ key: String, threads: Int, _ overrides: [(String, String)]) throws -> RunOutcome {
        var options = RunOptions()
        options.lessonsDirectory = packageRoot + "/lessons"
        options.outDirectory = temporaryFolder("threads-\(threads)")
        options.overrides = overrides + [("seeds", "1")]
        options.threads = threads
        options.render = false
        return try runLessonSerially(try findLesson(key), options: options)
    }

    @Test func resultsAreTheSameBytesForOneTwoAndFourThreads() throws {
        let l6 = [
            ("dataset", "yin-yang"), ("hidden", "128"), ("epochs", "1"), ("rules", "bp,fa"),
            ("circuit_steps", "0"), ("train_limit", "1000"), ("test_limit", "300")
        ]
        let dropped: Set<String> = ["depths", "routes", "seeds", "train_limit", "test_limit", "epochs", "dt_check"]
        let l7 =
            Lesson07Tests.tiny.filter { !dropped.contains($0.0) }
            + [
                ("depths", "1"), ("routes", "moving"), ("dt_check", "0"), ("epochs", "1"), ("train_limit", "150"),
                ("test_limit", "100")
            ]
        for (key, overrides, files) in [
            ("6", l6, ["results.json", "accuracy.dat", "angles.dat"]),
            ("7", l7, ["results.json", "accuracy.dat"])
        ] {
            let outcomes = try [1, 2, 4].map { try run(key, threads: $0, overrides) }
            for f in files {
                let a = FileManager.default.contents(atPath: outcomes[0].folder + "/" + f)
                for o in outcomes.dropFirst() {
                    #expect(
                        a != nil && a == FileManager.default.contents(atPath: o.folder + "/" + f),
                        "lesson \(key): \(f) differs with another thread count")
                }
            }
        }
    }

    /// Issue 20 #14: --threads is the spiking engine's; OpenBLAS runs on one thread in every lesson (so results are
    /// the same bytes on any machine). The help says so, and run-info.json records both.
    @Test func helpAndBehaviourAgreeOnBLASThreads() throws {
        let help = RunCommand.helpMessage(columns: 1000)
        #expect(help.contains("Threads for the spiking engine of lessons 5, 7 and 8"), "\(help)")
        #expect(help.contains("OpenBLAS runs on one thread in every lesson"))
        #expect(!help.contains("Threads for BLAS"))
        let outcome = try run(
            "6", threads: 3,
            [("dataset", "yin-yang"), ("hidden", "8"), ("epochs", "1"), ("rules", "bp"), ("circuit_steps", "0")])
        #expect(blasThreads == blasThreadsPerRun && blasThreadsPerRun == 1)
        let data = try Data(contentsOf: URL(fileURLWithPath: outcome.folder + "/run-info.json"))
        let info = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(info["threads"] as? Int == 3 && info["blasThreads"] as? Int == 1, "\(info)")
    }
}
