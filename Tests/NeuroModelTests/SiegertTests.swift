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
            (3.0, 0.05355574089989761, 0.020722517500746572)
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
        var worstRate = 0.0
        var worstSlope = 0.0
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

    /// Central difference FD(h) − r′ = h² r‴/6 + O(h⁴); r‴ estimated by a second difference of the exact
    /// slope (H = 0.01 nA). Allowed: twice the truncation term plus 1e-10 for quadrature rounding
    /// (~1e-13 · r / h).
    @Test func slopeMatchesFiniteDifference() {
        let h = 1e-4
        let bigH = 1e-2
        for i in stride(from: 0.3, through: 5.0, by: 0.1) {
            let fd = (model.rate(current: i + h) - model.rate(current: i - h)) / (2 * h)
            let third =
                (model.slope(current: i + bigH) - 2 * model.slope(current: i)
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
            let d =
                c.tau * 0.05 * 0.05 / 4
                * (1 / ((mu - c.theta) * (mu - c.theta))
                    - 1 / ((mu - c.vReset) * (mu - c.vReset)))
            let r0 = c.rate(current: i)
            let rs = tiny.rate(current: i)
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
