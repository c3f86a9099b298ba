import Foundation
import NeuroModel

/// Lesson 1 — the leaky integrate-and-fire neuron: rate f(I) and slope f'(I), the factors in every update.
public let lesson01 = LessonDescriptor(
    number: 1, slug: "lif", title: "The leaky integrate-and-fire neuron",
    claim: "The simulated f-I curve matches the closed form within the time-step bound r − r/(1 + r·dt)",
    parameters: [
        .integer("seed", 1, in: 0...Int.max, "random seed (lesson 1 is deterministic; recorded for uniformity)"),
        .real("dt", 0.1, in: 0.001...1, "time step (ms); must divide t_ref"),
        .real("tau", 20, in: 1...200, "membrane time constant τ (ms)"),
        .real("t_ref", 2, in: 0...20, "refractory period (ms)"),
        .real("duration", 2000, in: 200...100_000, "simulated time per current (ms)"),
        .real("i_max", 5, in: 1.6...50, "largest current of the f-I curve (nA)"),
        .integer("points", 30, in: 3...400, "currents on the f-I curve"),
        .real("i_step", 1.0, in: 0...1.49, "subthreshold step current for the voltage check (nA)"),
        .real("i_trace", 2.5, in: 1.6...50, "suprathreshold current for the voltage trace (nA)"),
    ],
    run: runLesson01)

func runLesson01(_ ctx: RunContext) throws {
    // Parameters
    let p = ctx.parameters
    let dt = p.real("dt"), duration = p.real("duration")
    var cell = LIFParameters()
    cell.tau = p.real("tau")
    cell.tRef = p.real("t_ref")
    try requireStepDividesRefractory(dt, cell.tRef)
    let rheobase = cell.rheobase
    let currents = (0..<p.integer("points")).map { p.real("i_max") * Double($0) / Double(p.integer("points") - 1) }

    // Prediction (closed form): f(I) = 1 / (t_ref + τ ln((RI − (V_reset − V_rest)) / (RI − (θ − V_rest)))).
    let predicted = currents.map { cell.rate(current: $0) }
    ctx.record("rheobase", rheobase)
    ctx.record("rate_at_trace", 1000 * cell.rate(current: p.real("i_trace")))
    ctx.record("slope_at_trace", 1000 * cell.slope(current: p.real("i_trace")))

    // Simulation: one loop over currents; rate = 1 / mean ISI from the simulated spike times.
    var simulated: [Double] = []
    for i in currents {
        simulated.append(rateFromSpikeTimes(simulateConstantCurrent(cell, current: i, duration: duration, dt: dt)))
    }

    // Checks
    // (1) Subthreshold step: V(t) = V_rest + R I (1 − e^{−t/τ}); the exponential integrator is exact for
    // constant input, so only rounding remains (n steps × ε × |V| ≪ 1e-9 mV).
    var neuron = LIFNeuron(parameters: cell)
    let iStep = p.real("i_step")
    var worst = 0.0
    var traceRows: [[Double]] = [[0, cell.vRest, cell.vRest]]
    let traceSteps = Int((200 / dt).rounded())
    for n in 1...traceSteps {
        _ = neuron.step(current: iStep, dt: dt)
        let t = Double(n) * dt
        let exact = cell.vRest + cell.resistance * iStep * (1 - exp(-t / cell.tau))
        worst = max(worst, abs(neuron.v - exact))
        if n % max(1, Int((0.5 / dt).rounded())) == 0 { traceRows.append([t, neuron.v, exact]) }
    }
    ctx.check(.atMost("subthreshold V(t) vs V_rest + RI(1 − e^{−t/τ}), max error", observed: worst, bound: 1e-9, unit: "mV"))

    // (2) f-I: with threshold detection at step ends and exact integration, every simulated ISI lies in
    // [ISI, ISI + dt), so the simulated rate lies in (r/(1 + r·dt), r]; a 1e-9 relative slack covers rounding.
    var outside = 0, tested = 0
    var worstFraction = 0.0
    for (k, i) in currents.enumerated() where i > rheobase * 1.001 {
        let r = predicted[k], rs = simulated[k]
        let lower = r / (1 + r * dt) * (1 - 1e-9), upper = r * (1 + 1e-9)
        tested += 1
        if !(rs >= lower && rs <= upper) { outside += 1 }
        worstFraction = max(worstFraction, (r - rs) / (r - r / (1 + r * dt)))
    }
    ctx.check(.none("f-I: simulated rates outside (r/(1+r·dt), r]", violations: outside, of: tested))
    for i in [p.real("i_trace"), p.real("i_max")] {
        let r = cell.rate(current: i)
        let rs = rateFromSpikeTimes(simulateConstantCurrent(cell, current: i, duration: duration, dt: dt))
        ctx.check(.within("rate at \(format(i)) nA within the dt bound", observed: 1000 * rs,
                          lower: 1000 * r / (1 + r * dt) * (1 - 1e-9), upper: 1000 * r * (1 + 1e-9), unit: "Hz"))
    }
    ctx.record("bias_fraction", worstFraction)
    ctx.record("f_i_tested", String(tested))

    // (3) Rheobase: silent just below I_rh, firing just above.
    let below = simulateConstantCurrent(cell, current: 0.99 * rheobase, duration: duration, dt: dt).count
    let above = simulateConstantCurrent(cell, current: 1.01 * rheobase, duration: duration, dt: dt).count
    ctx.check(.atMost("spikes at 0.99 × rheobase", observed: Double(below), bound: 0))
    ctx.check(.atLeast("spikes at 1.01 × rheobase", observed: Double(above), bound: 1))

    // (4) Slope: the closed-form f'(I) equals the central difference of f; truncation h²f'''/6 and rounding
    // ε f/h are both below 1e-8 relative at h = 1e-5 nA for currents ≥ 1.2 × rheobase.
    var worstSlope = 0.0
    for i in stride(from: 1.2 * rheobase, through: p.real("i_max"), by: (p.real("i_max") - 1.2 * rheobase) / 10) {
        let h = 1e-5
        let fd = (cell.rate(current: i + h) - cell.rate(current: i - h)) / (2 * h)
        worstSlope = max(worstSlope, abs(cell.slope(current: i) - fd) / abs(fd))
    }
    ctx.check(.atMost("slope f'(I): closed form vs central difference, max relative error", observed: worstSlope, bound: 1e-6))

    // Figures
    var spikingTrace: [[Double]] = []
    var spiking = LIFNeuron(parameters: cell)
    let iTrace = p.real("i_trace")
    var thresholdCrossings: [[Double]] = []
    spikingTrace.append([0, spiking.v])
    for n in 1...Int((200 / dt).rounded()) {
        let spiked = spiking.step(current: iTrace, dt: dt)
        let t = Double(n) * dt
        if spiked {
            spikingTrace.append([t, cell.theta])
            spikingTrace.append([t, 0])  // a drawn spike
            thresholdCrossings.append([t])
        }
        spikingTrace.append([t, spiking.v])
    }
    ctx.figure(Figure(
        name: "voltage", title: "Membrane potential under a current step",
        claim: "subthreshold response equals V_rest + RI(1 - exp(-t/tau)); suprathreshold cell fires regularly",
        blocks: [DataBlock("subthreshold, I = \(format(iStep)) nA", columns: ["t (ms)", "V simulated (mV)", "V closed form (mV)"], rows: traceRows),
                 DataBlock("suprathreshold, I = \(format(iTrace)) nA", columns: ["t (ms)", "V (mV)"], rows: spikingTrace)],
        script: """
        set xlabel 'time (ms)'
        set ylabel 'membrane potential (mV)'
        set yrange [-75:5]
        set key bottom right
        set arrow from graph 0, first \(cell.theta) to graph 1, first \(cell.theta) nohead dt 2 lc rgb '#777777'
        set label 'threshold θ' at graph 0.02, first \(cell.theta + 2) tc rgb '#555555'
        plot DATA index 1 using 1:2 with lines lt 1 lw 1.5 title 'I = \(format(iTrace)) nA (spiking)', \\
             DATA index 0 using 1:2 with lines lt 2 title 'I = \(format(iStep)) nA (simulated)', \\
             DATA index 0 every 20 using 1:3 with points lt 7 pt 6 title 'closed form'
        """))
    var fiRows: [[Double]] = []
    for (k, i) in currents.enumerated() { fiRows.append([i, 1000 * simulated[k], 1000 * predicted[k]]) }
    let dense = (0...400).map { p.real("i_max") * Double($0) / 400 }
    ctx.figure(Figure(
        name: "fi-curve", title: "f-I curve: simulation against the closed form",
        claim: "simulated rate within (r/(1+r dt), r] of the closed form at every current",
        blocks: [DataBlock("simulated (dt = \(format(dt)) ms)", columns: ["I (nA)", "rate simulated (Hz)", "rate closed form (Hz)"], rows: fiRows),
                 DataBlock("closed form", columns: ["I (nA)", "rate (Hz)", "slope f' (Hz/nA)"],
                           rows: dense.map { [$0, 1000 * cell.rate(current: $0), 1000 * cell.slope(current: $0)] })],
        script: """
        set xlabel 'input current I (nA)'
        set ylabel 'firing rate (Hz)'
        set arrow from \(rheobase), graph 0 to \(rheobase), graph 1 nohead dt 2 lc rgb '#777777'
        set key bottom right
        set label sprintf('rheobase %.2f nA', \(rheobase)) at \(rheobase), graph 0.5 offset 0.5,0 tc rgb '#555555'
        plot DATA index 1 using 1:2 with lines lt 1 title 'closed form f(I)', \\
             DATA index 0 using 1:2 with points lt 2 pt 7 title 'simulated (dt = \(format(dt)) ms)'
        """))
    ctx.figure(Figure(
        name: "slope", title: "Slope f'(I) of the f-I curve",
        claim: "f' is the factor multiplying every error signal; it is unbounded at rheobase",
        blocks: [DataBlock("closed form", columns: ["I (nA)", "rate (Hz)", "slope f' (Hz/nA)"],
                           rows: dense.filter { $0 > 1.02 * rheobase }.map { [$0, 1000 * cell.rate(current: $0), 1000 * cell.slope(current: $0)] })],
        script: """
        set xlabel 'input current I (nA)'
        set ylabel "slope f'(I) (Hz/nA)"
        set logscale y
        set key top right
        plot DATA index 0 using 1:3 with lines lt 3 title "f'(I), closed form"
        """))
}
