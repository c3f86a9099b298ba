import Foundation
import Testing
@testable import Lessons
import NeuroModel

@Suite struct MicrocircuitLessonRunTests {
    @Test func lesson4PassesAtSmallSize() throws {
        _ = try runSmall("4", [("hidden", "12"), ("steps", "60")])
    }
}
