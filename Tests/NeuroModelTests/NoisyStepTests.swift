import Foundation
import Testing

@testable import NeuroModel

@Suite struct NoisyStepTests {
    let model = NoisyLIF(sigma: 4)

    @Test func zeroNoiseIsTheNoiseFreeStep() {
        var a = LIFNeuron(parameters: model.cell)
        var b = LIFNeuron(parameters: model.cell)
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
        let dt = 20.0
        let steps = 50_000
        let decay = exp(-dt / cell.tau)
        let s = model.stepNoise(dt: dt)
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
        let rho = exp(-1.0)
        let variance = model.sigma * model.sigma / 2
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
        let dt = 0.1
        let trials = 48
        let duration = 3000.0
        var raised = model.cell
        raised.theta += 1.4603545088095868 / (2 * Double.pi).squareRoot() * model.stepNoise(dt: dt)
        let shifted = NoisyLIF(cell: raised, sigma: model.sigma)
        for (k, i) in [1.0, 2.0].enumerated() {
            let rates = (0..<trials).map { trial -> Double in
                var g = SplitMix64(seed: 2024).fork(UInt64(100 * k + trial))
                let count = simulateNoisyConstantCurrent(
                    model, current: i, duration: duration, dt: dt,
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
