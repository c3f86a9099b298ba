import Foundation
import Testing

@testable import LessonKit
@testable import Lessons

@Suite struct NotebookTests {
    let specs: [ParameterSpec] = [
        .integer("seed", in: 0...100, "s"), .real("dt", in: 0.01...1, "t"),
        .list("rules", of: ["bp", "fa", "usf"], "r")
    ]

    @Test func parsesBlockAndAppliesOverridesInOrder() throws {
        let nb = try Notebook(
            path: "x.md", text: "# T\n```parameters\nseed = 3  # c\ndt = 0.2\nrules = bp,fa\n```\n{{dt}} {{checks}}")
        let v = try resolveParameters(
            specs: specs, notebook: nb.parameters, notebookName: "x.md", overrides: [("dt", "0.5")])
        #expect(v.integer("seed") == 3)
        #expect(v.real("dt") == 0.5)
        #expect(v.list("rules") == ["bp", "fa"])
    }

    let complete = ["seed": "1", "dt": "0.1", "rules": "bp"]

    /// The notebook holds every default: a parameter it leaves out is an error naming it, even when `--set` gives it.
    @Test func aParameterMissingFromTheNotebookIsAnError() {
        expectLessonError([
            "x.md: the parameter block lacks dt (t; a number in [0.01, 1]), rules (r; ", "lessons/README"
        ]) {
            _ = try resolveParameters(specs: specs, notebook: ["seed": "1"], notebookName: "x.md", overrides: [])
        }
        expectLessonError(["x.md: the parameter block lacks dt "]) {
            _ = try resolveParameters(
                specs: specs, notebook: ["seed": "1", "rules": "bp"], notebookName: "x.md", overrides: [("dt", "0.5")])
        }
    }

    @Test func brokenBlocksAndBadValuesGiveOneLineErrors() {
        let cases = [
            "```parameters\nseed 3\n```", "```parameters\nseed = 3\n", "no block here",
            "```parameters\nseed = 1\nseed = 2\n```"
        ]
        for text in cases {
            expectLessonError(["x.md"]) { _ = try Notebook(path: "x.md", text: text) }
        }
        expectLessonError(["x.md: dt = 'fast' is not valid"]) {
            _ = try resolveParameters(specs: specs, notebook: ["dt": "fast"], notebookName: "x.md", overrides: [])
        }
        expectLessonError(["--set: dt = '5' is not valid"]) {
            _ = try resolveParameters(specs: specs, notebook: complete, notebookName: "x.md", overrides: [("dt", "5")])
        }
        expectLessonError(["unknown parameter 'nope'; this lesson has: "]) {
            _ = try resolveParameters(
                specs: specs, notebook: complete, notebookName: "x.md", overrides: [("nope", "1")])
        }
        expectLessonError(["--set: rules = 'bp,dfa' is not valid; expected a comma-separated list from"]) {
            _ = try resolveParameters(
                specs: specs, notebook: complete, notebookName: "x.md", overrides: [("rules", "bp,dfa")])
        }
    }

    /// Issue 20 #16: a second ```parameters block is an error (a run would ignore it and copy it as it is into the
    /// executed notebook), naming both lines.
    @Test func aSecondParameterBlockIsAnError() {
        let text = "# L\n```parameters\nseed = 1\n```\ntext\n```parameters\nseed = 2\n```\n"
        expectLessonError(["x.md line 6: a second ```parameters block (the first is on line 2)", "first block"]) {
            _ = try Notebook(path: "x.md", text: text)
        }
    }

    @Test func executedCopyFillsPlaceholdersAndRejectsUnknownOnes() throws {
        let nb = try Notebook(
            path: "x.md", text: "```parameters\nseed = 3\ndt = 0.1\nrules = bp\n```\nvalue {{answer}}\n{{checks}}")
        let v = try resolveParameters(specs: specs, notebook: nb.parameters, notebookName: "x.md", overrides: [])
        let out = try nb.executed(
            parameters: v, overridden: [], values: ["answer": "42"],
            checks: [
                .atMost(
                    "c", observed: 0,
                    bound: 1)
            ], figures: [], renderedFormats: [], header: "H")
        #expect(out.contains("value 42"))
        #expect(out.contains("1 passed, 0 failed"))
        #expect(!out.contains("{{"))
        expectLessonError(["x.md refers to ", "answer", "which the lesson does not produce"]) {
            _ = try nb.executed(
                parameters: v, overridden: [], values: [:], checks: [], figures: [],
                renderedFormats: [], header: "H")
        }
    }
}

extension NotebookTests {
    /// Windows (CRLF) and old Mac (CR) line endings parse like Unix ones; the executed copy has Unix ones.
    @Test func windowsLineEndingsParse() throws {
        let unix = "# T\n```parameters\nseed = 3  # c\ndt = 0.2\nrules = bp\n```\nvalue {{answer}}\n{{checks}}\n"
        for ending in ["\r\n", "\r"] {
            let nb = try Notebook(path: "x.md", text: unix.replacingOccurrences(of: "\n", with: ending))
            #expect(nb.parameters == ["seed": "3", "dt": "0.2", "rules": "bp"], "\(ending.debugDescription)")
            let v = try resolveParameters(specs: specs, notebook: nb.parameters, notebookName: "x.md", overrides: [])
            let out = try nb.executed(
                parameters: v, overridden: [], values: ["answer": "42"], checks: [],
                figures: [], renderedFormats: [], header: "H")
            #expect(out.contains("\nvalue 42\n") && !out.contains("\r") && out.contains("seed = 3  # c\n"))
        }
    }

    /// An unclosed `{{` is a one-line error naming its line, before anything runs, not duplicated text.
    @Test func unclosedPlaceholderIsAnError() throws {
        let text = "# T\n```parameters\nseed = 3\n```\nfine {{checks}}\nbroken {{answer\nmore text\n"
        let error = try #require(throws: LessonError.self) { _ = try Notebook(path: "dir/x.md", text: text) }
        #expect(error.description == "x.md line 6: '{{' is never closed with '}}'; close the placeholder or remove it")
        #expect(error.status == 1)
        let crlf = try #require(throws: LessonError.self) {
            _ = try Notebook(path: "x.md", text: text.replacingOccurrences(of: "\n", with: "\r\n"))
        }
        #expect(crlf.description.hasPrefix("x.md line 6: '{{' is never closed"))
    }
}
