import CSpikingKernel
import Dispatch
import Foundation

// The forward phase, event-driven, in single precision (the per-sample loop is the C kernel of
// Sources/CSpikingKernel, vectorised for the processor it runs on):
// - each sample's input spike trains are drawn step by step as one merged Poisson process: a Poisson number of
//   input spikes per step, each from input cell i with probability λ_i/Σλ (Walker's alias table). By the
//   superposition and thinning of Poisson processes each input cell then fires a Poisson train of rate λ_i,
//   independent of the others: the law of drawing each train on its own;
// - forward weights are stored by presynaptic cell, so a spike adds one contiguous row to the synaptic currents
//   of the layer above;
// - somas take one exact step per time step, all cells of a layer in one vectorised loop, each with its own
//   noise generator (xorshift32); the deviate is the sum of a draw's four bytes, centred and scaled to unit
//   variance (Irwin–Hall with four terms: exact mean and variance, excess kurtosis −0.3). The membrane is an
//   exponentially weighted sum of them, so V's excess kurtosis is −0.3 (1 − a²)/(1 + a²) with a = e^{−dt/τ}:
//   −0.0075 at dt = 0.5 ms, −0.0015 at 0.1 ms; a test checks the cell's rate against the Siegert rate;
// - every buffer is allocated once per worker, so the time-step loop allocates nothing.
// Every sample has its own random stream, so results do not depend on the number of threads; each element's
// arithmetic runs in a fixed order without fused multiply-adds, so it does not depend on the vector width either.

/// Forward weights arranged by source, as the kernel reads them: row j of layer l holds W^l[:, j]/τ_s in Float,
/// padded with zeros to `stride[l]` (a multiple of `SK_PAD`), so one presynaptic spike adds one contiguous row.
final class SourceRows: @unchecked Sendable {
    let stride: [Int32]
    let rows: [UnsafeMutablePointer<Float>]
    let biases: [UnsafeMutablePointer<Float>]

    init(_ weights: [Matrix], biases b: [[Double]], tauSynapse: Double) {
        let pad = Int(SK_PAD)
        stride = weights.map { Int32(($0.rows + pad - 1) / pad * pad) }
        func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
            let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
            return raw.initializeMemory(as: Float.self, repeating: 0, count: max(count, 1))
        }
        rows = zip(weights, stride).map { w, s in
            let n = Int(s)
            let p = buffer(w.cols * n)
            for k in 0..<w.rows { for j in 0..<w.cols { p[j * n + k] = Float(w.data[k * w.cols + j] / tauSynapse) } }
            return p
        }
        biases = zip(b, stride).map { b, s in
            let p = buffer(Int(s))
            for k in b.indices { p[k] = Float(b[k]) }
            return p
        }
    }

    deinit { for p in rows + biases { p.deallocate() } }
}

/// The kernel's view of a circuit for one forward call: its shape, weights and constants (`sk_circuit`), with
/// the arrays it points into kept alive.
final class KernelCircuit: @unchecked Sendable {
    let rows: SourceRows
    let sizes: UnsafeMutablePointer<Int32>, strides: UnsafeMutablePointer<Int32>
    let rowPointers: UnsafeMutablePointer<UnsafePointer<Float>?>
    let biasPointers: UnsafeMutablePointer<UnsafePointer<Float>?>
    var circuit: sk_circuit

    init(_ c: SpikingCircuit) {
        precondition(c.depth <= 64, "SpikingCircuit: at most 64 layers")
        let s = c.settings
        rows = SourceRows(c.weights, biases: c.biases, tauSynapse: s.tauSynapse)
        sizes = .allocate(capacity: c.sizes.count)
        for (i, n) in c.sizes.enumerated() { sizes[i] = Int32(n) }
        strides = .allocate(capacity: c.depth)
        for (i, n) in rows.stride.enumerated() { strides[i] = n }
        rowPointers = .allocate(capacity: c.depth)
        biasPointers = .allocate(capacity: c.depth)
        for l in 0..<c.depth {
            rowPointers[l] = UnsafePointer(rows.rows[l])
            biasPointers[l] = UnsafePointer(rows.biases[l])
        }
        let cell = s.cell
        circuit = sk_circuit(
            layers: Int32(c.depth), sizes: sizes, stride: strides, rows: rowPointers, biases: biasPointers,
            v_rest: Float(cell.vRest), resistance: Float(cell.resistance), v_reset: Float(cell.vReset),
            theta: Float(cell.theta), mem_decay: Float(Foundation.exp(-s.dt / cell.tau)),
            syn_decay: Float(Foundation.exp(-s.dt / s.tauSynapse)),
            noise: Float(NoisyLIF(cell: cell, sigma: s.noiseSigma).stepNoise(dt: s.dt)),
            refractory_steps: Int32((cell.tRef / s.dt).rounded()), settle_steps: Int32(s.settleSteps),
            steps: Int32(s.settleSteps + s.countSteps), input_rate: s.inputRate, dt: s.dt)
    }

    deinit {
        sizes.deallocate()
        strides.deallocate()
        rowPointers.deallocate()
        biasPointers.deallocate()
    }

    /// A worker's scratch memory for this circuit's shape.
    func workspace() -> KernelWorkspace {
        guard let w = withUnsafePointer(to: &circuit, { sk_workspace_new($0) }) else {
            fatalError("SpikingCircuit: out of memory for the kernel's workspace")
        }
        return KernelWorkspace(pointer: w)
    }

    /// Runs one sample; `counts` and `drive` receive every cell's spike count and summed drive.
    func run(
        _ x: UnsafePointer<Double>, workspace: KernelWorkspace, rng: inout SplitMix64,
        counts: UnsafeMutablePointer<Int32>,
        drive: UnsafeMutablePointer<Float>, raster: sk_raster? = nil, context: UnsafeMutableRawPointer? = nil
    ) {
        var state = rng.state
        withUnsafePointer(to: &circuit) {
            sk_run_sample($0, workspace.pointer, x, &state, counts, drive, raster, context)
        }
        rng = SplitMix64(state: state)
    }
}

/// One worker's scratch memory (`sk_workspace`), freed with it.
final class KernelWorkspace: @unchecked Sendable {
    let pointer: OpaquePointer
    init(pointer: OpaquePointer) { self.pointer = pointer }
    deinit { sk_workspace_free(pointer) }
}

/// A spike for a raster plot: time (ms, from the start of the count), layer (0 = input), cell.
public struct RasterSpike: Sendable, Equatable {
    public var time: Double
    public var layer: Int
    public var cell: Int
}

/// A buffer that parallel workers write in disjoint slots.
struct SendablePointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(capacity: Int) { pointer = .allocate(capacity: capacity) }
}

extension SpikingCircuit {
    /// The random stream of one sample's forward phase (`part` 0) or error bursts (`part` 1).
    func sampleStream(_ stream: UInt64, part: UInt64) -> SplitMix64 {
        SplitMix64(seed: seed).fork(stream &* 2 &+ part)
    }

    /// Forward phases of many samples on `settings.threads` threads. Sample s uses the stream `stream + s`, so the
    /// results do not depend on how samples are shared among threads. Returns rates (batch × n_l, index 0 input)
    /// and mean drives (index 0 is layer 1).
    public func forward(_ x: Matrix, stream: UInt64) -> (rates: [Matrix], basal: [Matrix]) {
        precondition(x.cols == sizes[0], "SpikingCircuit.forward: \(x.cols) inputs for \(sizes[0])")
        let batch = x.rows
        let kernel = KernelCircuit(self)
        let workers = max(1, min(settings.threads, batch))
        let spaces = (0..<workers).map { _ in kernel.workspace() }
        let cells = sizes.reduce(0, +)
        let above = cells - sizes[0]
        // Per sample: the spike count of every cell (input first) and the summed drive of every cell above.
        let counts = SendablePointer<Int32>(capacity: max(batch * cells, 1))
        let drives = SendablePointer<Float>(capacity: max(batch * above, 1))
        defer {
            counts.pointer.deallocate()
            drives.pointer.deallocate()
        }
        let xs = x.data
        let n0 = sizes[0]
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var s = worker
            while s < batch {
                var rng = sampleStream(stream &+ UInt64(s), part: 0)
                xs.withUnsafeBufferPointer { xp in
                    guard let base = xp.baseAddress else { return }
                    kernel.run(
                        base + s * n0, workspace: spaces[worker], rng: &rng, counts: counts.pointer + s * cells,
                        drive: drives.pointer + s * above)
                }
                s += workers
            }
        }
        return rates(counts: counts.pointer, drives: drives.pointer, batch: batch)
    }

    /// Rates n/T per layer (index 0 input) and mean drives per layer above the input, from the kernel's counts
    /// and drive sums of `batch` samples.
    func rates(counts: UnsafePointer<Int32>, drives: UnsafePointer<Float>, batch: Int) -> (
        rates: [Matrix], basal: [Matrix]
    ) {
        let T = settings.window
        let countSteps = Double(settings.countSteps)
        var rates = sizes.map { Matrix(rows: batch, cols: $0) }
        var basal = sizes.dropFirst().map { Matrix(rows: batch, cols: $0) }
        var i = 0
        var j = 0
        for s in 0..<batch {
            for l in sizes.indices {
                for c in 0..<sizes[l] {
                    rates[l].data[s * sizes[l] + c] = Double(counts[i]) / T
                    i += 1
                }
            }
            for l in 0..<depth {
                for c in 0..<sizes[l + 1] {
                    basal[l].data[s * sizes[l + 1] + c] = Double(drives[j]) / countSteps
                    j += 1
                }
            }
        }
        return (rates, Array(basal))
    }

    /// The forward phase of one sample with every spike of the counting window passed to `raster` (figures).
    public func forwardRecording(_ x: [Double], stream: UInt64, raster: (RasterSpike) -> Void) -> SpikingForward {
        precondition(x.count == sizes[0], "SpikingCircuit.forwardRecording: \(x.count) inputs for \(sizes[0])")
        let kernel = KernelCircuit(self)
        let workspace = kernel.workspace()
        let cells = sizes.reduce(0, +)
        var counts = [Int32](repeating: 0, count: cells)
        var drives = [Float](repeating: 0, count: cells - sizes[0])
        var spikes: [SIMD3<Int32>] = []  // step, layer, cell
        withUnsafeMutablePointer(to: &spikes) { list in
            var rng = sampleStream(stream, part: 0)
            x.withUnsafeBufferPointer { xp in
                counts.withUnsafeMutableBufferPointer { cp in
                    drives.withUnsafeMutableBufferPointer { dp in
                        guard let xb = xp.baseAddress, let cb = cp.baseAddress, let db = dp.baseAddress else { return }
                        kernel.run(
                            xb, workspace: workspace, rng: &rng, counts: cb, drive: db,
                            raster: { context, step, layer, cell in
                                guard let list = context?.assumingMemoryBound(to: [SIMD3<Int32>].self) else { return }
                                list.pointee.append(SIMD3(step, layer, cell))
                            }, context: UnsafeMutableRawPointer(list))
                    }
                }
            }
        }
        for e in spikes {
            raster(RasterSpike(time: Double(e[0]) * settings.dt, layer: Int(e[1]), cell: Int(e[2])))
        }
        let r = counts.withUnsafeBufferPointer { cp in
            drives.withUnsafeBufferPointer { dp -> (rates: [Matrix], basal: [Matrix])? in
                guard let cb = cp.baseAddress, let db = dp.baseAddress else { return nil }
                return rates(counts: cb, drives: db, batch: 1)
            }
        }
        return SpikingForward(
            rates: r?.rates.map(\.data) ?? sizes.map { Array(repeating: 0, count: $0) },
            basal: r?.basal.map(\.data) ?? sizes.dropFirst().map { Array(repeating: 0, count: $0) })
    }

    /// Predicted classes: the output cell with most spikes over a window of `window` ms (default T); a tie goes
    /// to the cell with the larger mean drive (no class is favoured). Also returns the fraction of samples whose
    /// top count was tied.
    public func classify(_ x: Matrix, stream: UInt64, window: Double? = nil) -> (labels: [Int], tied: Double) {
        var reading = self
        if let window { reading.settings.window = window }
        let (rates, basal) = reading.forward(x, stream: stream)
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
