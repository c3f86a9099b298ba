import Foundation
import NeuroModel
import Testing

@testable import LessonKit
@testable import Lessons

@Suite struct LessonRunTests {
    /// Lesson 1's noisy part at a coarser step and fewer, shorter trials (its dt-bias term grows accordingly).
    static let smallNoise: [(String, String)] = [
        ("noise_dt", "0.1"), ("noise_trials", "16"),
        ("noise_duration", "1000"), ("noise_points", "4")
    ]

    @Test func lesson1PassesAtSmallSize() throws {
        _ = try runSmall("1", [("duration", "500"), ("points", "8")] + Self.smallNoise)
    }

    @Test func lesson2PassesAtSmallSize() throws {
        _ = try runSmall("2", [("window", "2000"), ("trials", "8")])
    }

    /// The notebooks are the one source of defaults: each names exactly the parameters its lesson declares.
    @Test func everyNotebookGivesEveryDeclaredParameter() throws {
        for l in allLessons {
            let nb = try Notebook.load(packageRoot + "/lessons/" + l.notebookFile)
            #expect(Set(nb.parameters.keys) == Set(l.parameters.map(\.name)), "\(l.notebookFile)")
            _ = try resolveParameters(
                specs: l.parameters, notebook: nb.parameters, notebookName: l.notebookFile, overrides: [])
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
            #expect(
                x != nil && x == FileManager.default.contents(atPath: d.folder + "/" + file),
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
        expectLessonError(["--set: dt = '-1' is not valid; expected a number in [0.001, 1]"]) {
            _ = try runSmall("1", [("dt", "-1")])
        }
        let refractory = "dt = 0.3 ms does not divide t_ref = 2 ms; choose dt so that t_ref/dt is an integer"
        expectLessonError([refractory]) { _ = try runSmall("1", [("dt", "0.3")]) }
        expectLessonError([refractory]) { _ = try runSmall("1", [("noise_dt", "0.3")]) }
        expectLessonError(["noise_i_max (2) must exceed noise_i_min (3)"]) {
            _ = try runSmall("1", [("noise_i_min", "3"), ("noise_i_max", "2")])
        }
    }

    @Test func unwritableOutputFolderIsAClearError() {
        var options = RunOptions()
        options.lessonsDirectory = packageRoot + "/lessons"
        options.outDirectory = "/proc/not-writable"
        expectLessonError(["cannot create output folder /proc/not-writable; choose a writable folder with --out DIR"]) {
            _ = try runLessonSerially(try findLesson("1"), options: options)
        }
    }
}
