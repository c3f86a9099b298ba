import Foundation
import NeuroModel

/// Lesson 5 — the microcircuit with spiking somas: Hebbian updates from spike counts approach frSF.
public let lesson05 = LessonDescriptor(
    number: 5, slug: "spiking-microcircuit", title: "The spiking microcircuit",
    claim: "With LIF somas, spike counts and burst-coded errors, the Hebbian update's angle to the rate-level frSF update shrinks as the window T grows, and at the default T it is below 90° − ∠(frSF, BP), so the update still descends",
    parameters: [
        .integer("seed", 5, in: 0...Int.max, "random seed"),
        .integer("hidden", 20, in: 1...256, "Pyr cells per hidden layer"),
        .integer("hidden_layers", 1, in: 1...4, "hidden layers"),
        .integer("batch", 16, in: 1...512, "samples in the measured batch"),
        .real("window", 800, in: 10...20_000, "default counting window T (ms)"),
        .real("t_min", 25, in: 5...20_000, "shortest window of the sweep (ms)"),
        .real("t_max", 1600, in: 10...40_000, "longest window of the sweep (ms); windows double from t_min"),
        .real("dt", 0.1, in: 0.01...1, "time step (ms); must divide t_ref = 2 ms"),
        .real("tau_syn", 50, in: 0.5...200, "synaptic time constant τ_s (ms)"),
        .real("input_rate", 0.1, in: 0.001...1, "input rate for a feature of 1 (spikes/ms)"),
        .real("burst_baseline", 0.1, in: 0.001...1, "baseline burst rate ν₀ of the error channel (spikes/ms)"),
        .real("weight_scale", 1.5, in: 0.01...20, "forward weights ~ U(±a), a = weight_scale / (0.05 √n_in) (nA·ms)"),
        .real("bias", 2.0, in: 0...10, "tonic drive of every Pyr cell (nA); rheobase is 1.5 nA"),
    ],
    run: runLesson05)

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
    var rng = ctx.rng(1)
    let network = lifNetwork(sizes: sizes, weightScale: p.real("weight_scale"), bias: p.real("bias"), rng: &rng)
    var frng = ctx.rng(2)
    let feedback = Feedback(rule: .frsf, network: network, rng: &frng)
    let circuit = Microcircuit(network: network, feedbackMagnitudes: feedback.matrices)
    let data = YinYang.standard().train
    let idx = Array(0..<batch)
    let xRates = data.x.rows(idx).map { $0 * p.real("input_rate") }
    let y = oneHot(idx.map { data.labels[$0] }, classes: 3).map { 0.02 + 0.06 * $0 }  // 20 Hz / 80 Hz targets

    // Prediction: the rate-level circuit (lesson 4) gives exactly the frSF update on r⁰ = x·ν_in with
    // f = the LIF closed form and f' its capped slope. This is the reference the spikes should approach.
    let pass = network.forward(xRates)
    let rateLevel = network.gradients(pass, targets: y, loss: .mse, feedback: feedback)
    let bp = network.gradients(pass, targets: y, loss: .mse, feedback: Feedback(rule: .bp, matrices: []))
    let reference = rateLevel.dW.map { $0.map { -$0 } }
    let bpUpdate = bp.dW.map { $0.map { -$0 } }
    let frsfToBP = zip(reference, bpUpdate).map { angleDegrees($0, $1) }
    // Error-channel gains: κ^l = ν₀ / (2 max|ε^l|) over the batch at rate level, so bursts stay within ν₀ ± ν₀/2
    // (ours: a fixed gain per layer, set once, standing in for homeostatic gain control).
    var settings = SpikingSettings()
    settings.dt = dt
    settings.tauSynapse = p.real("tau_syn")
    settings.inputRate = p.real("input_rate")
    settings.burstBaseline = p.real("burst_baseline")
    settings.calibrateGains(rateLevelDeltas: rateLevel.deltas)
    let meanRate = pass.rates.dropFirst().flatMap(\.data).reduce(0, +) / Double(pass.rates.dropFirst().map(\.count).reduce(0, +))
    ctx.record("mean_rate", 1000 * meanRate)

    // Simulation: one loop over windows; each runs the whole batch through the spiking circuit.
    var angleRows: [[Double]] = []
    var signRows: [[Double]] = []
    var atDefault: (angles: [Double], toBP: [Double]) = ([], [])
    var raster: [(Double, String, Int)] = []
    var rateError = 0.0
    for T in windows {
        settings.window = T
        var srng = ctx.rng(1000 + UInt64(T * 1000))
        var passes: [SpikingMeasurement] = []
        for s in 0..<batch {
            let record = T == p.real("window") && s == 0
            let m = circuit.spikingPass(x: Array(data.x.row(s)), target: Array(y.row(s)), settings: settings, rng: &srng, recordRaster: record)
            if record { raster = m.raster }
            passes.append(m)
        }
        let spiking = Microcircuit.spikingHebbian(passes, learningRate: 1, sizes: sizes)
        let angles = zip(spiking, reference).map { angleDegrees($0, $1) }
        let signs = zip(spiking, reference).map { signMatchFraction($0.data, $1.data) }
        angleRows.append([T] + angles)
        signRows.append([T] + signs)
        ctx.log("T = \(format(T)) ms: angle to rate-level frSF per layer " + angles.map { String(format: "%.1f°", $0) }.joined(separator: ", ") +
                "; sign match " + signs.map { String(format: "%.0f%%", 100 * $0) }.joined(separator: ", "))
        if T == p.real("window") {
            atDefault = (angles, zip(spiking, bpUpdate).map { angleDegrees($0, $1) })
            // Output rates: spike count / T against the closed-form rate of the mean basal current.
            var worst = 0.0
            for m in passes { for k in 0..<sizes[L] {
                let predicted = Activation.lif.apply(m.basal[L - 1][k])
                worst = max(worst, abs(m.rates[L][k] - predicted))
            } }
            rateError = worst
            let channels = batch * sizes.dropFirst(2).reduce(0, +)
            ctx.record("clipped_bursts", "\(passes.map(\.clipped).reduce(0, +)) of \(channels)")
        }
    }

    // Checks
    ctx.check(.none("Dale's principle: synapses of the wrong sign", violations: circuit.daleViolations,
                    of: synapseCount(sizes)))
    for l in 0..<L {
        let first = angleRows.first?[l + 1] ?? .nan, last = angleRows.last?[l + 1] ?? .nan
        ctx.check(.atMost("layer \(l + 1): angle at T = \(format(windows.last ?? 0)) ms minus angle at T = \(format(windows.first ?? 0)) ms", observed: last - first, bound: 0, unit: "°"))
    }
    for l in 0..<L {
        // Descent is kept when ∠(spike, BP) < 90°; by the triangle inequality on angles this is guaranteed when
        // ∠(spike, frSF) < 90° − ∠(frSF, BP), the bound stated here (not tuned: it comes from the rate level).
        ctx.check(.atMost("layer \(l + 1): angle to rate-level frSF at T = \(format(p.real("window"))) ms (bound 90° − ∠(frSF, BP))",
                          observed: atDefault.angles[l], bound: 90 - frsfToBP[l], unit: "°"))
        ctx.check(.atMost("layer \(l + 1): angle to BP at T = \(format(p.real("window"))) ms", observed: atDefault.toBP[l], bound: 90, unit: "°"))
    }
    ctx.record("frsf_to_bp", frsfToBP.enumerated().map { "layer \($0.offset + 1): \(String(format: "%.1f", $0.element))°" }.joined(separator: ", "))
    ctx.record("table", zip(angleRows, signRows).map { a, s in
        "| \(format(a[0])) | " + (1...L).map { String(format: "%.1f° / %.0f %%", a[$0], 100 * s[$0]) }.joined(separator: " | ") + " |"
    }.joined(separator: "\n"))
    ctx.record("table_header", "| T (ms) | " + (1...L).map { $0 == L ? "output layer" : "layer \($0)" }.joined(separator: " | ") + " |\n|---|" + String(repeating: "---|", count: L))
    ctx.record("rate_error", 1000 * rateError)
    ctx.record("architecture", sizes.map(String.init).joined(separator: "-"))

    // Figures
    let layerTitles = (1...L).map { $0 == L ? "'output layer'" : "'hidden layer \($0)'" }
    ctx.figure(Figure(
        name: "angle-vs-window", title: "Angle between the spiking Hebbian update and the rate-level frSF update",
        claim: "the angle shrinks as the counting window T grows",
        blocks: [DataBlock("angles", columns: ["T (ms)"] + (1...L).map { "layer \($0) angle (°)" }, rows: angleRows),
                 DataBlock("sign match", columns: ["T (ms)"] + (1...L).map { "layer \($0) sign-match fraction" }, rows: signRows)],
        script: """
        set xlabel 'counting window T (ms)'
        set ylabel 'angle to rate-level frSF update (degrees)'
        set logscale x 2
        set yrange [0:90]
        set key top right
        titles = "\(layerTitles.joined(separator: " "))"
        plot for [i=1:\(L)] DATA index 0 using 1:(column(i+1)) with linespoints lt i title word(titles, i)
        """.replacingOccurrences(of: "word(titles, i)", with: "(i == \(L) ? 'output layer' : sprintf('hidden layer %d', i))")))
    var rasterRows: [[Double]] = []
    let populations = Array(Set(raster.map(\.1))).sorted()
    for (t, pop, k) in raster {
        guard let row = populations.firstIndex(of: pop) else { continue }
        rasterRows.append([t, Double(row) * 5 + Double(k), Double(row)])
    }
    ctx.figure(Figure(
        name: "raster", title: "Spikes of a few cells of each type (one sample)",
        claim: "forward phase (0 to T), then one error-burst phase per layer",
        blocks: [DataBlock("spikes", columns: ["t (ms)", "row", "population index"], rows: rasterRows)],
        script: """
        set xlabel 'time (ms)'
        set ylabel ''
        set ytics (\(populations.enumerated().map { "'\($0.element)' \(Double($0.offset) * 5 + 1.5)" }.joined(separator: ", "))) nomirror
        set yrange [-1:\(populations.count * 5)]
        set key off
        set grid noytics
        \((1...L).map { "set arrow from \(Double($0) * p.real("window")), graph 0 to \(Double($0) * p.real("window")), graph 1 nohead dt 2 lc rgb '#777777'" }.joined(separator: "\n"))
        plot DATA index 0 using 1:2:(int($3) % 8 + 1) with points pt 5 ps 0.25 lc variable
        """))
}
