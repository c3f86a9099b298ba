import Foundation
import Testing
import NeuroModel
@testable import Lessons

/// The `|` characters that end a cell in a GitHub Markdown table row: those not escaped with a backslash.
func cellSeparators(_ row: String) -> Int {
    var count = 0
    var escaped = false
    for ch in row {
        if ch == "|" && !escaped { count += 1 }
        escaped = ch == "\\" && !escaped
    }
    return count
}

@Suite struct MarkdownTableTests {
    @Test func pipesInCellsAreEscaped() {
        #expect(markdownTableCell("max |ΔW|") == "max \\|ΔW\\|")
        #expect(markdownTableCell("two\nlines") == "two lines")
        #expect(markdownTableRow(["a|b", "c"]) == "| a\\|b | c |")
    }

    @Test func checkTableRowsKeepTheirFiveColumns() {
        let checks: [Check] = [
            .close("routes realise W exactly, max |ΔW|", observed: 0, expected: 0, tolerance: 0),
            .atMost("LIF pair: max |Δw − η r r|", observed: 1, bound: 2, unit: "1/ms²"),
            .within("plain name", observed: 1, lower: 0, upper: 2),
        ]
        let rows = markdownCheckTable(checks).split(separator: "\n").filter { $0.hasPrefix("|") }
        #expect(rows.count == checks.count + 2)
        for row in rows { #expect(cellSeparators(String(row)) == 6, "\(row)") }
        #expect(rows.contains { $0.contains("max \\|ΔW\\|") })
    }

    @Test func lesson2CheckTableRendersAsATable() throws {
        let outcome = try runSmall("2", [("window", "2000"), ("trials", "8")])
        let text = try String(contentsOfFile: outcome.folder + "/02-synapses.executed.md", encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = try #require(lines.firstIndex { $0.hasPrefix("| check |") })
        let rows = lines[start...].prefix { $0.hasPrefix("|") }
        #expect(rows.count == outcome.checks.count + 2)
        for row in rows { #expect(cellSeparators(row) == 6, "\(row)") }
        if findGnuplot() != nil {
            // Both PDF widths are rendered and linked.
            let files = try FileManager.default.contentsOfDirectory(atPath: outcome.folder)
            #expect(files.contains("dale-drive.pdf") && files.contains("dale-drive-1col.pdf"))
            #expect(text.contains("(dale-drive-1col.pdf)"))
        }
    }
}

@Suite struct ExecutedParameterBlockTests {
    let specs: [ParameterSpec] = [.integer("seed", 1, in: 0...100, "s"), .real("dt", 0.1, in: 0.01...1, "t"),
                                  .integer("n", 5, in: 1...100, "n")]
    let text = """
        # Title
        ```parameters
        seed = 3
        dt = 0.1         # time step (ms)
                         # a continuation comment
        ```
        {{checks}}
        """

    func block(_ overrides: [(String, String)]) throws -> [String] {
        let nb = try Notebook(path: "x.md", text: text)
        let v = try resolveParameters(specs: specs, notebook: nb.parameters, notebookName: "x.md",
                                      overrides: overrides)
        let out = try nb.executed(parameters: v, overridden: Set(overrides.map(\.0)), values: [:], checks: [],
                                  figures: [], renderedFormats: [], header: "H")
        let lines = out.components(separatedBy: "\n")
        let open = try #require(lines.firstIndex(of: "```parameters"))
        let close = try #require(lines[(open + 1)...].firstIndex(of: "```"))
        return Array(lines[(open + 1)..<close])
    }

    @Test func commentsUnitsAndLayoutAreKept() throws {
        #expect(try block([]) == ["seed = 3", "dt = 0.1         # time step (ms)",
                                  "                 # a continuation comment", "n = 5"])
    }

    @Test func overriddenValuesSaySoAndKeepTheComment() throws {
        let lines = try block([("dt", "0.25"), ("n", "7")])
        #expect(lines.contains("dt = 0.25  # overridden (notebook: 0.1); time step (ms)"))
        #expect(lines.contains("n = 7  # overridden"))
        #expect(lines.contains("                 # a continuation comment"))
    }

    @Test func everyNotebookKeepsItsCommentsWhenExecuted() throws {
        for l in allLessons {
            let nb = try Notebook.load(packageRoot + "/lessons/" + l.notebookFile)
            let v = try resolveParameters(specs: l.parameters, notebook: nb.parameters,
                                          notebookName: l.notebookFile, overrides: [])
            let original = nb.text.components(separatedBy: "\n")[nb.blockLines]
            #expect(Array(original.dropFirst().dropLast()) == nb.executedBlock(v, overridden: []).dropFirst()
                        .dropLast(), "\(l.notebookFile)")
        }
    }
}

@Suite struct BundledNotebookTests {
    @Test func everyLessonsNotebookLoadsFromTheBundle() throws {
        for l in allLessons {
            let path = try bundledNotebookPath(l.notebookFile)
            #expect(!path.hasPrefix(packageRoot + "/lessons/"), "\(path) is the working copy, not the bundle")
            let bundled = try Notebook.load(path)
            let repository = try Notebook.load(packageRoot + "/lessons/" + l.notebookFile)
            #expect(bundled.text == repository.text, "bundled \(l.notebookFile) differs from lessons/; rebuild")
            _ = try resolveParameters(specs: l.parameters, notebook: bundled.parameters,
                                      notebookName: l.notebookFile, overrides: [])
        }
    }

    @Test func locationRuleBundleWorkingCopyOrOption() throws {
        let lesson = try findLesson("4")
        let elsewhere = temporaryFolder("elsewhere")
        #expect(try locateNotebook(lesson, lessonsDirectory: nil, workingDirectory: elsewhere).origin == .bundled)
        let atRoot = try locateNotebook(lesson, lessonsDirectory: nil, workingDirectory: packageRoot)
        #expect(atRoot.origin == .workingCopy && atRoot.path == packageRoot + "/lessons/04-microcircuit.md")
        // A lessons/ folder that is not this package's is not picked up without --lessons.
        try FileManager.default.createDirectory(atPath: elsewhere + "/lessons", withIntermediateDirectories: true)
        try "x".write(toFile: elsewhere + "/lessons/04-microcircuit.md", atomically: true, encoding: .utf8)
        #expect(try locateNotebook(lesson, lessonsDirectory: nil, workingDirectory: elsewhere).origin == .bundled)
        let option = try locateNotebook(lesson, lessonsDirectory: elsewhere + "/lessons", workingDirectory: elsewhere)
        #expect(option.origin == .lessonsOption)
        #expect(throws: LessonError.self) {
            _ = try locateNotebook(lesson, lessonsDirectory: temporaryFolder("empty"), workingDirectory: elsewhere)
        }
    }

    @Test func paramsShowTheNotebookValuesUsed() throws {
        let lesson = try findLesson("4")
        let dir = temporaryFolder("edited")
        let original = try String(contentsOfFile: packageRoot + "/lessons/04-microcircuit.md", encoding: .utf8)
        try original.replacingOccurrences(of: "steps = 300 ", with: "steps = 120 ")
            .write(toFile: dir + "/04-microcircuit.md", atomically: true, encoding: .utf8)
        let listing = try parameterListing(lesson, lessonsDirectory: dir)
        #expect(listing.contains("steps = 120  (code default 300)"), "\(listing)")
        #expect(listing.contains("from \(dir)/04-microcircuit.md (from --lessons)"))
        let overridden = try parameterListing(lesson, lessonsDirectory: dir, overrides: [("steps", "7")])
        #expect(overridden.contains("steps = 7  (--set; code default 300)"))
        #expect(try parameterListing(lesson, lessonsDirectory: nil).contains("steps = 300\n"))
    }
}

@Suite struct FigureFileTests {
    let figure = Figure(name: "demo", title: "Demo", claim: "c", blocks: [DataBlock("one", columns: ["x"])],
                        script: "plot DATA index 0 using 1:1")

    func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    func seeded(_ seed: UInt64) -> Figure {
        var f = figure
        f.seeds = [seed]
        return f
    }

    @Test func anEditedScriptOrStyleIsKeptAndTheNewVersionWrittenBeside() throws {
        let out = temporaryFolder("edits"), folder = out + "/01-demo"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        #expect(try writeFigureFiles([seeded(1)], folder: folder, outDirectory: out, lesson: "1") == "")
        let script = try read(folder + "/demo.gp")
        #expect(isUnedited(script))
        // A re-run with another seed rewrites an unedited script.
        #expect(try writeFigureFiles([seeded(2)], folder: folder, outDirectory: out, lesson: "1") == "")
        #expect(try read(folder + "/demo.gp").contains("seeds: 2"))
        // Edit the script and the style: both are kept, the runner's versions go beside them.
        let edited = try read(folder + "/demo.gp").replacingOccurrences(of: "using 1:1", with: "using 1:1 lw 4")
        try edited.write(toFile: folder + "/demo.gp", atomically: true, encoding: .utf8)
        try (try read(out + "/style.gp") + "set key off\n").write(toFile: out + "/style.gp", atomically: true,
                                                                  encoding: .utf8)
        let note = try writeFigureFiles([seeded(3)], folder: folder, outDirectory: out, lesson: "1")
        #expect(try read(folder + "/demo.gp") == edited)
        #expect(try read(folder + "/demo.new.gp").contains("seeds: 3"))
        #expect(try read(out + "/style.gp").hasSuffix("set key off\n"))
        #expect(FileManager.default.fileExists(atPath: out + "/style.new.gp"))
        #expect(!note.contains("\n") && note.contains("demo.gp") && note.contains("style.new.gp"), "\(note)")
        #expect(!note.contains("render.sh"))
        // A file without a checksum line (written by hand, or by an older runner) is kept unless identical.
        try "plot sin(x)\n".write(toFile: folder + "/demo.gp", atomically: true, encoding: .utf8)
        _ = try writeFigureFiles([seeded(3)], folder: folder, outDirectory: out, lesson: "1")
        #expect(try read(folder + "/demo.gp") == "plot sin(x)\n")
    }

    @Test func checksumIsStableAndSeesAnyChange() {
        #expect(fnv1a64("") == "cbf29ce484222325")
        #expect(fnv1a64("a") == "af63dc4c8601ec8c")
        let text = stamped("set grid\n", newName: "x.new.gp")
        #expect(isUnedited(text))
        #expect(!isUnedited(text.replacingOccurrences(of: "grid", with: "grit")))
        #expect(!isUnedited("set grid\n"))
    }

    @Test func everyRuleHasItsOwnStyleDefinedInStyleGp() {
        let styles = Rule.allCases.map(ruleStyleDefinition)
        #expect(Set(styles.map(\.linetype)).count == Rule.allCases.count)
        #expect(Set(styles.map { "\($0.color) \($0.dash)" }).count == Rule.allCases.count)
        for rule in Rule.allCases {
            let s = ruleStyleDefinition(rule)
            #expect(sharedGnuplotStyle.contains("set linetype \(s.linetype) lc rgb '\(s.color)'"))
            #expect(sharedGnuplotStyle.contains("name eq '\(rule.rawValue)' ? \(s.linetype)"))
            #expect(ruleStyle(rule) == "lt \(s.linetype)")
        }
        #expect(ruleStyleDefinition(.fa).color != ruleStyleDefinition(.dfa).color)
    }

    @Test func styleAndRuleFunctionWorkInGnuplot() throws {
        guard let gnuplot = findGnuplot() else { return }
        let dir = temporaryFolder("rulestyle")
        let script = sharedGnuplotStyle + "\nset terminal dumb\nset output '/dev/null'\n"
            + "print rule_lt('frsf'), rule_lt('bp'), rule_lt('other')\nplot x \(ruleStyle(.usf))\n"
        try script.write(toFile: dir + "/t.gp", atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: gnuplot)
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        p.arguments = ["t.gp"]
        let err = Pipe()
        p.standardError = err
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(text)")
        #expect(text.contains("15 11 7"), "\(text)")
    }
}


/// A style.gp written by version 0.1.0 (no checksum line) is the old runner's, not an edit: it is replaced.
@Suite struct UpgradeTests {
    @Test func styleOfVersion010IsReplaced() throws {
        let old = """
        # Shared figure style (written by the lesson runner; every figure script loads it).
        # Okabe & Ito colour-blind-safe palette; line types 1-8.
        set linetype 1 lc rgb '#0072B2' lw 2.5 pt 7 ps 1.0
        set linetype 2 lc rgb '#D55E00' lw 2.5 pt 5 ps 1.0
        set linetype 3 lc rgb '#009E73' lw 2.5 pt 9 ps 1.1
        set linetype 4 lc rgb '#CC79A7' lw 2.5 pt 11 ps 1.1
        set linetype 5 lc rgb '#E69F00' lw 2.5 pt 13 ps 1.1
        set linetype 6 lc rgb '#56B4E9' lw 2.5 pt 15 ps 1.1
        set linetype 7 lc rgb '#000000' lw 2.5 pt 3 ps 1.0
        set linetype 8 lc rgb '#F0E442' lw 2.5 pt 1 ps 1.0
        set linetype cycle 8
        set border 3 lw 1.2
        set tics nomirror out scale 0.6
        set grid back lc rgb '#dddddd' lw 1 dt 1
        set key top left noopaque box lc rgb '#bbbbbb' samplen 2.5 spacing 1.2
        set style fill transparent solid 0.25 noborder
        set datafile missing 'NaN'
        set encoding utf8

        """
        #expect(writtenByEarlierVersions.contains(fnv1a64(old)))
        let out = temporaryFolder("upgrade")
        try old.write(toFile: out + "/style.gp", atomically: true, encoding: .utf8)
        #expect(try writeKeepingEdits(sharedGnuplotStyle + "\n", to: out + "/style.gp") == nil)
        #expect(!FileManager.default.fileExists(atPath: out + "/style.new.gp"))
        #expect(try String(contentsOfFile: out + "/style.gp", encoding: .utf8) != old)
    }
}
