import Foundation
import NeuroModel

// Benchmark (release build). Run: swift run -c release benchmark [command]
//
//   spiking              forward and training samples/s of the spiking microcircuit, 784-100-10 and
//                        784-500-500-10, at dt = 0.5 and 0.1 ms (median of 3)
//   forward DT [SIZES]   forward-phase samples/s of one network (default 784-100-10): one number on the last
//                        line, for the peer scripts in benchmarks/ (Brian2, PyTorch)
//   train DT [SIZES]     training samples/s of one network (for profiles)
//   rules [EPOCHS]       seconds per epoch of a 784-256-256-10 MLP on Fashion-MNIST for each rule, Double and
//                        Float (best of EPOCHS)
//   (none)               spiking, then rules 1
// Threads: BENCH_THREADS, else every core.

let threads =
    ProcessInfo.processInfo.environment["BENCH_THREADS"].flatMap(Int.init)
    ?? ProcessInfo.processInfo.activeProcessorCount

/// Fashion-MNIST's training set, or random images with its mean intensity when it is not installed.
func benchmarkData() -> Dataset {
    do {
        return try loadIDXDirectory(fashionMNISTSystemDirectory, name: "fashion-mnist").train
    } catch {
        print("data: Fashion-MNIST not installed (\(error)); timing on random images of the same shape")
        var g = SplitMix64(seed: 1)
        let x = Matrix(rows: 60000, cols: 784) { _, _ in g.uniform(0, 0.57) }
        return Dataset(name: "random", x: x, labels: (0..<60000).map { $0 % 10 }, classes: 10)
    }
}

/// A circuit of `sizes` with the lesson 7 recipe's settings at time step `dt`.
func benchmarkCircuit(_ sizes: [Int], dt: Double) -> SpikingCircuit {
    var settings = SpikingSettings()
    settings.dt = dt
    settings.threads = threads
    settings.biasRate = 0.02
    settings.targetLow = 0.01
    settings.targetHigh = 0.1
    settings.gainTarget = 0.15
    var g = SplitMix64(seed: 5)
    return SpikingCircuit(sizes: sizes, settings: settings, rng: &g)
}

/// Forward-phase samples/s on `n` training images (T = 200 ms after 50 ms settling).
func forwardRate(_ circuit: SpikingCircuit, _ data: Dataset, n: Int) -> Double {
    let x = data.x.rows(Array(0..<n))
    let clock = Date()
    _ = circuit.forward(x, stream: 1)
    return Double(n) / Date().timeIntervalSince(clock)
}

/// Training samples/s (forward window, error windows, Hebbian update) on `n` images in batches of 32.
func trainingRate(_ circuit: SpikingCircuit, _ data: Dataset, n: Int) -> Double {
    var c = circuit
    let clock = Date()
    for s in stride(from: 0, to: n, by: 32) {
        let idx = Array(s..<min(s + 32, n))
        c.train(x: data.x.rows(idx), labels: idx.map { data.labels[$0] }, learningRate: 6000, stream: UInt64(s))
    }
    return Double(n) / Date().timeIntervalSince(clock)
}

func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

func spikingBenchmark() {
    setBLASThreads(1)
    let data = benchmarkData()
    print("spiking microcircuit: T = 200 ms after 50 ms settling, batch 32, \(threads) threads, median of 3")
    print("network            dt (ms)   forward samples/s   training samples/s   synapse-samples/s (training)")
    for sizes in [[784, 100, 10], [784, 500, 500, 10]] {
        for dt in [0.5, 0.1] {
            let circuit = benchmarkCircuit(sizes, dt: dt)
            let n = (dt == 0.5 ? 2048 : 512) / (sizes[1] > 100 ? 4 : 1)
            _ = forwardRate(circuit, data, n: 64)  // warm the caches and the thread pool
            let forward = median((0..<3).map { _ in forwardRate(circuit, data, n: n) })
            let training = median((0..<3).map { _ in trainingRate(circuit, data, n: n) })
            let name = sizes.map(String.init).joined(separator: "-")
            print(
                String(
                    format: "%-18@ %7.1f %19.0f %20.0f %16.2e", name, dt, forward, training,
                    training * Double(synapseCount(sizes))))
        }
    }
}

func forwardBenchmark(dt: Double, sizes: [Int]) {
    setBLASThreads(1)
    let circuit = benchmarkCircuit(sizes, dt: dt)
    var g = SplitMix64(seed: 1)
    let x = Matrix(rows: 2048, cols: sizes[0]) { _, _ in g.uniform(0, 0.57) }  // Fashion-MNIST's mean intensity
    _ = circuit.forward(x.rows(Array(0..<64)), stream: 0)
    let clock = Date()
    _ = circuit.forward(x, stream: 1)
    print(
        String(
            format: "%.1f forward samples/s (%@, dt = %@ ms, %d threads)", 2048 / Date().timeIntervalSince(clock),
            sizes.map(String.init).joined(separator: "-"), String(dt), threads))
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

func rulesBenchmark(epochs: Int) {
    setBLASThreads(threads)
    let train = benchmarkData()
    print("BLAS: \(blasKernel); \(blasThreads) threads; best of \(epochs) epoch(s), batch 32")
    var rng = SplitMix64(seed: 2)
    let initial = Network(sizes: [784, 256, 256, 10], hidden: .relu, output: .linear, rng: &rng)
    timeRules(Double.self, name: "Double precision (dgemm)", initial: initial, train: train, epochs: epochs)
    timeRules(Float.self, name: "Float precision (sgemm)", initial: initial, train: train, epochs: epochs)
}

configureAllocator()
let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "forward":
    let sizes = arguments.dropFirst(2).first.map { $0.split(separator: "-").compactMap { Int($0) } } ?? [784, 100, 10]
    forwardBenchmark(dt: arguments.dropFirst().first.flatMap(Double.init) ?? 0.5, sizes: sizes)
case "train":
    // Training samples/s of one network on 16,384 Fashion-MNIST images (for profiles).
    let sizes = arguments.dropFirst(2).first.map { $0.split(separator: "-").compactMap { Int($0) } } ?? [784, 100, 10]
    setBLASThreads(1)
    let circuit = benchmarkCircuit(sizes, dt: arguments.dropFirst().first.flatMap(Double.init) ?? 0.5)
    print(String(format: "%.1f training samples/s", trainingRate(circuit, benchmarkData(), n: 16_384)))
case "spiking": spikingBenchmark()
case "rules": rulesBenchmark(epochs: arguments.dropFirst().first.flatMap(Int.init) ?? 1)
case nil:
    spikingBenchmark()
    print("")
    rulesBenchmark(epochs: 1)
default:
    print("usage: benchmark [spiking | forward DT [SIZES] | train DT [SIZES] | rules [EPOCHS]]")
    exit(2)
}
