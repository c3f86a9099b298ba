import Foundation
import LessonKit
import NeuroModel

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
