import Foundation
import LessonKit
import NeuroModel

func lesson04Records(
    _ one: Lesson04OneStep, _ t: Lesson04Training, _ p: Lesson04Parameters, baseline: Double, _ ctx: RunContext
) {
    ctx.record("tolerance", roundingBound)
    ctx.record("summation_bound", summationBound(p))
    ctx.record("kappa_room", String(Int(roundingBound / summationBound(p))))
    // The loss: at the first step, over the last tenth of the recorded steps, and the mean-target baseline.
    let losses = t.angleRows.map { $0[1] }
    ctx.record("first_loss", losses.first ?? .nan)
    let tail = losses.suffix(max(1, losses.count / 10))
    ctx.record("final_loss", tail.reduce(0, +) / Double(max(tail.count, 1)))
    ctx.record("mean_target_loss", baseline)
    ctx.record("float_error", one.worstFloat)
    ctx.record("tensor_checks", tensorListing([one.deltaRule] + one.layers + [one.output]))
    ctx.record("crossings", String(t.crossings))
    ctx.record("architecture", p.sizes.map(String.init).joined(separator: "-"))
    // Exercise values (lessons/04-microcircuit.md, ## Exercises): synapses and feedback pairs, here and for
    // three hidden layers of 10 cells.
    let deeper = [p.sizes[0], 10, 10, 10, p.sizes[p.sizes.count - 1]]
    ctx.record("ex_synapses", Double(synapseCount(p.sizes)))
    ctx.record("ex_feedback_pairs", Double(synapseCount(p.sizes, fromLayer: 2)))
    ctx.record("ex_synapses_h10_l3", Double(synapseCount(deeper)))
    ctx.record("ex_feedback_pairs_h10_l3", Double(synapseCount(deeper, fromLayer: 2)))
    let lastAngles = t.angleRows.last.map { Array($0.dropFirst(2)) } ?? []
    ctx.record(
        "final_angles",
        lastAngles.enumerated().map {
            "layer \($0.offset + 1): \(String(format: "%.1f", $0.element))°"
        }.joined(separator: ", "))
}
