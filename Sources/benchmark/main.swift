import Foundation
import NeuroModel

// Benchmark (release build): seconds per epoch of a 784-256-256-10 MLP on Fashion-MNIST for each rule, and
// samples per second of the spiking microcircuit. Run: swift run -c release benchmark [epochs]
//
// `benchmark forward DT`: forward-phase samples/s of 784-100-10 only (for benchmarks/brian2_forward.py).
// Threads: BENCH_THREADS, else every core.

/// Forward-phase samples per second of 784-100-10 (T = 200 ms, 50 ms settling) on random images with
/// Fashion-MNIST's mean intensity: one number on the last line.
func forwardBenchmark(dt: Double) {
    var settings = SpikingSettings()
    settings.dt = dt
    settings.threads = threads
    var g = SplitMix64(seed: 1)
    let circuit = SpikingCircuit(sizes: [784, 100, 10], settings: settings, rng: &g)
    let x = Matrix(rows: 4096, cols: 784) { _, _ in g.uniform(0, 0.57) }
    _ = circuit.forward(x.rows(Array(0..<32)), stream: 0)
    let clock = Date()
    _ = circuit.forward(x, stream: 1)
    print(
        String(
            format: "%.1f forward samples/s (784-100-10, dt = %@ ms, %d threads)",
            4096 / Date().timeIntervalSince(clock), String(settings.dt), threads))
}

/// Fashion-MNIST's training set, or random data of the same shape when it is not installed.
func benchmarkData() -> Dataset {
    do {
        let train = try loadIDXDirectory(fashionMNISTSystemDirectory, name: "fashion-mnist").train
        print("data: Fashion-MNIST, \(train.count) training samples")
        return train
    } catch {
        var g = SplitMix64(seed: 1)
        let x = Matrix(rows: 60000, cols: 784) { _, _ in g.uniform() }
        print("data: Fashion-MNIST not installed (\(error)); timing on random data of the same shape")
        return Dataset(name: "random", x: x, labels: (0..<60000).map { $0 % 10 }, classes: 10)
    }
}

/// Seconds per epoch (best of `epochs`) for every rule in precision T, from the same start.
func timeRules<T: BLASScalar>(_: T.Type, name: String, initial: Network, train: Dataset, epochs: Int) {
    print("")
    print("\(name):")
    print("rule   seconds/epoch   samples/s")
    let start = NetworkOf<T>(converting: initial)
    let config = SGDConfig(learningRate: 0.05, batchSize: 32, loss: .crossEntropy)
    for rule in [Rule.bp, .fa, .dfa, .usf, .frsf, .brsf] {
        var frng = SplitMix64(seed: 3)
        var learner = LearnerOf<T>(
            network: start, feedback: FeedbackOf<T>(rule: rule, network: start, rng: &frng),
            rng: SplitMix64(seed: 4))
        var times: [Double] = []
        for e in 1...epochs {
            let clock = Date()
            do { try learner.epoch(train, config: config, epoch: e) } catch {
                print("\(rule.rawValue): \(error)")
                break
            }
            times.append(Date().timeIntervalSince(clock))
        }
        let best = times.min() ?? .nan
        print(String(format: "%-6@ %13.2f %11.0f", rule.rawValue, best, Double(train.count) / best))
    }
}

/// Spiking microcircuit: training samples per second (forward window, error windows, Hebbian update) and test
/// samples per second, batch 32, T = 200 ms, for two sizes and both time steps.
func spikingBenchmark(train: Dataset) {
    setBLASThreads(1)
    print("")
    print("spiking microcircuit (T = 200 ms, 50 ms settling, batch 32, \(threads) threads):")
    print("network            dt (ms)   training samples/s   test samples/s")
    for sizes in [[784, 100, 10], [784, 256, 256, 10]] {
        for dt in [0.5, 0.1] {
            var settings = SpikingSettings()
            settings.dt = dt
            settings.threads = threads
            var g = SplitMix64(seed: 5)
            var circuit = SpikingCircuit(sizes: sizes, settings: settings, rng: &g)
            let n = dt == 0.5 ? 1024 : 256
            var clock = Date()
            for s in stride(from: 0, to: n, by: 32) {
                let idx = Array(s..<(s + 32))
                circuit.train(
                    x: train.x.rows(idx), labels: idx.map { train.labels[$0] }, learningRate: 2000,
                    stream: UInt64(s))
            }
            let trainRate = Double(n) / Date().timeIntervalSince(clock)
            clock = Date()
            _ = circuit.classify(train.x.rows(Array(0..<n)), stream: 1 << 40)
            let testRate = Double(n) / Date().timeIntervalSince(clock)
            let name = sizes.map(String.init).joined(separator: "-")
            print(String(format: "%-18@ %7.1f %20.0f %16.0f", name, dt, trainRate, testRate))
        }
    }
}

configureAllocator()
let threads =
    ProcessInfo.processInfo.environment["BENCH_THREADS"].flatMap(Int.init)
    ?? ProcessInfo.processInfo.activeProcessorCount
setBLASThreads(threads)
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "forward" {
    forwardBenchmark(dt: arguments.dropFirst().first.flatMap(Double.init) ?? 0.5)
} else {
    let epochs = arguments.first.flatMap(Int.init) ?? 1
    let train = benchmarkData()
    print("BLAS: \(blasKernel); \(blasThreads) threads; best of \(epochs) epoch(s), batch 32")
    var rng = SplitMix64(seed: 2)
    let initial = Network(sizes: [784, 256, 256, 10], hidden: .relu, output: .linear, rng: &rng)
    timeRules(Double.self, name: "Double precision (dgemm)", initial: initial, train: train, epochs: epochs)
    timeRules(Float.self, name: "Float precision (sgemm)", initial: initial, train: train, epochs: epochs)
    spikingBenchmark(train: train)
}
