import Foundation
import LessonKit
import NeuroModel

// MARK: Figures

func lesson03Figures(_ runs: [RuleRun], _ p: Lesson03Parameters, _ ctx: RunContext) {
    // One row per epoch, one column per rule in the order of the header: a rule that stopped early (divergence)
    // has NaN for the epochs it did not reach, so no column ever holds another rule's numbers.
    ctx.figure(
        AccuracyFigure(
            title: "Yin-Yang test accuracy by learning rule",
            claim: "bp >= \(format(100 * bpTarget)) %; all rules learn",
            rules: runs.map(\.rule), rows: accuracyTable(runs.map { $0.accuracies.map { 100 * $0 } }, epochs: p.epochs),
            yRange: "[30:100]"
        ).figure)
    let layers = p.sizes.count - 1  // L: angle columns 3…L+2, then norm ratios; sd columns follow (2 + 2L in all)
    let cols =
        ["step", "loss"]
        + (1...layers).map { $0 == layers ? "output layer angle (°)" : "hidden layer \($0) angle (°)" }
        + (1...layers).map {
            $0 == layers ? "output layer norm ratio" : "hidden layer \($0) norm ratio " + "‖ΔW‖/‖ΔW_bp‖"
        }
    let curves = runs.enumerated().flatMap { i, run in
        (1..<layers).map { layer in
            let c = layer + 2
            let sd = c + 2 * layers + 1
            let (style, title) = ruleLayerCurve(run.rule, layer: layer, of: layers - 1)
            return "DATA index \(i) using ($1+1):($\(c)-$\(sd)):($\(c)+$\(sd)) with filledcurves \(style) notitle, "
                + "DATA index \(i) using ($1+1):\(c) with lines \(style) title '\(title)'"
        }
    }
    ctx.figure(
        Figure(
            name: "angles", title: "Angle between each rule's hidden update and the BP gradient",
            claim: "every rule's hidden-layer angle to BP < 90 degrees during training",
            blocks: runs.map { DataBlock($0.rule.rawValue, columns: cols, rows: $0.rows) },
            script: """
                set xlabel 'training step (log scale; step 0 drawn at 1)'
                set ylabel 'angle to BP gradient (degrees)'
                set logscale x
                set autoscale xfix
                # From a little below 0 (BP's line at 0° stays off the axis) to a little above the data, and at
                # least to the 90° line.
                set yrange [-4:95<*]
                set key outside top center horizontal maxcols 3 samplen 2
                set arrow from graph 0, first 90 to graph 1, first 90 nohead \(referenceLineStyle)
                # Each rule in its own style (style.gp); FA and DFA coincide with one hidden layer (DFA is dashed).
                plot \(curves.joined(separator: ", \\\n     ")), \\
                     NaN with filledcurves lt 7 title spread_title('bands')
                """))
}
