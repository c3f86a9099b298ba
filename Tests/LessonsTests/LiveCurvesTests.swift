import Foundation
import Testing

@testable import LessonCLI
@testable import LessonKit
@testable import Lessons
@testable import LivePlot

/// `--live`: curves streamed to a running gnuplot through gnuplot-iostream. Without gnuplot these tests show as
/// skipped.
@Suite struct LiveCurvesTests {
    @Test(.enabled(if: findGnuplot() != nil, "needs gnuplot (apt-get install gnuplot-nox)"))
    func pngIsAlwaysACompleteImage() throws {
        let gnuplot = try #require(findGnuplot())
        let folder = temporaryFolder("live-png")
        let path = folder + "/live.png"
        let live = try GnuplotLive(gnuplot: gnuplot, target: .png(path), minimumInterval: 0)
        live.begin("a test, seed 1")
        for epoch in 0...5 {
            live.add(curve: "bp", x: Double(epoch), y: 50 + 8 * Double(epoch))
            live.add(curve: "frsf", x: Double(epoch), y: epoch == 3 ? .nan : 50 + 7 * Double(epoch))
        }
        let note = live.finish()
        #expect(note == "--live: the last curves are in \(path)")
        let data = try #require(FileManager.default.contents(atPath: path), "no PNG at \(path)")
        #expect(figureLooksComplete(data, format: "png") && data.count > 5_000, "\(data.count) bytes")
        let left = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(left == ["live.png"], "left behind: \(left)")
    }

    @Test(.enabled(if: findGnuplot() != nil, "needs gnuplot (apt-get install gnuplot-nox)"))
    func aLessonWithoutCurvesSaysSo() throws {
        let live = try GnuplotLive(gnuplot: try #require(findGnuplot()), target: .terminal(columns: 80, rows: 20))
        live.begin("lesson 1 (lif), seed 1")
        #expect(live.finish() == "--live: this lesson draws no training curves (lessons 3, 6 and 7 do)")
    }

    /// The curves are a view: a run with --live writes the same bytes as one without.
    @Test(.enabled(if: findGnuplot() != nil, "needs gnuplot (apt-get install gnuplot-nox)"))
    func liveCurvesLeaveTheOutputsUnchanged() throws {
        let gnuplot = try #require(findGnuplot())
        let root = temporaryFolder("live-run")
        var options = RunOptions()
        options.lessonsDirectory = packageRoot + "/lessons"
        options.render = false
        options.overrides = [
            ("epochs", "6"), ("hidden", "20"), ("rules", "bp,frsf"), ("random_nets", "10"),
            ("angle_every", "50")
        ]
        options.outDirectory = root + "/plain"
        _ = try runLessonSerially(try findLesson("3"), options: options)
        let live = try GnuplotLive(gnuplot: gnuplot, target: .png(root + "/live.png"), minimumInterval: 0)
        options.live = live
        options.outDirectory = root + "/live"
        _ = try runLessonSerially(try findLesson("3"), options: options)
        _ = live.finish()
        for file in ["results.json", "03-feedback-alignment.executed.md", "accuracy.dat"] {
            let a = FileManager.default.contents(atPath: "\(root)/plain/03-feedback-alignment/\(file)")
            let b = FileManager.default.contents(atPath: "\(root)/live/03-feedback-alignment/\(file)")
            #expect(a != nil && a == b, "\(file) differs with --live")
        }
        let png = try #require(FileManager.default.contents(atPath: root + "/live.png"))
        #expect(figureLooksComplete(png, format: "png"))
    }

    @Test func badLiveOptionsAreUsageErrors() {
        let cases: [([String], String)] = [
            (["3", "--live", "--live-png", "/tmp/x.png"], "give either --live or --live-png FILE, not both"),
            (
                ["3", "--live-png", "/no/such/folder/x.png"],
                "--live-png: folder /no/such/folder does not exist or "
                    + "is not writable"
            ),
            (["3", "--live-png", "/tmp/x.txt"], "--live-png needs a file name ending in .png")
        ]
        for (args, message) in cases {
            do {
                _ = try parseCommand(args)
                Issue.record("\(args) was accepted")
            } catch {
                let r = report(for: error)
                #expect(r.status == 2 && r.error == "lesson: error: " + message, "\(args): \(r)")
            }
        }
    }
}
