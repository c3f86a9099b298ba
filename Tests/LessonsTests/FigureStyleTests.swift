import Foundation
import Testing

@testable import LessonKit
@testable import Lessons

/// Issue 32: figures ready for a paper or a slide.
@Suite struct FigureStyleTests {
    /// Every font of every rendered PDF is embedded, and all are one family (DejaVu Sans).
    @Test func everyPDFEmbedsItsOneFontFamily() throws {
        guard
            let pdffonts = ["/usr/bin/pdffonts", "/usr/local/bin/pdffonts"].first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else {
            print("skipped: pdffonts not found (apt-get install poppler-utils)")
            return
        }
        guard findGnuplot() != nil else {
            print("skipped: gnuplot not found, no PDF rendered")
            return
        }
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
