import Foundation
import LessonKit
import NeuroModel

// MARK: Figures

func lesson02Figures(_ dale: DaleCircuit, _ convergence: [[Double]], _ p: Lesson02Parameters, _ ctx: RunContext) {
    // Each post cell's drive split by route: direct excitatory synapses (up) and PV relays (down), summed
    // synapse by synapse; their sum is the circuit's drive, drawn against (W r)_k.
    let routeRows = dale.projection.routes.enumerated().map { k, row -> [Double] in
        var excitation = 0.0
        var inhibition = 0.0
        for (j, route) in row.enumerated() {
            switch route {
            case .direct(let s): excitation += s * dale.rates[j]
            case .viaInterneuron(let s): inhibition += s * dale.relayRates[j]
            case .none: break
            }
        }
        return [Double(k + 1), excitation, -inhibition, dale.circuitDrive[k], dale.matrixDrive[k]]
    }
    ctx.figure(
        Figure(
            name: "dale-drive", title: "Drive through sign-pure routes against W·r",
            claim: "circuit drive (direct excitation minus PV-relayed inhibition) equals W r to rounding",
            blocks: [
                DataBlock(
                    "post cells",
                    columns: [
                        "post cell k", "direct excitatory routes (a.u.)",
                        "inhibitory routes via PV relays (a.u.)",
                        "circuit drive (a.u.)", "(W r)_k (a.u.)"
                    ], rows: routeRows)
            ],
            script: """
                set xlabel 'postsynaptic Pyr cell k'
                set ylabel 'drive onto Pyr_k (a.u.)'
                set xrange [0.4:\(p.nPost) + 0.6]
                set xtics 1
                set boxwidth 0.6
                set style fill solid 0.45 border -1
                set key outside top center horizontal maxcols 2 samplen 1.5
                set arrow from graph 0, first 0 to graph 1, first 0 nohead \(referenceLineStyle)
                plot DATA index 0 using 1:2 with boxes lt 1 title 'bars: direct routes (excit.)', \\
                     DATA index 0 using 1:3 with boxes lt 2 title 'bars: via PV_j (inhib.)', \\
                     DATA index 0 using 1:5 with points lt 7 pt 6 ps 2.2*figure_ps title '(W r)_k', \\
                     DATA index 0 using 1:4 with points lt 7 pt 7 ps 0.9*figure_ps title 'sum of routes'
                """))
    ctx.figure(
        Figure(
            name: "hebbian-window", title: "Spike-count Hebbian update against the rate prediction",
            claim: "|eta n_pre n_post / T^2 - eta r_pre r_post| <= counting bound, shrinking as 1/T",
            blocks: [
                DataBlock(
                    "LIF pair",
                    columns: [
                        "T (s)", "Δw spikes (1e-6/ms²)", "η r_pre r_post (1e-6/ms²)",
                        "lower bound", "upper bound"
                    ], rows: convergence)
            ],
            script: """
                set xlabel 'counting window T (s)'
                set ylabel 'Hebbian update Δw / η (10^{-6} ms^{-2})'
                set logscale x
                set xrange [0.15:30]
                set key outside top center horizontal
                plot DATA index 0 using 1:4:5 with filledcurves lt 6 title 'band: counting bound (checked)', \\
                     DATA index 0 using 1:3 with lines lt 7 dt 2 title 'rate prediction', \\
                     DATA index 0 using 1:2 with linespoints lt 2 title 'spike counts'
                """))
}
