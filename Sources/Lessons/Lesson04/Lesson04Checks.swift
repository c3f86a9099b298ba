import Foundation
import LessonKit
import NeuroModel

// MARK: Checks

func lesson04Checks(_ one: Lesson04OneStep, _ t: Lesson04Training, _ p: Lesson04Parameters, _ ctx: RunContext) {
    let sizes = p.sizes
    let tol = roundingBound
    ctx.check(one.deltaRule.check("one layer: Hebbian ΔW vs BP (delta rule), relative error"))
    ctx.check(
        .none(
            "Dale's principle: synapses of the wrong sign at construction",
            violations: one.daleAtStart, of: synapseCount(sizes)))
    ctx.check(
        .atMost(
            "apical potentials a^l vs frSF's B^l δ^{l+1}, max relative error",
            observed: one.worstApical, bound: tol))
    ctx.check(
        .atMost(
            "error signals ε^l vs −δ^l of frSF, all layers, max relative error",
            observed: one.worstSignal, bound: tol))
    for (l, layer) in one.layers.enumerated() {
        ctx.check(layer.check("layer \(l + 1): Hebbian ΔW vs frSF ΔW, relative error"))
    }
    ctx.check(one.output.check("output layer: Hebbian ΔW vs BP ΔW, relative error"))
    ctx.check(
        .atMost(
            "Float frSF ΔW vs the Double circuit, all layers, relative error",
            observed: one.worstFloat, bound: floatRoundingBound))
    ctx.check(
        .atMost(
            "every step: Hebbian ΔW vs frSF ΔW on the circuit's weights, max relative error",
            observed: t.worstStep, bound: tol))
    ctx.check(
        .atLeast(
            "weights that crossed zero during training (routes switched)",
            observed: Double(t.crossings), bound: 1))
    ctx.check(
        .none(
            "after training: pairs with sign(B) ≠ sign(Wᵀ)", violations: t.mismatches,
            of: synapseCount(sizes, fromLayer: 2)))
    ctx.check(
        .none(
            "after training: synapses of the wrong sign (Dale)", violations: t.dale,
            of: synapseCount(sizes)))
    // Each step's ΔW agrees to the tolerance above; errors add at most once per step.
    ctx.check(
        .atMost(
            "after \(p.steps) steps: circuit W vs matrix frSF W, relative error",
            observed: t.worstWeights, bound: tol * Double(p.steps)))
}
