import Foundation
import LessonKit
import NeuroModel

// MARK: Checks

func lesson05Checks(
    _ circuit: SpikingCircuit, _ prediction: Lesson05Prediction, _ w: WindowSweep,
    _ p: Lesson05Parameters, _ ctx: RunContext
) {
    ctx.check(
        .none(
            "Dale's principle: synapses of the wrong sign", violations: circuit.daleViolations,
            of: synapseCount(p.sizes)))
    let shortest = format(p.windows.first ?? 0)
    let longest = format(p.windows.last ?? 0)
    for l in 0..<p.depth {
        let first = w.angleRows.first?[l + 1] ?? .nan
        let last = w.angleRows.last?[l + 1] ?? .nan
        // The angle at one window on one batch is noisy and need not fall monotonically with T; the claim is on
        // the paired difference between the longest and the shortest window, over seeds.
        ctx.check(
            .atMost(
                "layer \(l + 1): angle at T = \(longest) ms minus angle at T = \(shortest) ms",
                id: "layer-\(l + 1)-angle-falls-with-window", observed: last - first, bound: 0,
                unit: "°"
            ).overSeeds.calibrated)
    }
    let window = format(p.window)
    for l in 0..<p.depth {
        // Descent is kept when ∠(spike, BP) < 90°; by the triangle inequality on angles this is guaranteed when
        // ∠(spike, frSF) < 90° − ∠(frSF, BP), the bound stated here (not tuned: it comes from the rate level).
        ctx.check(
            .atMost(
                "layer \(l + 1): angle to rate-level frSF at T = \(window) ms (bound 90° − ∠(frSF, BP))",
                observed: w.angles[l], bound: descentAngleBound - prediction.frsfToBP[l], unit: "°"
            ).calibrated)
        ctx.check(
            .atMost(
                "layer \(l + 1): angle to BP at T = \(window) ms", observed: w.toBP[l], bound: descentAngleBound,
                unit: "°"
            ).calibrated)
    }
}
