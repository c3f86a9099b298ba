import CSpikingKernel
import Dispatch
import Foundation

// Single-phase learning (lesson 8): the circuit of SpikingCircuit.swift with the errors multiplexed into bursts
// while the input runs, instead of sent in error windows after it. The per-sample loop is the C kernel's
// `sk_run_single_phase`.

/// Settings of single-phase learning.
///
/// While the input runs, every Pyr cell j sends **events** (its somatic spikes, which the forward synapses pass)
/// and **bursts** (spikes of its apical compartment, which only the feedback synapses pass), a Poisson process of
/// rate ν_j = clamp(ν₀ + β f′(ū_j) a_j, 0, 2ν₀):
/// - a_j (spikes/ms) is the apical signal: for an output cell the teacher's rate minus the trace (τ_r) of its own
///   spikes; for a hidden cell Σ_k B_jk (bursts_k − ν₀)/β_k filtered with τ_a (facilitating synapses pass the
///   bursts of the cells above; each pair's SST cell, firing tonically, cancels the baseline's share ν₀);
/// - ū_j (nA) is a trace (τ_u) of the cell's own drive and f′ the Siegert slope of its noisy soma;
/// - β (spikes/ms per unit ε) is the population's homeostatic gain: it keeps the mean |ν − ν₀| at
///   `gainTarget`·ν₀.
///
/// Plasticity (per window T): ΔW_ji = η ε̂_j n_i/T with ε̂_j = (n^burst_j − ν₀T)/(βT), the cell's own burst
/// deviation, and n_i the presynaptic events; Δb_j = η ν_b ε̂_j. With `homeostasis` γ > 0 each hidden cell also
/// moves its bias towards its target rate: Δb_j −= γ (n_j/T − `rateTarget`).
///
/// ```swift
/// var phase = SinglePhaseSettings()
/// phase.homeostasis = 0.5
/// let u = circuit.singlePhaseUpdate(x: x, targets: y, learningRate: 6000, stream: 0, phase: phase, gains: nil)
/// circuit.apply(u.update)
/// ```
public struct SinglePhaseSettings: Sendable, Equatable, Codable {
    /// Baseline burst rate ν₀ of the apical compartment (spikes/ms).
    public var baseline = 0.1
    /// Homeostatic target: each population holds its mean |ν − ν₀| at this fraction of ν₀.
    public var gainTarget = 0.15
    /// Exponent of the per-batch gain adjustment (its "memory"): β ← β (target/measured)^memory.
    public var gainMemory = 0.1
    /// Time constant τ_u of a cell's drive trace ū (ms).
    public var traceTau = 20.0
    /// Time constant τ_a of the apical signal (the facilitating feedback synapses' current) (ms).
    public var apicalTau = 20.0
    /// Time constant τ_r of a cell's trace of its own spikes (ms), which an output cell's apical error compares with
    /// the teacher's rate.
    public var rateTau = 20.0
    /// Lag of the error loop per layer (ms): weight layer l of L counts its bursts over the event window shifted by
    /// lag·(L − l + 1) (the output layer by one lag, each layer below by one more), so the synapse pairs the events
    /// of [0, T] with the bursts that answer them.
    public var lag = 20.0
    /// Rate homeostasis of the hidden cells: γ (nA per spikes/ms, per batch; 0 = off) and the target rate
    /// (spikes/ms).
    public var homeostasis = 0.0
    public var rateTarget = 0.03
    public init() {}
}

/// One batch of single-phase learning: the update and what the populations measured.
public struct SinglePhaseUpdate: Sendable {
    /// ΔW and Δb (W- and b-shaped), from the burst deviations and the presynaptic event rates.
    public var update: SpikingUpdate
    /// Per weight layer: the burst gain β after this batch, and the mean |ν − ν_0| over the layer's cells and
    /// steps.
    public var gains: [Double]
    public var meanDeviation: [Double]
    /// Per weight layer: bursts and events counted (all samples).
    public var bursts: [Int], events: [Int]
}

extension SpikingCircuit {
    /// The slope and rate tables the kernel reads, on the Siegert table's grid of 0.002 nA from −10 to 20 nA.
    var slopeGrid: [Float] { (0...15_000).map { Float(slopeTable.slope(-10 + 0.002 * Double($0))) } }
    var rateGrid: [Float] { (0...15_000).map { Float(slopeTable.rate(-10 + 0.002 * Double($0))) } }

    /// One batch in a single phase: every sample's events (the forward phase's, drawn from the same streams),
    /// bursts and drive; then ε̂ = (n_burst − ν_0 T)/(β T) per cell,
    /// ΔW^l = η/B Σ_s ε̂^l_s (n^{l−1}_event/T)ᵀ
    /// and Δb^l = η ν_b/B Σ_s ε̂^l_s (η of the output cells scaled by `outputPlasticity`). `gains` are the
    /// populations' β (nil before the first batch: β = 1, then matched to the homeostatic target). Does not change
    /// the circuit.
    public func singlePhaseUpdate(
        x: Matrix, targets y: Matrix, learningRate eta: Double, stream: UInt64, phase: SinglePhaseSettings,
        gains: [Double]?, matchFully: Bool = false
    ) -> SinglePhaseUpdate {
        precondition(y.rows == x.rows && y.cols == sizes[depth], "singlePhaseUpdate: targets \(y.rows)x\(y.cols)")
        let beta = gains ?? Array(repeating: 1, count: depth)
        let run = singlePhaseCounts(x, targets: y, stream: stream, phase: phase, beta: beta)
        let batch = x.rows
        let T = settings.window
        var errors: [Matrix] = []
        for l in 0..<depth {
            var e = Matrix(rows: batch, cols: sizes[l + 1])
            for i in 0..<e.count {
                e.data[i] = (run.bursts[l].data[i] - phase.baseline * T) / (beta[l] * T)
            }
            errors.append(e)
        }
        var dW: [Matrix] = []
        var db: [[Double]] = []
        for l in 0..<depth {
            let scale = layerRate(l, eta) / Double(batch)
            let pre = run.events[l].map { $0 / T }
            dW.append(matmul(errors[l], transA: true, pre).map { scale * $0 })
            let tonic = scale * settings.biasRate
            db.append((0..<sizes[l + 1]).map { k in tonic * (0..<batch).reduce(0) { $0 + errors[l][$1, k] } })
            // Rate homeostasis of hidden cells: each moves its own bias towards its target rate.
            guard phase.homeostasis > 0, l < depth - 1 else { continue }
            for k in 0..<sizes[l + 1] {
                let rate = (0..<batch).reduce(0) { $0 + run.events[l + 1][$1, k] } / (T * Double(batch))
                db[l][k] -= phase.homeostasis * (rate - phase.rateTarget)
            }
        }
        let mean = (0..<depth).map { run.deviation[2 * $0] / max(run.deviation[2 * $0 + 1], 1) }
        // The first batch matches β to the target (ν − ν_0 is proportional to β while unclipped); later batches
        // move it a fraction `gainMemory` of the way, in ratio.
        let target = phase.gainTarget * phase.baseline
        let next = (0..<depth).map { l -> Double in
            guard mean[l] > 0 else { return beta[l] }
            let ratio = target / mean[l]
            // A population's tone moves within bounds: at most 10⁴× on the first batch (or when matching fully), 2×
            // per batch after.
            return gains == nil || matchFully
                ? beta[l] * min(max(ratio, 1e-4), 1e4) : beta[l] * pow(min(max(ratio, 0.5), 2), phase.gainMemory)
        }
        let update = SpikingUpdate(
            weights: dW, biases: db, errors: errors, rates: run.events.map { $0.map { $0 / T } }, clipped: 0,
            channels: 0, gains: beta, gainState: gainState)
        return SinglePhaseUpdate(
            update: update, gains: next, meanDeviation: mean,
            bursts: run.bursts.map { Int($0.data.reduce(0, +)) },
            events: run.events.dropFirst().map { Int($0.data.reduce(0, +)) })
    }

    /// The populations' gains β settled on one batch before learning: `rounds` runs of the batch, each matching
    /// every β fully to its target (a population's deviation depends on the gain of the one above, so the layers
    /// settle top-down, one round each). Does not change the circuit.
    public func settleGains(x: Matrix, targets y: Matrix, stream: UInt64, phase: SinglePhaseSettings, rounds: Int)
        -> [Double]
    {
        var gains: [Double]?
        for r in 0..<max(rounds, 1) {
            gains =
                singlePhaseUpdate(
                    x: x, targets: y, learningRate: 0, stream: stream &+ UInt64(r) << 16, phase: phase, gains: gains,
                    matchFully: true
                ).gains
        }
        return gains ?? Array(repeating: 1, count: depth)
    }

    /// The kernel's counts for a batch: events per layer (index 0 input), bursts per layer above the input,
    /// and per layer the summed |p − p_b| and number of events.
    func singlePhaseCounts(
        _ x: Matrix, targets y: Matrix, stream: UInt64, phase: SinglePhaseSettings, beta: [Double]
    ) -> (events: [Matrix], bursts: [Matrix], deviation: [Double]) {
        let batch = x.rows
        let kernel = KernelCircuit(self)
        let bursts = BurstKernel(self, phase: phase, beta: beta)
        let workers = max(1, min(settings.threads, batch))
        let spaces = (0..<workers).map { _ in (kernel.workspace(), bursts.workspace(kernel)) }
        let cells = sizes.reduce(0, +)
        let above = cells - sizes[0]
        let events = SendablePointer<Int32>(capacity: max(batch * cells, 1))
        let burstCounts = SendablePointer<Int32>(capacity: max(batch * above, 1))
        let drives = SendablePointer<Float>(capacity: max(batch * above, 1))
        let deviation = SendablePointer<Double>(capacity: max(batch * 2 * depth, 1))
        defer {
            events.pointer.deallocate()
            burstCounts.pointer.deallocate()
            drives.pointer.deallocate()
            deviation.pointer.deallocate()
        }
        let xs = x.data
        let teacher = y.data.map(Float.init)
        let n0 = sizes[0]
        let nOut = sizes[depth]
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var s = worker
            while s < batch {
                var rng = sampleStream(stream &+ UInt64(s), part: 0)
                var burstRNG = sampleStream(stream &+ UInt64(s), part: 1)
                xs.withUnsafeBufferPointer { xp in
                    teacher.withUnsafeBufferPointer { tp in
                        guard let xb = xp.baseAddress, let tb = tp.baseAddress else { return }
                        bursts.run(
                            kernel, x: xb + s * n0, targets: tb + s * nOut, spaces: spaces[worker], rng: &rng,
                            burstRNG: &burstRNG, events: events.pointer + s * cells,
                            bursts: burstCounts.pointer + s * above, drive: drives.pointer + s * above,
                            deviation: deviation.pointer + s * 2 * depth)
                    }
                }
                s += workers
            }
        }
        let r = rates(counts: events.pointer, drives: drives.pointer, batch: batch)
        let T = settings.window
        let eventCounts = r.rates.map { $0.map { $0 * T } }
        var burstMatrices = sizes.dropFirst().map { Matrix(rows: batch, cols: $0) }
        var j = 0
        for s in 0..<batch {
            for l in 0..<depth {
                for c in 0..<sizes[l + 1] {
                    burstMatrices[l].data[s * sizes[l + 1] + c] = Double(burstCounts.pointer[j])
                    j += 1
                }
            }
        }
        var summed = Array(repeating: 0.0, count: 2 * depth)
        for s in 0..<batch { for i in 0..<(2 * depth) { summed[i] += deviation.pointer[s * 2 * depth + i] } }
        return (eventCounts, Array(burstMatrices), summed)
    }
}

/// A spike of a single-phase recording: an event (somatic spike) or a burst of the Pyr cell `cell` of `layer` ≥ 1.
public struct SinglePhaseSpike: Sendable, Equatable {
    public var time: Double, layer: Int, cell: Int, burst: Bool
}

extension SpikingCircuit {
    /// One sample in a single phase with every counted event and burst of the Pyr cells listed (figures).
    /// `targets` are the output cells' teacher rates (spikes/ms), `gains` the populations' β.
    public func singlePhaseRecording(
        _ x: [Double], targets: [Double], stream: UInt64, phase: SinglePhaseSettings, gains: [Double]
    ) -> [SinglePhaseSpike] {
        precondition(x.count == sizes[0] && targets.count == sizes[depth], "singlePhaseRecording: sample shape")
        let kernel = KernelCircuit(self)
        let bursts = BurstKernel(self, phase: phase, beta: gains)
        let spaces = (kernel.workspace(), bursts.workspace(kernel))
        let cells = sizes.reduce(0, +)
        var events = [Int32](repeating: 0, count: cells)
        var burstCounts = [Int32](repeating: 0, count: cells - sizes[0])
        var drives = [Float](repeating: 0, count: cells - sizes[0])
        var deviation = [Double](repeating: 0, count: 2 * depth)
        var spikes: [SIMD3<Int32>] = []  // step, ±layer, cell
        let teacher = targets.map(Float.init)
        var rng = sampleStream(stream, part: 0)
        var burstRNG = sampleStream(stream, part: 1)
        withUnsafeMutablePointer(to: &spikes) { list in
            x.withUnsafeBufferPointer { xp in
                teacher.withUnsafeBufferPointer { tp in
                    guard let xb = xp.baseAddress, let tb = tp.baseAddress else { return }
                    bursts.run(
                        kernel, x: xb, targets: tb, spaces: spaces, rng: &rng, burstRNG: &burstRNG, events: &events,
                        bursts: &burstCounts, drive: &drives, deviation: &deviation,
                        raster: { context, step, layer, cell in
                            guard let list = context?.assumingMemoryBound(to: [SIMD3<Int32>].self) else { return }
                            list.pointee.append(SIMD3(step, layer, cell))
                        }, context: UnsafeMutableRawPointer(list))
                }
            }
        }
        return spikes.map {
            SinglePhaseSpike(
                time: Double($0[0]) * settings.dt, layer: Int(abs($0[1])), cell: Int($0[2]), burst: $0[1] < 0)
        }
    }
}

/// The kernel's view of the single-phase settings for one batch (`sk_bursts`), with the arrays it points into.
final class BurstKernel: @unchecked Sendable {
    let feedbackRows: [UnsafeMutablePointer<Float>]
    let rowPointers: UnsafeMutablePointer<UnsafePointer<Float>?>
    let slope: [Float], rate: [Float]
    let beta: [Float]
    /// Per weight layer: the lag of its burst window (steps).
    let lags: [Int32]
    let phase: SinglePhaseSettings
    let dt: Double

    init(_ c: SpikingCircuit, phase: SinglePhaseSettings, beta: [Double]) {
        self.phase = phase
        dt = c.settings.dt
        let pad = Int(SK_PAD)
        // Rows by source: the feedback onto layer l + 1 from cell k of layer l + 2 is column j ↦ B[j, k], with
        // B = s ∘ |R| shaped like W^{l+2} (rows k, columns j).
        feedbackRows = c.signedFeedback.map { b in
            let n = (b.cols + pad - 1) / pad * pad
            let raw = UnsafeMutableRawPointer.allocate(byteCount: max(b.rows * n, 1) * 4, alignment: 64)
            let p = raw.initializeMemory(as: Float.self, repeating: 0, count: max(b.rows * n, 1))
            for k in 0..<b.rows { for j in 0..<b.cols { p[k * n + j] = Float(b.data[k * b.cols + j]) } }
            return p
        }
        rowPointers = .allocate(capacity: max(feedbackRows.count, 1))
        for (i, p) in feedbackRows.enumerated() { rowPointers[i] = UnsafePointer(p) }
        slope = c.slopeGrid
        rate = c.rateGrid
        self.beta = beta.map(Float.init)
        let depth = c.depth
        lags = (0..<depth).map { l in Int32((phase.lag * Double(depth - l) / c.settings.dt).rounded()) }
    }

    deinit {
        for p in feedbackRows { p.deallocate() }
        rowPointers.deallocate()
    }

    func workspace(_ kernel: KernelCircuit) -> BurstWorkspace {
        guard let w = withUnsafePointer(to: &kernel.circuit, { sk_burst_workspace_new($0) }) else {
            fatalError("SpikingCircuit: out of memory for the single-phase workspace")
        }
        return BurstWorkspace(pointer: w)
    }

    func run(
        _ kernel: KernelCircuit, x: UnsafePointer<Double>, targets: UnsafePointer<Float>,
        spaces: (KernelWorkspace, BurstWorkspace), rng: inout SplitMix64, burstRNG: inout SplitMix64,
        events: UnsafeMutablePointer<Int32>, bursts: UnsafeMutablePointer<Int32>, drive: UnsafeMutablePointer<Float>,
        deviation: UnsafeMutablePointer<Double>, raster: sk_raster? = nil, context: UnsafeMutableRawPointer? = nil
    ) {
        var state = rng.state
        var burstState = burstRNG.state
        slope.withUnsafeBufferPointer { sp in
            rate.withUnsafeBufferPointer { rp in
                beta.withUnsafeBufferPointer { bp in
                    lags.withUnsafeBufferPointer { lp in
                        var settings = sk_bursts(
                            feedback_rows: rowPointers, slope: sp.baseAddress, rate: rp.baseAddress,
                            slope_count: Int32(sp.count),
                            slope_lower: -10, slope_step: 0.002, beta: bp.baseAddress, p_base: Float(phase.baseline),
                            trace_decay: Float(Foundation.exp(-dt / phase.traceTau)),
                            apical_decay: Float(Foundation.exp(-dt / phase.apicalTau)),
                            apical_scale: Float(1 / phase.apicalTau),
                            rate_decay: Float(Foundation.exp(-dt / phase.rateTau)),
                            rate_scale: Float(1 / phase.rateTau),
                            lag_steps: lp.baseAddress)
                        withUnsafePointer(to: &kernel.circuit) { c in
                            withUnsafePointer(to: &settings) { b in
                                sk_run_single_phase(
                                    c, b, spaces.0.pointer, spaces.1.pointer, x, targets, &state, &burstState, events,
                                    bursts,
                                    drive, deviation, raster, context)
                            }
                        }
                    }
                }
            }
        }
        rng = SplitMix64(state: state)
        burstRNG = SplitMix64(state: burstState)
    }
}

/// One worker's single-phase scratch memory (`sk_burst_workspace`), freed with it.
final class BurstWorkspace: @unchecked Sendable {
    let pointer: OpaquePointer
    init(pointer: OpaquePointer) { self.pointer = pointer }
    deinit { sk_burst_workspace_free(pointer) }
}
