import Foundation
import NeuroModel
import Testing

@testable import LessonKit
@testable import Lessons

/// A style.gp written by version 0.1.0 (no checksum line) is the old runner's, not an edit: it is replaced.
@Suite struct UpgradeTests {
    @Test func styleOfVersion010IsReplaced() throws {
        let old = """
            # Shared figure style (written by the lesson runner; every figure script loads it).
            # Okabe & Ito colour-blind-safe palette; line types 1-8.
            set linetype 1 lc rgb '#0072B2' lw 2.5 pt 7 ps 1.0
            set linetype 2 lc rgb '#D55E00' lw 2.5 pt 5 ps 1.0
            set linetype 3 lc rgb '#009E73' lw 2.5 pt 9 ps 1.1
            set linetype 4 lc rgb '#CC79A7' lw 2.5 pt 11 ps 1.1
            set linetype 5 lc rgb '#E69F00' lw 2.5 pt 13 ps 1.1
            set linetype 6 lc rgb '#56B4E9' lw 2.5 pt 15 ps 1.1
            set linetype 7 lc rgb '#000000' lw 2.5 pt 3 ps 1.0
            set linetype 8 lc rgb '#F0E442' lw 2.5 pt 1 ps 1.0
            set linetype cycle 8
            set border 3 lw 1.2
            set tics nomirror out scale 0.6
            set grid back lc rgb '#dddddd' lw 1 dt 1
            set key top left noopaque box lc rgb '#bbbbbb' samplen 2.5 spacing 1.2
            set style fill transparent solid 0.25 noborder
            set datafile missing 'NaN'
            set encoding utf8

            """
        #expect(writtenByEarlierVersions.contains(fnv1a64(old)))
        let out = temporaryFolder("upgrade")
        try old.write(toFile: out + "/style.gp", atomically: true, encoding: .utf8)
        #expect(try writeKeepingEdits(sharedGnuplotStyle + "\n", to: out + "/style.gp") == nil)
        #expect(!FileManager.default.fileExists(atPath: out + "/style.new.gp"))
        #expect(try String(contentsOfFile: out + "/style.gp", encoding: .utf8) != old)
    }
}
