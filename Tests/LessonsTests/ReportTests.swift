import Foundation
import NeuroModel
import Testing

@testable import Lessons

/// The Markdown and math machinery of report.html.
@Suite struct MathMarkdownTests {
    @Test func mathBecomesPlaceholdersAndProseIsEscaped() {
        let p = protectMath("A $W_{kj} < 0$ and $$\\sum_j x_j$$ & <b>.")
        #expect(p.spans == [MathSpan(tex: "W_{kj} < 0", display: false), MathSpan(tex: "\\sum_j x_j", display: true)])
        #expect(p.markdown == "A \(p.placeholder(0)) and \(p.placeholder(1)) &amp; &lt;b>.")
    }

    @Test func underscoresInsideWordsAreNotEmphasis() {
        #expect(
            protectMath("V_rest and r_pre, _emph_ and `a_b`").markdown
                == "V\\_rest and r\\_pre, _emph_ and `a_b`")
    }

    @Test func dollarsThatAreNotMathStayText() {
        for text in ["costs $5 and $6 in all", "a lone $ sign", "$ x$", "$x $", "\\$x$ escaped"] {
            #expect(protectMath(text).spans.isEmpty, "\(text)")
        }
    }

    @Test func codeIsLeftAsWritten() {
        let text = "Run `echo $HOME & $PATH <x>` then\n\n```sh\nA=$1 && B=$2 <c>\n```\nand $y$."
        let p = protectMath(text)
        #expect(p.spans == [MathSpan(tex: "y", display: false)])
        #expect(
            p.markdown == "Run `echo $HOME & $PATH <x>` then\n\n```sh\nA=$1 && B=$2 <c>\n```\nand "
                + p.placeholder(0) + ".")
    }

    @Test func mathInATableRowReadsEscapedPipesBack() {
        let p = protectMath("| $\\lvert x \\| y$ | b |\nand $\\|v\\|$ outside")
        #expect(p.spans.map(\.tex) == ["\\lvert x | y", "\\|v\\|"])
    }

    @Test func mathOverALineBreakIsOneSpanButNotOverABlankLine() {
        #expect(protectMath("$a +\nb$").spans.map(\.tex) == ["a + b"])
        #expect(protectMath("$a +\n\nb$").spans.isEmpty)
    }

    @Test func placeholdersAvoidTheText() {
        let p = protectMath("ZqMath0Q is text, $x$ is math")
        #expect(p.prefix != "ZqMath")
        #expect(restoreMath(p.markdown, p).contains("ZqMath0Q is text"))
    }

    @Test func restoredMathIsAnElementInTextAndSourceInAttributes() {
        let p = protectMath("$a<b$ and ![$x$](f.png)")
        let html = "<p>\(p.placeholder(0)) and <img src=\"f.png\" alt=\"\(p.placeholder(1))\"/></p>"
        #expect(
            restoreMath(html, p)
                == "<p><span class=\"math inline\">$a&lt;b$</span> and <img src=\"f.png\" alt=\"$x$\"/></p>")
    }

    @Test func softBreaksJoinProseButKeepBlocks() {
        let text = "one\n- item *a\n  b* c\n`code` d\n\n| x |\n|---|\n# H\n```\nk\nl\n```\nhard  \nbreak"
        #expect(
            joiningSoftBreaks(text)
                == "one\n- item *a b* c `code` d\n\n| x |\n|---|\n# H\n```\nk\nl\n```\nhard  \nbreak")
    }

    @Test func checkResultsAreColoured() {
        let html = markingCheckResults(
            "<table><thead><tr><th>check</th><th>expected</th></tr></thead>"
                + "<tbody><tr><td>a</td><td>pass</td></tr><tr><td>b</td><td><strong>FAIL</strong></td></tr></tbody>")
        #expect(html.contains("<table class=\"checks\">"))
        #expect(html.contains("<td class=\"pass\">pass</td>") && html.contains("<td class=\"fail\"><strong>FAIL"))
    }
}

/// The `<main>` part of a page: what Ink made, without KaTeX's inlined script and style sheet.
func pageMain(_ html: String) -> String {
    guard let open = html.range(of: "<main>"), let close = html.range(of: "</main>") else { return "" }
    return String(html[open.upperBound..<close.lowerBound])
}

/// Checks that `html` is one self-contained page: nothing fetched from anywhere (no script or style sheet by
/// address, no `url(` but data URIs, every image a data URI).
func expectSelfContained(_ html: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(!html.contains("<script src"), sourceLocation: sourceLocation)
    #expect(!html.contains("<link"), sourceLocation: sourceLocation)
    #expect(!html.contains("@import"), sourceLocation: sourceLocation)
    #expect(
        html.components(separatedBy: "url(").dropFirst().allSatisfy { $0.hasPrefix("data:") },
        sourceLocation: sourceLocation)
    #expect(
        html.components(separatedBy: "<img src=\"").dropFirst().allSatisfy { $0.hasPrefix("data:image/") },
        sourceLocation: sourceLocation)
}

/// report.html of real runs.
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
let chromium: String? = {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
        for name in ["chromium", "chromium-browser"] {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
    }
    return nil
}()

/// Runs headless Chromium on `page` with `args`, in a profile of its own, for at most two minutes; returns its
/// standard output.
func runChromium(_ chromium: String, _ args: [String], page: String) throws -> Data {
    let profile = temporaryFolder("chromium-profile")
    defer { try? FileManager.default.removeItem(atPath: profile) }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: chromium)
    p.arguments =
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(profile)",
            "--virtual-time-budget=5000"
        ] + args + [URL(fileURLWithPath: page).absoluteString]
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    let deadline = DispatchWorkItem { p.terminate() }
    DispatchQueue.global().asyncAfter(deadline: .now() + 120, execute: deadline)
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    deadline.cancel()
    return data
}

/// The text a reader sees in a page's DOM: tags, scripts, styles and KaTeX's TeX annotations (for copying and
/// screen readers, not shown) removed.
func visibleText(_ dom: String) -> String {
    var text = pageMain(dom)
    for pattern in ["<annotation[^>]*>.*?</annotation>", "<[^>]+>"] {
        text = text.replacingOccurrences(of: pattern, with: " ", options: .regularExpression)
    }
    return text
}

/// report.html in a real browser: headless Chromium draws it, and KaTeX has typeset every equation.
@Suite(.serialized) struct ReportInBrowserTests {
    @Test(
        .enabled(
            if: chromium != nil && KaTeXAssets.installed != nil,
            "needs Chromium and KaTeX (apt-get install chromium libjs-katex)"))
    func chromiumShowsFiguresAndTypesetMath() throws {
        guard let chromium else { return }
        let outcome = try ReportTests.lesson2.get()
        let page = outcome.folder + "/report.html"
        let shot = temporaryFolder("screenshot") + "/report.png"
        _ = try runChromium(
            chromium,
            [
                "--screenshot=\(shot)", "--window-size=1200,2000",
                "--hide-scrollbars"
            ], page: page)
        let png = try #require(FileManager.default.contents(atPath: shot), "Chromium wrote no screenshot")
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        // A blank or text-only page compresses to a few kB; figures and typeset math make it much larger.
        #expect(png.count > 100_000, "screenshot of \(png.count) bytes")

        let dom = String(decoding: try runChromium(chromium, ["--dump-dom"], page: page), as: UTF8.self)
        let spans =
            pageMain(try String(contentsOfFile: page, encoding: .utf8))
            .components(separatedBy: "<span class=\"math ").count - 1
        #expect(spans > 10)
        #expect(dom.components(separatedBy: "class=\"katex\"").count - 1 == spans, "every equation typeset")
        #expect(!pageMain(dom).contains("katex-error") && !pageMain(dom).contains("math-error"))
        let text = visibleText(dom)
        #expect(!text.contains("$"), "raw TeX delimiters left in the page")
        #expect(!text.contains("\\mathrm") && !text.contains("W_{kj}"))
    }
}
