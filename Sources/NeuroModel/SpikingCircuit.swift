import Dispatch
import Foundation

// The spiking microcircuit's engine. By design this file uses nothing of the rate-level matrix algorithm
// (no `Network`, `Feedback`, gradients or deltas): the circuit learns from its own spikes, its cells' own
// mean drive and the bursts that reach them. A test reads this file to keep it that way.

/// What happens to a pair's feedback synapse when its forward weight would cross zero.
public enum RouteMode: String, Sendable, CaseIterable, Codable {
    /// Named shortcut: the forward synapse is pruned and the opposite route formed (direct ↔ via PV), and the
    /// pair's feedback synapse moves to the matching route (direct ↔ via SST). Nothing local tells the feedback
    /// synapse that its forward partner changed sign: this is bookkeeping, not a mechanism.
    case moving
    /// Local: each pair keeps the route it was formed with; its strength is clipped at zero (the synapse falls
    /// silent, it never changes type), so sign(B) = sign(Wᵀ) holds by construction.
    case fixed
}

/// Settings of the spiking circuit (units: ms, nA, mV, spikes/ms).
public struct SpikingSettings: Sendable, Equatable {
    /// Time step (ms); must divide t_ref. Somas are integrated exactly for the drive held over a step.
    public var dt = 0.5
    /// Counting window T of the forward phase and of each error phase (ms).
    public var window = 200.0
    /// Settling time before the forward count starts (ms).
    public var settle = 50.0
    /// Synaptic current time constant τ_s (ms): a spike through a synapse of weight w adds w/τ_s nA, so a
    /// train of rate ν gives a mean current w ν.
    public var tauSynapse = 20.0
    /// Input rate for a feature of value 1 (spikes/ms).
    public var inputRate = 0.1
    /// Background noise σ of every soma (mV; free membrane std σ/√2), as in `NoisyLIF`.
    public var noiseSigma = Activation.lifNoiseSigma
    /// Baseline burst rate ν₀ of the error channel (spikes/ms).
    public var burstBaseline = 0.1
    /// Homeostatic target: the population's mean burst-rate deviation κ·mean|ε| is held at this fraction of ν₀.
    public var gainTarget = 0.25
    /// Weight of the newest batch in the population's running mean of |ε| (per batch).
    public var gainMemory = 0.05
    /// Target rates of the output cells (spikes/ms): `targetHigh` for the labelled class, else `targetLow`.
    public var targetLow = 0.02
    public var targetHigh = 0.08
    public var routes = RouteMode.moving
    public init() {}

    public var countSteps: Int { Int((window / dt).rounded()) }
    public var settleSteps: Int { Int((settle / dt).rounded()) }

    /// The teacher's target rates for a label.
    public func target(_ label: Int, classes: Int) -> [Double] {
        (0..<classes).map { $0 == label ? targetHigh : targetLow }
    }
}

/// What one sample's forward phase measured.
public struct SpikingForward: Sendable, Equatable {
    /// Spike counts / T per layer; index 0 is the input layer.
    public var rates: [[Double]]
    /// Mean drive (nA) of each Pyr cell over the window, its local estimate of u; index 0 is layer 1.
    public var basal: [[Double]]
}

/// One batch's local learning signals and the update they give.
public struct SpikingUpdate: Sendable {
    /// ΔW^l = η/B Σ_s ε^l_s (n^{l−1}_s/T)ᵀ per layer (W-shaped).
    public var weights: [Matrix]
    /// Δb^l = η/B Σ_s ε^l_s.
    public var biases: [[Double]]
    /// ε per layer, batch × n_l.
    public var errors: [Matrix]
    /// Rates per layer (index 0 input), batch × n_l.
    public var rates: [Matrix]
    /// Burst channels whose rate ν₀ + κε was negative and clipped at zero, and all channels used.
    public var clipped: Int
    public var channels: Int
    /// The population gains κ used, per emitting layer (index l − 1 for layer l ≥ 2; spikes/ms per unit ε).
    public var gains: [Double]
    /// The homeostatic state after this batch.
    public var gainState: [Double]
}

/// The spiking microcircuit: LIF Pyr somas with background noise; forward weights realised by Dale routes
/// (W_kj > 0 a direct excitatory synapse, W_kj < 0 the route through the source's PV cell), feedback of fixed
/// magnitude |R_kj| onto the apical compartment of the cell below along the pair's route (direct, or through
/// the target's SST cell), so the effective feedback is B = |R| ∘ s with s the pair's route sign.
///
/// One sample, three phases:
/// 1. Forward (settle, then window T): Poisson input trains at x·ν_in; a spike of a source adds W_kj/τ_s to
///    the synaptic current of cell k; somas integrate τ dV/dt = −(V − V_rest) + R(b + I_syn) + noise exactly
///    per step. Each cell counts its spikes (r̂ = n/T) and averages its own drive (ū).
/// 2. Output apical: a^L = y − r̂^L; ε^L = f′(ū^L) a^L with f′ the Siegert slope (σ = `noiseSigma`).
/// 3. Error windows, top-down: each Pyr cell of layer l bursts as a Poisson train at ν₀ + κ^l ε^l. The
///    apical dendrite of cell j below receives Σ_k ±|R_kj| n_k/T, subtracts the baseline's share and undoes
///    the population gain: â_j = Σ_k B_jk (n_k/T − ν₀)/κ^l; then ε_j = f′(ū_j) â_j.
/// Hebbian update: ΔW^l_kj = η ε^l_k r̂^{l−1}_j, Δb^l_k = η ε^l_k (batch means).
///
/// Gain κ^l (homeostatic, local to the population): κ^l = gainTarget·ν₀ / m^l with m^l a running mean of the
/// population's own |ε^l| over past batches (the first batch uses its own); the cells below must know their
/// source population's κ^l to decode (a population-wide tone, not a quantity of the matrix algorithm).
///
/// ```swift
/// var rng = SplitMix64(seed: 1)
/// var circuit = SpikingCircuit(sizes: [784, 100, 10], settings: SpikingSettings(), rng: &rng)
/// let stats = circuit.train(x: batchX, labels: batchLabels, learningRate: 2000, stream: 0)
/// let predicted = circuit.classify(testX, stream: 1 << 40)
/// ```
public struct SpikingCircuit: Sendable {
    public let sizes: [Int]
    public var settings: SpikingSettings
    /// Signed forward weights W^l (n_l × n_{l−1}, nA·ms); index 0 is layer 1.
    public private(set) var weights: [Matrix]
    /// Tonic drive b^l of every Pyr cell (nA).
    public private(set) var biases: [[Double]]
    /// Feedback magnitudes |R^l| ≥ 0, shaped like W^{l+1} (index l − 1 feeds layer l from layer l + 1).
    public let feedbackMagnitudes: [Matrix]
    /// Route sign s of every forward pair (+1 direct, −1 via PV), shaped like W.
    public private(set) var routeSigns: [[Int8]]
    /// Homeostatic running mean of |ε| per emitting layer (index l − 1 for layer l ≥ 2); NaN before the first
    /// batch.
    public private(set) var gainState: [Double]
    /// Forward weights that crossed zero (moving routes) or were clipped at zero (fixed routes), counted.
    public private(set) var crossings = 0
    let slopeTable: SiegertTable
    /// Seed of the per-sample random streams.
    public let seed: UInt64

    /// Draws W^l ~ U(±a_l) with a_l = weightScale / (0.05 √n_{l−1}) nA·ms (inputs near 50 Hz then give currents
    /// of about ±weightScale nA), biases `bias` nA, and feedback magnitudes from the distribution of |W| at
    /// initialisation: |R^l| ~ |U(±a_{l+1})|, in W's units.
    public init(
        sizes: [Int], settings: SpikingSettings, weightScale: Double = 1.5, bias: Double = 2,
        rng: inout SplitMix64
    ) {
        precondition(sizes.count >= 2 && sizes.allSatisfy { $0 > 0 }, "SpikingCircuit: sizes \(sizes)")
        let bounds = (1..<sizes.count).map { weightScale / (0.05 * Double(sizes[$0 - 1]).squareRoot()) }
        let w = (1..<sizes.count).map { l in
            Matrix(rows: sizes[l], cols: sizes[l - 1]) { _, _ in rng.uniform(-bounds[l - 1], bounds[l - 1]) }
        }
        let r = (2..<max(sizes.count, 2)).map { l in
            Matrix(rows: sizes[l], cols: sizes[l - 1]) { _, _ in abs(rng.uniform(-bounds[l - 1], bounds[l - 1])) }
        }
        self.init(
            weights: w, biases: (1..<sizes.count).map { Array(repeating: bias, count: sizes[$0]) },
            feedbackMagnitudes: r, settings: settings, seed: rng.next())
    }

    /// A circuit with given weights, biases and feedback magnitudes; routes follow the signs of W
    /// (a zero weight gets the direct route).
    public init(
        weights: [Matrix], biases: [[Double]], feedbackMagnitudes: [Matrix], settings: SpikingSettings,
        seed: UInt64
    ) {
        precondition(!weights.isEmpty && biases.count == weights.count, "SpikingCircuit: one bias per layer")
        precondition(feedbackMagnitudes.count == weights.count - 1, "SpikingCircuit: one |R| per hidden layer")
        for l in 1..<weights.count {
            precondition(weights[l].cols == weights[l - 1].rows, "SpikingCircuit: layer \(l + 1) input size")
            precondition(
                feedbackMagnitudes[l - 1].rows == weights[l].rows
                    && feedbackMagnitudes[l - 1].cols == weights[l].cols, "SpikingCircuit: |R| shape")
        }
        precondition(feedbackMagnitudes.allSatisfy { $0.data.allSatisfy { $0 >= 0 } }, "SpikingCircuit: |R| < 0")
        let refractorySteps = Activation.lifCell.tRef / settings.dt
        precondition(abs(refractorySteps - refractorySteps.rounded()) < 1e-9, "SpikingCircuit: dt must divide t_ref")
        self.sizes = [weights[0].cols] + weights.map(\.rows)
        self.settings = settings
        self.weights = weights
        self.biases = biases
        self.feedbackMagnitudes = feedbackMagnitudes
        self.routeSigns = weights.map { w in w.data.map { $0 < 0 ? -1 : 1 } }
        self.gainState = Array(repeating: .nan, count: weights.count - 1)
        self.slopeTable = SiegertTable(NoisyLIF(cell: Activation.lifCell, sigma: settings.noiseSigma))
        self.seed = seed
    }

    public var depth: Int { weights.count }

    /// Effective feedback B = s ∘ |R| per hidden layer, shaped like W^{l+1}: the signed strength of each
    /// pair's feedback synapse on its route (direct +, through SST −).
    public var signedFeedback: [Matrix] {
        (0..<(depth - 1)).map { l in
            let m = feedbackMagnitudes[l]
            let s = routeSigns[l + 1]
            return Matrix(rows: m.rows, cols: m.cols, data: (0..<m.count).map { Double(s[$0]) * m.data[$0] })
        }
    }

    /// Pairs whose forward weight disagrees with its route (s·W < 0): Dale's principle broken. Zero by design.
    public var daleViolations: Int {
        zip(weights, routeSigns).map { w, s in (0..<w.count).filter { Double(s[$0]) * w.data[$0] < 0 }.count }
            .reduce(0, +)
    }

    /// Pairs with a non-zero forward weight whose feedback sign differs: sign(B) ≠ sign(Wᵀ). Zero by design.
    public var signMismatches: Int {
        (0..<(depth - 1)).map { l in
            let w = weights[l + 1]
            let m = feedbackMagnitudes[l]
            let s = routeSigns[l + 1]
            return (0..<w.count).filter { w.data[$0] != 0 && m.data[$0] > 0 && w.data[$0].signum != Double(s[$0]) }
                .count
        }.reduce(0, +)
    }
}

// MARK: - The forward phase, event-driven

/// Scratch memory of one worker: every buffer a sample's forward phase needs, allocated once per call as flat
/// buffers (layer l's cells at `offset[l]`), so the time-step loop allocates nothing and checks no bounds.
final class SpikingWorkspace: @unchecked Sendable {
    let sizes: [Int]
    /// Offsets of layer l + 1's cells in the per-cell buffers; offsets of layer l's cells in `counts`.
    let offset: [Int], countOffset: [Int]
    let v: UnsafeMutablePointer<Double>, current: UnsafeMutablePointer<Double>
    let driveSum: UnsafeMutablePointer<Double>, counts: UnsafeMutablePointer<Double>
    let refractory: UnsafeMutablePointer<Int32>
    /// Cells of each layer that spiked in this step.
    let spiked: UnsafeMutablePointer<Int32>
    var spikedCount: [Int]
    var eventStep: [Int32] = [], eventSource: [Int32] = [], sorted: [Int32] = []
    var stepStart: [Int32], fill: [Int32]

    init(sizes: [Int], steps: Int) {
        self.sizes = sizes
        let hidden = Array(sizes.dropFirst())
        offset = hidden.indices.map { hidden[..<$0].reduce(0, +) }
        countOffset = sizes.indices.map { sizes[..<$0].reduce(0, +) }
        let cells = hidden.reduce(0, +)
        v = .allocate(capacity: cells)
        current = .allocate(capacity: cells)
        driveSum = .allocate(capacity: cells)
        refractory = .allocate(capacity: cells)
        spiked = .allocate(capacity: cells)
        counts = .allocate(capacity: sizes.reduce(0, +))
        spikedCount = Array(repeating: 0, count: hidden.count)
        stepStart = Array(repeating: 0, count: steps + 1)
        fill = stepStart
        let expected = sizes[0] * 64
        eventStep.reserveCapacity(expected)
        eventSource.reserveCapacity(expected)
        sorted.reserveCapacity(expected)
    }

    deinit {
        v.deallocate()
        current.deallocate()
        driveSum.deallocate()
        refractory.deallocate()
        spiked.deallocate()
        counts.deallocate()
    }

    func counts(_ l: Int) -> [Double] { Array(UnsafeBufferPointer(start: counts + countOffset[l], count: sizes[l])) }
    func driveSums(_ l: Int) -> [Double] {
        Array(UnsafeBufferPointer(start: driveSum + offset[l], count: sizes[l + 1]))
    }
}

/// Forward weights arranged by source for the event loop: column j of W^l scaled by 1/τ_s, contiguous.
struct SourceMajorWeights {
    let bySource: [[Double]]
    init(_ weights: [Matrix], tauSynapse: Double) {
        bySource = weights.map { w in
            var t = [Double](repeating: 0, count: w.count)
            for k in 0..<w.rows { for j in 0..<w.cols { t[j * w.rows + k] = w.data[k * w.cols + j] / tauSynapse } }
            return t
        }
    }
}

/// c[k] += column[k] for k < count (vectorised by the compiler).
@inline(__always)
func addColumn(_ column: UnsafePointer<Double>, to c: UnsafeMutablePointer<Double>, count: Int) {
    for k in 0..<count { c[k] += column[k] }
}

/// A spike for a raster plot: time (ms, from the start of the count), layer (0 = input), cell.
public struct RasterSpike: Sendable, Equatable {
    public var time: Double
    public var layer: Int
    public var cell: Int
}

extension SpikingCircuit {
    /// Poisson input spike times for one sample, bucketed by time step (counting sort), into `ws`.
    func drawInputEvents(_ x: ArraySlice<Double>, steps: Int, ws: SpikingWorkspace, rng: inout SplitMix64) {
        let dt = settings.dt
        let duration = Double(steps) * dt
        ws.eventStep.removeAll(keepingCapacity: true)
        ws.eventSource.removeAll(keepingCapacity: true)
        for (i, xi) in x.enumerated() where xi > 0 {
            let rate = xi * settings.inputRate
            var t = -Foundation.log(1 - rng.uniform()) / rate
            while t < duration {
                ws.eventStep.append(Int32(t / dt))
                ws.eventSource.append(Int32(i))
                t -= Foundation.log(1 - rng.uniform()) / rate
            }
        }
        for n in ws.stepStart.indices { ws.stepStart[n] = 0 }
        for s in ws.eventStep { ws.stepStart[Int(s) + 1] += 1 }
        for n in 0..<steps { ws.stepStart[n + 1] += ws.stepStart[n] }
        if ws.sorted.count < ws.eventStep.count {
            ws.sorted.append(contentsOf: repeatElement(0, count: ws.eventStep.count - ws.sorted.count))
        }
        for n in ws.stepStart.indices { ws.fill[n] = ws.stepStart[n] }
        for e in ws.eventStep.indices {
            let n = Int(ws.eventStep[e])
            ws.sorted[Int(ws.fill[n])] = ws.eventSource[e]
            ws.fill[n] += 1
        }
    }

    /// One sample's forward phase: settle, then count over T. Writes counts and drive sums into `ws`.
    func runForward(
        _ x: ArraySlice<Double>, weights w: SourceMajorWeights, ws: SpikingWorkspace,
        rng: inout SplitMix64, raster: ((RasterSpike) -> Void)? = nil
    ) {
        let cell = Activation.lifCell
        let settleSteps = settings.settleSteps
        let steps = settleSteps + settings.countSteps
        drawInputEvents(x, steps: steps, ws: ws, rng: &rng)
        let synDecay = Foundation.exp(-settings.dt / settings.tauSynapse)
        let memDecay = Foundation.exp(-settings.dt / cell.tau)
        let noise = NoisyLIF(cell: cell, sigma: settings.noiseSigma).stepNoise(dt: settings.dt)
        let refractorySteps = Int32((cell.tRef / settings.dt).rounded())
        let L = depth
        let cells = sizes.dropFirst().reduce(0, +)
        for i in 0..<cells {
            ws.v[i] = cell.vRest
            ws.current[i] = 0
            ws.driveSum[i] = 0
            ws.refractory[i] = 0
        }
        for i in 0..<sizes.reduce(0, +) { ws.counts[i] = 0 }
        NormalTable.values.withUnsafeBufferPointer { table in
            ws.sorted.withUnsafeBufferPointer { events in
                for n in 0..<steps {
                    let counting = n >= settleSteps
                    let time = Double(n - settleSteps) * settings.dt
                    let first = Int(ws.stepStart[n])
                    let last = Int(ws.stepStart[n + 1])
                    if counting { for e in first..<last { ws.counts[Int(events[e])] += 1 } }
                    if let raster, counting {
                        for e in first..<last { raster(RasterSpike(time: time, layer: 0, cell: Int(events[e]))) }
                    }
                    for l in 0..<L {
                        let nl = sizes[l + 1]
                        let c = ws.current + ws.offset[l]
                        for k in 0..<nl { c[k] *= synDecay }
                        w.bySource[l].withUnsafeBufferPointer { wt in
                            guard let base = wt.baseAddress else { return }
                            if l == 0 {
                                for e in first..<last { addColumn(base + Int(events[e]) * nl, to: c, count: nl) }
                            } else {
                                let below = ws.spiked + ws.offset[l - 1]
                                for e in 0..<ws.spikedCount[l - 1] {
                                    addColumn(base + Int(below[e]) * nl, to: c, count: nl)
                                }
                            }
                        }
                        stepSomas(
                            l, ws: ws, counting: counting, memDecay: memDecay, noise: noise,
                            refractorySteps: refractorySteps, table: table, rng: &rng)
                        if let raster, counting {
                            let here = ws.spiked + ws.offset[l]
                            for e in 0..<ws.spikedCount[l] {
                                raster(RasterSpike(time: time, layer: l + 1, cell: Int(here[e])))
                            }
                        }
                    }
                }
            }
        }
    }

    /// The somas of layer l take one exact step: V ← μ + (V − μ)e^{−dt/τ} + σ_step ξ,
    /// μ = V_rest + R(b + I_syn).
    @inline(__always)
    func stepSomas(
        _ l: Int, ws: SpikingWorkspace, counting: Bool, memDecay: Double, noise: Double,
        refractorySteps: Int32, table: UnsafeBufferPointer<Double>, rng: inout SplitMix64
    ) {
        let cell = Activation.lifCell
        let o = ws.offset[l]
        let nl = sizes[l + 1]
        let v = ws.v + o
        let c = ws.current + o
        let sum = ws.driveSum + o
        let refractory = ws.refractory + o
        let spiked = ws.spiked + o
        let counts = ws.counts + ws.countOffset[l + 1]
        var fired = 0
        biases[l].withUnsafeBufferPointer { b in
            for k in 0..<nl {
                let drive = b[k] + c[k]
                if counting { sum[k] += drive }
                if refractory[k] > 0 {
                    refractory[k] -= 1
                    v[k] = cell.vReset
                    continue
                }
                let mu = cell.vRest + cell.resistance * drive
                let vNew = mu + (v[k] - mu) * memDecay + noise * rng.tableNormal(table)
                if vNew >= cell.theta {
                    v[k] = cell.vReset
                    refractory[k] = refractorySteps
                    spiked[fired] = Int32(k)
                    fired += 1
                    if counting { counts[k] += 1 }
                } else {
                    v[k] = vNew
                }
            }
        }
        ws.spikedCount[l] = fired
    }

    /// The random stream of one sample's forward phase (`part` 0) or error bursts (`part` 1).
    func sampleStream(_ stream: UInt64, part: UInt64) -> SplitMix64 {
        SplitMix64(seed: seed).fork(stream &* 2 &+ part)
    }

    /// Forward phases of many samples on all cores. Sample s uses the stream `stream + s`, so the results do
    /// not depend on how samples are shared among threads. Returns rates (batch × n_l, index 0 input) and
    /// mean drives (index 0 is layer 1).
    public func forward(_ x: Matrix, stream: UInt64, threads: Int = SpikingCircuit.threads)
        -> (rates: [Matrix], basal: [Matrix])
    {
        precondition(x.cols == sizes[0], "SpikingCircuit.forward: \(x.cols) inputs for \(sizes[0])")
        let batch = x.rows
        let T = settings.window
        let countSteps = Double(settings.countSteps)
        let w = SourceMajorWeights(weights, tauSynapse: settings.tauSynapse)
        var rates = sizes.map { Matrix(rows: batch, cols: $0) }
        var basal = sizes.dropFirst().map { Matrix(rows: batch, cols: $0) }
        let workers = max(1, min(threads, batch))
        let steps = settings.settleSteps + settings.countSteps
        let spaces = (0..<workers).map { _ in SpikingWorkspace(sizes: sizes, steps: steps) }
        let results = SampleResults(batch: batch, sizes: sizes)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let ws = spaces[worker]
            var s = worker
            while s < batch {
                var rng = sampleStream(stream &+ UInt64(s), part: 0)
                runForward(x.row(s), weights: w, ws: ws, rng: &rng)
                results.store(s, ws: ws)
                s += workers
            }
        }
        for s in 0..<batch {
            for l in 0..<sizes.count {
                for k in 0..<sizes[l] { rates[l].data[s * sizes[l] + k] = results.counts[s][l][k] / T }
            }
            for l in 0..<depth {
                for k in 0..<sizes[l + 1] {
                    basal[l].data[s * sizes[l + 1] + k] = results.driveSums[s][l][k] / countSteps
                }
            }
        }
        return (rates, Array(basal))
    }

    /// The forward phase of one sample with every spike passed to `raster` (for figures).
    public func forwardRecording(_ x: [Double], stream: UInt64, raster: (RasterSpike) -> Void) -> SpikingForward {
        let ws = SpikingWorkspace(sizes: sizes, steps: settings.settleSteps + settings.countSteps)
        var rng = sampleStream(stream, part: 0)
        withoutActuallyEscaping(raster) { record in
            runForward(
                x[...], weights: SourceMajorWeights(weights, tauSynapse: settings.tauSynapse), ws: ws,
                rng: &rng, raster: record)
        }
        return SpikingForward(
            rates: sizes.indices.map { ws.counts($0).map { $0 / settings.window } },
            basal: (0..<depth).map { ws.driveSums($0).map { $0 / Double(settings.countSteps) } })
    }

    /// Number of worker threads for the sample-parallel loops (all cores by default).
    nonisolated(unsafe) public static var threads = ProcessInfo.processInfo.activeProcessorCount

    /// Predicted classes: the output cell with most spikes; a tie goes to the cell with the larger mean drive
    /// (no class is favoured). Also returns the fraction of samples whose top count was tied.
    public func classify(_ x: Matrix, stream: UInt64) -> (labels: [Int], tied: Double) {
        let (rates, basal) = forward(x, stream: stream)
        let out = rates[depth]
        let drive = basal[depth - 1]
        let n = sizes[depth]
        var labels: [Int] = []
        var ties = 0
        for s in 0..<x.rows {
            var best = 0
            var tie = false
            for k in 1..<n {
                let r = out[s, k]
                let rb = out[s, best]
                if r > rb || (r == rb && drive[s, k] > drive[s, best]) { best = k }
            }
            for k in 0..<n where k != best && out[s, k] == out[s, best] { tie = true }
            if tie { ties += 1 }
            labels.append(best)
        }
        return (labels, Double(ties) / Double(max(x.rows, 1)))
    }
}

/// Per-sample outputs of the parallel forward phase; each sample's slot is written by exactly one worker.
final class SampleResults: @unchecked Sendable {
    var counts: [[[Double]]]
    var driveSums: [[[Double]]]
    init(batch: Int, sizes: [Int]) {
        counts = Array(repeating: sizes.map { Array(repeating: 0, count: $0) }, count: batch)
        driveSums = Array(repeating: sizes.dropFirst().map { Array(repeating: 0, count: $0) }, count: batch)
    }
    func store(_ s: Int, ws: SpikingWorkspace) {
        let c = ws.sizes.indices.map { ws.counts($0) }
        let d = ws.sizes.indices.dropLast().map { ws.driveSums($0) }
        counts.withUnsafeMutableBufferPointer { $0[s] = c }
        driveSums.withUnsafeMutableBufferPointer { $0[s] = d }
    }
}

// MARK: - Error phases, the Hebbian update, and training

extension SpikingCircuit {
    /// Poisson count with mean λ (inversion; means above 500 summed in parts).
    static func poisson(_ lambda: Double, rng: inout SplitMix64) -> Int {
        var remaining = lambda
        var total = 0
        while remaining > 0 {
            let part = min(remaining, 500)
            remaining -= part
            var p = Foundation.exp(-part)
            var cumulative = p
            var k = 0
            let u = rng.uniform()
            while u > cumulative && p > 0 {
                k += 1
                p *= part / Double(k)
                cumulative += p
            }
            total += k
        }
        return total
    }

    /// One batch through all three phases: the local learning signals and the update η/B Σ ε r̂ᵀ they give.
    /// Does not change the circuit (the returned `gainState` is what the populations' running means become).
    public func update(
        x: Matrix, targets y: Matrix, learningRate eta: Double, stream: UInt64,
        threads: Int = SpikingCircuit.threads
    ) -> SpikingUpdate {
        precondition(y.rows == x.rows && y.cols == sizes[depth], "SpikingCircuit.update: targets \(y.rows)x\(y.cols)")
        let batch = x.rows
        let T = settings.window
        let nu0 = settings.burstBaseline
        let (rates, basal) = forward(x, stream: stream, threads: threads)
        var errors = sizes.dropFirst().map { Matrix(rows: batch, cols: $0) }
        // Output apical: teacher minus the SST copy of the cell's own rate; ε = f′(ū) a.
        let top = depth - 1
        for i in 0..<errors[top].count {
            errors[top].data[i] = slopeTable.slope(basal[top].data[i]) * (y.data[i] - rates[depth].data[i])
        }
        var gains: [Double] = []
        var newState = gainState
        var clipped = 0
        var channels = 0
        let feedback = signedFeedback
        var burstRNG = (0..<batch).map { sampleStream(stream &+ UInt64($0), part: 1) }
        for l in stride(from: top, to: 0, by: -1) {
            // Homeostatic gain of population l from its own running mean of |ε|.
            let batchMean = errors[l].data.reduce(0) { $0 + abs($1) } / Double(errors[l].count)
            var m = gainState[l - 1].isNaN ? batchMean : gainState[l - 1]
            if !(m > 0) { m = batchMean > 0 ? batchMean : 1 }
            let kappa = settings.gainTarget * nu0 / m
            gains.append(kappa)
            newState[l - 1] =
                gainState[l - 1].isNaN
                ? batchMean
                : (1 - settings.gainMemory) * gainState[l - 1] + settings.gainMemory * batchMean
            // Burst counts in the window, then the apical decode â = (n/T − ν₀)/κ · B.
            var deviation = Matrix(rows: batch, cols: sizes[l + 1])
            for s in 0..<batch {
                for k in 0..<sizes[l + 1] {
                    let nu = nu0 + kappa * errors[l][s, k]
                    if nu < 0 { clipped += 1 }
                    channels += 1
                    let n = SpikingCircuit.poisson(max(nu, 0) * T, rng: &burstRNG[s])
                    deviation.data[s * sizes[l + 1] + k] = (Double(n) / T - nu0) / kappa
                }
            }
            let apical = matmul(deviation, feedback[l - 1])  // batch × n_{l−1}
            for i in 0..<errors[l - 1].count {
                errors[l - 1].data[i] = slopeTable.slope(basal[l - 1].data[i]) * apical.data[i]
            }
        }
        let scale = eta / Double(batch)
        var dW: [Matrix] = []
        var db: [[Double]] = []
        for l in 0..<depth {
            dW.append(matmul(errors[l], transA: true, rates[l]).map { scale * $0 })
            db.append((0..<sizes[l + 1]).map { k in scale * (0..<batch).reduce(0) { $0 + errors[l][$1, k] } })
        }
        return SpikingUpdate(
            weights: dW, biases: db, errors: errors, rates: rates, clipped: clipped,
            channels: channels, gains: gains.reversed(), gainState: newState)
    }

    /// Applies an update through the routes. Moving routes: W += ΔW, and a pair whose weight changes sign
    /// swaps route, its feedback synapse with it. Fixed routes: s·W is clipped at zero; no route ever changes.
    public mutating func apply(_ u: SpikingUpdate) {
        for l in 0..<depth {
            precondition(
                u.weights[l].rows == weights[l].rows && u.weights[l].cols == weights[l].cols,
                "SpikingCircuit.apply: update shape of layer \(l + 1)")
            for i in 0..<weights[l].count {
                let new = weights[l].data[i] + u.weights[l].data[i]
                switch settings.routes {
                case .moving:
                    if new != 0 && new.signum != Double(routeSigns[l][i]) {
                        routeSigns[l][i] = new < 0 ? -1 : 1
                        crossings += 1
                    }
                    weights[l].data[i] = new
                case .fixed:
                    if Double(routeSigns[l][i]) * new < 0 {
                        if weights[l].data[i] != 0 { crossings += 1 }
                        weights[l].data[i] = 0
                    } else {
                        weights[l].data[i] = new
                    }
                }
            }
            for k in 0..<sizes[l + 1] { biases[l][k] += u.biases[l][k] }
        }
        gainState = u.gainState
    }

    /// One training step on a batch of raw features (rates x·ν_in) and labels; returns the update applied.
    @discardableResult
    public mutating func train(x: Matrix, labels: [Int], learningRate eta: Double, stream: UInt64) -> SpikingUpdate {
        let classes = sizes[depth]
        let y = Matrix(
            rows: labels.count, cols: classes,
            data: labels.flatMap { settings.target($0, classes: classes) })
        let u = update(x: x, targets: y, learningRate: eta, stream: stream)
        apply(u)
        return u
    }

    /// True when every weight, bias and gain is finite.
    public var allFinite: Bool {
        weights.allSatisfy(\.allFinite) && biases.allSatisfy { $0.allSatisfy(\.isFinite) }
            && gainState.allSatisfy { $0.isNaN || $0.isFinite }
    }
}

// MARK: - Saving and restoring

/// Everything a spiking circuit needs to continue training bit for bit (checkpoints).
public struct SpikingCircuitState: Codable, Equatable, Sendable {
    public var weights: [[Double]]
    public var biases: [[Double]]
    public var feedbackMagnitudes: [[Double]]
    public var routeSigns: [[Int8]]
    public var gainState: [Double?]
    public var crossings: Int
    public var seed: UInt64
}

extension SpikingCircuit {
    public var state: SpikingCircuitState {
        SpikingCircuitState(
            weights: weights.map(\.data), biases: biases,
            feedbackMagnitudes: feedbackMagnitudes.map(\.data),
            routeSigns: routeSigns, gainState: gainState.map { $0.isNaN ? nil : $0 },
            crossings: crossings, seed: seed)
    }

    /// Restores a saved state into a circuit of the same sizes; throws a one-line message on a mismatch.
    public init(restoring s: SpikingCircuitState, sizes: [Int], settings: SpikingSettings) throws {
        let L = sizes.count - 1
        let counts: Bool =
            s.weights.count == L && s.biases.count == L && s.routeSigns.count == L
            && s.feedbackMagnitudes.count == L - 1 && s.gainState.count == L - 1
        let layersFit: Bool =
            counts
            && (0..<L).allSatisfy { (l: Int) -> Bool in
                let n: Int = sizes[l + 1] * sizes[l]
                return s.weights[l].count == n && s.routeSigns[l].count == n && s.biases[l].count == sizes[l + 1]
            }
        let shapesFit: Bool =
            layersFit
            && (0..<(L - 1)).allSatisfy { (l: Int) -> Bool in
                s.feedbackMagnitudes[l].count == sizes[l + 2] * sizes[l + 1]
            }
        guard shapesFit else { throw DataError("the saved spiking circuit does not have the sizes \(sizes)") }
        let finite =
            s.weights.joined().allSatisfy(\.isFinite) && s.biases.joined().allSatisfy(\.isFinite)
            && s.feedbackMagnitudes.joined().allSatisfy { $0.isFinite && $0 >= 0 }
        guard finite else { throw DataError("the saved spiking circuit holds non-finite weights or negative |R|") }
        self.init(
            weights: (0..<L).map { Matrix(rows: sizes[$0 + 1], cols: sizes[$0], data: s.weights[$0]) },
            biases: s.biases,
            feedbackMagnitudes: (0..<(L - 1)).map {
                Matrix(rows: sizes[$0 + 2], cols: sizes[$0 + 1], data: s.feedbackMagnitudes[$0])
            },
            settings: settings, seed: s.seed)
        routeSigns = s.routeSigns
        gainState = s.gainState.map { $0 ?? .nan }
        crossings = s.crossings
        guard daleViolations == 0 else { throw DataError("the saved spiking circuit breaks Dale's principle") }
    }
}
