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
        .integer("noise_trials", in: 2...10_000, "independent trials K per current of the noisy f-I curve"),
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
