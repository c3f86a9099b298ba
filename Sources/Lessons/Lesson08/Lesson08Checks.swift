import Foundation
import LessonKit
import NeuroModel

// MARK: Checks

/// Lesson 8's claim on training, in points of test accuracy (95 % one-sided bound over seeds of the same-seed
/// difference): the single-phase circuit against the three-phase one, with one hidden layer (the default), at the
/// same time per sample and ν₀ = 200 Hz. The goal was 1 point; the cost measured 0.69 ± 0.12 (SE, seeds 7–11,
/// bound 0.95) and 0.74 ± 0.12 (held-out seeds 12–16, bound 1.00), so the claim allows half a point over the goal
/// for seeds not run. With two hidden layers it does not hold over three seeds (the notebook says by how much).
enum Lesson08Claim {
    static let costOfOnePhase = 1.5
}

/// The window sweep's claims (at the start) and the trained circuit's.
func lesson08Checks(
    _ start: SpikingCircuit, _ prediction: Lesson08Prediction, _ s: Lesson08Sweep, _ t: Lesson08Training,
    _ d: Lesson08Data, _ p: Lesson08Parameters, _ ctx: RunContext, complete: Bool
) {
    let L = start.depth
    let shortest = format(p.windows.first ?? 0)
    let longest = format(p.windows.last ?? 0)
    for l in 0..<L {
        let name = l == L - 1 ? "output layer" : "hidden layer \(l + 1)"
        // Counting noise falls as 1/√T; the claim is on the paired difference between the longest and the shortest
        // window, over seeds (one batch at one window need not be monotone).
        ctx.check(
            .atMost(
                "\(name): single-phase angle to frSF at T = \(longest) ms minus at T = \(shortest) ms",
                id: "layer-\(l + 1)-angle-falls-with-window",
                observed: (s.single.last?[l] ?? .nan)
                    - (s.single.first?[l] ?? .nan), bound: 0, unit: "°"
            ).overSeeds.calibrated)
        // Both spiking updates estimate frSF's, so the angle between them falls with T too (same paired claim).
        ctx.check(
            .atMost(
                "\(name): angle between the single- and the three-phase update at T = \(longest) ms minus at "
                    + "T = \(shortest) ms", id: "layer-\(l + 1)-angle-to-three-phase-falls",
                observed: (s.toThree.last?[l] ?? .nan) - (s.toThree.first?[l] ?? .nan), bound: 0, unit: "°"
            ).overSeeds.calibrated)
        // Descent is kept when ∠(update, BP) < 90°.
        ctx.check(
            .atMost(
                "\(name): single-phase angle to BP at T = \(longest) ms", id: "layer-\(l + 1)-angle-to-bp",
                observed: s.toBP.last?[l] ?? .nan, bound: descentAngleBound, unit: "°"
            ).calibrated)
    }
    guard complete else { return }
    // Learned: above chance by 4 binomial standard errors of an accuracy at chance on this test set.
    let chance = 100 / Double(d.train.classes)
    let se = 100 * (chance / 100 * (1 - chance / 100) / Double(d.test.count)).squareRoot()
    let last = t.points.last
    for (model, accuracy) in [("single-phase", last?.single), ("three-phase", last?.three), ("BP", last?.bp)] {
        ctx.check(
            .atLeast(
                "\(model) test accuracy above chance (\(format(chance)) % + \(format(samplingErrorMultiple)) SE)",
                id: "\(model.lowercased())-learned", observed: accuracy ?? .nan,
                bound: chance + samplingErrorMultiple * se, unit: "%"))
    }
    // The cost of one phase, claimed over seeds (same start, batches and test set per seed); measured at the
    // defaults, so `--explore` reports it as informational.
    ctx.check(
        .atMost(
            "three-phase test accuracy minus single-phase", id: "cost-of-one-phase",
            observed: (last?.three ?? .nan) - (last?.single ?? .nan), bound: Lesson08Claim.costOfOnePhase,
            unit: "points"
        ).overSeeds.calibrated)
    ctx.check(
        .none(
            "single phase, trained: synapses against their route (Dale)", id: "dale",
            violations: t.single.daleViolations, of: synapseCount(start.sizes)))
    ctx.check(
        .none(
            "single phase, trained: pairs with sign(B) ≠ sign(Wᵀ)", id: "sign",
            violations: t.single.signMismatches, of: synapseCount(start.sizes, fromLayer: 2)))
}

// MARK: Records

func lesson08Records(
    _ prediction: Lesson08Prediction, _ s: Lesson08Sweep, _ t: Lesson08Training, _ d: Lesson08Data,
    _ p: Lesson08Parameters, _ ctx: RunContext
) {
    let L = prediction.frsf.count
    let names = (1...L).map { $0 == L ? "output" : "hidden \($0)" }
    ctx.record(
        "architecture",
        ([d.train.x.cols] + Array(repeating: p.hidden, count: p.depth) + [d.train.classes])
            .map(String.init).joined(separator: "-"))
    ctx.record(
        "frsf_to_bp",
        zip(names, prediction.frsfToBP).map { "\($0): \(String(format: "%.1f", $1))°" }.joined(separator: ", "))
    var table = MarkdownTable(["T (ms)"] + names.map { "\($0): 1-phase→frSF / 3-phase→frSF / 1→3 / 1→BP" })
    for (i, T) in p.windows.enumerated() {
        table.append(
            [format(T)]
                + (0..<L).map {
                    String(
                        format: "%.1f° / %.1f° / %.1f° / %.1f°", s.single[i][$0], s.three[i][$0], s.toThree[i][$0],
                        s.toBP[i][$0])
                })
    }
    ctx.record("angle_table_header", table.headerText)
    ctx.record("angle_table", table.bodyText)
    guard let last = t.points.last else { return }
    ctx.record("single_accuracy", last.single)
    ctx.record("three_accuracy", last.three)
    ctx.record("bp_accuracy", last.bp)
    ctx.record("cost_of_one_phase", last.three - last.single)
    ctx.record("single_to_bp", last.bp - last.single)
    ctx.record("hidden_rate_end", last.hiddenRate)
    ctx.record("hidden_rate_start", t.points.dropFirst().first?.hiddenRate ?? .nan)
    var curve = MarkdownTable(["epoch", "single phase (%)", "three phase (%)", "BP (%)", "hidden rate (Hz)"])
    for q in t.points.dropFirst() {
        curve.append([
            String(format: "%.2f", q.epoch), String(format: "%.2f", q.single), String(format: "%.2f", q.three),
            String(format: "%.2f", q.bp), String(format: "%.1f", q.hiddenRate)
        ])
    }
    ctx.record("curve_header", curve.headerText)
    ctx.record("curve", curve.bodyText)
}
