import Foundation
import Testing

@testable import LessonKit
@testable import Lessons

/// Figure scripts are usable on their own: copied out of the run folder with their data file, a script draws
/// the same image as in place (where it loads ../style.gp). Skipped, and shown as skipped, without gnuplot.
@Suite struct FigureScriptTests {
    @Test(.enabled(if: findGnuplot() != nil, "needs gnuplot (apt-get install gnuplot-nox)"))
    func aScriptCopiedOutDrawsTheSameFigure() throws {
        let gnuplot = try #require(findGnuplot())
        var options = RunOptions()
        options.lessonsDirectory = packageRoot + "/lessons"
        options.outDirectory = temporaryFolder("scripts")
        options.render = false
        options.overrides = [("window", "2000"), ("trials", "8")]
        let outcome = try runLessonSerially(try findLesson("2"), options: options)
        let alone = temporaryFolder("script-alone")
        for file in ["dale-drive.gp", "dale-drive.dat"] {
            try FileManager.default.copyItem(atPath: outcome.folder + "/" + file, toPath: alone + "/" + file)
        }
        func render(in folder: String) throws -> Data {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: gnuplot)
            p.currentDirectoryURL = URL(fileURLWithPath: folder)
            p.arguments = ["-e", "set terminal svg size 600,400", "-e", "set output 'out.svg'", "dale-drive.gp"]
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "gnuplot failed in \(folder)")
            return try Data(contentsOf: URL(fileURLWithPath: folder + "/out.svg"))
        }
        let inPlace = try render(in: outcome.folder)
        let copied = try render(in: alone)
        #expect(!inPlace.isEmpty && inPlace == copied)
        // In place the script reads the shared style.gp: an edit there shows in the figure.
        let style = options.outDirectory + "/style.gp"
        let edited = try String(contentsOfFile: style, encoding: .utf8)
            .replacingOccurrences(of: "set grid back lc rgb '#dddddd'", with: "set grid back lc rgb '#ff0000'")
        try edited.write(toFile: style, atomically: true, encoding: .utf8)
        let restyled = try render(in: outcome.folder)
        #expect(restyled != inPlace)
    }
}
