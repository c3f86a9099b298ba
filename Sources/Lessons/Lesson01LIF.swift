import Foundation
import LessonKit
import NeuroModel

/// Lesson 1 — the leaky integrate-and-fire neuron: rate f(I) and slope f'(I), the factors in every update.
public let lesson01 = LessonDescriptor(
    number: 1, slug: "lif", title: "The leaky integrate-and-fire neuron",
    claim: "The simulated f-I curve matches the closed form within the time-step bound r − r/(1 + r·dt); "
        + "with white-noise input it matches the Siegert rate within 4 SE + the discrete-step bias",
    parameters: [
        .integer("seed", in: 0...Int.max, "random seed (lesson 1 is deterministic; recorded for uniformity)"),
        .real("dt", in: 0.001...1, "time step (ms); must divide t_ref"),
        .real("tau", in: 1...200, "membrane time constant τ (ms)"),
        .real("t_ref", in: 0...20, "refractory period (ms)"),
        .real("duration", in: 200...100_000, "simulated time per current (ms)"),
        .real("i_max", in: 1.6...50, "largest current of the f-I curve (nA)"),
        .integer("points", in: 3...400, "currents on the f-I curve"),
        .real("i_step", in: 0...1.49, "subthreshold step current for the voltage check (nA)"),
        .real("i_trace", in: 1.6...50, "suprathreshold current for the voltage trace (nA)"),
        .real("noise_dt", in: 0.001...1, "time step of the noisy simulation (ms); must divide t_ref"),
        .integer("noise_trials", in: 2...10_000, "independent trials K per current (noisy f-I)"),
        .real("noise_duration", in: 100...1_000_000, "counted time per noisy trial (ms)"),
        .real("noise_warmup", in: 0...100_000, "uncounted time before each noisy trial (ms)"),
        .real("noise_i_min", in: 0...50, "smallest current of the noisy f-I curve (nA)"),
        .real("noise_i_max", in: 0.1...50, "largest current of the noisy f-I curve (nA)"),
        .integer("noise_points", in: 2...100, "currents on the noisy f-I curve")
    ],
    run: runLesson01, estimate: lesson01Estimate)

// MARK: Parameters

/// Lesson 1's parameters, read once.
struct Lesson01Parameters {
    let cell: LIFParameters
    let dt: Double, duration: Double
    /// The f-I curve's currents: `points` from 0 to i_max (nA).
    let currents: [Double]
    let iMax: Double, iStep: Double, iTrace: Double
    let noise: NoiseParameters

    /// The noisy part's parameters.
    struct NoiseParameters {
        let dt: Double, trials: Int, duration: Double, warmup: Double
        /// The noisy f-I curve's currents (nA): `noise_points` from noise_i_min to noise_i_max.
        let currents: [Double]

        init(_ p: ParameterValues, cell: LIFParameters) throws {
            dt = p.real("noise_dt")
            try requireStepDividesRefractory(dt, cell.tRef)
            trials = p.integer("noise_trials")
            duration = p.real("noise_duration")
            warmup = p.real("noise_warmup")
            let points = p.integer("noise_points")
            let iMin = p.real("noise_i_min")
            let iMax = p.real("noise_i_max")
            guard iMax > iMin else {
                throw LessonError.usage("noise_i_max (\(format(iMax))) must exceed noise_i_min (\(format(iMin)))")
            }
            currents = (0..<points).map { iMin + (iMax - iMin) * Double($0) / Double(points - 1) }
        }
    }

    init(_ p: ParameterValues) throws {
        var cell = LIFParameters()
        cell.tau = p.real("tau")
        cell.tRef = p.real("t_ref")
        self.cell = cell
        dt = p.real("dt")
        duration = p.real("duration")
        try requireStepDividesRefractory(dt, cell.tRef)
        noise = try NoiseParameters(p, cell: cell)
        let iMax = p.real("i_max")
        self.iMax = iMax
        iStep = p.real("i_step")
        iTrace = p.real("i_trace")
        let points = p.integer("points")
        currents = (0..<points).map { iMax * Double($0) / Double(points - 1) }
    }
}

func runLesson01(_ ctx: RunContext) throws {
    let p = try Lesson01Parameters(ctx.parameters)
    let predicted = p.currents.map { p.cell.rate(current: $0) }
    let noisy = NoisyPrediction(p)
    let sim = simulateLIF(p)
    let noisySim = simulateNoisyLIF(p, noisy, ctx)
    lesson01Checks(sim, predicted, p, ctx)
    noisyChecks(noisySim, noisy, p, ctx)
    lesson01Records(sim, predicted, p, ctx)
    noisyRecords(noisySim, noisy, p, ctx)
    noisyFigures(noisySim, noisy, p, ctx)
    lesson01Figures(sim, predicted, p, ctx)
}

// MARK: Prediction

// f(I) = 1 / (t_ref + τ ln((RI − (V_reset − V_rest)) / (RI − (θ − V_rest)))), silent below the rheobase; its
// slope f'(I) in closed form (`LIFParameters.rate`, `.slope`). With white-noise input the rate is Siegert's.

/// The noisy cell's prediction: Siegert rate; discretisation bias from the effective threshold θ + Δθ,
/// Δθ = 0.5826 s(dt).
struct NoisyPrediction {
    let model: NoisyLIF
    let stepStd: Double, shift: Double
    /// The Siegert model with the threshold raised by Δθ.
    let shifted: NoisyLIF

    init(_ p: Lesson01Parameters) {
        model = NoisyLIF(cell: p.cell, sigma: Activation.lifNoiseSigma)
        stepStd = model.stepNoise(dt: p.noise.dt)
        shift = NoisyLIF.discreteMonitoringShift * stepStd
        var raised = p.cell
        raised.theta += shift
        shifted = NoisyLIF(cell: raised, sigma: model.sigma)
    }
}

/// The closed-form slope f'(I) against the central difference of f: truncation h²f'''/6 and rounding ε f/h are
/// both below 1e-8 relative at h = 1e-5 nA for currents ≥ 1.2 × rheobase. Returns the worst relative error.
func slopeAgainstDifference(_ cell: LIFParameters, iMax: Double) -> Double {
    var worstSlope = 0.0
    let rheobase = cell.rheobase
    for i in stride(from: 1.2 * rheobase, through: iMax, by: (iMax - 1.2 * rheobase) / 10) {
        let h = 1e-5
        let fd = (cell.rate(current: i + h) - cell.rate(current: i - h)) / (2 * h)
        worstSlope = max(worstSlope, abs(cell.slope(current: i) - fd) / abs(fd))
    }
    return worstSlope
}

/// Lesson 1's tolerances, each derived here once; the checks name them.
enum Lesson01Tolerance {
    /// Subthreshold V(t) (mV): the exponential integrator is exact for constant input, so only rounding remains,
    /// at most n ε |V| = (200 ms / dt) × 2.2e-16 × 70 mV ≈ 3e-10 mV for dt ≥ 0.01 ms.
    static let subthreshold = 1e-9
    /// Relative slack on the rate interval (r/(1 + r·dt), r] for rounding in the spike times and the rate: the
    /// sums behind a rate carry about n ε ≪ 1e-9 relative error for n ≤ 10⁶ steps.
    static let rateRounding = 1e-9
    /// Closed-form slope f'(I) vs its central difference at h = 1e-5 nA (relative): truncation h² f‴/6 and
    /// rounding ε f / h are both below 1e-8 for I ≥ 1.2 × rheobase; the bound is 100 times that estimate.
    static let slope = 1e-6
    /// The Siegert quadrature's error on a rate, relative: about 1e-13, with a factor of 10 to spare.
    static let quadratureRelative = 1e-12
    /// The same quadrature error on a central-difference slope (spikes/ms/nA): 1e-13 relative on rates below
    /// 0.1 /ms, amplified by 1/h = 10³ /nA.
    static let quadratureSlope = 1e-11
    /// Below rheobase the noise-free slope is 0; noise must make it clearly positive (Hz/nA): far above the
    /// quadrature's error, and three decades below the smallest slope there at the defaults (about 1.4 Hz/nA,
    /// at 0.5 nA).
    static let positiveSlope = 1e-3
}

/// The interval (r/(1 + r·dt), r] holding the rate simulated at step dt, widened by `rateRounding`, times `scale`
/// (1000 for Hz from spikes/ms).
func rateInterval(_ r: Double, _ dt: Double, scale: Double = 1) -> (lower: Double, upper: Double) {
    let slack = Lesson01Tolerance.rateRounding
    return (scale * r / (1 + r * dt) * (1 - slack), scale * r * (1 + slack))
}

// MARK: Simulation

/// The noise-free cell simulated: f-I sweep, subthreshold step, rates at two currents, rheobase, a spiking trace.
struct LIFSimulation {
    /// Rate (spikes/ms) at each current of the sweep: 1 / mean ISI of the simulated spike times.
    var rates: [Double] = []
    /// Subthreshold step: worst |V − closed form| and rows [t, V simulated, V closed form] every 0.5 ms.
    var worstStep = 0.0, stepRows: [[Double]] = []
    /// Rates at i_trace and i_max, simulated again on their own.
    var checkedRates: [(current: Double, rate: Double)] = []
    /// Spike counts at 0.99 and 1.01 × rheobase.
    var below = 0, above = 0
    /// [t, V] at i_trace with each spike drawn up to 0 mV.
    var spikingTrace: [[Double]] = []
}

func simulateLIF(_ p: Lesson01Parameters) -> LIFSimulation {
    let cell = p.cell
    let dt = p.dt
    let duration = p.duration
    var s = LIFSimulation()
    s.rates = p.currents.map {
        rateFromSpikeTimes(simulateConstantCurrent(cell, current: $0, duration: duration, dt: dt))
    }
    // Subthreshold step: V(t) = V_rest + R I (1 − e^{−t/τ}); the exponential integrator is exact for constant
    // input, so only rounding remains (n steps × ε × |V| ≪ 1e-9 mV).
    var neuron = LIFNeuron(parameters: cell)
    s.stepRows = [[0, cell.vRest, cell.vRest]]
    for n in 1...Int((200 / dt).rounded()) {
        _ = neuron.step(current: p.iStep, dt: dt)
        let t = Double(n) * dt
        let exact = cell.vRest + cell.resistance * p.iStep * (1 - exp(-t / cell.tau))
        s.worstStep = max(s.worstStep, abs(neuron.v - exact))
        if n % max(1, Int((0.5 / dt).rounded())) == 0 { s.stepRows.append([t, neuron.v, exact]) }
    }
    s.checkedRates = [p.iTrace, p.iMax].map { i in
        (i, rateFromSpikeTimes(simulateConstantCurrent(cell, current: i, duration: duration, dt: dt)))
    }
    s.below = simulateConstantCurrent(cell, current: 0.99 * cell.rheobase, duration: duration, dt: dt).count
    s.above = simulateConstantCurrent(cell, current: 1.01 * cell.rheobase, duration: duration, dt: dt).count
    var spiking = LIFNeuron(parameters: cell)
    s.spikingTrace = [[0, spiking.v]]
    for n in 1...Int((200 / dt).rounded()) {
        let spiked = spiking.step(current: p.iTrace, dt: dt)
        let t = Double(n) * dt
        if spiked {
            s.spikingTrace.append([t, cell.theta])
            s.spikingTrace.append([t, 0])  // a drawn spike
        }
        s.spikingTrace.append([t, spiking.v])
    }
    return s
}

/// The noisy cell simulated: K independent trials per current, each on its own forked stream; rate =
/// count / duration. Rows [I, mean rate, SE, Siegert rate, Siegert rate at θ + Δθ] (Hz).
func simulateNoisyLIF(_ p: Lesson01Parameters, _ noisy: NoisyPrediction, _ ctx: RunContext) -> [[Double]] {
    let n = p.noise
    return n.currents.enumerated().map { k, i in
        var rates: [Double] = []
        for trial in 0..<n.trials {
            var rng = ctx.rng(UInt64(k + 1) << 32 + UInt64(trial))
            let count = simulateNoisyConstantCurrent(
                noisy.model, current: i, duration: n.duration, dt: n.dt,
                warmup: n.warmup, rng: &rng)
            rates.append(1000 * Double(count) / n.duration)
        }
        let mean = rates.reduce(0, +) / Double(n.trials)
        let variance = rates.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n.trials - 1)
        let se = (variance / Double(n.trials)).squareRoot()
        return [i, mean, se, 1000 * noisy.model.rate(current: i), 1000 * noisy.shifted.rate(current: i)]
    }
}

// MARK: Checks

func lesson01Checks(_ s: LIFSimulation, _ predicted: [Double], _ p: Lesson01Parameters, _ ctx: RunContext) {
    let dt = p.dt
    ctx.check(
        .atMost(
            "subthreshold V(t) vs V_rest + RI(1 − e^{−t/τ}), max error", observed: s.worstStep,
            bound: Lesson01Tolerance.subthreshold, unit: "mV"))
    // f-I: with threshold detection at step ends and exact integration, every simulated ISI lies in
    // [ISI, ISI + dt), so the simulated rate lies in (r/(1 + r·dt), r]; `rateInterval` widens it for rounding.
    let (outside, tested, _) = fiBias(s, predicted, p)
    ctx.check(.none("f-I: simulated rates outside (r/(1+r·dt), r]", violations: outside, of: tested))
    for (i, rs) in s.checkedRates {
        let hz = rateInterval(p.cell.rate(current: i), dt, scale: 1000)
        ctx.check(
            .within(
                "rate at \(format(i)) nA within the dt bound", observed: 1000 * rs, lower: hz.lower,
                upper: hz.upper, unit: "Hz"))
    }
    // Rheobase: silent just below I_rh, firing just above.
    ctx.check(.atMost("spikes at 0.99 × rheobase", observed: Double(s.below), bound: 0))
    ctx.check(.atLeast("spikes at 1.01 × rheobase", observed: Double(s.above), bound: 1))
    ctx.check(
        .atMost(
            "slope f'(I): closed form vs central difference, max relative error",
            observed: slopeAgainstDifference(p.cell, iMax: p.iMax), bound: Lesson01Tolerance.slope))
}

/// Above rheobase: currents whose simulated rate lies outside (r/(1 + r·dt), r], currents tested, and the
/// worst fraction of the dt bound used.
func fiBias(_ s: LIFSimulation, _ predicted: [Double], _ p: Lesson01Parameters)
    -> (outside: Int, tested: Int, worstFraction: Double)
{
    var outside = 0
    var tested = 0
    var worstFraction = 0.0
    for (k, i) in p.currents.enumerated() where i > p.cell.rheobase * 1.001 {
        let r = predicted[k]
        let rs = s.rates[k]
        let (lower, upper) = rateInterval(r, p.dt)
        tested += 1
        if !(rs >= lower && rs <= upper) { outside += 1 }
        worstFraction = max(worstFraction, (r - rs) / (r - r / (1 + r * p.dt)))
    }
    return (outside, tested, worstFraction)
}

func lesson01Records(_ s: LIFSimulation, _ predicted: [Double], _ p: Lesson01Parameters, _ ctx: RunContext) {
    ctx.record("rheobase", p.cell.rheobase)
    ctx.record("rate_at_trace", 1000 * p.cell.rate(current: p.iTrace))
    ctx.record("slope_at_trace", 1000 * p.cell.slope(current: p.iTrace))
    let bias = fiBias(s, predicted, p)
    ctx.record("bias_fraction", bias.worstFraction)
    ctx.record("f_i_tested", String(bias.tested))
}

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
                set key bottom right
                set arrow from graph 0, first \(cell.theta) to graph 1, first \(cell.theta) nohead dt 2 lc rgb '#777777'
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
                set arrow from \(rheobase), graph 0 to \(rheobase), graph 1 nohead dt 2 lc rgb '#777777'
                set key bottom right
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
                set key top right
                set arrow from rh, graph 0 to rh, graph 1 nohead dt 2 lc rgb '#777777'
                set label sprintf("I_{rh} = %.2f nA", rh) at rh, graph 0.93 offset 0.6,0 tc rgb '#555555'
                set label "f' = 0" at rh, graph 0.06 right offset -0.6,0 tc rgb '#555555'
                plot DATA index 0 using 1:3 with lines lt 3 title "f'(I), closed form"
                """))
}

// MARK: The noisy cell (part 5): checks, records, figures

/// The Siegert slope against the central difference of the Siegert rate: FD(h) − r′ = h² r‴/6 + O(h⁴); r‴ is
/// estimated by a second difference of the exact slope with H = 0.01 nA. Allowed: twice that truncation term
/// plus `Lesson01Tolerance.quadratureSlope` for the quadrature's own error. Returns the worst
/// error / allowed and the worst error.
func siegertSlopeAgainstDifference(_ model: NoisyLIF) -> (excess: Double, error: Double) {
    let h = 1e-3
    let bigH = 1e-2
    var worstExcess = 0.0
    var worstSlopeError = 0.0
    for i in stride(from: 0.5, through: 4.0, by: 0.25) {
        let fd = (model.rate(current: i + h) - model.rate(current: i - h)) / (2 * h)
        let third =
            (model.slope(current: i + bigH) - 2 * model.slope(current: i)
                + model.slope(current: i - bigH)) / (bigH * bigH)
        let allowed = 2 * h * h / 6 * abs(third) + Lesson01Tolerance.quadratureSlope
        let error = abs(model.slope(current: i) - fd)
        worstExcess = max(worstExcess, error / allowed)
        worstSlopeError = max(worstSlopeError, error)
    }
    return (worstExcess, worstSlopeError)
}

/// Small-noise limit. For u < 0 the Siegert integrand is erfcx(|u|), and for x > 0
/// (1 − 1/(2x²)) / (√π x) ≤ erfcx(x) ≤ 1 / (√π x). Integrating between the limits gives
/// ISI₀ − D ≤ ISI_σ ≤ ISI₀ with D = (τ σ² / 4) (1/(μ − θ)² − 1/(μ − V_reset)²),
/// so above rheobase r₀ ≤ r_σ ≤ 1/(ISI₀ − D) exactly; `Lesson01Tolerance.quadratureRelative` covers
/// the quadrature. Returns currents outside, currents tested, worst fraction used.
func smallNoiseLimit(_ cell: LIFParameters) -> (outside: Int, tested: Int, worstFraction: Double) {
    let tiny = NoisyLIF(cell: cell, sigma: 0.05)
    var outside = 0
    var tested = 0
    var worstFraction = 0.0
    for i in stride(from: 1.6, through: 5.0, by: 0.2) {
        let mu = cell.vRest + cell.resistance * i
        let d =
            cell.tau * tiny.sigma * tiny.sigma / 4
            * (1 / ((mu - cell.theta) * (mu - cell.theta)) - 1 / ((mu - cell.vReset) * (mu - cell.vReset)))
        let r0 = cell.rate(current: i)
        let rs = tiny.rate(current: i)
        let upper = 1 / (1 / r0 - d)
        tested += 1
        let slack = Lesson01Tolerance.quadratureRelative
        if !(rs >= r0 * (1 - slack) && rs <= upper * (1 + slack)) { outside += 1 }
        worstFraction = max(worstFraction, (rs - r0) / (upper - r0))
    }
    return (outside, tested, worstFraction)
}

/// Below rheobase the noise-free slope is 0; the Siegert slope is not: its minimum over 0.5 nA … rheobase (Hz/nA).
func minimumSubthresholdSlope(_ noisy: NoisyPrediction, cell: LIFParameters) -> Double {
    let subthreshold = stride(from: 0.5, to: cell.rheobase, by: 0.1).map { $0 }
    return subthreshold.map { 1000 * noisy.model.slope(current: $0) }.min() ?? 0
}

func noisyChecks(_ rows: [[Double]], _ noisy: NoisyPrediction, _ p: Lesson01Parameters, _ ctx: RunContext) {
    for row in rows {
        let (i, mean, se, r) = (row[0], row[1], row[2], row[3])
        let bias = abs(row[4] - r)
        ctx.check(
            .close(
                "noisy rate at \(format(i)) nA: simulated mean vs Siegert (±4 SE + dt bias)",
                observed: mean, expected: r, tolerance: samplingErrorMultiple * se + bias, unit: "Hz"))
    }
    ctx.check(
        .atMost(
            "Siegert slope vs central difference (h = 1e-3 nA), worst error / truncation bound",
            observed: siegertSlopeAgainstDifference(noisy.model).excess, bound: 1))
    ctx.check(
        .atLeast(
            "Siegert slope below rheobase (0.5–1.4 nA), minimum; noise-free slope there is 0",
            observed: minimumSubthresholdSlope(noisy, cell: p.cell), bound: Lesson01Tolerance.positiveSlope,
            unit: "Hz/nA"))
    let small = smallNoiseLimit(p.cell)
    ctx.check(
        .none(
            "σ = 0.05 mV: Siegert rate outside [r₀, 1/(ISI₀ − D)] above rheobase", violations: small.outside,
            of: small.tested))
}

func noisyRecords(_ rows: [[Double]], _ noisy: NoisyPrediction, _ p: Lesson01Parameters, _ ctx: RunContext) {
    let model = noisy.model
    ctx.record("noise_sigma", model.sigma)
    ctx.record("noise_free_std", model.sigma / 2.0.squareRoot())
    ctx.record("noise_step_std", noisy.stepStd)
    ctx.record("noise_shift", noisy.shift)
    var worstZ = 0.0
    var worstBias = 0.0
    var worstSE = 0.0
    var sumZ = 0.0
    var sumZShifted = 0.0
    for row in rows {
        let (mean, se, r) = (row[1], row[2], row[3])
        let safeSE = max(se, .leastNormalMagnitude)
        worstZ = max(worstZ, abs(mean - r) / safeSE)
        sumZ += (mean - r) / safeSE
        sumZShifted += (mean - row[4]) / safeSE
        worstBias = max(worstBias, abs(row[4] - r))
        worstSE = max(worstSE, se)
    }
    let points = Double(rows.count)
    ctx.record("noise_worst_z", worstZ)
    ctx.record("noise_mean_z", sumZ / points)
    ctx.record("noise_mean_z_shifted", sumZShifted / points)
    ctx.record("noise_worst_bias", worstBias)
    ctx.record("noise_worst_se", worstSE)
    ctx.record("noise_currents", String(rows.count))
    ctx.record("noise_slope_fd_error", siegertSlopeAgainstDifference(model).error)
    ctx.record("noise_min_sub_slope", minimumSubthresholdSlope(noisy, cell: p.cell))
    ctx.record("noise_slope_at_1_2", 1000 * model.slope(current: 1.2))
    ctx.record("noise_rate_at_1_2", 1000 * model.rate(current: 1.2))
    ctx.record("noise_small_fraction", smallNoiseLimit(p.cell).worstFraction)
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
                set key top left
                set arrow from \(rheobase), graph 0 to \(rheobase), graph 1 nohead dt 3 lc rgb '#999999'
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
                set key top right
                set arrow from \(rheobase), graph 0 to \(rheobase), graph 1 nohead dt 3 lc rgb '#999999'
                plot DATA index 0 using 1:4 with lines lt 1 lw 2 \
                title "Siegert slope, σ = \(format(model.sigma)) mV", \\
                     DATA index 0 using 1:5 with lines lt 2 dt 2 title "noise-free f'(I)"
                """))
}

// MARK: Work estimate

/// Lesson 1: time steps of the noise-free f-I curve and of the noisy trials; the exact integrator runs about
/// 10⁸ steps per second.
@Sendable func lesson01Estimate(_ values: ParameterValues) throws -> WorkEstimate {
    let p = try Lesson01Parameters(values)
    let n = p.noise
    let clean = Double(p.currents.count) * p.duration / p.dt
    let noisy = Double(n.currents.count * n.trials) * (n.duration + n.warmup) / n.dt
    return WorkEstimate(
        operations: clean + noisy, operationsPerSecond: 1e8, bytes: 0,
        hint: "lower duration, noise_duration, noise_trials or points, or raise dt or noise_dt")
}
