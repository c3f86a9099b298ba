import Foundation
import LessonKit
import NeuroModel

// MARK: Figures

func lesson05Figures(
    _ prediction: Lesson05Prediction, _ w: WindowSweep, _ raster: [[Double]],
    _ p: Lesson05Parameters, _ ctx: RunContext
) {
    let L = p.depth
    // The checked bound of each layer at the default window, 90° − ∠(frSF, BP), from this seed's rate level, in
    // the checked-bound style, named at the right end of its line.
    let names = (1...L).map { $0 == L ? "output" : "hidden \($0)" }
    let bounds = prediction.frsfToBP.enumerated().flatMap { l, toBP in
        [
            "set arrow from graph 0, first \(90 - toBP) to graph 1, first \(90 - toBP) nohead \(checkedBoundStyle)",
            "set label '\(names[l])' at graph 0.99, first \(90 - toBP) right offset 0,0.6 tc rgb '#333333'"
        ]
    }
    ctx.figure(
        Figure(
            name: "angle-vs-window", title: "Angle between the spiking Hebbian update and the rate-level frSF update",
            claim: "the angle shrinks as the counting window T grows",
            blocks: [
                DataBlock(
                    "angles", columns: ["T (ms)"] + (1...L).map { "layer \($0) angle (°)" },
                    rows: w.angleRows),
                DataBlock(
                    "sign match", columns: ["T (ms)"] + (1...L).map { "layer \($0) sign-match fraction" },
                    rows: w.signRows)
            ],
            script: """
                set xlabel 'counting window T (ms)'
                set ylabel 'angle to rate-level frSF update (degrees)'
                set logscale x 2
                set yrange [0:100<*]
                set key outside top center horizontal maxcols 2 samplen 2
                set arrow from graph 0, first 90 to graph 1, first 90 nohead \(referenceLineStyle)
                # The checked bounds at T = \(format(p.window)) ms (vertical reference line): per layer,
                # 90° − ∠(frSF, BP) of seed \(ctx.seed) (horizontal dash-dot lines; the angle must stay below).
                set arrow from \(p.window), graph 0 to \(p.window), graph 1 nohead \(referenceLineStyle)
                \(bounds.joined(separator: "\n"))
                # mean over seeds with error bars of ± 1 sd (the sd of column c is column c + \(L); none over
                # one seed, where the sd is NaN)
                plot for [i=1:\(L)] DATA index 0 using 1:(column(i+1)):(valid(i+1+\(L)) ? column(i+1+\(L)) : 0) \
                with yerrorlines lt i title (i == \(L) ? 'output layer' : sprintf('hidden layer %d', i)), \
                     NaN with lines \(checkedBoundStyle) title 'checked bound at T = \(format(p.window)) ms', \
                     NaN with lines lt 7 lw 1 title spread_title('bars')
                """))
    let populations = ["input"] + (1..<L).map { "Pyr \($0)" } + ["Pyr out"]
    let populationTics = populations.enumerated()
        .map { "'\($0.element)' \(Double($0.offset) * 5 + 1.5)" }.joined(separator: ", ")
    ctx.figure(
        Figure(
            name: "raster", title: "Spikes of a few cells of each type (one sample, first seed)",
            claim: "forward phase: input trains and the Pyr cells they drive, counted over the window T",
            blocks: [DataBlock("spikes", columns: ["t (ms)", "row", "population index"], rows: raster)],
            script: """
                set xlabel 'time (ms)'
                set ylabel ''
                set ytics (\(populationTics)) nomirror
                set yrange [-1:\(populations.count * 5)]
                set key off
                set grid noytics
                plot DATA index 0 using 1:2:(int($3) % 8 + 1) with points pt 5 ps 0.25 lc variable
                """, summarize: false))
}
