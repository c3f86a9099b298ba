import Foundation
import PropertyBased
import Testing

@testable import NeuroModel

@Suite struct SpikingCircuitProperties {
    /// Moving routes: after any number of spiking training steps, every pair's feedback sign equals its forward
    /// weight's sign (sign(B) = sign(Wᵀ)), and no synapse is of the wrong sign for its route (Dale).
    @Test func movingRoutesKeepSignConcordance() async {
        await propertyCheck(count: 25, input: Gen.int(in: 0...1_000_000)) { seed in
            var (circuit, x, labels) = smallSpikingCase(seed, routes: .moving)
            for step in 0..<4 {
                // A large η makes weights cross zero often.
                circuit.train(x: x, labels: labels, learningRate: 2e5, stream: UInt64(step))
                #expect(circuit.signMismatches == 0)
                #expect(circuit.daleViolations == 0)
                for l in 0..<circuit.depth {
                    for i in 0..<circuit.weights[l].count where circuit.weights[l].data[i] != 0 {
                        #expect(circuit.weights[l].data[i].signum == Double(circuit.routeSigns[l][i]))
                    }
                }
            }
        }
    }

    /// Fixed routes: no synapse ever changes type, and every strength stays on its route's side of zero.
    @Test func fixedRoutesNeverChangeType() async {
        await propertyCheck(count: 25, input: Gen.int(in: 0...1_000_000)) { seed in
            var (circuit, x, labels) = smallSpikingCase(seed, routes: .fixed)
            let routes = circuit.routeSigns
            for step in 0..<4 {
                circuit.train(x: x, labels: labels, learningRate: 2e5, stream: UInt64(step))
                #expect(circuit.routeSigns == routes)
                #expect(circuit.daleViolations == 0)
                #expect(circuit.signMismatches == 0)
            }
        }
    }
}

/// Issue 30 #4: a burst count with a huge mean (a runaway gain) is drawn in O(1) by PTRS, with the Poisson law's
/// mean and variance: over n draws the sample mean is within 5 standard errors (√(λ/n)) of λ, and the sample
/// variance within 5 of its standard errors (≈ λ√(2/n)) of λ. Means at or below the inversion limit are drawn by
/// inversion as before (every other test of the circuit would change otherwise).
@Test func hugePoissonMeansAreDrawnInConstantTime() {
    for lambda in [2e4, 1e6, 1e12] {
        var rng = SplitMix64(seed: 5)
        let n = 20_000
        let draws = (0..<n).map { _ in Double(SpikingCircuit.poisson(lambda, rng: &rng)) }
        let mean = draws.reduce(0, +) / Double(n)
        let variance = draws.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n - 1)
        #expect(abs(mean - lambda) <= 5 * (lambda / Double(n)).squareRoot(), "λ = \(lambda): mean \(mean)")
        #expect(abs(variance - lambda) <= 5 * lambda * (2 / Double(n)).squareRoot(), "λ = \(lambda): var \(variance)")
    }
    var rng = SplitMix64(seed: 1)
    #expect(SpikingCircuit.poisson(.infinity, rng: &rng) == 1 << 62)
    #expect(SpikingCircuit.poisson(.nan, rng: &rng) == 0 && SpikingCircuit.poisson(-3, rng: &rng) == 0)
    #expect(SpikingCircuit.poissonInversionLimit == 10_000)
}
