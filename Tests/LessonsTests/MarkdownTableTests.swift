import Foundation
import NeuroModel
import Testing

@testable import LessonKit
@testable import Lessons

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
            .within("plain name", observed: 1, lower: 0, upper: 2)
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

    @Test func tableHelperWritesHeaderRuleAndEscapedRows() {
        var table = MarkdownTable(["T (ms)", "a|b"])
        table.append(["1", "x\ny"])
        #expect(table.headerText == "| T (ms) | a\\|b |\n|---|---|")
        #expect(table.bodyText == "| 1 | x y |")
        #expect(table.text == table.headerText + "\n" + table.bodyText)
    }
}
