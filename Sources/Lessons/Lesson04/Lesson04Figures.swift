import Foundation
import LessonKit
import NeuroModel

// MARK: Figures

func lesson04Figures(_ t: Lesson04Training, _ p: Lesson04Parameters, baseline: Double, _ ctx: RunContext) {
    let depth = p.sizes.count - 1
    let tol = roundingBound
    ctx.figure(
        Figure(
            name: "circuit-vs-matrix", title: "Microcircuit Hebbian update against the frSF update",
            claim: "at every training step and layer, max-norm relative error of the circuit's ΔW against frSF's "
                + "<= \(format(tol))",
            blocks: [
                DataBlock(
                    "relative error per step",
                    columns: ["step"]
                        + (1...depth).map {
                            "layer \($0): max relative error over the steps since the previous row"
                        }, rows: t.errorRows)
            ],
            script: """
                set xlabel 'training step'
                set ylabel 'relative error of ΔW (max norm)'
                set logscale y
                set format y '10^{%L}'
                set yrange [1e-18:1e-10]
                set autoscale xfix
                set key outside top center horizontal samplen 1.5
                # The checked bound, and the unit roundoff of Double for scale. An exact 0 is drawn at 1e-18.
                set arrow from graph 0, first \(tol) to graph 1, first \(tol) nohead \(checkedBoundStyle)
                set label 'checked bound \(format(tol))' at graph 0.02, first \(tol) offset 0,0.7 tc rgb '#333333'
                set arrow from graph 0, first 2.22e-16 to graph 1, first 2.22e-16 nohead \(referenceLineStyle)
                set label 'Double ε = 2.2e-16' at graph 0.02, first 2.22e-16 offset 0,-0.8 tc rgb '#555555'
                plot for [i=1:\(depth)] DATA index 0 using 1:(column(i+1) > 0 ? column(i+1) : 1e-18) \\
                     with lines lt i title (i == \(depth) ? 'output' : sprintf('hidden %d', i))
                """))
    let bands = (1...depth).map { Figure.band(block: 0, column: $0 + 2, of: depth + 2, lt: $0) }
        .joined(separator: ", \\\n     ")
    ctx.figure(
        Figure(
            name: "angles", title: "Angle between the microcircuit's update and the BP gradient",
            claim: "hidden layers stay within 90 degrees of BP; output layer at 0",
            blocks: [
                DataBlock(
                    "circuit", columns: ["step", "loss"] + (1...depth).map { "layer \($0) angle (°)" },
                    rows: t.angleRows)
            ],
            script: """
                set xlabel 'training step'
                set ylabel 'angle to BP gradient (degrees)'
                set yrange [-2:100]
                set key outside top center horizontal samplen 1.5
                set arrow from graph 0, first 90 to graph 1, first 90 nohead \(referenceLineStyle)
                set label '90°' at graph 0.01, first 90 offset 0,0.7 tc rgb '#555555'
                # Mean over seeds (lines) and ± 1 sd over seeds (bands; the sd of column c is column c + \(depth + 1)).
                plot \(bands), \\
                     for [i=1:\(depth)] DATA index 0 using 1:(column(i+2)) with lines lt i \\
                     title (i == \(depth) ? 'output layer' : sprintf('hidden layer %d', i)), \\
                     NaN with filledcurves lt 7 title spread_title('bands')
                """))
    ctx.figure(
        Figure(
            name: "loss", title: "Training loss of the circuit against the mean-target loss",
            claim: "the loss the two algorithms train, beside the loss of outputting each class's mean target rate "
                + "(\(format(baseline)))",
            blocks: [
                DataBlock(
                    "circuit", columns: ["step", "loss: batch mean of ½‖r − y‖²"],
                    rows: t.angleRows.map { [$0[0], $0[1]] })
            ],
            script: """
                set xlabel 'training step'
                set ylabel 'loss ½‖r − y‖² (batch mean)'
                set yrange [0:*]
                set key outside top center horizontal samplen 1.5
                # The mean-target loss is a line in the key, so no label lies on the data.
                plot \(Figure.band(block: 0, column: 2, of: 2, lt: 1)), \\
                     DATA index 0 using 1:2 with lines lt 1 title 'circuit (= frSF)', \\
                     \(baseline) with lines \(referenceLineStyle) title 'mean-target loss \(format(baseline))', \\
                     NaN with filledcurves lt 1 title spread_title('band')
                """))
}
