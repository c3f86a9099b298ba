import Foundation
import NeuroModel
import Testing

@testable import LessonKit
@testable import Lessons

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
