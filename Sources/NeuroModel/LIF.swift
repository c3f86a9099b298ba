import Foundation

/// Parameters of a leaky integrate-and-fire neuron, τ dV/dt = −(V − V_rest) + R I.
/// Units: ms, mV, MΩ, nA (so R I is in mV and rates in spikes per ms; `rateHz` converts).
public struct LIFParameters: Sendable, Equatable {
    public var tau: Double = 20  // membrane time constant τ (ms)
    public var vRest: Double = -65  // resting potential (mV)
    public var vReset: Double = -70  // reset potential (mV)
    public var theta: Double = -50  // threshold θ (mV)
    public var resistance: Double = 10  // membrane resistance R (MΩ)
    public var tRef: Double = 2  // absolute refractory period (ms)

    public init() {}

    public init(tau: Double, vRest: Double, vReset: Double, theta: Double, resistance: Double, tRef: Double) {
        self.tau = tau
        self.vRest = vRest
        self.vReset = vReset
        self.theta = theta
        self.resistance = resistance
        self.tRef = tRef
    }

    /// Rheobase current I_rh = (θ − V_rest) / R: the smallest constant current that makes the cell fire.
    public var rheobase: Double { (theta - vRest) / resistance }

    /// Interspike interval for constant drive v = R I (mV):
    /// ISI = t_ref + τ ln((v − (V_reset − V_rest)) / (v − (θ − V_rest))), infinite at or below rheobase.
    public func interspikeInterval(drive v: Double) -> Double {
        let above = v - (theta - vRest)
        guard above > 0 else { return .infinity }
        return tRef + tau * Foundation.log((v - (vReset - vRest)) / above)
    }

    /// Closed-form rate f(I) = 1 / ISI in spikes per ms (0 at or below rheobase).
    public func rate(current i: Double) -> Double {
        let isi = interspikeInterval(drive: resistance * i)
        return isi.isFinite ? 1 / isi : 0
    }

    /// Closed-form rate in Hz.
    public func rateHz(current i: Double) -> Double { 1000 * rate(current: i) }

    /// Slope f'(I) = dr/dI = r² · τ R (θ − V_reset) / ((v − (θ−V_rest)) (v − (V_reset−V_rest))),
    /// v = R I, from differentiating 1/ISI. In spikes per ms per nA; 0 below rheobase, unbounded at rheobase.
    public func slope(current i: Double) -> Double {
        let v = resistance * i
        let above = v - (theta - vRest)
        guard above > 0 else { return 0 }
        let r = rate(current: i)
        let below = v - (vReset - vRest)
        return r * r * tau * resistance * (theta - vReset) / (above * below)
    }
}

/// One LIF soma, integrated exactly for input held constant over each step:
/// V(t+dt) = V∞ + (V(t) − V∞) e^{−dt/τ}, V∞ = V_rest + R I.
/// Threshold convention: a spike is registered at the end of the first step whose end-point V ≥ θ;
/// V is then reset and held at V_reset for t_ref. So the simulated spike time is never early and at most
/// one dt late: for constant input the simulated ISI lies in [ISI, ISI + dt).
public struct LIFNeuron: Sendable {
    public let parameters: LIFParameters
    public var v: Double
    public var refractoryLeft: Double = 0

    public init(parameters: LIFParameters, v: Double? = nil) {
        self.parameters = parameters
        self.v = v ?? parameters.vRest
    }

    /// Advance one step of length dt with drive current i; returns true when the cell spikes.
    public mutating func step(current i: Double, dt: Double, decay: Double) -> Bool {
        step(current: i, dt: dt, decay: decay, noise: 0)
    }

    /// One exact step of the noisy cell τ dV/dt = −(V − V_rest) + R I + σ √τ ξ(t):
    /// V ← μ + (V − μ) e^{−dt/τ} + n, μ = V_rest + R I (mV), where `noise` n (mV) is the already-drawn
    /// increment, n = `NoisyLIF.stepNoise(dt:)` · ξ with ξ ~ N(0, 1), so the step is exact in distribution.
    /// Same conventions as the noise-free step: a spike when the end-point V ≥ θ, then V_reset held for t_ref
    /// (no noise is added while refractory). With `noise` = 0 this is the noise-free step bit for bit.
    public mutating func step(current i: Double, dt: Double, decay: Double, noise: Double) -> Bool {
        let p = parameters
        if refractoryLeft > 0.5 * dt {
            refractoryLeft -= dt
            v = p.vReset
            return false
        }
        let vInf = p.vRest + p.resistance * i
        v = vInf + (v - vInf) * decay + noise
        if v >= p.theta {
            v = p.vReset
            refractoryLeft = p.tRef
            return true
        }
        return false
    }

    /// Convenience step computing e^{−dt/τ} itself.
    public mutating func step(current i: Double, dt: Double) -> Bool {
        step(current: i, dt: dt, decay: Foundation.exp(-dt / parameters.tau))
    }
}

/// Simulated firing under constant current: spike times (ms) over `duration`, starting at V_rest.
public func simulateConstantCurrent(_ p: LIFParameters, current: Double, duration: Double, dt: Double) -> [Double] {
    var cell = LIFNeuron(parameters: p)
    let decay = Foundation.exp(-dt / p.tau)
    let steps = Int((duration / dt).rounded())
    var spikes: [Double] = []
    for n in 1...max(steps, 1) where cell.step(current: current, dt: dt, decay: decay) {
        spikes.append(Double(n) * dt)
    }
    return spikes
}

/// Spike count of a noisy LIF cell (`NoisyLIF`: τ dV/dt = −(V − V_rest) + R I + σ √τ ξ) under
/// constant current `current` (nA): starts at V_rest, runs `warmup` ms uncounted (so the count starts near
/// the stationary state), then counts spikes over `duration` ms with the exact noisy step of length `dt`
/// (ms), drawing every ξ from `rng` with `tableNormal`. The rate estimate is count / duration (spikes/ms).
/// Draws one deviate per non-refractory step.
public func simulateNoisyConstantCurrent(
    _ model: NoisyLIF, current: Double, duration: Double, dt: Double,
    warmup: Double = 0, rng: inout SplitMix64
) -> Int {
    var cell = LIFNeuron(parameters: model.cell)
    let decay = Foundation.exp(-dt / model.cell.tau)
    let s = model.stepNoise(dt: dt)
    let warmSteps = Int((warmup / dt).rounded())
    let countSteps = Int((duration / dt).rounded())
    var generator = rng
    defer { rng = generator }
    return NormalTable.values.withUnsafeBufferPointer { table in
        for _ in 0..<warmSteps {
            let n = cell.refractoryLeft > 0.5 * dt ? 0 : s * generator.tableNormal(table)
            _ = cell.step(current: current, dt: dt, decay: decay, noise: n)
        }
        var count = 0
        for _ in 0..<countSteps {
            let n = cell.refractoryLeft > 0.5 * dt ? 0 : s * generator.tableNormal(table)
            if cell.step(current: current, dt: dt, decay: decay, noise: n) { count += 1 }
        }
        return count
    }
}

/// Rate measured as 1 / (mean interspike interval) from spike times; 0 with fewer than two spikes.
public func rateFromSpikeTimes(_ spikes: [Double]) -> Double {
    guard spikes.count >= 2, let first = spikes.first, let last = spikes.last else { return 0 }
    return Double(spikes.count - 1) / (last - first)
}

/// Whether the time step `dt` divides the refractory period `tRef` (both in ms): the exact-integration LIF
/// simulator holds the refractory period for a whole number of steps, so it needs tRef/dt to be an integer
/// (to 1e-9, relative to one step, so that a decimal dt such as 0.1 ms counts).
public func stepDividesRefractory(_ dt: Double, _ tRef: Double) -> Bool {
    abs(tRef / dt - (tRef / dt).rounded()) < 1e-9
}
