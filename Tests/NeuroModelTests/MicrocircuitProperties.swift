import Foundation
import PropertyBased
import Testing

@testable import NeuroModel

@Suite struct MicrocircuitProperties {
    /// Rate level: the circuit's Hebbian update has the frSF update's sign in every entry (it is equal to rounding).
    @Test func hebbianUpdateIsSignConcordantWithFrSF() async {
        await propertyCheck(input: Gen.int(in: 0...1_000_000)) { seed in
            var g = SplitMix64(seed: UInt64(seed))
            let sizes = [1 + Int(g.next() % 5), 1 + Int(g.next() % 8), 1 + Int(g.next() % 8), 1 + Int(g.next() % 4)]
            let act = [Activation.sigmoid, .tanh, .relu][Int(g.next() % 3)]
            let net = Network(sizes: sizes, hidden: act, output: act, rng: &g)
            let fb = Feedback(rule: .frsf, network: net, rng: &g)
            let batch = 1 + Int(g.next() % 5)
            let x = Matrix(rows: batch, cols: sizes[0]) { _, _ in g.uniform() }
            let y = Matrix(rows: batch, cols: sizes[3]) { _, _ in g.uniform() }
            var circuit = Microcircuit(network: net, feedbackMagnitudes: fb.matrices)
            let deltas = circuit.hebbianStep(
                inputs: (0..<batch).map { Array(x.row($0)) },
                targets: (0..<batch).map { Array(y.row($0)) }, learningRate: 0.1
            ).deltas
            let expected = net.gradients(net.forward(x), targets: y, loss: .mse, feedback: fb)
            for l in deltas.indices {
                let reference = expected.dW[l].data.map { -0.1 * $0 }
                #expect(maxRelativeError(deltas[l].data, reference) <= 1e-12)
                for i in reference.indices where abs(reference[i]) > 1e-12 * (reference.map(abs).max() ?? 0) {
                    #expect(deltas[l].data[i].signum == reference[i].signum)
                }
            }
        }
    }

    @Test func zeroCrossingMovesFeedbackToTheMatchingRoute() {
        let net = Network(
            layers: [
                Layer(w: Matrix(rows: 1, cols: 1, data: [1]), b: [0]),
                Layer(
                    w: Matrix(rows: 1, cols: 1, data: [0.01]),
                    b: [0])
            ], hidden: .linear, output: .linear)
        var circuit = Microcircuit(network: net, feedbackMagnitudes: [Matrix(rows: 1, cols: 1, data: [0.3])])
        #expect(circuit.layers[0].feedbackFromAbove[0][0] == .direct(strength: 0.3))
        // r^1 = 1, r^2 = 0.01, target −1: ΔW² = η (−1 − 0.01) · 1 < −0.01, so W² crosses zero.
        let (_, crossings) = circuit.hebbianStep(inputs: [[1]], targets: [[-1]], learningRate: 1)
        #expect(crossings == 1)
        #expect(circuit.layers[1].forward.routes[0][0].synapseSign == .inhibitory)
        #expect(circuit.layers[0].feedbackFromAbove[0][0] == .viaInterneuron(strength: 0.3))
        #expect(circuit.feedbackSignMismatches == 0)
    }
}
