import Foundation
import PropertyBased
import Testing

@testable import NeuroModel

@Suite struct FeedbackAlignmentProperties {
    @Test func outputLayerUpdateIsIdenticalForEveryRule() async {
        await propertyCheck(input: Gen.int(in: 0...1_000_000)) { seed in
            let (net, x, y, loss) = randomProblem(seed: seed)
            let pass = net.forward(x)
            let bp = net.gradients(pass, targets: y, loss: loss, feedback: Feedback(rule: .bp, matrices: []))
            var g = SplitMix64(seed: UInt64(seed) &+ 1)
            for rule in Rule.allCases {
                let r = net.gradients(
                    pass, targets: y, loss: loss,
                    feedback: Feedback(rule: rule, network: net, rng: &g))
                #expect(r.dW[net.depth - 1] == bp.dW[net.depth - 1])
                #expect(r.db[net.depth - 1] == bp.db[net.depth - 1])
            }
        }
    }

    @Test func singleOutputSignConcordantUpdateNeverAscends() async {
        await propertyCheck(input: Gen.int(in: 0...1_000_000)) { seed in
            let (net, x, y, _) = randomProblem(seed: seed, outputs: 1, hiddenLayers: 1)
            let pass = net.forward(x)
            let bp = net.gradients(pass, targets: y, loss: .mse, feedback: Feedback(rule: .bp, matrices: []))
            var g = SplitMix64(seed: UInt64(seed) &+ 7)
            for rule in [Rule.usf, .frsf, .brsf] {
                let r = net.gradients(
                    pass, targets: y, loss: .mse,
                    feedback: Feedback(rule: rule, network: net, rng: &g))
                #expect(dot(r.dW[0].data, bp.dW[0].data) >= -1e-15 * bp.dW[0].frobeniusNorm * r.dW[0].frobeniusNorm)
            }
        }
    }

    @Test func feedbackSignsFollowForwardSignsAfterTraining() async {
        await propertyCheck(input: Gen.int(in: 0...1_000_000), Gen.int(in: 1...20)) { seed, steps in
            let (net, x, y, loss) = randomProblem(seed: seed, hiddenLayers: 2)
            for rule in [Rule.usf, .frsf, .brsf] {
                var g = SplitMix64(seed: UInt64(seed) &+ 3)
                var learner = Learner(network: net, feedback: Feedback(rule: rule, network: net, rng: &g), rng: g)
                let config = SGDConfig(learningRate: 0.5, batchSize: x.rows, loss: loss)
                for _ in 0..<steps { _ = try? learner.step(x: x, y: y, config: config, epoch: 1) }
                for l in 0..<(learner.network.depth - 1) {
                    let b = learner.feedback.effective(l, network: learner.network)
                    let w = learner.network.layers[l + 1].w
                    for i in w.data.indices {
                        #expect(b.data[i].signum == w.data[i].signum || learner.feedback.matrices[l].data[i] == 0)
                    }
                }
            }
        }
    }

    @Test func xavierFeedbackAnglesMatchExpectations() {
        var g = SplitMix64(seed: 11)
        let net = Network(sizes: [300, 300, 300], hidden: .relu, output: .linear, rng: &g)
        let expected: [(Rule, Double)] = [(.usf, 30), (.frsf, acos(0.75) * 180 / .pi), (.fa, 90)]
        for (rule, deg) in expected {
            let b = Feedback(rule: rule, network: net, rng: &g).effective(0, network: net)
            let (a, sigma) = feedbackAngle(b, net.layers[1].w)
            #expect(abs(a - deg) < 4 * sigma, "\(rule): \(a)° vs \(deg)° ± \(4 * sigma)")
        }
    }

    @Test func yinYangIsBalancedAndInsideTheCircle() {
        // Goal classes are drawn uniformly: each count is binomial(900, 1/3), sd = √(900·2/9) ≈ 14.1; 4 sd.
        let d = YinYang.generate(count: 900, seed: 5, name: "t")
        for c in 0..<3 { #expect(abs(d.labels.filter { $0 == c }.count - 300) <= 56) }
        for s in 0..<d.count {
            let x = d.x[s, 0]
            let y = d.x[s, 1]
            #expect((x - 0.5) * (x - 0.5) + (y - 0.5) * (y - 0.5) <= 0.25 + 1e-12)
            #expect(abs(d.x[s, 2] - (1 - x)) < 1e-15)
            #expect(YinYang.classify(x, y) == d.labels[s])
        }
        #expect(YinYang.classify(0.75, 0.5) == 2)  // centre of the right dot
    }

    @Test func divergenceIsReportedWithRuleAndStep() {
        var g = SplitMix64(seed: 1)
        let net = Network(sizes: [4, 8, 3], hidden: .relu, output: .linear, rng: &g)
        var learner = Learner(network: net, feedback: Feedback(rule: .fa, network: net, rng: &g), rng: g)
        let data = YinYang.generate(count: 60, seed: 2, name: "t")
        expectError(TrainingDiverged.self, ["training diverged: rule fa, epoch ", "lower the learning rate"]) {
            let config = SGDConfig(learningRate: 1e6, batchSize: 10, loss: .mse)
            for e in 1...50 { try learner.epoch(data, config: config, epoch: e) }
        }
    }
}
