import Foundation
import NeuroModel
import Testing

@testable import LessonKit
@testable import Lessons

@Suite struct ExecutedParameterBlockTests {
    let specs: [ParameterSpec] = [
        .integer("seed", in: 0...100, "s"), .real("dt", in: 0.01...1, "t"),
        .integer("n", in: 1...100, "n")
    ]
    let text = """
        # Title
        ```parameters
        seed = 3
        dt = 0.1         # time step (ms)
                         # a continuation comment
        n = 5
        ```
        {{checks}}
        """

    func block(_ overrides: [(String, String)]) throws -> [String] {
        let nb = try Notebook(path: "x.md", text: text)
        let v = try resolveParameters(
            specs: specs, notebook: nb.parameters, notebookName: "x.md",
            overrides: overrides)
        let out = try nb.executed(
            parameters: v, overridden: Set(overrides.map(\.0)), values: [:], checks: [],
            figures: [], renderedFormats: [], header: "H")
        let lines = out.components(separatedBy: "\n")
        let open = try #require(lines.firstIndex(of: "```parameters"))
        let close = try #require(lines[(open + 1)...].firstIndex(of: "```"))
        return Array(lines[(open + 1)..<close])
    }

    @Test func commentsUnitsAndLayoutAreKept() throws {
        #expect(
            try block([]) == [
                "seed = 3", "dt = 0.1         # time step (ms)",
                "                 # a continuation comment", "n = 5"
            ])
    }

    @Test func overriddenValuesSaySoAndKeepTheComment() throws {
        let lines = try block([("dt", "0.25"), ("n", "7")])
        #expect(lines.contains("dt = 0.25  # overridden (notebook: 0.1); time step (ms)"))
        #expect(lines.contains("n = 7  # overridden (notebook: 5)"))
        #expect(lines.contains("                 # a continuation comment"))
    }

    @Test func everyNotebookKeepsItsCommentsWhenExecuted() throws {
        for l in allLessons {
            let nb = try Notebook.load(packageRoot + "/lessons/" + l.notebookFile)
            let v = try resolveParameters(
                specs: l.parameters, notebook: nb.parameters,
                notebookName: l.notebookFile, overrides: [])
            let original = nb.text.components(separatedBy: "\n")[nb.blockLines]
            #expect(
                Array(original.dropFirst().dropLast())
                    == nb.executedBlock(v, overridden: []).dropFirst()
                    .dropLast(), "\(l.notebookFile)")
        }
    }
}
