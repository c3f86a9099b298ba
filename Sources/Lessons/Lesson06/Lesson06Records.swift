import Foundation
import LessonKit
import NeuroModel

/// The accuracy table over seeds: mean ± sd of each rule's accuracy and final hidden-layer angles.
@Sendable func lesson06Summary(_ n: SeedNumbers) -> [String: String] {
    var table = MarkdownTable([])
    for r in Rule.allCases where n.text("accuracy_\(r.rawValue)") != "—" {
        let k = r.rawValue
        table.append([
            k, n.text("accuracy_\(k)", digits: 2), n.text("angle_\(k)_1", unit: "°"),
            n.text("angle_\(k)_2", unit: "°")
        ])
    }
    return ["accuracy_table": table.bodyText]
}

func lesson06Records(
    _ histories: [RuleHistory], _ circuit: CircuitBesideFrSF?, _ p: Lesson06Parameters,
    _ s: Lesson06Setup, _ ctx: RunContext, complete: Bool
) {
    ctx.record("dataset", "\(s.name) (\(s.train.count) training, \(s.test.count) test samples)")
    ctx.record("architecture", s.sizes.map(String.init).joined(separator: "-"))
    let concordantText = concordantRulesText(p.rules)
    ctx.record(
        "claim",
        s.claimsAccuracy
            ? "On \(s.name) \(concordantText) reach within 1.5 points of BP's test accuracy with the same network "
                + "and budget; the rate-level microcircuit's run is frSF's run, step for step"
            : "On \(s.name) the rules' accuracy and angles to BP are measured (the 1.5-point claim is checked on "
                + "MNIST-type image data only); the rate-level microcircuit's run is frSF's run, step for step")
    for h in histories {
        ctx.record("accuracy_\(h.rule.rawValue)", h.late(p.epochs, last: p.lastEpochs) ?? .nan)
        let last = h.rows.last ?? []
        for l in 1..<max(s.depth, 1) {
            ctx.record("angle_\(h.rule.rawValue)_\(l)", last.count > 2 + l ? last[2 + l] : .nan)
        }
        ctx.recordTiming(
            "seconds_per_epoch_\(h.rule.rawValue)",
            h.seconds.isEmpty
                ? "—" : String(format: "%.2f", h.seconds.reduce(0, +) / Double(h.seconds.count)))
    }
    ctx.record("rules_trained", histories.map(\.rule.rawValue).joined(separator: ","))
    // Exercise values (lessons/06-datasets.md, ## Exercises): feedback pairs on Yin-Yang (4 inputs, 3 classes)
    // for 2 × 16 and 3 × 20 hidden cells; forward weights and biases of this run's network.
    ctx.record("ex_feedback_pairs_yy_h16", Double(synapseCount([4, 16, 16, 3], fromLayer: 2)))
    ctx.record("ex_feedback_pairs_yy_h20_l3", Double(synapseCount([4, 20, 20, 20, 3], fromLayer: 2)))
    ctx.record("ex_forward_weights", Double(synapseCount(s.sizes)))
    ctx.record("ex_biases", Double(s.sizes.dropFirst().reduce(0, +)))
    guard complete else { return }
    if let circuit {
        ctx.recordTiming(
            "circuit_rate",
            String(
                format: "%.0f",
                Double(circuit.steps * p.config.batchSize) / circuit.seconds))
        ctx.record("circuit_crossings", String(circuit.crossings))
    } else {
        ctx.recordTiming("circuit_rate", "not run")
        ctx.record("circuit_crossings", "not run")
    }
}
