import Foundation
import LessonKit
import NeuroModel

// Lesson 7's figures: they draw the records; they never simulate.

func lesson07Figures(_ runs: [Lesson07Depth], _ p: Lesson07Parameters, _ d: Lesson07Data, _ ctx: RunContext) {
    lesson07AccuracyFigure(runs, p, d, ctx)
    lesson07AngleFigure(runs, p, ctx)
}

/// Test accuracy per epoch of every model, one panel per depth. Block order: depth-major, models in their
/// fixed order; lines are the mean over seeds, bands ± 1 sd.
func lesson07AccuracyFigure(_ runs: [Lesson07Depth], _ p: Lesson07Parameters, _ d: Lesson07Data, _ ctx: RunContext) {
    var blocks: [DataBlock] = []
    var panels: [String] = []
    // The key says what the bands are (± 1 sd over the seeds, or that one seed has none).
    let bandKey = "NaN with filledcurves lt 7 title spread_title('bands')"
    for (i, run) in runs.enumerated() {
        var curves: [(band: String, line: String)] = []
        for trained in run.models {
            let index = blocks.count
            blocks.append(
                DataBlock(
                    "\(run.depth) hidden, \(trained.model)", columns: ["epoch", "test accuracy (%)"],
                    rows: trained.history.map { [Double($0.epoch), $0.accuracy] }))
            let style = trained.model.style
            curves.append(
                (
                    "DATA index \(index) every ::1 using 1:($2-$3):($2+$3) with filledcurves \(style) notitle",
                    "DATA index \(index) every ::1 using 1:2 with linespoints \(style) title '\(trained.model)'"
                ))
        }
        panels.append(
            """
            set title '\(panelLabel(i)) \(run.depth) hidden layer\(run.depth > 1 ? "s" : "")'
            plot \((curves.map(\.band) + curves.map(\.line) + [bandKey]).joined(separator: ", \\\n     "))
            """)
    }
    ctx.figure(
        Figure(
            name: "accuracy", title: "Test accuracy per epoch on \(d.name)",
            claim: "spiking within \(format(Lesson07Claim.spikingGap)) points of BP, the twin within "
                + "\(format(Lesson07Claim.twinGap)), BP within \(format(Lesson07Claim.standardGap)) of the standard "
                + "network",
            blocks: blocks,
            script: """
                set xlabel 'epoch'
                set ylabel 'test accuracy (%)'
                set key outside top center horizontal
                # Epoch 0 (chance level) is in the data but left off the plot, so the differences between models show.
                # Lines: mean over seeds; bands: ± 1 sd (column 3).
                set xrange [0.8:\(p.epochs) + 0.2]
                set xtics 1
                set multiplot layout 1,\(max(runs.count, 1))
                \(panels.joined(separator: "\n"))
                unset multiplot
                """))
}

/// Angle of each spiking circuit's update to BP per hidden layer, one panel per depth.
func lesson07AngleFigure(_ runs: [Lesson07Depth], _ p: Lesson07Parameters, _ ctx: RunContext) {
    var blocks: [DataBlock] = []
    var panels: [String] = []
    for (i, run) in runs.enumerated() {
        let L = run.depth + 1
        var curves: [String] = []
        for trained in run.models {
            guard case .spiking(let mode) = trained.model else { continue }
            let index = blocks.count
            blocks.append(
                DataBlock(
                    "\(run.depth) hidden, \(trained.model)",
                    columns: ["epoch"] + (1...L).map { "layer \($0) angle to BP (°)" }
                        + (1...L).map { "layer \($0) angle to rate frSF (°)" },
                    rows: trained.history.map { e in
                        [Double(e.epoch)] + (e.anglesToBP + e.anglesToFrSF).map { $0 ?? .nan }
                    }))
            for l in 1...run.depth {
                let width = l > 1 ? " lw \(String(format: "%.1f", max(2.5 - 0.8 * Double(l - 1), 0.8)))" : ""
                curves.append(
                    "DATA index \(index) using 1:\(1 + l) with linespoints \(trained.model.style)\(width)"
                        + " title '\(mode.rawValue) routes, hidden \(l)'")
            }
        }
        panels.append(
            """
            set title '\(panelLabel(i)) \(run.depth) hidden layer\(run.depth > 1 ? "s" : "")'
            plot \(curves.joined(separator: ", \\\n     "))
            """)
    }
    ctx.figure(
        Figure(
            name: "angles", title: "Angle of the spiking update to BP per hidden layer (probe batch)",
            claim: "every hidden layer's angle to BP stays below 90°", blocks: blocks,
            script: """
                set xlabel 'epoch'
                set ylabel 'angle to BP (degrees)'
                set yrange [0:100]
                set xrange [-0.2:\(p.epochs) + 0.2]
                set xtics 1
                set key outside top center horizontal
                set arrow from graph 0, first 90 to graph 1, first 90 nohead \(referenceLineStyle)
                set multiplot layout 1,\(max(runs.count, 1))
                \(panels.joined(separator: "\n"))
                unset multiplot
                """))
}
