import Foundation
import LessonKit
import NeuroModel

// MARK: Figures

/// Written even after an interruption or a divergence, with what was trained.
func lesson06Figures(_ histories: [RuleHistory], _ p: Lesson06Parameters, _ s: Lesson06Setup, _ ctx: RunContext) {
    let concordantText = concordantRulesText(p.rules)
    let rows = (0...p.epochs).map { e in
        [Double(e)] + histories.map { h in h.rows.first { Int($0[0]) == e }?[2] ?? .nan }
    }
    ctx.figure(
        AccuracyFigure(
            title: "Test accuracy per epoch on \(s.name)",
            claim: s.claimsAccuracy
                ? "\(concordantText) within 1.5 points of bp's final test accuracy on \(s.name)"
                : "test accuracy per rule on \(s.name) (measured, not claimed)",
            rules: histories.map(\.rule), rows: rows, xRange: "[0.5:\(p.epochs) + 0.5]", fromEpochOne: true,
            points: true
        ).figure)
    let L = s.depth
    let curves = histories.enumerated().flatMap { i, h in
        (1..<L).map { l in
            let (style, title) = ruleLayerCurve(h.rule, layer: l, of: L - 1)
            return "DATA index \(i) using 1:\(3 + l) with linespoints \(style) title '\(title)'"
        }
    }
    ctx.figure(
        Figure(
            name: "angles", title: "Angle to the BP gradient per layer over training (\(s.name))",
            claim: "each rule's angle to BP per layer (shown, not checked here; lesson 3 checks the 90-degree claim)",
            blocks: histories.map { h in
                DataBlock(
                    h.rule.rawValue,
                    columns: ["epoch", "loss", "test accuracy (%)"]
                        + (1...L).map { "layer \($0) angle (°)" }, rows: h.rows)
            },
            script: """
                set xlabel 'epoch'
                set ylabel 'angle to BP gradient (degrees)'
                # A little below 0, so that BP's line at 0° shows above the axis, to the data's top (at least 95,
                # so that the 90° line shows). Whole epochs on the x axis.
                set yrange [-4:95<*]
                set xtics 1
                set key outside right top
                # 90 degrees: beyond it an update points uphill.
                set arrow from graph 0, first 90 to graph 1, first 90 nohead \(referenceLineStyle)
                # Each rule in its own style (style.gp); deeper hidden layers are drawn thinner.
                \(curves.isEmpty
                    ? "set xrange [0:1]\nset label 'no rule has finished an epoch' at graph 0.5, graph 0.5 center\n"
                        + "plot NaN notitle"
                    : "plot " + curves.joined(separator: ", \\\n     "))
                """))
}
