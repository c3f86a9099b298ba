import Foundation

// The error phases, the Hebbian update and training of the spiking microcircuit (the model is described in
// SpikingCircuit.swift).

/// One batch's local learning signals and the update they give.
public struct SpikingUpdate: Sendable {
    /// ΔW^l = η_l/B Σ_s ε^l_s (n^{l−1}_s/T)ᵀ per layer (W-shaped).
    public var weights: [Matrix]
    /// Δb^l = η_l ν_b/B Σ_s ε^l_s.
    public var biases: [[Double]]
    /// ε per layer, batch × n_l.
    public var errors: [Matrix]
    /// Rates per layer (index 0 input), batch × n_l.
    public var rates: [Matrix]
    /// Burst channels whose rate ν₀ + κε was negative and clipped at zero, and all channels used.
    public var clipped: Int
    public var channels: Int
    /// The highest burst rate ν₀ + κε any channel was asked for (spikes/ms): a circuit whose gain has run away
    /// asks for rates far beyond what any cell can burst.
    public var peakBurstRate: Double = 0
    /// The population gains κ used, per emitting layer (index l − 1 for layer l ≥ 2; spikes/ms per unit ε).
    public var gains: [Double]
    /// The homeostatic state after this batch.
    public var gainState: [Double]
}

extension SpikingCircuit {
    /// Poisson count with mean λ: by inversion (means above 500 summed in parts of 500) up to
    /// `poissonInversionLimit`, by Hörmann's transformed rejection (PTRS, exact, O(1) expected draws) above it,
    /// so that a runaway gain asking for λ ~ 1e12 costs microseconds, not hours. λ ≤ 0 or NaN gives 0.
    static func poisson(_ lambda: Double, rng: inout SplitMix64) -> Int {
        guard lambda > 0 else { return 0 }
        if lambda > poissonInversionLimit { return poissonPTRS(lambda, rng: &rng) }
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

    /// Above this mean the burst count is drawn by PTRS. Far above any count a working circuit asks for (ν ≤ a few
    /// hundred Hz over windows of 10–5000 ms gives λ of a few thousand at most), so that every healthy run draws
    /// exactly the numbers it drew by inversion alone.
    static let poissonInversionLimit = 10_000.0

    /// PTRS (Hörmann 1993, "The transformed rejection method for generating Poisson random variables"), valid for
    /// λ ≥ 10; exact. Counts beyond 2⁶² are returned as 2⁶².
    static func poissonPTRS(_ lambda: Double, rng: inout SplitMix64) -> Int {
        let cap = Double(1 << 62)
        guard lambda < cap else { return 1 << 62 }
        let root = lambda.squareRoot()
        let logLambda = Foundation.log(lambda)
        let b = 0.931 + 2.53 * root
        let a = -0.059 + 0.02483 * b
        let inverseAlpha = 1.1239 + 1.1328 / (b - 3.4)
        let vr = 0.9277 - 3.6224 / (b - 2)
        while true {
            let u = rng.uniform() - 0.5
            let v = rng.uniform()
            let us = 0.5 - abs(u)
            let k = ((2 * a / us + b) * u + lambda + 0.43).rounded(.down)
            if us >= 0.07 && v <= vr { return Int(min(max(k, 0), cap)) }
            if k < 0 || (us < 0.013 && v > us) { continue }
            let accept =
                Foundation.log(v) + Foundation.log(inverseAlpha) - Foundation.log(a / (us * us) + b)
                <= -lambda + k * logLambda - Foundation.lgamma(k + 1)
            if accept { return Int(min(k, cap)) }
        }
    }

    /// Learning rate of layer l's synapses (index 0 is layer 1): η, times `outputPlasticity` for the output cells.
    func layerRate(_ l: Int, _ eta: Double) -> Double { l == depth - 1 ? eta * settings.outputPlasticity : eta }

    /// One batch through all three phases: the local learning signals and the update they give,
    /// ΔW = η/B Σ ε r̂ᵀ and Δb = η ν_b/B Σ ε (η of the output cells scaled by `outputPlasticity`).
    /// Does not change the circuit (the returned `gainState` is what the populations' running means become).
    public func update(x: Matrix, targets y: Matrix, learningRate eta: Double, stream: UInt64) -> SpikingUpdate {
        precondition(y.rows == x.rows && y.cols == sizes[depth], "SpikingCircuit.update: targets \(y.rows)x\(y.cols)")
        let batch = x.rows
        let (rates, basal) = forward(x, stream: stream)
        var errors = sizes.dropFirst().map { Matrix(rows: batch, cols: $0) }
        // Output apical: teacher minus the SST copy of the cell's own rate; ε = f′(ū) a.
        let top = depth - 1
        for i in 0..<errors[top].count {
            errors[top].data[i] = slopeTable.slope(basal[top].data[i]) * (y.data[i] - rates[depth].data[i])
        }
        var bursts = BurstPhases(circuit: self, batch: batch, stream: stream)
        for l in stride(from: top, to: 0, by: -1) {
            let apical = bursts.apical(from: l, errors: errors[l])  // batch × n_{l−1}
            for i in 0..<errors[l - 1].count {
                errors[l - 1].data[i] = slopeTable.slope(basal[l - 1].data[i]) * apical.data[i]
            }
        }
        var dW: [Matrix] = []
        var db: [[Double]] = []
        for l in 0..<depth {
            let scale = layerRate(l, eta) / Double(batch)
            var g = Matrix(rows: sizes[l + 1], cols: sizes[l])
            gemm(errors[l], transA: true, rates[l], alpha: scale, into: &g)
            dW.append(g)
            let tonic = scale * settings.biasRate
            db.append((0..<sizes[l + 1]).map { k in tonic * (0..<batch).reduce(0) { $0 + errors[l][$1, k] } })
        }
        var u = SpikingUpdate(
            weights: dW, biases: db, errors: errors, rates: rates, clipped: bursts.clipped,
            channels: bursts.channels, gains: bursts.gains.reversed(), gainState: bursts.gainState)
        u.peakBurstRate = bursts.peak
        return u
    }

    /// Applies an update through the routes, through each synapse's trace m ← μ m + Δ (m = Δ when μ = 0).
    /// Moving routes: W += m, and a pair whose weight changes sign swaps route, its feedback synapse with it.
    /// Fixed routes: s·W is clipped at zero (and the silent synapse's trace cleared); no route ever changes.
    public mutating func apply(_ u: SpikingUpdate) {
        let mu = settings.momentum
        let mode = settings.routes
        for l in 0..<depth {
            precondition(
                u.weights[l].rows == weights[l].rows && u.weights[l].cols == weights[l].cols,
                "SpikingCircuit.apply: update shape of layer \(l + 1)")
            let layerMode = mode == .fixed && !fixedRoutes(l) ? RouteMode.moving : mode
            if layerMode == .fixed && settings.fixed.dualOutput && l == depth - 1 {
                crossings += applyDual(u.weights[l].data, layer: l)
            } else if layerMode == .fixed && settings.fixed.geometry == .exponentiated {
                SpikingCircuit.applyExponentiated(
                    u.weights[l].data, momentum: mu, scale: initialMeanMagnitude(l), weights: &weights[l].data,
                    traces: &weightTraces[l].data, signs: routeSigns[l])
            } else {
                crossings += SpikingCircuit.applyLayer(
                    u.weights[l].data, momentum: mu, mode: layerMode, weights: &weights[l].data,
                    traces: &weightTraces[l].data, signs: &routeSigns[l])
            }
            if layerMode == .fixed && settings.fixed.feedback == .learned && l >= 1 {
                learnFeedback(u.weights[l].data, layer: l)
            }
            for k in 0..<sizes[l + 1] {
                biasTraces[l][k] = mu * biasTraces[l][k] + u.biases[l][k]
                biases[l][k] += biasTraces[l][k]
            }
        }
        gainState = u.gainState
    }

    /// One layer of `apply` on flat buffers (one pass, no copy-on-write checks per synapse); returns the
    /// synapses that crossed zero (moving routes) or were clipped (fixed routes).
    static func applyLayer(
        _ delta: [Double], momentum mu: Double, mode: RouteMode, weights: inout [Double], traces: inout [Double],
        signs: inout [Int8]
    ) -> Int {
        var crossed = 0
        delta.withUnsafeBufferPointer { d in
            weights.withUnsafeMutableBufferPointer { w in
                traces.withUnsafeMutableBufferPointer { m in
                    signs.withUnsafeMutableBufferPointer { s in
                        for i in 0..<w.count {
                            let step = mu * m[i] + d[i]
                            m[i] = step
                            let new = w[i] + step
                            switch mode {
                            case .moving:
                                if new != 0 && new.signum != Double(s[i]) {
                                    s[i] = new < 0 ? -1 : 1
                                    crossed += 1
                                }
                                w[i] = new
                            case .fixed:
                                if Double(s[i]) * new < 0 {
                                    if w[i] != 0 { crossed += 1 }
                                    w[i] = 0
                                    m[i] = 0
                                } else {
                                    w[i] = new
                                }
                            }
                        }
                    }
                }
            }
        }
        return crossed
    }

    /// Mean |W| of layer l (index 0 is layer 1) at the default initialisation, U(±a) with
    /// a = 1.5 / (0.05 √n_{l−1}) nA·ms: the reference a_l of exponentiated steps.
    func initialMeanMagnitude(_ l: Int) -> Double { 0.5 * 1.5 / (0.05 * Double(sizes[l]).squareRoot()) }

    /// Exponentiated steps on one fixed-route layer: m ← μ m + Δ, |W| ← |W| exp(s·m / a); the sign never changes
    /// and no synapse reaches zero (the exponent is held within ±5 per step as a guard).
    static func applyExponentiated(
        _ delta: [Double], momentum mu: Double, scale a: Double, weights w: inout [Double], traces m: inout [Double],
        signs s: [Int8]
    ) {
        for i in 0..<w.count {
            let step = mu * m[i] + delta[i]
            m[i] = step
            let sign = Double(s[i])
            let magnitude = max(sign * w[i], 1e-12 * a)
            w[i] = sign * magnitude * Foundation.exp(min(max(sign * step / a, -5), 5))
        }
    }

    /// Two sign-pure synapses per output pair (`fixed.dualOutput`): the primary (route s, strength p = s·W + q)
    /// and the second (route −s, strength q); each has its own trace of half the Hebbian step and is clipped at
    /// zero on its own; W = s·(p − q). Returns the synapses clipped.
    mutating func applyDual(_ delta: [Double], layer l: Int) -> Int {
        let n = weights[l].count
        if secondStrengths.count != n {
            secondStrengths = Array(repeating: 0, count: n)
            secondTraces = Array(repeating: 0, count: n)
        }
        let mu = settings.momentum
        var clipped = 0
        for i in 0..<n {
            let s = Double(routeSigns[l][i])
            let half = 0.5 * delta[i]
            var p = s * weights[l].data[i] + secondStrengths[i]
            var q = secondStrengths[i]
            let stepP = mu * weightTraces[l].data[i] + s * half
            weightTraces[l].data[i] = stepP
            if p + stepP < 0 {
                if p > 0 { clipped += 1 }
                p = 0
                weightTraces[l].data[i] = 0
            } else {
                p += stepP
            }
            let stepQ = mu * secondTraces[i] - s * half
            secondTraces[i] = stepQ
            if q + stepQ < 0 {
                if q > 0 { clipped += 1 }
                q = 0
                secondTraces[i] = 0
            } else {
                q += stepQ
            }
            secondStrengths[i] = q
            weights[l].data[i] = s * (p - q)
        }
        return clipped
    }

    /// Learned feedback (`fixed.feedback` learned) of the pairs of layer l ≥ 1 (index 0 is layer 1): each feedback
    /// synapse keeps its own trace of the pair's Hebbian step (half of it for each route of a dual output pair)
    /// and is clipped at zero on its own route.
    mutating func learnFeedback(_ delta: [Double], layer l: Int) {
        if feedbackLearned.isEmpty {
            feedbackLearned = feedbackMagnitudes.map { m in
                [
                    m.data, Array(repeating: 0, count: m.count), Array(repeating: 0, count: m.count),
                    Array(repeating: 0, count: m.count)
                ]
            }
        }
        let dual = settings.fixed.dualOutput && l == depth - 1
        let mu = settings.momentum
        var f = feedbackLearned[l - 1]
        feedbackLearned[l - 1] = []
        for i in 0..<delta.count {
            let s = Double(routeSigns[l][i])
            let d = dual ? 0.5 * delta[i] : delta[i]
            f[2][i] = mu * f[2][i] + s * d
            if f[0][i] + f[2][i] < 0 {
                f[0][i] = 0
                f[2][i] = 0
            } else {
                f[0][i] += f[2][i]
            }
            guard dual else { continue }
            f[3][i] = mu * f[3][i] - s * d
            if f[1][i] + f[3][i] < 0 {
                f[1][i] = 0
                f[3][i] = 0
            } else {
                f[1][i] += f[3][i]
            }
        }
        feedbackLearned[l - 1] = f
    }

    /// One training step on a batch of raw features (rates x·ν_in) and labels; returns the update applied.
    /// `learningRate` is this step's η (a schedule, if any, is the caller's: see `PlasticityTone`).
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
}

/// The error windows of one batch, top-down: each population's homeostatic gain, its Poisson burst counts, and
/// the apical input they give the population below.
struct BurstPhases {
    let circuit: SpikingCircuit
    let feedback: [Matrix]
    var rng: [SplitMix64]
    var gains: [Double] = []
    var gainState: [Double]
    var clipped = 0
    var channels = 0
    var peak = 0.0

    init(circuit: SpikingCircuit, batch: Int, stream: UInt64) {
        self.circuit = circuit
        feedback = circuit.signedFeedback
        rng = (0..<batch).map { circuit.sampleStream(stream &+ UInt64($0), part: 1) }
        gainState = circuit.gainState
    }

    /// Population l bursts at ν₀ + κ^l ε for T ms; the apical dendrites below decode
    /// â = Σ_k B_jk (n_k/T − ν₀)/κ^l. κ^l comes from the population's own running mean of |ε|.
    mutating func apical(from l: Int, errors: Matrix) -> Matrix {
        let s = circuit.settings
        let nu0 = s.burstBaseline
        let T = s.window
        let batchMean = errors.data.reduce(0) { $0 + abs($1) } / Double(errors.count)
        let previous = circuit.gainState[l - 1]
        var m = previous.isNaN ? batchMean : previous
        if !(m > 0) { m = batchMean > 0 ? batchMean : 1 }
        let kappa = s.gainTarget * nu0 / m
        gains.append(kappa)
        gainState[l - 1] = previous.isNaN ? batchMean : (1 - s.gainMemory) * previous + s.gainMemory * batchMean
        var deviation = Matrix(rows: errors.rows, cols: errors.cols)
        for b in 0..<errors.rows {
            for k in 0..<errors.cols {
                let nu = nu0 + kappa * errors[b, k]
                if nu < 0 { clipped += 1 }
                if !(nu <= peak) { peak = nu }
                channels += 1
                let n =
                    s.signedBursts && nu < 0
                    ? -SpikingCircuit.poisson(-nu * T, rng: &rng[b])
                    : SpikingCircuit.poisson(max(nu, 0) * T, rng: &rng[b])
                deviation.data[b * errors.cols + k] = (Double(n) / T - nu0) / kappa
            }
        }
        return matmul(deviation, feedback[l - 1])
    }
}
