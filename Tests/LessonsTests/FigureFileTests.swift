import Foundation
import NeuroModel
import Testing

@testable import LessonKit
@testable import Lessons

@Suite struct FigureFileTests {
    let figure = Figure(
        name: "demo", title: "Demo", claim: "c", blocks: [DataBlock("one", columns: ["x"])],
        script: "plot DATA index 0 using 1:1")

    func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    func seeded(_ seed: UInt64) -> Figure {
        var f = figure
        f.seeds = [seed]
        return f
    }

    @Test func anEditedScriptOrStyleIsKeptAndTheNewVersionWrittenBeside() throws {
        let out = temporaryFolder("edits")
        let folder = out + "/01-demo"
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
        try (try read(out + "/style.gp") + "set key off\n").write(
            toFile: out + "/style.gp", atomically: true,
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

    @Test(.enabled(if: findGnuplot() != nil, "needs gnuplot"))
    func styleAndRuleFunctionWorkInGnuplot() throws {
        let gnuplot = try #require(findGnuplot())
        let dir = temporaryFolder("rulestyle")
        let script =
            sharedGnuplotStyle + "\nset terminal dumb\nset output '/dev/null'\n"
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
