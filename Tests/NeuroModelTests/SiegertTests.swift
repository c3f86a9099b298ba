import Foundation
import Testing
@testable import NeuroModel

/// The Siegert rate and slope of the noisy LIF cell, its table, the table-based normal deviates and the
/// noisy exact step. Default cell (τ = 20 ms, V_rest = −65, V_reset = −70, θ = −50 mV, R = 10 MΩ,
/// t_ref = 2 ms), σ = 4 mV; rates in spikes/ms, slopes in spikes/ms per nA.
@Suite struct SiegertTests {
    let model = NoisyLIF(sigma: 4)

    /// Independent values from scipy (quad of e^{u²}(1 + erf u) = erfcx(−u)): (I, rate, slope).
    /// Tolerance 1e-10 relative: the Gauss–Legendre quadrature is good to ~1e-13, scipy's quad to ~1e-12.
    @Test func rateAndSlopeMatchScipy() {
        let reference: [(Double, Double, Double)] = [
            (0.5, 1.2202552233821085e-4, 1.3665956247717816e-3),
            (1.2, 0.010298969560794013, 0.027014256438160335),
            (1.5, 0.018512271776937338, 0.027009118053361925),
            (2.0, 0.0312940756258853, 0.02418541943721248),
            (3.0, 0.05355574089989761, 0.020722517500746572),
        ]
        for (i, rate, slope) in reference {
            #expect(abs(model.rate(current: i) - rate) <= 1e-10 * rate, "rate at \(i) nA")
            #expect(abs(model.slope(current: i) - slope) <= 1e-10 * slope, "slope at \(i) nA")
        }
    }

    /// Cubic Hermite interpolation with node step h = 0.002 nA: rate error ≤ h⁴ max|r⁗| / 384 and slope error
    /// ≤ √3 h³ max|r⁗| / 216 (|r⁗| < 10 spikes/ms/nA⁴ here), i.e. < 5e-13 and < 1e-9. Points off the nodes.
    @Test func tableMatchesFormula() {
        let table = SiegertTable(model, from: -1, to: 6)
        var worstRate = 0.0, worstSlope = 0.0
        for k in 0..<700 {
            let i = -0.9 + 0.0100037 * Double(k)
            worstRate = max(worstRate, abs(table.rate(i) - model.rate(current: i)))
            worstSlope = max(worstSlope, abs(table.slope(i) - model.slope(current: i)))
        }
        #expect(worstRate < 5e-13)
        #expect(worstSlope < 1e-9)
        // Outside the grid the formula is used directly.
        #expect(table.rate(10) == model.rate(current: 10))
    }

    /// Central difference FD(h) − r′ = h² r‴/6 + O(h⁴); r‴ estimated by a second difference of the exact slope
    /// (H = 0.01 nA). Allowed: twice the truncation term plus 1e-10 for quadrature rounding (~1e-13 · r / h).
    @Test func slopeMatchesFiniteDifference() {
        let h = 1e-4, bigH = 1e-2
        for i in stride(from: 0.3, through: 5.0, by: 0.1) {
            let fd = (model.rate(current: i + h) - model.rate(current: i - h)) / (2 * h)
            let third = (model.slope(current: i + bigH) - 2 * model.slope(current: i)
                + model.slope(current: i - bigH)) / (bigH * bigH)
            let allowed = 2 * h * h / 6 * abs(third) + 1e-10
            #expect(abs(model.slope(current: i) - fd) <= allowed, "at \(i) nA")
        }
    }

    @Test func slopeIsPositiveBelowRheobaseAndRateExceedsNoiseFree() {
        for i in stride(from: 0.2, to: 1.5, by: 0.1) {
            #expect(model.slope(current: i) > 0)
            #expect(model.cell.slope(current: i) == 0)
        }
        for i in stride(from: 1.6, through: 5.0, by: 0.2) {
            #expect(model.rate(current: i) > model.cell.rate(current: i))
        }
    }

    /// Small-noise limit: for u < 0 the integrand is erfcx(|u|) ∈ [(1 − 1/(2x²))/(√π x), 1/(√π x)], so the
    /// Siegert ISI lies in [ISI₀ − D, ISI₀], D = (τσ²/4)(1/(μ − θ)² − 1/(μ − V_reset)²).
    @Test func smallNoiseApproachesClosedForm() {
        let tiny = NoisyLIF(sigma: 0.05)
        let c = tiny.cell
        for i in stride(from: 1.6, through: 5.0, by: 0.3) {
            let mu = c.vRest + c.resistance * i
            let d = c.tau * 0.05 * 0.05 / 4 * (1 / ((mu - c.theta) * (mu - c.theta))
                - 1 / ((mu - c.vReset) * (mu - c.vReset)))
            let r0 = c.rate(current: i), rs = tiny.rate(current: i)
            #expect(rs >= r0 * (1 - 1e-12) && rs <= 1 / (1 / r0 - d) * (1 + 1e-12), "at \(i) nA")
        }
    }

    /// The table has mean 0 and variance 1 by construction (up to rounding) and is symmetric; draws from it
    /// have sample mean within 4/√n and sample variance within 4√(2/n) of those (n = 100 000).
    @Test func normalTableHasUnitVariance() {
        let z = NormalTable.values
        #expect(z.count == NormalTable.size)
        let mean = z.reduce(0, +) / Double(z.count)
        let variance = z.reduce(0) { $0 + $1 * $1 } / Double(z.count)
        #expect(abs(mean) < 1e-15)
        #expect(abs(variance - 1) < 1e-13)
        #expect(abs(z[0] + z[z.count - 1]) < 1e-12)
        var g = SplitMix64(seed: 11)
        let n = 100_000
        let xs = z.withUnsafeBufferPointer { table in (0..<n).map { _ in g.tableNormal(table) } }
        let m = xs.reduce(0, +) / Double(n)
        let v = xs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(n - 1)
        #expect(abs(m) < 4 / Double(n).squareRoot())
        #expect(abs(v - 1) < 4 * (2 / Double(n)).squareRoot())
    }
}

@Suite struct NoisyStepTests {
    let model = NoisyLIF(sigma: 4)

    @Test func zeroNoiseIsTheNoiseFreeStep() {
        var a = LIFNeuron(parameters: model.cell), b = LIFNeuron(parameters: model.cell)
        let decay = exp(-0.1 / model.cell.tau)
        for _ in 0..<3000 {
            let sa = a.step(current: 2.5, dt: 0.1, decay: decay)
            let sb = b.step(current: 2.5, dt: 0.1, decay: decay, noise: 0)
            #expect(sa == sb && a.v == b.v)
        }
    }

    @Test func noisySpikeResetsAndHolds() {
        var n = LIFNeuron(parameters: model.cell, v: model.cell.theta - 0.5)
        let first = n.step(current: 0, dt: 0.1, decay: exp(-0.1 / model.cell.tau), noise: 1)
        #expect(first)
        #expect(n.v == model.cell.vReset)
        for _ in 0..<20 {
            let duringRefractory = n.step(current: 0, dt: 0.1, decay: 1, noise: 100)
            #expect(!duringRefractory)
            #expect(n.v == model.cell.vReset)
        }
        let after = n.step(current: 0, dt: 0.1, decay: 1, noise: 100)
        #expect(after)
    }

    /// Without threshold the exact noisy step leaves the OU process's stationary law invariant: V has mean μ
    /// and variance σ²/2 = 8 mV². Steps of 20 ms (lag-one correlation ρ = e^{−1}); 4-SE tolerances with the
    /// AR(1) inflation (1 + ρ)/(1 − ρ) for the mean and (1 + ρ²)/(1 − ρ²) for the variance.
    @Test func freeMembraneHasStationaryOUStatistics() {
        var cell = model.cell
        cell.theta = 1e9
        var n = LIFNeuron(parameters: cell)
        let dt = 20.0, steps = 50_000
        let decay = exp(-dt / cell.tau), s = model.stepNoise(dt: dt)
        let mu = cell.vRest + cell.resistance * 1.0
        var g = SplitMix64(seed: 5)
        var xs: [Double] = []
        NormalTable.values.withUnsafeBufferPointer { table in
            n.v = mu + model.sigma / 2.0.squareRoot() * g.tableNormal(table)
            for _ in 0..<steps {
                _ = n.step(current: 1.0, dt: dt, decay: decay, noise: s * g.tableNormal(table))
                xs.append(n.v)
            }
        }
        let rho = exp(-1.0), variance = model.sigma * model.sigma / 2
        let m = xs.reduce(0, +) / Double(steps)
        let v = xs.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(steps)
        let seMean = (variance / Double(steps) * (1 + rho) / (1 - rho)).squareRoot()
        let seVar = (2 * variance * variance / Double(steps) * (1 + rho * rho) / (1 - rho * rho)).squareRoot()
        #expect(abs(m - mu) < 4 * seMean)
        #expect(abs(v - variance) < 4 * seVar)
    }

    /// Mean rate of K trials at dt = 0.1 ms against Siegert: within 4 SE plus the discrete-monitoring bias
    /// |r(θ + 0.5826 s) − r(θ)|, s = stepNoise(dt) (see lesson 1). Below and above rheobase, fixed seed.
    @Test func simulatedRateConvergesToSiegert() {
        let dt = 0.1, trials = 48, duration = 3000.0
        var raised = model.cell
        raised.theta += 1.4603545088095868 / (2 * Double.pi).squareRoot() * model.stepNoise(dt: dt)
        let shifted = NoisyLIF(cell: raised, sigma: model.sigma)
        for (k, i) in [1.0, 2.0].enumerated() {
            let rates = (0..<trials).map { trial -> Double in
                var g = SplitMix64(seed: 2024).fork(UInt64(100 * k + trial))
                let count = simulateNoisyConstantCurrent(model, current: i, duration: duration, dt: dt,
                                                         warmup: 200, rng: &g)
                return Double(count) / duration
            }
            let mean = rates.reduce(0, +) / Double(trials)
            let variance = rates.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(trials - 1)
            let se = (variance / Double(trials)).squareRoot()
            let r = model.rate(current: i)
            let bias = abs(shifted.rate(current: i) - r)
            #expect(abs(mean - r) <= 4 * se + bias, "I = \(i) nA: \(mean) vs \(r), SE \(se), bias \(bias)")
            #expect(se > 0)
        }
    }
}
