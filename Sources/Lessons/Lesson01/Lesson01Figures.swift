import Foundation
import LessonKit
import NeuroModel

// MARK: Figures

func lesson01Figures(_ s: LIFSimulation, _ predicted: [Double], _ p: Lesson01Parameters, _ ctx: RunContext) {
    voltageFigure(s, p, ctx)
    fICurveFigure(s, predicted, p, ctx)
    slopeFigure(p, ctx)
}

/// The claim's two parts side by side: the subthreshold response and regular firing.
func voltageFigure(_ s: LIFSimulation, _ p: Lesson01Parameters, _ ctx: RunContext) {
    let cell = p.cell
    ctx.figure(
        Figure(
            name: "voltage", title: "Membrane potential under a current step",
            claim: "subthreshold response equals V_rest + RI(1 - exp(-t/tau)); suprathreshold cell fires regularly",
            blocks: [
                DataBlock(
                    "subthreshold, I = \(format(p.iStep)) nA",
                    columns: ["t (ms)", "V simulated (mV)", "V closed form (mV)"], rows: s.stepRows),
                DataBlock(
                    "suprathreshold, I = \(format(p.iTrace)) nA", columns: ["t (ms)", "V (mV)"],
                    rows: s.spikingTrace)
            ],
            script: """
                # The claim's two parts side by side: (a) the subthreshold response against its closed form,
                # (b) regular firing above threshold.
                set xlabel 'time (ms)'
                set ylabel 'membrane potential (mV)'
                set yrange [-75:5]
                set key outside top center horizontal
                set arrow from graph 0, first \(cell.theta) to graph 1, first \(cell.theta) nohead \(referenceLineStyle)
                set label 'threshold θ' at graph 0.02, first \(cell.theta + 2) tc rgb '#555555'
                set multiplot layout 1,2
                set title '\(panelLabel(0)) subthreshold, I = \(format(p.iStep)) nA'
                plot DATA index 0 using 1:2 with lines lt 2 title 'simulated', \\
                     DATA index 0 every 20 using 1:3 with points lt 7 pt 6 title 'closed form'
                set title '\(panelLabel(1)) suprathreshold, I = \(format(p.iTrace)) nA'
                plot DATA index 1 using 1:2 with lines lt 1 lw 1.5 title 'spiking'
                unset multiplot
                """))
}

/// Simulated rates on the closed-form f-I curve, with the rheobase marked.
func fICurveFigure(_ s: LIFSimulation, _ predicted: [Double], _ p: Lesson01Parameters, _ ctx: RunContext) {
    let cell = p.cell
    let rheobase = cell.rheobase
    let dt = p.dt
    let fiRows = p.currents.enumerated().map { k, i in [i, 1000 * s.rates[k], 1000 * predicted[k]] }
    let dense = (0...400).map { p.iMax * Double($0) / 400 }
    ctx.figure(
        Figure(
            name: "fi-curve", title: "f-I curve: simulation against the closed form",
            claim: "simulated rate within (r/(1+r dt), r] of the closed form at every current",
            blocks: [
                DataBlock(
                    "simulated (dt = \(format(dt)) ms)",
                    columns: ["I (nA)", "rate simulated (Hz)", "rate closed form (Hz)"], rows: fiRows),
                DataBlock(
                    "closed form", columns: ["I (nA)", "rate (Hz)", "slope f' (Hz/nA)"],
                    rows: dense.map { [$0, 1000 * cell.rate(current: $0), 1000 * cell.slope(current: $0)] })
            ],
            script: """
                set xlabel 'input current I (nA)'
                set ylabel 'firing rate (Hz)'
                set arrow from \(rheobase), graph 0 to \(rheobase), graph 1 nohead \(referenceLineStyle)
                set key outside top center horizontal
                set label sprintf('rheobase %.2f nA', \(rheobase)) at \(rheobase), graph 0.5 \
                offset 0.5,0 tc rgb '#555555'
                plot DATA index 1 using 1:2 with lines lt 1 title 'closed form f(I)', \\
                     DATA index 0 using 1:2 with points lt 2 pt 7 title 'simulated (dt = \(format(dt)) ms)'
                """))
}

/// The slope f′(I) on a log axis with its asymptote at the rheobase.
func slopeFigure(_ p: Lesson01Parameters, _ ctx: RunContext) {
    let cell = p.cell
    let rheobase = cell.rheobase
    let dense = (0...400).map { p.iMax * Double($0) / 400 }
    // Currents approaching the rheobase geometrically (I_rh (1 + 10^-x), x = 4 … 1.75), then the even grid.
    let approach = stride(from: 4.0, to: 1.7, by: -0.25).map { rheobase * (1 + pow(10, -$0)) }
    let nearRheobase = approach + dense.filter { $0 > 1.02 * rheobase }
    ctx.figure(
        Figure(
            name: "slope", title: "Slope f'(I) of the f-I curve",
            claim: "f' is the factor multiplying every error signal; it is unbounded at rheobase",
            blocks: [
                DataBlock(
                    "closed form", columns: ["I (nA)", "rate (Hz)", "slope f' (Hz/nA)"],
                    rows: nearRheobase.map {
                        [$0, 1000 * cell.rate(current: $0), 1000 * cell.slope(current: $0)]
                    })
            ],
            script: """
                rh = \(rheobase)
                # f'(I) with its vertical asymptote at the rheobase I_rh: f' → ∞ as I → I_rh from above; \
                below I_rh
                # the cell is silent and f' = 0 (off the log axis).
                set xlabel 'input current I (nA)'
                set ylabel "slope f'(I) (Hz/nA)"
                set logscale y
                set xrange [rh - 0.5:*]
                set key outside top center horizontal
                set arrow from rh, graph 0 to rh, graph 1 nohead \(referenceLineStyle)
                set label sprintf("I_{rh} = %.2f nA", rh) at rh, graph 0.93 offset 0.6,0 tc rgb '#555555'
                set label "f' = 0" at rh, graph 0.06 right offset -0.6,0 tc rgb '#555555'
                plot DATA index 0 using 1:3 with lines lt 3 title "f'(I), closed form"
                """))
}

/// The noisy f-I curve and the two slopes.
func noisyFigures(_ rows: [[Double]], _ noisy: NoisyPrediction, _ p: Lesson01Parameters, _ ctx: RunContext) {
    let model = noisy.model
    let cell = p.cell
    let rheobase = cell.rheobase
    let dense = (0...300).map { 5 * Double($0) / 300 }
    let lines = dense.map { i -> [Double] in
        [
            i, 1000 * model.rate(current: i), 1000 * cell.rate(current: i),
            1000 * model.slope(current: i), 1000 * cell.slope(current: i)
        ]
    }
    let columns = [
        "I (nA)", "rate Siegert (Hz)", "rate noise-free (Hz)", "slope Siegert (Hz/nA)",
        "slope noise-free (Hz/nA)"
    ]
    ctx.figure(
        Figure(
            name: "fi-noise", title: "f-I curve of the noisy LIF cell (σ = \(format(model.sigma)) mV)",
            claim: "simulated mean rates within 4 SE + dt bias of the Siegert rate at every current",
            blocks: [
                DataBlock("Siegert and noise-free closed form", columns: columns, rows: lines),
                DataBlock(
                    "simulated, \(p.noise.trials) trials of \(format(p.noise.duration)) ms, "
                        + "dt = \(format(p.noise.dt)) ms",
                    columns: [
                        "I (nA)", "mean rate (Hz)", "SE (Hz)", "Siegert (Hz)",
                        "Siegert at θ + Δθ (Hz)"
                    ], rows: rows)
            ],
            script: """
                set xlabel 'input current I (nA)'
                set ylabel 'firing rate (Hz)'
                set key outside top center horizontal
                set arrow from \(rheobase), graph 0 to \(rheobase), graph 1 nohead \(referenceLineStyle)
                plot DATA index 0 using 1:2 with lines lt 1 lw 2 title 'Siegert, σ = \(format(model.sigma)) mV', \\
                     DATA index 0 using 1:3 with lines lt 2 dt 2 title 'noise-free closed form', \\
                     DATA index 1 using 1:2:3 with yerrorbars lt 3 pt 7 title 'simulated mean ± SE'
                """))
    ctx.figure(
        Figure(
            name: "slope-noise", title: "Slope f'(I): noise-free closed form against the Siegert slope",
            claim: "the Siegert slope is smooth, bounded and positive below rheobase, where the noise-free slope is 0",
            blocks: [DataBlock("Siegert and noise-free closed form", columns: columns, rows: lines)],
            script: """
                set xlabel 'input current I (nA)'
                set ylabel "slope f'(I) (Hz/nA)"
                set yrange [0:100]
                set key outside top center horizontal
                set arrow from \(rheobase), graph 0 to \(rheobase), graph 1 nohead \(referenceLineStyle)
                plot DATA index 0 using 1:4 with lines lt 1 lw 2 \
                title "Siegert slope, σ = \(format(model.sigma)) mV", \\
                     DATA index 0 using 1:5 with lines lt 2 dt 2 title "noise-free f'(I)"
                """))
}
