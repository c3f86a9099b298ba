import Foundation

/// Settings of the spiking microcircuit (units: ms, nA, spikes/ms).
public struct LegacySpikingSettings: Sendable {
    /// Time step (ms).
    public var dt = 0.1
    /// Counting window T of each phase (ms).
    public var window = 1000.0
    /// Settling time before each forward count starts (ms).
    public var settle = 50.0
    /// Synaptic current time constant (ms): a spike of a synapse of weight w adds w/τ_s to the current,
    /// so a train of rate r gives a mean current w·r.
    public var tauSynapse = 10.0
    /// Input rate for a feature of value 1 (spikes/ms).
    public var inputRate = 0.1
    /// Baseline burst rate of the error channel (spikes/ms).
    public var burstBaseline = 0.1
    /// Gain κ^l of each layer's error channel: bursts at ν₀ + κ ε (spikes/ms per unit of ε).
    public var gains: [Double] = []
    public init() {}
}

extension LegacySpikingSettings {
    /// Fixes each layer's error-channel gain from rate-level errors: κ^l = ν₀ / (2 max|δ^l|), so the burst
    /// rates ν₀ + κ ε stay within ν₀ ± ν₀/2 for errors of rate-level size (1 for a layer with no error).
    public mutating func calibrateGains(rateLevelDeltas: [Matrix]) {
        gains = rateLevelDeltas.map { d in
            let m = d.data.map(abs).max() ?? 0
            return m > 0 ? burstBaseline / (2 * m) : 1
        }
    }
}

/// A rate network of LIF somas scaled for the spiking circuit: W ~ U(±a) with a = weightScale / (0.05 √n_in)
/// nA·ms, so inputs near 50 Hz give currents of about ±weightScale nA, and every cell gets a tonic drive of
/// `bias` nA (rheobase is 1.5 nA).
public func lifNetwork(sizes: [Int], weightScale: Double = 1.5, bias: Double = 2, rng: inout SplitMix64) -> Network {
    let layers = (1..<sizes.count).map { l -> Layer in
        let a = weightScale / (0.05 * Double(sizes[l - 1]).squareRoot())
        return Layer(w: Matrix(rows: sizes[l], cols: sizes[l - 1]) { _, _ in rng.uniform(-a, a) }, b: Array(repeating: bias, count: sizes[l]))
    }
    return Network(layers: layers, hidden: .lif, output: .lif)
}

/// What one sample's spiking pass measured, per layer.
public struct SpikingMeasurement: Sendable {
    /// Spike counts / T per layer (index 0 is the input layer).
    public var rates: [[Double]]
    /// Mean basal current over the window per Pyr cell (nA), the soma's local estimate of u.
    public var basal: [[Double]]
    /// Decoded apical input and the error signal ε = f'(ū) â per Pyr cell.
    public var apical: [[Double]]
    public var errors: [[Double]]
    /// Burst rates clipped at zero (ν₀ + κε < 0) in this sample.
    public var clipped: Int
    /// Spike times for a raster: (time ms, population label, cell index).
    public var raster: [(Double, String, Int)]
}

extension Microcircuit {
    /// Runs one sample through the circuit with LIF somas and spikes, in three phases:
    /// (1) forward: Poisson inputs at x·ν_in drive Pyr cells through their routes (PV cells copy their Pyr
    /// cell's spikes and inhibit); the Pyr spike counts over T give r̂, the mean basal current gives ū;
    /// (2) the output apical compartment compares the target y with its own rate: a^L = y − r̂^L;
    /// (3) top-down, each Pyr cell emits bursts at ν₀ + κ^l ε (Poisson), which reach the apical compartments
    /// below along the feedback routes (direct, or through SST); the dendrite decodes
    /// â = Σ_k ±|R_kj| (n_k/T − ν₀) / κ^{l+1} and the cell forms ε = f'(ū) â.
    /// `recordRaster` keeps spike times of up to `rasterCells` cells per population.
    public func spikingPass(x: [Double], target y: [Double], settings: LegacySpikingSettings, rng: inout SplitMix64,
                            recordRaster: Bool = false, rasterCells: Int = 4) -> SpikingMeasurement {
        let dt = settings.dt, steps = Int((settings.window / dt).rounded()), settleSteps = Int((settings.settle / dt).rounded())
        let synDecay = exp(-dt / settings.tauSynapse)
        let cell = Activation.lifCell
        let lifDecay = exp(-dt / cell.tau)
        let L = layers.count
        var raster: [(Double, String, Int)] = []

        // Phase 1: forward.
        var neurons = layers.map { layer in layer.bias.map { _ in LIFNeuron(parameters: cell, v: cell.vRest) } }
        var current = layers.map { Array(repeating: 0.0, count: $0.size) }
        var counts = [Array(repeating: 0.0, count: x.count)] + layers.map { Array(repeating: 0.0, count: $0.size) }
        var basalSum = layers.map { Array(repeating: 0.0, count: $0.size) }
        // Indices of the cells that spiked in this step, below and in the current layer: buffers reused
        // every step, so the time loop allocates nothing.
        var active: [Int] = []
        var spikedHere: [Int] = []
        active.reserveCapacity(layers.map(\.size).max().map { max($0, x.count) } ?? x.count)
        spikedHere.reserveCapacity(active.capacity)
        for n in 0..<(settleSteps + steps) {
            let counting = n >= settleSteps
            let t = Double(n - settleSteps) * dt
            active.removeAll(keepingCapacity: true)
            for i in x.indices where rng.bernoulli(x[i] * settings.inputRate * dt) {
                active.append(i)
                if counting {
                    counts[0][i] += 1
                    if recordRaster && i < rasterCells { raster.append((t, "input", i)) }
                }
            }
            for l in 0..<L {
                // Synaptic currents decay, then this step's presynaptic spikes arrive through their routes
                // (event-driven: only the cells that spiked this step are visited).
                spikedHere.removeAll(keepingCapacity: true)
                for k in 0..<layers[l].size {
                    var c = current[l][k] * synDecay
                    for j in active {
                        switch layers[l].forward.routes[k][j] {
                        case .direct(let s): c += s / settings.tauSynapse          // Pyr_j → Pyr_k
                        case .viaInterneuron(let s): c -= s / settings.tauSynapse  // Pyr_j → PV_j ⊣ Pyr_k
                        case .none: break
                        }
                    }
                    current[l][k] = c
                    let drive = layers[l].bias[k] + c
                    let spiked = neurons[l][k].step(current: drive, dt: dt, decay: lifDecay)
                    if spiked { spikedHere.append(k) }
                    if counting {
                        basalSum[l][k] += drive
                        if spiked {
                            counts[l + 1][k] += 1
                            if recordRaster && k < rasterCells {
                                raster.append((t, l == L - 1 ? "Pyr out" : "Pyr \(l + 1)", k))
                                if l < L - 1 { raster.append((t, "PV \(l + 1)", k)) }
                            }
                        }
                    }
                }
                swap(&active, &spikedHere)
            }
        }
        let T = settings.window
        let rates = counts.map { $0.map { $0 / T } }
        let basal = basalSum.map { $0.map { $0 / Double(steps) } }
        var apical = layers.map { Array(repeating: 0.0, count: $0.size) }
        var errors = apical

        // Phase 2: output apical = teacher − SST copy of the cell's own rate.
        for k in 0..<layers[L - 1].size {
            apical[L - 1][k] = y[k] - rates[L][k]
            errors[L - 1][k] = fPrime(L - 1, basal[L - 1][k]) * apical[L - 1][k]
        }

        // Phase 3: error bursts, top-down, one window per layer.
        var clipped = 0
        for l in stride(from: L - 2, through: 0, by: -1) {
            let gain = settings.gains[l + 1]
            let burstRates = errors[l + 1].map { settings.burstBaseline + gain * $0 }
            clipped += burstRates.filter { $0 < 0 }.count
            var bursts = Array(repeating: 0.0, count: burstRates.count)
            let phaseStart = T * Double(L - 2 - l)  // the first error phase follows the forward window
            for n in 0..<steps {
                for k in burstRates.indices where rng.bernoulli(max(0, burstRates[k]) * dt) {
                    bursts[k] += 1
                    guard recordRaster else { continue }
                    let t = T + phaseStart + Double(n) * dt
                    if k < rasterCells { raster.append((t, l + 1 == L - 1 ? "bursts out" : "bursts \(l + 2)", k)) }
                    // SST_j relays every burst that reaches it on an inhibitory feedback route.
                    for j in 0..<min(rasterCells, layers[l].size) {
                        if case .viaInterneuron = layers[l].feedbackFromAbove[k][j] { raster.append((t, "SST \(l + 1)", j)) }
                    }
                }
            }
            for j in 0..<layers[l].size {
                // The dendrite subtracts the input the baseline alone would give, then undoes the gain.
                let received = apicalInput(l, j) { bursts[$0] / T }
                let baseline = apicalInput(l, j) { _ in settings.burstBaseline }
                apical[l][j] = (received - baseline) / gain
                errors[l][j] = fPrime(l, basal[l][j]) * apical[l][j]
            }
        }
        return SpikingMeasurement(rates: rates, basal: basal, apical: apical, errors: errors, clipped: clipped, raster: raster)
    }

    /// Hebbian update from one batch of spiking passes: ΔW^l_kj = η/B Σ_s ε^l_k (n^{l−1}_j / T).
    public static func spikingHebbian(_ passes: [SpikingMeasurement], learningRate eta: Double, sizes: [Int]) -> [Matrix] {
        spikingHebbianWithBias(passes, learningRate: eta, sizes: sizes).weights
    }

    /// The same, with the tonic drive's change Δb^l_k = η/B Σ_s ε^l_k.
    public static func spikingHebbianWithBias(_ passes: [SpikingMeasurement], learningRate eta: Double, sizes: [Int]) -> (weights: [Matrix], biases: [[Double]]) {
        var deltas = (1..<sizes.count).map { Matrix(rows: sizes[$0], cols: sizes[$0 - 1]) }
        var bias = (1..<sizes.count).map { Array(repeating: 0.0, count: sizes[$0]) }
        let scale = eta / Double(passes.count)
        for m in passes {
            for l in deltas.indices {
                for k in 0..<sizes[l + 1] {
                    let e = m.errors[l][k]
                    bias[l][k] += scale * e
                    for j in 0..<sizes[l] where m.rates[l][j] != 0 { deltas[l][k, j] += scale * e * m.rates[l][j] }
                }
            }
        }
        return (deltas, bias)
    }
}
