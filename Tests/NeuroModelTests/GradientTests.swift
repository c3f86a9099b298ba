import Foundation
import PropertyBased
import Testing

@testable import NeuroModel

@Suite struct GradientTests {
    /// BP against central finite differences of the batch-mean loss, in Double (error O(h²) + O(ε/h)).
    @Test(arguments: 0..<25) func bpMatchesFiniteDifferences(seed: Int) {
        let (net, x, y, loss) = randomProblem(seed: seed)
        let g = net.gradients(net.forward(x), targets: y, loss: loss, feedback: Feedback(rule: .bp, matrices: []))
        let h = 1e-6
        for l in net.layers.indices {
            for i in 0..<net.layers[l].w.count {
                var plus = net
                var minus = net
                plus.layers[l].w.data[i] += h
                minus.layers[l].w.data[i] -= h
                let fd =
                    (plus.loss(plus.forward(x), targets: y, loss)
                        - minus.loss(minus.forward(x), targets: y, loss)) / (2 * h)
                #expect(
                    abs(fd - g.dW[l].data[i]) <= 1e-6 * max(1, abs(fd)),
                    "layer \(l) weight \(i): fd \(fd) vs bp \(g.dW[l].data[i])")
            }
            for k in net.layers[l].b.indices {
                var plus = net
                var minus = net
                plus.layers[l].b[k] += h
                minus.layers[l].b[k] -= h
                let fd =
                    (plus.loss(plus.forward(x), targets: y, loss)
                        - minus.loss(minus.forward(x), targets: y, loss)) / (2 * h)
                #expect(abs(fd - g.db[l][k]) <= 1e-6 * max(1, abs(fd)))
            }
        }
    }
}
