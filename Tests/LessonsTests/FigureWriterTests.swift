import Foundation
import Testing

@testable import LessonKit
@testable import Lessons

@Suite struct FigureWriterTests {
    @Test func dataFileHasHeaderAndBlocks() {
        let f = Figure(
            name: "demo", title: "Demo", claim: "a claim",
            blocks: [
                DataBlock("one", columns: ["x (s)", "y (Hz)"], rows: [[1, 2], [3, 0.1]]),
                DataBlock("two", columns: ["x (s)"], rows: [[5]])
            ],
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
