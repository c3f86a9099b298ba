import Foundation
import NeuroModel
import Testing

@testable import LessonKit
@testable import Lessons

@Suite struct TrainingLessonRunTests {
    @Test func lesson3PassesAtSmallSize() throws {
        // Smaller net, fewer epochs and a larger step than the notebook, on three seeds. BP's 95 % is a claim for
        // the notebook's 150 epochs (here BP reaches 90–95 %): computed here, met in CI's full-size run.
        _ = try runSmall(
            "3",
            [
                ("epochs", "60"), ("hidden", "60"), ("learning_rate", "0.3"), ("random_nets", "40"),
                ("angle_every", "50"), ("rules", "bp,fa,frsf"), ("seeds", "3")
            ],
            fullSizeOnly: ["bp-final-accuracy"])
    }
}
