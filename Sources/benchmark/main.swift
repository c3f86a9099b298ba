import Foundation
import NeuroModel

// Benchmark (release build): seconds per epoch of a 784-256-256-10 MLP on Fashion-MNIST for each rule, and
// samples per second of the spiking microcircuit. Run: swift run -c release benchmark [epochs]

configureAllocator()
let threads = ProcessInfo.processInfo.environment["BENCH_THREADS"].flatMap(Int.init) ?? ProcessInfo.processInfo.activeProcessorCount
setBLASThreads(threads)
let epochs = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 1

let train: Dataset
do {
    train = try loadIDXDirectory(fashionMNISTSystemDirectory, name: "fashion-mnist").train
    print("data: Fashion-MNIST, \(train.count) training samples")
} catch {
    var g = SplitMix64(seed: 1)
    let x = Matrix(rows: 60000, cols: 784) { _, _ in g.uniform() }
    train = Dataset(name: "random", x: x, labels: (0..<60000).map { $0 % 10 }, classes: 10)
    print("data: Fashion-MNIST not installed (\(error)); timing on random data of the same shape")
}
print("BLAS: \(blasKernel); \(blasThreads) threads; best of \(epochs) epoch(s), batch 32")
var rng = SplitMix64(seed: 2)
let initial = Network(sizes: [784, 256, 256, 10], hidden: .relu, output: .linear, rng: &rng)

/// Seconds per epoch (best of `epochs`) for every rule in precision T.
func timeRules<T: BLASScalar>(_: T.Type, name: String) {
    print("")
    print("\(name):")
    print("rule   seconds/epoch   samples/s")
    let start = NetworkOf<T>(converting: initial)
    for rule in [Rule.bp, .fa, .dfa, .usf, .frsf, .brsf] {
        var frng = SplitMix64(seed: 3)
        var learner = LearnerOf<T>(network: start, feedback: FeedbackOf<T>(rule: rule, network: start, rng: &frng), rng: SplitMix64(seed: 4))
        var times: [Double] = []
        for e in 1...epochs {
            let clock = Date()
            do { try learner.epoch(train, config: SGDConfig(learningRate: 0.05, batchSize: 32, loss: .crossEntropy), epoch: e) } catch {
                print("\(rule.rawValue): \(error)"); break
            }
            times.append(Date().timeIntervalSince(clock))
        }
        let best = times.min() ?? .nan
        print(String(format: "%-6@ %13.2f %11.0f", rule.rawValue, best, Double(train.count) / best))
    }
}
timeRules(Double.self, name: "Double precision (dgemm)")
timeRules(Float.self, name: "Float precision (sgemm)")

// Spiking microcircuit, 784-100-10, T = 200 ms, dt = 0.1 ms.
var g = SplitMix64(seed: 5)
let sizes = [784, 100, 10]
let net = lifNetwork(sizes: sizes, rng: &g)
let circuit = Microcircuit(network: net, feedbackMagnitudes: Feedback(rule: .frsf, network: net, rng: &g).matrices)
var settings = SpikingSettings()
settings.window = 200
settings.tauSynapse = 50
settings.gains = [1000, 1000]
let n = 200
let start = Date()
for s in 0..<n {
    _ = circuit.spikingPass(x: Array(train.x.row(s)), target: Array(repeating: 0.02, count: 10), settings: settings, rng: &g)
}
let secs = Date().timeIntervalSince(start)
print("")
print(String(format: "spiking microcircuit 784-100-10, T = 200 ms, dt = 0.1 ms: %.1f samples/s (%d samples in %.1f s)", Double(n) / secs, n, secs))
