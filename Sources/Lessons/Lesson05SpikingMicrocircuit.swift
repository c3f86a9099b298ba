import Foundation
import NeuroModel

/// Lesson 5 — the microcircuit with spiking somas: Hebbian updates from spike counts approach frSF.
public let lesson05 = LessonDescriptor(
    number: 5, slug: "spiking-microcircuit", title: "The spiking microcircuit",
    claim: "With LIF somas, spike counts and burst-coded errors, the Hebbian update's angle to the rate-level frSF "
        + "update shrinks as the window T grows, and at the default T it is below 90° − ∠(frSF, BP), so the update "
        + "still descends",
    parameters: [
        .integer("seed", 5, in: 0...Int.max, "random seed"),
        .integer("hidden", 20, in: 1...256, "Pyr cells per hidden layer"),
        .integer("hidden_layers", 1, in: 1...4, "hidden layers"),
        .integer("batch", 16, in: 1...512, "samples in the measured batch"),
        .real("window", 800, in: 10...20_000, "default counting window T (ms)"),
        .real("t_min", 25, in: 5...20_000, "shortest window of the sweep (ms)"),
        .real("t_max", 1600, in: 10...40_000, "longest window of the sweep (ms); windows double from t_min"),
        .real("dt", 0.1, in: 0.01...1, "time step (ms); must divide t_ref = 2 ms"),
        .real("tau_syn", 20, in: 0.5...200, "synaptic time constant τ_s (ms)"),
        .real("input_rate", 0.1, in: 0.001...1, "input rate for a feature of 1 (spikes/ms)"),
        .real("burst_baseline", 0.1, in: 0.001...1, "baseline burst rate ν₀ of the error channel (spikes/ms)"),
        .real("weight_scale", 1.5, in: 0.01...20, "forward weights ~ U(±a), a = weight_scale / (0.05 √n_in) (nA·ms)"),
        .real("bias", 2.0, in: 0...10, "tonic drive of every Pyr cell (nA); rheobase is 1.5 nA"),
    ],
    seeds: 5,
    run: runLesson05, estimate: lesson05Estimate)

func runLesson05(_ ctx: RunContext) throws {
    // Parameters
    let p = ctx.parameters
    let dt = p.real("dt")
    try requireStepDividesRefractory(dt, Activation.lifCell.tRef)
    guard p.real("t_min") < p.real("t_max") else { throw LessonError.usage("t_min must be below t_max") }
    let sizes = [4] + Array(repeating: p.integer("hidden"), count: p.integer("hidden_layers")) + [3]
    let batch = p.integer("batch"), L = sizes.count - 1
    var windows: [Double] = []
    var t = p.real("t_min")
    while t <= p.real("t_max") * (1 + 1e-9) { windows.append(t); t *= 2 }
    if !windows.contains(p.real("window")) { windows.append(p.real("window")); windows.sort() }
    var settings = SpikingSettings()
    settings.dt = dt
    settings.tauSynapse = p.real("tau_syn")
    settings.inputRate = p.real("input_rate")
    settings.burstBaseline = p.real("burst_baseline")
    settings.window = p.real("window")
    var rng = ctx.rng(1)
    let circuit = SpikingCircuit(sizes: sizes, settings: settings, weightScale: p.real("weight_scale"),
                                 bias: p.real("bias"), rng: &rng)
    let data = YinYang.standard().train
    let idx = Array(0..<batch)
    let x = data.x.rows(idx)
    let y = Matrix(rows: batch, cols: 3, data: idx.flatMap { settings.target(data.labels[$0], classes: 3) })

    // Prediction: the rate-level circuit (lesson 4) gives exactly the frSF update of the rate twin — the same
    // weights with r = the Siegert rate of the noisy LIF soma. This is the reference the spikes should approach.
    let rate = rateAngles(rateTwin(circuit), magnitudes: circuit.feedbackMagnitudes, probe: (x, y),
                          inputRate: settings.inputRate)
    let reference = rate.frsf, bpUpdate = rate.bp, frsfToBP = rate.frsfToBP
    let twinPass = rateTwin(circuit).forward(x.map { $0 * settings.inputRate })
    let hiddenRates = twinPass.rates.dropFirst()
    let hiddenCells = hiddenRates.map(\.count).reduce(0, +)
    ctx.record("mean_rate", 1000 * hiddenRates.flatMap(\.data).reduce(0, +) / Double(hiddenCells))

    // Simulation: one loop over windows; each runs the whole batch through the spiking circuit. The error
    // channels' gains are homeostatic (each population's own mean |ε| in this batch), never rate-level.
    var angleRows: [[Double]] = []
    var signRows: [[Double]] = []
    var atDefault: (angles: [Double], toBP: [Double]) = ([], [])
    var rateError = 0.0
    for T in windows {
        var c = circuit
        c.settings.window = T
        let u = c.update(x: x, targets: y, learningRate: 1, stream: 1000 + UInt64(T * 1000) << 16)
        let angles = zip(u.weights, reference).map { angleDegrees($0, $1) }
        let signs = zip(u.weights, reference).map { signMatchFraction($0.data, $1.data) }
        angleRows.append([T] + angles)
        signRows.append([T] + signs)
        ctx.log("T = \(format(T)) ms: angle to rate-level frSF per layer "
                + angles.map { String(format: "%.1f°", $0) }.joined(separator: ", ") +
                "; sign match " + signs.map { String(format: "%.0f%%", 100 * $0) }.joined(separator: ", "))
        if T == p.real("window") {
            atDefault = (angles, zip(u.weights, bpUpdate).map { angleDegrees($0, $1) })
            // Output rates: spike count / T against the Siegert rate of the cell's mean drive.
            let f = c.forward(x, stream: 7)
            for s in 0..<batch { for k in 0..<sizes[L] {
                rateError = max(rateError, abs(f.rates[L][s, k] - Activation.lifNoisy.apply(f.basal[L - 1][s, k])))
            } }
            ctx.record("clipped_bursts", "\(u.clipped) of \(u.channels)")
        }
    }
    var raster: [(Double, String, Int)] = []
    _ = circuit.forwardRecording(Array(x.row(0)), stream: 3) { spike in
        guard spike.cell < 4 else { return }
        raster.append((spike.time, spike.layer == 0 ? "input" : spike.layer == L ? "Pyr out" : "Pyr \(spike.layer)",
                       spike.cell))
    }

    // Checks
    ctx.check(.none("Dale's principle: synapses of the wrong sign", violations: circuit.daleViolations,
                    of: synapseCount(sizes)))
    for l in 0..<L {
        let first = angleRows.first?[l + 1] ?? .nan, last = angleRows.last?[l + 1] ?? .nan
        let span = "T = \(format(windows.last ?? 0)) ms minus angle at T = \(format(windows.first ?? 0)) ms"
        // The angle at one window on one batch is noisy and need not fall monotonically with T; the claim is on
        // the paired difference between the longest and the shortest window, over seeds.
        ctx.check(.atMost("layer \(l + 1): angle at \(span)", id: "layer-\(l + 1)-angle-falls-with-window",
                          observed: last - first, bound: 0, unit: "°").overSeeds)
    }
    for l in 0..<L {
        // Descent is kept when ∠(spike, BP) < 90°; by the triangle inequality on angles this is guaranteed when
        // ∠(spike, frSF) < 90° − ∠(frSF, BP), the bound stated here (not tuned: it comes from the rate level).
        let window = format(p.real("window"))
        ctx.check(.atMost("layer \(l + 1): angle to rate-level frSF at T = \(window) ms (bound 90° − ∠(frSF, BP))",
                          observed: atDefault.angles[l], bound: 90 - frsfToBP[l], unit: "°"))
        ctx.check(.atMost("layer \(l + 1): angle to BP at T = \(format(p.real("window"))) ms",
                          observed: atDefault.toBP[l], bound: 90, unit: "°"))
    }
    ctx.record("frsf_to_bp",
        frsfToBP.enumerated().map { "layer \($0.offset + 1): \(String(format: "%.1f", $0.element))°" }
            .joined(separator: ", "))
    ctx.record("table", zip(angleRows, signRows).map { a, s in
        "| \(format(a[0])) | "
            + (1...L).map { String(format: "%.1f° / %.0f %%", a[$0], 100 * s[$0]) }.joined(separator: " | ") + " |"
    }.joined(separator: "\n"))
    ctx.record("table_header",
        "| T (ms) | " + (1...L).map { $0 == L ? "output layer" : "layer \($0)" }.joined(separator: " | ")
            + " |\n|---|" + String(repeating: "---|", count: L))
    ctx.record("rate_error", 1000 * rateError)
    ctx.record("architecture", sizes.map(String.init).joined(separator: "-"))

    // Figures
    ctx.figure(Figure(
        name: "angle-vs-window", title: "Angle between the spiking Hebbian update and the rate-level frSF update",
        claim: "the angle shrinks as the counting window T grows",
        blocks: [DataBlock("angles", columns: ["T (ms)"] + (1...L).map { "layer \($0) angle (°)" }, rows: angleRows),
                 DataBlock("sign match", columns: ["T (ms)"] + (1...L).map { "layer \($0) sign-match fraction" },
                           rows: signRows)],
        script: """
        set xlabel 'counting window T (ms)'
        set ylabel 'angle to rate-level frSF update (degrees)'
        set logscale x 2
        set yrange [0:*]
        set key top right
        set arrow from graph 0, first 90 to graph 1, first 90 nohead dt 2 lc rgb '#777777'
        # mean over seeds with error bars of ± 1 sd (the sd of column c is column c + \(L))
        plot for [i=1:\(L)] DATA index 0 using 1:(column(i+1)):(column(i+1+\(L))) with yerrorlines lt i \
        title (i == \(L) ? 'output layer' : sprintf('hidden layer %d', i))
        """))
    var rasterRows: [[Double]] = []
    // Rows by layer, input at the bottom: input, Pyr 1, …, Pyr out.
    let populations = ["input"] + (1..<L).map { "Pyr \($0)" } + ["Pyr out"]
    let populationTics = populations.enumerated()
        .map { "'\($0.element)' \(Double($0.offset) * 5 + 1.5)" }.joined(separator: ", ")
    for (t, pop, k) in raster {
        guard let row = populations.firstIndex(of: pop) else { continue }
        rasterRows.append([t, Double(row) * 5 + Double(k), Double(row)])
    }
    ctx.figure(Figure(
        name: "raster", title: "Spikes of a few cells of each type (one sample, first seed)",
        claim: "forward phase: input trains and the Pyr cells they drive, counted over the window T",
        blocks: [DataBlock("spikes", columns: ["t (ms)", "row", "population index"], rows: rasterRows)],
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
