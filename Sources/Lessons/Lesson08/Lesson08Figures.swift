import Foundation
import LessonKit
import NeuroModel

// MARK: Figures

/// The styles of lesson 8's models, the same in every figure: the three-phase circuit as in lesson 7.
enum Lesson08Style {
    static let single = "lt 6"
    static let three = "lt 4"
    static let bp = ruleStyle(.bp)
}

func lesson08Figures(
    _ s: Lesson08Sweep, _ t: Lesson08Training, _ raster: [[Double]], _ d: Lesson08Data, _ p: Lesson08Parameters,
    _ ctx: RunContext
) {
    lesson08AngleFigure(s, p, ctx)
    lesson08TrainingFigure(t, d, p, ctx)
    lesson08RasterFigure(raster, p, ctx)
}

/// Angle to the rate-level frSF update against the window, per layer: single phase (solid), three phase (dashed).
func lesson08AngleFigure(_ s: Lesson08Sweep, _ p: Lesson08Parameters, _ ctx: RunContext) {
    let L = s.single.first?.count ?? 0
    guard L > 0 else { return }
    let rows = zip(p.windows, zip(s.single, s.three)).map { [$0] + $1.0 + $1.1 }
    let names = (1...L).map { $0 == L ? "output layer" : "hidden layer \($0)" }
    ctx.figure(
        Figure(
            name: "angle-vs-window", title: "Angle between the spiking update and the rate-level frSF update",
            claim: "the single-phase angle falls as the window T grows and stays below 90°",
            blocks: [
                DataBlock(
                    "angles",
                    columns: ["T (ms)"] + names.map { "\($0), single phase (°)" }
                        + names.map { "\($0), three phase (°)" }, rows: rows)
            ],
            script: """
                set xlabel 'counting window T (ms)'
                set ylabel 'angle to rate-level frSF update (degrees)'
                set logscale x 2
                set yrange [0:95<*]
                set key outside top center horizontal
                set arrow from graph 0, first 90 to graph 1, first 90 nohead \(referenceLineStyle)
                # layer i in line type i; single phase solid with points, three phase dashed
                plot for [i=1:\(L)] DATA index 0 using 1:(column(i+1)) with linespoints lt i lw 2.5 \\
                     title (i == \(L) ? 'output, single phase' : sprintf('hidden %d, single phase', i)), \\
                     for [i=1:\(L)] DATA index 0 using 1:(column(i+1+\(L))) with lines lt i dt 2 \\
                     title (i == \(L) ? 'output, three phase' : sprintf('hidden %d, three phase', i))
                """))
}

/// Test accuracy of the three models from the first evaluation on (the start, at chance, would flatten the gaps the
/// figure is about), and the single-phase circuit's hidden rate against the rate homeostasis's target.
func lesson08TrainingFigure(_ t: Lesson08Training, _ d: Lesson08Data, _ p: Lesson08Parameters, _ ctx: RunContext) {
    guard t.points.count > 1 else { return }
    let rows = t.points.map { [$0.epoch, $0.single, $0.three, $0.bp, $0.hiddenRate] }
    ctx.figure(
        Figure(
            name: "accuracy", title: "Test accuracy while training on \(d.name), and the hidden cells' rate",
            claim: "the single-phase circuit learns; its cost against the three-phase circuit is measured",
            blocks: [
                DataBlock(
                    "training",
                    columns: [
                        "epochs", "single phase (%)", "three phase (%)", "BP (%)", "single-phase hidden rate (Hz)"
                    ], rows: rows)
            ],
            script: """
                set multiplot layout 1,2
                set xlabel 'epochs of training'
                set ylabel 'test accuracy (%)'
                set key outside top center horizontal
                set title '\(panelLabel(0)) test accuracy (start at chance not shown)'
                plot DATA index 0 every ::1 using 1:2 with linespoints \(Lesson08Style.single) title 'single phase', \\
                     DATA index 0 every ::1 using 1:3 with linespoints \(Lesson08Style.three) title 'three phase', \\
                     DATA index 0 every ::1 using 1:4 with linespoints \(Lesson08Style.bp) title 'BP (rate level)'
                set ylabel 'mean rate (Hz)'
                set title '\(panelLabel(1)) single-phase hidden cells'
                set yrange [0:*]
                set key outside top center horizontal
                plot DATA index 0 every ::1 using 1:5 with linespoints \(Lesson08Style.single) title 'hidden rate', \\
                     \(format(1000 * p.phase.rateTarget)) with lines lc rgb '#888888' dt 2 title 'homeostatic target'
                set yrange [*:*]
                unset multiplot
                """))
}

/// Events (dots) and bursts (bars) of the first cells of each Pyr layer for one sample, trained circuit.
func lesson08RasterFigure(_ raster: [[Double]], _ p: Lesson08Parameters, _ ctx: RunContext) {
    let tics = (0...p.depth).map { "'\($0 == p.depth ? "Pyr out" : "Pyr \($0 + 1)")' \(Double($0) * 8 + 2.5)" }
    ctx.figure(
        Figure(
            name: "raster", title: "Events and bursts of a few Pyr cells during one sample (trained, first seed)",
            claim: "events carry the signal forward, bursts the error backward, in the same window",
            blocks: [DataBlock("spikes", columns: ["t (ms)", "raster row", "0 event, 1 burst"], rows: raster)],
            script: """
                set xlabel 'time (ms)'
                set ylabel ''
                set ytics (\(tics.joined(separator: ", "))) nomirror
                set yrange [-1:\((p.depth + 1) * 8)]
                set key above horizontal
                set grid noytics
                plot DATA index 0 using 1:($3 == 0 ? $2 : NaN) with points pt 7 ps 0.4 lc rgb '#000000' \\
                     title 'events (somatic spikes)', \\
                     DATA index 0 using 1:($3 == 1 ? $2 + 0.35 : NaN) with points pt 5 ps 0.4 lc rgb '#D55E00' \\
                     title 'bursts (apical)'
                """, summarize: false))
}
