import Foundation
import Testing
@testable import Lessons

/// The package root, found from this file's location, so tests run from any working directory.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

func temporaryFolder(_ name: String) -> String {
    let dir = NSTemporaryDirectory() + "lesson-tests-\(name)-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

@Suite struct CheckTests {
    @Test func checksComputeTheirOwnVerdict() {
        #expect(Check.close("a", observed: 1.05, expected: 1, tolerance: 0.1).passed)
        #expect(!Check.close("a", observed: 1.2, expected: 1, tolerance: 0.1).passed)
        #expect(!Check.close("a", observed: .nan, expected: 1, tolerance: 10).passed)
        #expect(Check.atMost("b", observed: 1, bound: 1).passed)
        #expect(!Check.atLeast("c", observed: 0.5, bound: 1).passed)
        #expect(!Check.within("d", observed: 3, lower: 0, upper: 2).passed)
        #expect(!Check.none("e", violations: 1, of: 3).passed)
    }

    @Test func tableEndsWithSummaryLine() {
        let table = checkTable([.atMost("x", observed: 1, bound: 2), .atMost("y", observed: 3, bound: 2)])
        #expect(table.hasSuffix("1 passed, 1 failed"))
        #expect(table.contains("FAIL"))
    }
}

@Suite struct NotebookTests {
    let specs: [ParameterSpec] = [.integer("seed", 1, in: 0...100, "s"), .real("dt", 0.1, in: 0.01...1, "t"),
                                  .list("rules", "bp,fa", of: ["bp", "fa", "usf"], "r")]

    @Test func parsesBlockAndAppliesOverridesInOrder() throws {
        let nb = try Notebook(path: "x.md", text: "# T\n```parameters\nseed = 3  # c\ndt = 0.2\n```\n{{dt}} {{checks}}")
        let v = try resolveParameters(specs: specs, notebook: nb.parameters, notebookName: "x.md", overrides: [("dt",
                                                                                                                "0.5")])
        #expect(v.integer("seed") == 3)
        #expect(v.real("dt") == 0.5)
        #expect(v.list("rules") == ["bp", "fa"])
    }

    @Test func brokenBlocksAndBadValuesGiveOneLineErrors() {
        let cases = ["```parameters\nseed 3\n```", "```parameters\nseed = 3\n", "no block here",
                     "```parameters\nseed = 1\nseed = 2\n```"]
        for text in cases {
            #expect(throws: LessonError.self) { _ = try Notebook(path: "x.md", text: text) }
        }
        #expect(throws: LessonError.self) {
            _ = try resolveParameters(specs: specs, notebook: ["dt": "fast"], notebookName: "x.md", overrides: [])
        }
        #expect(throws: LessonError.self) {
            _ = try resolveParameters(specs: specs, notebook: [:], notebookName: "x.md", overrides: [("dt", "5")])
        }
        #expect(throws: LessonError.self) {
            _ = try resolveParameters(specs: specs, notebook: [:], notebookName: "x.md", overrides: [("nope", "1")])
        }
        #expect(throws: LessonError.self) {
            _ = try resolveParameters(specs: specs, notebook: [:], notebookName: "x.md", overrides: [("rules",
                                                                                                      "bp,dfa")])
        }
    }

    @Test func executedCopyFillsPlaceholdersAndRejectsUnknownOnes() throws {
        let nb = try Notebook(path: "x.md", text: "```parameters\nseed = 3\n```\nvalue {{answer}}\n{{checks}}")
        let v = try resolveParameters(specs: specs, notebook: nb.parameters, notebookName: "x.md", overrides: [])
        let out = try nb.executed(parameters: v, overridden: [], values: ["answer": "42"],
                                  checks: [.atMost("c", observed: 0,
                                                   bound: 1)], figures: [], renderedFormats: [], header: "H")
        #expect(out.contains("value 42"))
        #expect(out.contains("1 passed, 0 failed"))
        #expect(!out.contains("{{"))
        #expect(throws: LessonError.self) {
            _ = try nb.executed(parameters: v, overridden: [], values: [:], checks: [], figures: [],
                                renderedFormats: [], header: "H")
        }
    }
}

extension NotebookTests {
    /// Windows (CRLF) and old Mac (CR) line endings parse like Unix ones; the executed copy has Unix ones.
    @Test func windowsLineEndingsParse() throws {
        let unix = "# T\n```parameters\nseed = 3  # c\ndt = 0.2\n```\nvalue {{answer}}\n{{checks}}\n"
        for ending in ["\r\n", "\r"] {
            let nb = try Notebook(path: "x.md", text: unix.replacingOccurrences(of: "\n", with: ending))
            #expect(nb.parameters == ["seed": "3", "dt": "0.2"], "\(ending.debugDescription)")
            let v = try resolveParameters(specs: specs, notebook: nb.parameters, notebookName: "x.md", overrides: [])
            let out = try nb.executed(parameters: v, overridden: [], values: ["answer": "42"], checks: [],
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

@Suite struct FigureWriterTests {
    @Test func dataFileHasHeaderAndBlocks() {
        let f = Figure(name: "demo", title: "Demo", claim: "a claim",
                       blocks: [DataBlock("one", columns: ["x (s)", "y (Hz)"], rows: [[1, 2], [3, 0.1]]),
                                DataBlock("two", columns: ["x (s)"], rows: [[5]])],
                       script: "plot DATA index 0 using 1:2")
        var g = f
        g.seeds = [9]
        let text = g.dataText(lesson: "1 lif")
        #expect(text.hasPrefix("# figure: demo"))
        #expect(text.contains("# seeds: 9"))
        #expect(text.contains("# claim: a claim"))
        #expect(text.contains("# columns: 1=x (s), 2=y (Hz)"))
        #expect(text.contains("3.0 0.1"))
        #expect(text.contains("\n\n\n# block 1: two"))
        let script = g.scriptText(lesson: "1 lif")
        #expect(script.contains("load '../style.gp'"))
        #expect(script.contains("DATA = 'demo.dat'"))
    }

    @Test func renderScriptNamesEveryFormat() {
        let s = renderScript()
        for ext in ["png", "svg", "pdf"] { #expect(s.contains(".\(ext)'")) }
    }
}

/// Lesson runs share process-wide state (OpenBLAS's thread count, which lessons set, and the SIGINT flag), and
/// Swift Testing runs tests in parallel: tests therefore run lessons one at a time, or a byte-for-byte
/// comparison could see another lesson's thread setting.
nonisolated(unsafe) let lessonRunLock = NSLock()

func runLessonSerially(_ lesson: LessonDescriptor, options: RunOptions, log: @escaping (String) -> Void = { _ in })
    throws -> RunOutcome {
    lessonRunLock.lock()
    defer { lessonRunLock.unlock() }
    // One seed unless the test chooses (lessons default to several; tests that need them say so).
    var options = options
    if options.seeds == nil && !options.overrides.contains(where: { $0.0 == "seeds" }) {
        options.overrides.append(("seeds", "1"))
    }
    return try runLesson(lesson, options: options, log: log)
}
