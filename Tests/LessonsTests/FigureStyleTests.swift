import Foundation
import Testing

@testable import LessonKit
@testable import Lessons

/// Issue 32: figures ready for a paper or a slide.
@Suite struct FigureStyleTests {
    /// Every font of every rendered PDF is embedded, and all are one family (DejaVu Sans).
    static let pdffonts = ["/usr/bin/pdffonts", "/usr/local/bin/pdffonts"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    @Test(
        .enabled(if: pdffonts != nil, "needs pdffonts (apt-get install poppler-utils)"),
        .enabled(if: findGnuplot() != nil, "needs gnuplot to render the PDFs (apt-get install gnuplot-nox)"))
    func everyPDFEmbedsItsOneFontFamily() throws {
        let pdffonts = try #require(Self.pdffonts)
        let outcome = try runSmall("2", [("window", "2000"), ("trials", "8")])
        let pdfs = try FileManager.default.contentsOfDirectory(atPath: outcome.folder).filter { $0.hasSuffix(".pdf") }
        let scripts = try FileManager.default.contentsOfDirectory(atPath: outcome.folder).filter {
            $0.hasSuffix(".gp")
        }
        // Two PDFs per figure: two columns and one column.
        #expect(!scripts.isEmpty && pdfs.count == 2 * scripts.count)
        var families = Set<String>()
        for pdf in pdfs {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: pdffonts)
            p.arguments = [outcome.folder + "/" + pdf]
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "\(pdf)")
            // Rows after the two header lines: name type encoding emb sub uni object ID.
            let rows = text.split(separator: "\n").dropFirst(2).map { $0.split(separator: " ") }
            #expect(!rows.isEmpty, "\(pdf) names no font")
            for r in rows where r.count >= 7 {
                #expect(r[r.count - 5] == "yes", "\(pdf): font \(r[0]) is not embedded")
                families.insert(String(r[0].split(separator: "+").last ?? r[0]))
            }
        }
        #expect(families == ["DejaVuSans"], "\(families)")
    }

    /// Why a `set key` line places the legend where it can cover data, or nil. The rule the figures follow: a
    /// legend sits outside the plot box (`outside`, `above`, `below`, a margin) or is off, so at no size does
    /// it overlap a curve, a band or a reference line; a `set key` that only restyles (font, spacing) is fine.
    static func keyProblem(_ line: String) -> String? {
        let words = Set(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init))
        let outside: Set<String> = ["outside", "above", "below", "off", "tmargin", "bmargin", "lmargin", "rmargin"]
        let placing: Set<String> = ["inside", "top", "bottom", "left", "right", "center", "at"]
        if words.contains("inside") || words.contains("at") { return "places the legend inside the plot: \(line)" }
        if !words.isDisjoint(with: placing) && words.isDisjoint(with: outside) {
            return "places the legend inside the plot: \(line)"
        }
        return nil
    }

    /// Every figure script a run writes, style included, keeps its legends outside the plot box (see
    /// `keyProblem`); and so does every script in the lessons' sources, lesson 8's among them.
    @Test(arguments: allLessons.map(\.number)) func legendsSitOutsideThePlot(lesson number: Int) throws {
        let outcome = try SmallLessonRuns.shared.outcome(number)
        let scripts = try FileManager.default.contentsOfDirectory(atPath: outcome.folder).filter { $0.hasSuffix(".gp") }
        #expect(!scripts.isEmpty)
        for name in scripts {
            let text = try String(contentsOfFile: outcome.folder + "/" + name, encoding: .utf8)
            let keys = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { $0.hasPrefix("set key") }
            #expect(!keys.isEmpty, "\(name) sets no key")
            for k in keys { #expect(Self.keyProblem(k) == nil, "\(name): \(Self.keyProblem(k) ?? "")") }
        }
    }

    @Test func legendRuleHoldsInEveryLessonSource() throws {
        #expect(Self.keyProblem("set key bottom right") != nil && Self.keyProblem("set key at 1,2") != nil)
        #expect(Self.keyProblem("set key outside top center horizontal") == nil)
        #expect(Self.keyProblem("set key font ',13'") == nil && Self.keyProblem("set key off") == nil)
        let root = packageRoot + "/Sources"
        let files = try #require(
            FileManager.default.subpathsOfDirectory(atPath: root).filter { $0.hasSuffix(".swift") })
        var seen = 0
        for f in files {
            let text = try String(contentsOfFile: root + "/" + f, encoding: .utf8)
            for line in text.split(separator: "\n") {
                let t = line.trimmingCharacters(in: .whitespaces).trimmingCharacters(
                    in: CharacterSet(charactersIn: "\"("))
                guard t.hasPrefix("set key") else { continue }
                seen += 1
                #expect(Self.keyProblem(t) == nil, "\(f): \(t)")
            }
        }
        #expect(seen >= 20)
    }

    /// Reference lines and checked bounds have a neutral style of their own, never a data colour.
    @Test func boundsAndReferencesAreNeutralAndTheirOwn() {
        let lines = sharedGnuplotStyle.split(separator: "\n")
        func colour(_ lt: Int) -> String? {
            lines.first { $0.hasPrefix("set linetype \(lt) ") }?.split(separator: "'").dropFirst().first.map(
                String.init)
        }
        let data = (1...8).compactMap(colour) + (11...16).compactMap(colour)
        #expect(data.count == 14)
        for lt in [18, 19] {
            #expect(colour(lt).map { !data.contains($0) } == true, "line type \(lt)")
        }
        #expect(colour(18) != colour(19))
        #expect(referenceLineStyle == "lt 18" && checkedBoundStyle == "lt 19")
    }
}
