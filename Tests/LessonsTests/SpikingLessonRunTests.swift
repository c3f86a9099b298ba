import Foundation
import NeuroModel
import Testing

@testable import Lessons

@Suite struct SpikingLessonRunTests {
    @Test func lesson5PassesAtNotebookSize() throws {
        // The notebook's own settings with a shorter sweep start: the claims are made at T = 800 ms.
        _ = try runSmall("5", [("t_min", "100"), ("seeds", "5")])
    }
}
