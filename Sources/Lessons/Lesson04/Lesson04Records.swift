import Foundation
import LessonKit
import NeuroModel

func lesson04Records(_ one: Lesson04OneStep, _ t: Lesson04Training, _ p: Lesson04Parameters, _ ctx: RunContext) {
    ctx.record("tolerance", roundingBound)
    ctx.record("float_error", one.worstFloat)
    ctx.record("tensor_checks", tensorListing([one.deltaRule] + one.layers + [one.output]))
    ctx.record("crossings", String(t.crossings))
    ctx.record("architecture", p.sizes.map(String.init).joined(separator: "-"))
    let lastAngles = t.angleRows.last.map { Array($0.dropFirst(2)) } ?? []
    ctx.record(
        "final_angles",
        lastAngles.enumerated().map {
            "layer \($0.offset + 1): \(String(format: "%.1f", $0.element))°"
        }.joined(separator: ", "))
}
