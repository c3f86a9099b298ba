import Foundation

// The spiking microcircuit: the model and its settings. The event-driven kernel is in SpikingKernel.swift, the
// error phases and the Hebbian update in SpikingLearning.swift, saved state in SpikingCircuitState.swift.
// By design no file of this folder uses the rate-level matrix algorithm (no `Network`, `Feedback`, gradients or
// deltas): the circuit learns from its own spikes, its cells' own mean drive and the bursts that reach them.
// A test reads these files to keep it that way.

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

/// Variants of fixed routes, each a hypothesis about why they lose accuracy (lesson 7's `fixed_*` parameters).
/// Every default keeps fixed routes as described at `RouteMode.fixed`.
public struct FixedRouteOptions: Sendable, Equatable {
    /// What the feedback synapse of a pair whose forward synapse is silent (W = 0) sends.
    public enum FeedbackSynapse: String, Sendable, CaseIterable {
        /// It keeps sending s₀·|R| (s₀ the pair's route sign): the feedback synapse knows nothing of its partner.
        case kept
        /// It falls silent with its forward partner (B = 0 while W = 0).
        case silent
        /// It learns: each feedback synapse, on its own fixed route and clipped at zero (its own trace cleared),
        /// takes the same Hebbian step as its forward partner, from |R| at the start (Kolen–Pollack without
        /// decay: B − B₀ follows W − W₀ until either is clipped). Local: the feedback synapse of pair (k, j)
        /// sits on j's apical dendrite and sees k's bursts (pre, mean deviation κ ε_k) and j's own rate (post), the
        /// two factors of ΔW_kj. The step used is the forward synapse's own η ε_k r̂_j, i.e. the mean of what the
        /// burst counts would give (their counting noise is left out).
        case learned
    }
    /// Which layers keep their routes; in the others routes move (a diagnostic split, not a mechanism).
    public enum Layers: String, Sendable, CaseIterable {
        case all, hidden, output
    }
    /// How a fixed-route synapse's strength changes.
    public enum Geometry: String, Sendable, CaseIterable {
        /// s·W += m, clipped at zero.
        case additive
        /// Exponentiated (multiplicative) steps |W| ← |W| exp(s·m / a_l), a_l the layer's mean |W| at
        /// initialisation: Δ|W| ≈ |W|·s·m / a_l, so a synapse never reaches zero (Pogodin et al. 2023).
        case exponentiated
    }
    public var feedback = FeedbackSynapse.kept
    public var layers = Layers.all
    public var geometry = Geometry.additive
    /// Two sign-pure synapses per output pair (direct excitatory w⁺ and through PV w⁻, each clipped at zero,
    /// W = w⁺ − w⁻, each stepping by m/2): doubles the output synapses. With `feedback` kept only the original
    /// route has a feedback synapse (B = s₀·|R|); with silent each route has one, active while its forward
    /// partner is (B = s₀·|R|·([w_s₀ > 0] − [w_−s₀ > 0])); with learned each route has one that learns.
    public var dualOutput = false
    public init() {}
}

/// Settings of the spiking circuit (units: ms, nA, mV, spikes/ms).
public struct SpikingSettings: Sendable, Equatable {
    /// The Pyr soma (lesson 1's LIF cell by default).
    public var cell = LIFParameters()
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
    /// Variants of fixed routes (ignored by moving routes).
    public var fixed = FixedRouteOptions()
    /// Diagnostic, not a mechanism: burst counts drawn as sign(ν)·Poisson(|ν| T), so a negative rate ν₀ + κε is
    /// heard instead of clipped at zero (no cell can burst at a negative rate).
    public var signedBursts = false
    /// Rate ν_b of the tonic source behind each cell's bias (spikes/ms): the bias is a synapse from a source
    /// firing at ν_b, so its Hebbian update is Δb = η ε ν_b. A rate of 1 spike/ms (the first versions) lets the
    /// bias learn 10-50× faster than any real synapse and caps η.
    public var biasRate = 0.02
    /// Decay μ per batch of each synapse's eligibility trace m ← μ m + Δ (momentum; 0 = plain Hebbian steps).
    public var momentum = 0.0
    /// η of the output cells' synapses relative to η (a property of the output population).
    public var outputPlasticity = 1.0
    /// Worker threads for the sample-parallel loops; results do not depend on it.
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    public init() {}

    public var countSteps: Int { Int((window / dt).rounded()) }
    public var settleSteps: Int { Int((settle / dt).rounded()) }

    /// The teacher's target rates for a label.
    public func target(_ label: Int, classes: Int) -> [Double] {
        (0..<classes).map { $0 == label ? targetHigh : targetLow }
    }

    /// The Siegert slope table of the noisy soma these settings describe (the shared one for the defaults).
    var slopeTable: SiegertTable {
        cell == Activation.lifCell && noiseSigma == Activation.lifNoiseSigma
            ? Activation.lifNoisyTable : SiegertTable(NoisyLIF(cell: cell, sigma: noiseSigma))
    }

    /// True when dt divides the refractory period t_ref (the kernel counts refractory time in whole steps).
    public var stepDividesRefractory: Bool {
        let steps = cell.tRef / dt
        return abs(steps - steps.rounded()) < 1e-9
    }
}

/// What one sample's forward phase measured.
public struct SpikingForward: Sendable, Equatable {
    /// Spike counts / T per layer; index 0 is the input layer.
    public var rates: [[Double]]
    /// Mean drive (nA) of each Pyr cell over the window, its local estimate of u; index 0 is layer 1.
    public var basal: [[Double]]
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
/// Hebbian update (batch means): ΔW^l_kj = η ε^l_k r̂^{l−1}_j, Δb^l_k = η ε^l_k ν_b (the bias is a synapse
/// from a tonic source at ν_b = `biasRate`); with `momentum` μ > 0 each synapse keeps a trace m ← μ m + Δ and
/// changes by m. Units: W in nA·ms, b in nA, rates in spikes/ms, η in nA·ms per unit of ε·r̂.
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
    public internal(set) var weights: [Matrix]
    /// Tonic drive b^l of every Pyr cell (nA).
    public internal(set) var biases: [[Double]]
    /// Feedback magnitudes |R^l| ≥ 0, shaped like W^{l+1} (index l − 1 feeds layer l from layer l + 1).
    public let feedbackMagnitudes: [Matrix]
    /// Route sign s of every forward pair (+1 direct, −1 via PV), shaped like W.
    public internal(set) var routeSigns: [[Int8]]
    /// Homeostatic running mean of |ε| per emitting layer (index l − 1 for layer l ≥ 2); NaN before the first
    /// batch.
    public internal(set) var gainState: [Double]
    /// Each synapse's eligibility trace (momentum), shaped like W; zero while `momentum` is 0.
    public internal(set) var weightTraces: [Matrix]
    /// Each bias synapse's trace, shaped like b.
    public internal(set) var biasTraces: [[Double]]
    /// Strength ≥ 0 of each output pair's second synapse (the route opposite to `routeSigns`) when
    /// `fixed.dualOutput` is set, and its trace; empty otherwise. W of the output layer is the net weight
    /// s·(primary − second).
    public internal(set) var secondStrengths: [Double] = []
    var secondTraces: [Double] = []
    /// With `fixed.feedback` learned: per feedback matrix, the strength ≥ 0 of each pair's feedback synapse on
    /// its route, of the second route's (dual output), and their traces; empty until the first update.
    var feedbackLearned: [[[Double]]] = []
    /// Forward weights that crossed zero (moving routes) or were clipped at zero (fixed routes), counted.
    public internal(set) var crossings = 0
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
        precondition(settings.stepDividesRefractory, "SpikingCircuit: dt must divide t_ref")
        self.sizes = [weights[0].cols] + weights.map(\.rows)
        self.settings = settings
        self.weights = weights
        self.biases = biases
        self.feedbackMagnitudes = feedbackMagnitudes
        self.routeSigns = weights.map { w in w.data.map { $0 < 0 ? -1 : 1 } }
        self.gainState = Array(repeating: .nan, count: weights.count - 1)
        self.weightTraces = weights.map { Matrix(rows: $0.rows, cols: $0.cols) }
        self.biasTraces = biases.map { Array(repeating: 0, count: $0.count) }
        self.slopeTable = settings.slopeTable
        self.seed = seed
    }

    public var depth: Int { weights.count }

    /// Effective feedback B = s ∘ |R| per hidden layer, shaped like W^{l+1}: the signed strength of each
    /// pair's feedback synapse on its route (direct +, through SST −).
    public var signedFeedback: [Matrix] {
        (0..<(depth - 1)).map { l in
            let m = feedbackMagnitudes[l]
            let s = routeSigns[l + 1]
            var b = Matrix(rows: m.rows, cols: m.cols, data: (0..<m.count).map { Double(s[$0]) * m.data[$0] })
            guard settings.routes == .fixed, fixedRoutes(l + 1) else { return b }
            let w = weights[l + 1].data
            if settings.fixed.feedback == .learned && !feedbackLearned.isEmpty {
                let f = feedbackLearned[l]
                for i in 0..<b.count { b.data[i] = Double(s[i]) * (f[0][i] - f[1][i]) }
                return b
            }
            if settings.fixed.dualOutput && l + 1 == depth - 1 && !secondStrengths.isEmpty {
                // Kept: only the primary route has a feedback synapse, s₀·|R|. Silent: each route's feedback
                // synapse is active while its forward partner is.
                guard settings.fixed.feedback == .silent else { return b }
                for i in 0..<b.count {
                    let primary = Double(s[i]) * w[i] + secondStrengths[i]
                    b.data[i] *= (primary > 0 ? 1 : 0) - (secondStrengths[i] > 0 ? 1 : 0)
                }
            } else if settings.fixed.feedback == .silent {
                for i in 0..<b.count where w[i] == 0 { b.data[i] = 0 }
            }
            return b
        }
    }

    /// True when layer l (index 0 is layer 1) keeps its routes under fixed routes (`fixed.layers`).
    func fixedRoutes(_ l: Int) -> Bool {
        switch settings.fixed.layers {
        case .all: return true
        case .hidden: return l < depth - 1
        case .output: return l == depth - 1
        }
    }

    /// Pairs whose forward weight disagrees with its route (s·W < 0): Dale's principle broken. Zero by design.
    /// With `fixed.dualOutput` the output layer's net W may take either sign; its two synapses per pair are
    /// sign-pure by construction (each clipped at zero), so the layer is checked strength by strength.
    public var daleViolations: Int {
        zip(weights, routeSigns).enumerated().map { l, ws in
            let (w, s) = ws
            if settings.routes == .fixed && settings.fixed.dualOutput && l == depth - 1 {
                let q = secondStrengths
                return q.isEmpty
                    ? 0 : (0..<w.count).filter { q[$0] < 0 || Double(s[$0]) * w.data[$0] + q[$0] < 0 }.count
            }
            return (0..<w.count).filter { Double(s[$0]) * w.data[$0] < 0 }.count
        }
        .reduce(0, +)
    }

    /// Pairs with a non-zero forward weight whose feedback sign differs: sign(B) ≠ sign(Wᵀ). Zero by design.
    public var signMismatches: Int {
        let feedback = signedFeedback
        return (0..<(depth - 1)).map { l in
            let w = weights[l + 1]
            let b = feedback[l]
            return (0..<w.count).filter { w.data[$0] != 0 && b.data[$0] != 0 && w.data[$0].signum != b.data[$0].signum }
                .count
        }.reduce(0, +)
    }

    /// True when every weight, bias, trace and gain is finite.
    public var allFinite: Bool {
        weights.allSatisfy(\.allFinite) && biases.allSatisfy { $0.allSatisfy(\.isFinite) }
            && weightTraces.allSatisfy(\.allFinite) && biasTraces.allSatisfy { $0.allSatisfy(\.isFinite) }
            && gainState.allSatisfy { $0.isNaN || $0.isFinite }
    }
}
