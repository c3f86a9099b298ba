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
