import Foundation
import PropertyBased
import Testing

@testable import NeuroModel

@Suite struct SpikingCircuitTests {
    /// With a large η, fixed routes do clip synapses at zero (so the property above is exercised).
    @Test func fixedRoutesClipAtZero() {
        var clipped = 0
        for seed in 0..<10 {
            var (circuit, x, labels) = smallSpikingCase(seed, routes: .fixed)
            for step in 0..<4 { circuit.train(x: x, labels: labels, learningRate: 2e5, stream: UInt64(step)) }
            clipped += circuit.crossings
            let zeros = circuit.weights.map { $0.data.filter { $0 == 0 }.count }.reduce(0, +)
            if circuit.crossings > 0 { #expect(zeros > 0) }
        }
        #expect(clipped > 0)
    }

    /// Results do not depend on the thread count: each sample has its own random streams.
    @Test func updateIsByteIdenticalForAnyThreadCount() {
        var g = SplitMix64(seed: 3)
        var settings = SpikingSettings()
        settings.window = 60
        let circuit = SpikingCircuit(sizes: [20, 12, 4], settings: settings, rng: &g)
        let x = Matrix(rows: 9, cols: 20) { _, _ in g.uniform() }
        let y = Matrix(rows: 9, cols: 4) { i, j in i % 4 == j ? 0.08 : 0.02 }
        let one = circuit.update(x: x, targets: y, learningRate: 100, stream: 5, threads: 1)
        for threads in [2, 3, 8] {
            let other = circuit.update(x: x, targets: y, learningRate: 100, stream: 5, threads: threads)
            #expect(other.weights == one.weights)
            #expect(other.biases == one.biases)
            #expect(other.gainState == one.gainState)
        }
    }

    /// The error channels' gain is homeostatic and local: the first batch sets each emitting population's
    /// running mean to the mean |ε| of its own cells, and κ = gainTarget · ν₀ / that mean.
    @Test func gainComesFromThePopulationsOwnErrors() {
        var g = SplitMix64(seed: 4)
        var settings = SpikingSettings()
        settings.window = 80
        let circuit = SpikingCircuit(sizes: [10, 8, 6, 3], settings: settings, rng: &g)
        let x = Matrix(rows: 5, cols: 10) { _, _ in g.uniform() }
        let y = Matrix(rows: 5, cols: 3) { i, j in i % 3 == j ? 0.08 : 0.02 }
        let u = circuit.update(x: x, targets: y, learningRate: 1, stream: 1)
        for l in 1..<circuit.depth {
            let own = u.errors[l].data.reduce(0) { $0 + abs($1) } / Double(u.errors[l].count)
            #expect(u.gainState[l - 1] == own)
            #expect(abs(u.gains[l - 1] - settings.gainTarget * settings.burstBaseline / own) <= 1e-12 * u.gains[l - 1])
        }
    }

    /// A restored state continues bit for bit.
    @Test func stateRoundTripContinuesIdentically() throws {
        var (circuit, x, labels) = smallSpikingCase(11, routes: .moving)
        circuit.train(x: x, labels: labels, learningRate: 1e4, stream: 0)
        let data = try JSONEncoder().encode(circuit.state)
        let state = try JSONDecoder().decode(SpikingCircuitState.self, from: data)
        var restored = try SpikingCircuit(restoring: state, sizes: circuit.sizes, settings: circuit.settings)
        let a = circuit.train(x: x, labels: labels, learningRate: 1e4, stream: 1)
        let b = restored.train(x: x, labels: labels, learningRate: 1e4, stream: 1)
        #expect(a.weights == b.weights)
        #expect(circuit.state == restored.state)
    }

    /// The spiking trainer uses no quantity of the rate-level matrix algorithm: its source file names none of
    /// the rate-level types or gradient functions outside comments.
    @Test func engineUsesNoRateLevelQuantity() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/NeuroModel/SpikingCircuit.swift").path
        let code = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }.joined(separator: "\n")
        let identifiers = Set(code.split { !($0.isLetter || $0.isNumber || $0 == "_") }.map(String.init))
        let rateLevel = [
            "Network", "NetworkOf", "Feedback", "FeedbackOf", "Learner", "LearnerOf", "gradients",
            "deltas", "ForwardPass", "ForwardPassOf", "Microcircuit", "GradientsOf", "descend"
        ]
        for name in rateLevel { #expect(!identifiers.contains(name), "SpikingCircuit.swift uses \(name)") }
        #expect(identifiers.contains("SpikingCircuit"))  // the file was read
    }

    /// Spike level at lesson 5's size (4-20-3, batch 16, T = 800 ms): over random circuits, at least 60 % of
    /// the update entries that matter (|frSF entry| above 10 % of its layer's largest), pooled over both layers,
    /// have the sign of the rate twin's frSF update (the same weights, r = Siegert rate).
    @Test func spikingUpdateMostlySharesFrSFSigns() async {
        await propertyCheck(count: 6, input: Gen.int(in: 0...1_000_000)) { seed in
            var g = SplitMix64(seed: UInt64(seed))
            var settings = SpikingSettings()
            settings.window = 800
            let circuit = SpikingCircuit(sizes: [4, 20, 3], settings: settings, rng: &g)
            let x = Matrix(rows: 16, cols: 4) { _, _ in g.uniform() }
            let y = Matrix(rows: 16, cols: 3) { _, _ in 0.02 + 0.06 * Double(g.next() % 2) }
            let twin = Network(
                layers: zip(circuit.weights, circuit.biases).map { Layer(w: $0, b: $1) },
                hidden: .lifNoisy, output: .lifNoisy)
            let reference = twin.gradients(
                twin.forward(x.map { $0 * 0.1 }), targets: y, loss: .mse,
                feedback: Feedback(rule: .frsf, matrices: circuit.feedbackMagnitudes))
            let spiking = circuit.update(x: x, targets: y, learningRate: 1, stream: UInt64(seed)).weights
            var same = 0
            var large = 0
            for l in spiking.indices {
                let ref = reference.dW[l].data.map { -$0 }
                let big = ref.indices.filter { abs(ref[$0]) > 0.1 * (ref.map(abs).max() ?? 0) }
                same += big.filter { spiking[l].data[$0].signum == ref[$0].signum }.count
                large += big.count
            }
            #expect(Double(same) >= 0.6 * Double(large), "\(same) of \(large) signs match")
        }
    }
}
