import Foundation
import NeuroModel
import Testing

@testable import LessonKit
@testable import Lessons

@Suite struct MicrocircuitLessonRunTests {
    @Test func lesson4PassesAtSmallSize() throws {
        _ = try runSmall("4", [("hidden", "12"), ("steps", "60")])
    }
}
