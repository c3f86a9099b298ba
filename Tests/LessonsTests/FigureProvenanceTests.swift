import Foundation
import Testing

@testable import LessonKit
@testable import Lessons

/// Issue 32: every figure's data file and script name the run's parameters (with units, `--set` marked), seeds,
/// commit and the command that reproduces it; results.json keeps the units of every number.
@Suite struct FigureProvenanceTests {
    /// The `#` lines a file starts with.
    func header(_ text: String) -> [Substring] {
        Array(text.split(separator: "\n", omittingEmptySubsequences: false).prefix { $0.hasPrefix("#") })
    }

    @Test func dataAndScriptHeadersNameEveryParameterCommitAndCommand() throws {
        let outcome = try runSmall(
            "1", [("tau", "10"), ("duration", "300"), ("points", "5")] + LessonRunTests.smallNoise)
        for file in ["fi-curve.dat", "fi-curve.gp"] {
            let text = try String(contentsOfFile: outcome.folder + "/" + file, encoding: .utf8)
            let lines = header(text)
            #expect(lines.contains("#   tau = 10 ms (set)"), "\(file)")
            #expect(lines.contains("#   duration = 300 ms (set)"), "\(file)")
            // A parameter left at the notebook's value is named without the mark.
            #expect(lines.contains("#   t_ref = 2 ms"), "\(file)")
            #expect(lines.contains("#   points = 5 (set)"), "\(file)")
            #expect(lines.contains("# seeds: 1-2"), "\(file)")
            #expect(lines.contains("# commit: \(sourceCommit)"), "\(file)")
            #expect(!sourceCommit.isEmpty)
            let reproduce = lines.first { $0.hasPrefix("# reproduce: ") }
            #expect(reproduce?.hasPrefix("# reproduce: swift run -c release lesson 1 --seeds 1-2 ") == true)
            #expect(reproduce?.contains(" --set tau=10") == true && reproduce?.contains(" --set t_ref") == false)
            // The seeds are named once, not as parameters.
            #expect(!lines.contains { $0.hasPrefix("#   seed") }, "\(file)")
        }
    }

    /// A figure from someone's seed record may carry anything as a parameter: every header line stays a comment,
    /// and the command quotes what a shell would read otherwise.
    @Test func hostileParametersStayCommentsAndOneShellWord() {
        var f = Figure(
            name: "f", title: "t", claim: "c", blocks: [DataBlock("b", columns: ["x"], rows: [[1]])],
            script: "plot DATA using 1:1")
        f.seeds = [3]
        f.parameters = [
            FigureParameter(name: "a", value: "1\nset output '/tmp/x'", unit: "ms\r", set: true),
            FigureParameter(name: "b", value: "x;rm -rf ~ 'q'", unit: "", set: true)
        ]
        for text in [f.dataText(lesson: "2 synapses"), f.scriptText(lesson: "2 synapses")] {
            #expect(!text.split(separator: "\n").contains { $0.hasPrefix("set output") })
            #expect(text.contains("#   a = 1 set output '/tmp/x' ms"))
            #expect(
                text.contains(
                    "lesson 2 --seeds 3 --set 'a=1 set output '\\''/tmp/x'\\''' --set 'b=x;rm -rf ~ '\\''q'\\'''"))
        }
    }

    /// A comment after the unit (in the help the notebook's comment follows) does not drop it.
    @Test func unitsSurviveANoteAfterThem() throws {
        func unit(_ lesson: String, _ name: String) throws -> String? {
            try findLesson(lesson).parameters.first { $0.name == name }?.unit
        }
        #expect(try unit("5", "dt") == "ms")
        #expect(try unit("5", "t_min") == "ms")
        #expect(try unit("5", "t_max") == "ms")
        #expect(try unit("5", "bias") == "nA")
        #expect(try unit("8", "homeostasis") == "nA per spikes/ms per batch")
        #expect(try unit("1", "dt") == "ms")
        // Notes that explain a value, counts and choices are no units.
        #expect(try unit("6", "train_limit") == "")
        #expect(try unit("7", "dt_check") == "")
        #expect(try unit("1", "seed") == "")
        #expect(try unit("1", "noise_trials") == "")
        #expect(try unit("4", "activation") == "")
        let l5 = try findLesson("5")
        let nb = try Notebook.load(packageRoot + "/lessons/" + l5.notebookFile)
        let p = try resolveParameters(
            specs: l5.parameters, notebook: nb.parameters, notebookName: l5.notebookFile, overrides: [])
        let typed = typedParameters(p.values, specs: l5.parameters)
        #expect(typed["dt"]?.unit == "ms" && typed["t_max"]?.unit == "ms" && typed["t_min"]?.unit == "ms")
    }
}
