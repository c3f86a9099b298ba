import Foundation
import LessonKit
import NeuroModel

/// The accuracy table over seeds: mean ± sd of each rule's numbers.
@Sendable func lesson03Summary(_ n: SeedNumbers) -> [String: String] {
    var table = MarkdownTable([])
    for r in Rule.allCases where n.text("final_accuracy_\(r.rawValue)") != "—" {
        let k = r.rawValue
        table.append([
            k, "\(n.text("final_accuracy_\(k)", scale: 100)) %", n.text("initial_angle_\(k)", unit: "°"),
            n.text("max_angle_\(k)", unit: "°"), n.text("late_angle_\(k)", unit: "°"),
            n.text("norm_ratio_\(k)", digits: 2)
        ])
    }
    return ["accuracy_table": table.bodyText]
}

func lesson03Records(_ g: Lesson03Geometry, _ runs: [RuleRun], _ p: Lesson03Parameters, _ ctx: RunContext) {
    let validMulti = g.multiAngles.filter { !$0.isNaN }
    ctx.record("multi_output_mean_angle", validMulti.reduce(0, +) / Double(max(validMulti.count, 1)))
    ctx.record(
        "multi_output_over_90",
        String(
            format: "%.1f %%", 100 * Double(validMulti.filter { $0 > 90 }.count) / Double(max(validMulti.count, 1))))
    ctx.record(
        "bw_angles",
        g.feedbackAngles.map { "\($0.rule.rawValue) \(format($0.degrees))°" }
            .joined(separator: ", "))
    for run in runs {
        ctx.record("final_accuracy_\(run.rule.rawValue)", run.finalAccuracy)
        ctx.record("initial_angle_\(run.rule.rawValue)", run.initialAngle)
        ctx.record("max_angle_\(run.rule.rawValue)", run.worst ?? .nan)
        ctx.record("norm_ratio_\(run.rule.rawValue)", run.normRatio)
        ctx.record("late_angle_\(run.rule.rawValue)", run.late ?? .nan)
    }
    ctx.record("architecture", p.sizes.map(String.init).joined(separator: "-"))
    // Exercise values (lessons/03-feedback-alignment.md, ## Exercises): closed-form angles for W ~ U(−a, a).
    ctx.record("ex_angle_usf_closed", acos(3.0.squareRoot() / 2) * 180 / .pi)
    ctx.record("ex_angle_frsf_closed", acos(0.75) * 180 / .pi)
}

/// The accuracy table of lesson 3: row e is [e, accuracy of rule 1 after epoch e, …], for e = 0...epochs, with
/// NaN where a rule stopped before epoch e. Columns follow the order of `perRule`, whatever stopped early.
func accuracyTable(_ perRule: [[Double]], epochs: Int) -> [[Double]] {
    (0...max(epochs, 0)).map { e in [Double(e)] + perRule.map { e < $0.count ? $0[e] : .nan } }
}
