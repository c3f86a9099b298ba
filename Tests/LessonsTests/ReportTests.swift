import Foundation
import NeuroModel
import Testing

@testable import LessonKit
@testable import Lessons

@Suite struct ReportTests {
    /// Lesson 2 at a small size, run once for the tests that read its report.
    nonisolated(unsafe) static let lesson2: Result<RunOutcome, Error> = Result {
        try runSmall("2", [("window", "2000"), ("trials", "8")])
    }

    func report(_ outcome: RunOutcome) throws -> String {
        try String(contentsOfFile: outcome.folder + "/report.html", encoding: .utf8)
    }

    @Test func lesson2ReportIsSelfContainedWithFiguresTablesAndMath() throws {
        let outcome = try Self.lesson2.get()
        let html = try report(outcome)
        expectSelfContained(html)
        let main = pageMain(html)
        #expect(main.contains("<h1>Lesson 2 — Synapses"))
        // Tables are HTML tables: no Markdown row or rule is left.
        #expect(main.contains("<table class=\"checks\">"))
        #expect(!main.contains("|---") && !main.split(separator: "\n").contains { $0.hasPrefix("|") })
        #expect(main.components(separatedBy: "<td class=\"pass\">pass</td>").count - 1 == outcome.checks.count)
        // Every math span is restored, none left as a placeholder; the display equation is one.
        #expect(!html.contains("ZqMath"))
        #expect(main.contains("<span class=\"math inline\">$W_{kj} &gt; 0$</span>"))
        #expect(main.contains("<span class=\"math display\">$$\\sum_{j:\\, W_{kj} &gt; 0}"))
        // Both figures, inlined.
        if findGnuplot() != nil {
            #expect(main.components(separatedBy: "<img src=\"data:image/").count - 1 == 2)
            #expect(!main.contains("not rendered"))
        }
        if KaTeXAssets.installed != nil {
            #expect(html.contains("katex.render(") && html.contains("font/woff2;base64"))
            #expect(!html.contains("libjs-katex"))
        }
    }

    @Test func reportIsTheSameForTheSameSeeds() throws {
        let first = try Self.lesson2.get()
        let again = try runSmall("2", [("window", "2000"), ("trials", "8")])
        #expect(try report(first) == report(again))
    }

    @Test func withoutKaTeXTheMathIsSourceAndThePageSaysHowToRenderIt() throws {
        let input = ReportInput(
            title: "T", markdown: "# T\n\nThe rule $\\Delta w = \\eta x$.", links: [],
            passed: 1, failed: 0, status: "complete", figures: [], figureNote: nil)
        let html = try reportHTML(input, folder: NSTemporaryDirectory(), katex: nil)
        #expect(!html.contains("<script"))
        #expect(html.contains("<span class=\"math inline\">$\\Delta w = \\eta x$</span>"))
        #expect(html.contains("apt-get install libjs-katex"))
        expectSelfContained(html)
    }

    @Test func aPageWithoutMathCarriesNoKaTeX() throws {
        let input = ReportInput(
            title: "T", markdown: "# T\n\nNo math, $5 at most.", links: [], passed: 1,
            failed: 0, status: "complete", figures: [], figureNote: nil)
        let katex = KaTeXAssets(script: "var katex = {};", css: ".katex {}")
        let html = try reportHTML(input, folder: NSTemporaryDirectory(), katex: katex)
        #expect(!html.contains("<script") && !html.contains(".katex {}") && !html.contains("libjs-katex"))
        #expect(html.contains("No math, $5 at most."))
    }

    @Test func figuresNotRenderedAreSaidSoWithHowToRenderThem() throws {
        var options = RunOptions()
        options.lessonsDirectory = packageRoot + "/lessons"
        options.outDirectory = temporaryFolder("report-norender")
        options.overrides = [("window", "2000"), ("trials", "8")]
        options.render = false
        let outcome = try runLessonSerially(lesson02, options: options)
        let html = try report(outcome)
        #expect(html.contains("The figures were not rendered") && html.contains("--no-render"))
        #expect(html.contains("apt-get install gnuplot-nox") && html.contains("render.sh"))
        #expect(!pageMain(html).contains("<img"))
        expectSelfContained(html)
    }

    @Test func aStoppedRunsReportSaysSoAndShowsItsChecks() throws {
        let folder = temporaryFolder("report-stopped")
        let checks: [Check] = [.atMost("error", observed: 2, bound: 1), .atMost("other", observed: 0, bound: 1)]
        let c = Conclusion(
            lesson: lesson02.id, seeds: [2], parameters: [:], checks: checks, values: [:],
            numbers: [:], figures: [], status: "stopped: interrupted after epoch 3")
        _ = try writeReport(
            lesson02, conclusion: c, executed: nil, folder: folder, rendered: [],
            options: RunOptions())
        let html = try String(contentsOfFile: folder + "/report.html", encoding: .utf8)
        #expect(html.contains("This run stopped before it finished (stopped: interrupted after epoch 3)"))
        #expect(html.contains("1 passed, 1 failed") && html.contains("<td class=\"fail\"><strong>FAIL"))
        #expect(!html.contains(".executed.md"))
        #expect(!(try FileManager.default.contentsOfDirectory(atPath: folder)).contains { $0.contains(".tmp") })
    }

    @Test func indexListsEveryLessonWithItsResultAndLinks() throws {
        let outcome = try Self.lesson2.get()
        let out = (outcome.folder as NSString).deletingLastPathComponent
        let results: [LessonRunResult] = [
            .notRun(lesson01), .finished(outcome), .stopped(lesson03, "a <b> error"),
            .notRun(lesson04)
        ]
        try writeIndexPage(results, outDirectory: out)
        let html = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        expectSelfContained(html)
        let passed = outcome.checks.filter(\.passed).count
        #expect(html.contains("<a href=\"02-synapses/report.html\">Synapses"))
        #expect(html.contains("<a href=\"02-synapses/02-synapses.executed.md\">notebook</a>"))
        #expect(html.contains("<td class=\"number\">\(passed)</td><td class=\"number\">0</td><td class=\"pass\">"))
        #expect(html.contains("stopped: a &lt;b&gt; error") && html.contains("not run"))
        #expect(!html.contains("01-lif/report.html"))  // no link to a report that is not there
        #expect(html.contains("\(passed) checks passed, 0 failed; 3 lessons not finished"))
    }
}

/// Debian's Chromium, when installed (`apt-get install chromium`).
