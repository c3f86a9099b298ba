import Foundation

/// A pyramidal cell's three compartments: basal (bottom-up drive u), soma (rate r = f(u)), apical (top-down a),
/// and the error signal it emits, ε = f'(u) · a.
public struct PyramidalCell: Sendable, Equatable {
    public var basal = 0.0
    public var rate = 0.0
    public var apical = 0.0
    public var error = 0.0
}

/// One layer of the microcircuit (docs/MODEL.md, section 2): n Pyr cells, each with its own PV-like and
/// SST-like interneuron; the forward projection from the layer below (one Dale route per pair: direct
/// excitatory, or through the source's PV cell); and the feedback projection from the layer above onto the
/// apical compartments (direct excitatory, or through the target's SST cell), each with a fixed magnitude |R|.
public struct MicrocircuitLayer: Sendable {
    /// Routes from Pyr^{l−1}_j (or its PV_j) onto the basal compartment of Pyr^l_k; routes[k][j].
    public var forward: DaleProjection
    /// Tonic drive of each Pyr cell (the bias b^l; ours: a constant, non-synaptic input).
    public var bias: [Double]
    /// Feedback synapses from Pyr^{l+1}_k onto the apical compartment of Pyr^l_j, indexed [k][j] like
    /// W^{l+1}: `.direct(|R|)` excitatory, `.viaInterneuron(|R|)` through SST_j. Empty for the output layer.
    public var feedbackFromAbove: [[Route]]
    public var cells: [PyramidalCell]

    public var size: Int { bias.count }
}

/// The multi-layer microcircuit at rate level, computed cell by cell and route by route.
public struct Microcircuit: Sendable {
    public var layers: [MicrocircuitLayer]
    public let hidden: Activation
    public let output: Activation
    /// Output cells normalised by a shared inhibitory pool: r^L = softmax(u^L), and the output error is
    /// ε^L = a^L = y − r^L (ours: with divisive normalisation the circuit minimises cross-entropy, matching
    /// the matrix algorithm's softmax-ce loss).
    public var softmaxOutput = false

    /// Builds the circuit that realises a network's W and b, with feedback magnitudes |R| (W^{l+1}-shaped)
    /// placed on the routes that match each pair's forward route.
    public init(network: Network, feedbackMagnitudes: [Matrix], softmaxOutput: Bool = false) {
        self.softmaxOutput = softmaxOutput
        precondition(
            feedbackMagnitudes.count == network.depth - 1,
            "Microcircuit: \(feedbackMagnitudes.count) feedback matrices for \(network.depth) layers")
        var layers: [MicrocircuitLayer] = []
        for (l, layer) in network.layers.enumerated() {
            var fb: [[Route]] = []
            if l + 1 < network.depth {
                let above = network.layers[l + 1].w
                let mag = feedbackMagnitudes[l]
                precondition(mag.rows == above.rows && mag.cols == above.cols, "Microcircuit: feedback \(l) shape")
                fb = (0..<above.rows).map { k in
                    (0..<above.cols).map { j in
                        let m = mag[k, j]
                        switch Route(weight: above[k, j]) {
                        case .direct: return m > 0 ? .direct(strength: m) : .none
                        case .viaInterneuron: return m > 0 ? .viaInterneuron(strength: m) : .none
                        case .none: return .none
                        }
                    }
                }
            }
            layers.append(
                MicrocircuitLayer(
                    forward: DaleProjection(weights: layer.w), bias: layer.b,
                    feedbackFromAbove: fb,
                    cells: Array(repeating: PyramidalCell(), count: layer.b.count)))
        }
        self.layers = layers
        self.hidden = network.hidden
        self.output = network.output
    }

    func f(_ l: Int, _ u: Double) -> Double { (l == layers.count - 1 ? output : hidden).apply(u) }
    func fPrime(_ l: Int, _ u: Double) -> Double { (l == layers.count - 1 ? output : hidden).slope(u) }

    /// The signed forward weights the routes realise, per layer.
    public var weights: [Matrix] { layers.map(\.forward.weights) }

    /// Top-down input to the apical compartment of Pyr^l_j when each cell k above sends `signal(k)`:
    /// Σ_direct |R_kj| signal(k) (excitation) − Σ_SST |R_kj| signal(k) (relayed by SST_j, inhibitory).
    func apicalInput(_ l: Int, _ j: Int, _ signal: (Int) -> Double) -> Double {
        var excitation = 0.0
        var sst = 0.0
        for (k, row) in layers[l].feedbackFromAbove.enumerated() {
            switch row[j] {
            case .direct(let m): excitation += m * signal(k)
            case .viaInterneuron(let m): sst += m * signal(k)
            case .none: break
            }
        }
        return excitation - sst
    }

    /// Forward phase: each Pyr cell's basal potential is its tonic drive plus the drive summed over its
    /// incoming routes (PV relays fire at their source's rate); the soma fires at r = f(u).
    public mutating func forward(_ x: [Double]) {
        var below = x
        for l in layers.indices {
            let drive = layers[l].forward.drive(sourceRates: below, interneuronRates: below)
            for k in 0..<layers[l].size {
                let u = layers[l].bias[k] + drive[k]
                layers[l].cells[k].basal = u
                layers[l].cells[k].rate = f(l, u)
            }
            if softmaxOutput && l == layers.count - 1 {
                let us = layers[l].cells.map(\.basal)
                let m = us.max() ?? 0
                let z = us.reduce(0) { $0 + Foundation.exp($1 - m) }
                for k in 0..<layers[l].size { layers[l].cells[k].rate = Foundation.exp(us[k] - m) / z }
            }
            below = layers[l].cells.map(\.rate)
        }
    }

    /// Error phase. Output apical: teacher excitation y minus the SST-relayed copy of the cell's own rate.
    /// Hidden apical: Σ over the cells above of |R|·ε_k on direct routes minus the SST cell's relay of the
    /// rest. Every cell then emits ε = f'(u) · a.
    public mutating func backward(target y: [Double]) {
        let top = layers.count - 1
        for k in 0..<layers[top].size {
            let sstRelay = layers[top].cells[k].rate
            layers[top].cells[k].apical = y[k] - sstRelay
            layers[top].cells[k].error =
                softmaxOutput
                ? layers[top].cells[k].apical
                : fPrime(top, layers[top].cells[k].basal) * layers[top].cells[k].apical
        }
        for l in stride(from: top - 1, through: 0, by: -1) {
            let errorsAbove = layers[l + 1].cells.map(\.error)
            for j in 0..<layers[l].size {
                layers[l].cells[j].apical = apicalInput(l, j) { errorsAbove[$0] }
                layers[l].cells[j].error = fPrime(l, layers[l].cells[j].basal) * layers[l].cells[j].apical
            }
        }
    }

    /// Hebbian update over a batch: every synapse accumulates η/B · ε_post · r_pre from its own two cells,
    /// then the change is applied to the pair's active route. A route whose strength would cross zero is pruned
    /// and the opposite route formed (excitatory ↔ PV), and the pair's feedback synapse moves with it
    /// (direct ↔ SST), keeping its magnitude. Returns the change of the signed weights per layer and the
    /// number of zero crossings.
    @discardableResult
    public mutating func hebbianStep(
        inputs: [[Double]], targets: [[Double]],
        learningRate eta: Double
    ) -> (deltas: [Matrix], crossings: Int) {
        precondition(
            inputs.count == targets.count && !inputs.isEmpty,
            "hebbianStep: \(inputs.count) inputs, \(targets.count) targets")
        var acc = layers.map { Matrix(rows: $0.size, cols: $0.forward.sources) }
        var accBias = layers.map { Array(repeating: 0.0, count: $0.size) }
        let scale = eta / Double(inputs.count)
        for (x, y) in zip(inputs, targets) {
            forward(x)
            backward(target: y)
            for l in layers.indices {
                let pre = l == 0 ? x : layers[l - 1].cells.map(\.rate)
                for k in 0..<layers[l].size {
                    let eps = layers[l].cells[k].error
                    for j in pre.indices { acc[l][k, j] += scale * eps * pre[j] }
                    accBias[l][k] += scale * eps
                }
            }
        }
        let crossings = apply(weightChanges: acc, biasChanges: accBias)
        return (acc, crossings)
    }

    /// Applies changes of the signed weights (per layer, W-shaped) and biases through the routes: a change
    /// that crosses zero prunes the synapse, forms the opposite route, and moves the pair's feedback synapse to
    /// the matching route (direct ↔ SST). Returns the number of zero crossings.
    @discardableResult
    public mutating func apply(weightChanges acc: [Matrix], biasChanges accBias: [[Double]]) -> Int {
        precondition(acc.count == layers.count && accBias.count == layers.count, "apply: one change matrix per layer")
        var crossings = 0
        for l in layers.indices {
            for k in 0..<layers[l].size {
                layers[l].bias[k] += accBias[l][k]
                for j in 0..<layers[l].forward.sources {
                    let before = layers[l].forward.routes[k][j]
                    layers[l].forward.update(k, j, by: acc[l][k, j])
                    let after = layers[l].forward.routes[k][j]
                    if before.synapseSign != after.synapseSign, before.synapseSign != nil, after.synapseSign != nil {
                        crossings += 1
                    }
                    if l > 0, before.synapseSign != after.synapseSign {
                        layers[l - 1].feedbackFromAbove[k][j] =
                            rerouted(layers[l - 1].feedbackFromAbove[k][j], to: after)
                    }
                }
            }
        }
        return crossings
    }

    /// The feedback synapse of a pair moved onto the route matching the pair's new forward route.
    func rerouted(_ feedback: Route, to forward: Route) -> Route {
        let magnitude: Double
        switch feedback {
        case .direct(let m), .viaInterneuron(let m): magnitude = m
        case .none: magnitude = 0
        }
        guard magnitude > 0 else { return .none }
        switch forward {
        case .direct: return .direct(strength: magnitude)
        case .viaInterneuron: return .viaInterneuron(strength: magnitude)
        case .none: return feedback  // a weight landing exactly on zero keeps its feedback synapse
        }
    }

    /// Pairs whose feedback sign differs from the forward sign (sign(B) ≠ sign(Wᵀ)); zero by construction.
    public var feedbackSignMismatches: Int {
        var n = 0
        for l in 0..<(layers.count - 1) {
            let w = layers[l + 1].forward.routes
            for (k, row) in layers[l].feedbackFromAbove.enumerated() {
                for (j, fb) in row.enumerated() where fb.synapseSign != nil && fb.synapseSign != w[k][j].synapseSign {
                    if w[k][j].synapseSign != nil { n += 1 }
                }
            }
        }
        return n
    }

    public var daleViolations: Int {
        layers.map { $0.forward.daleViolations }.reduce(0, +)
            + layers.flatMap(\.feedbackFromAbove).joined().filter { r in
                if case .direct(let s) = r { return !(s > 0) }
                if case .viaInterneuron(let s) = r { return !(s > 0) }
                return false
            }.count
    }
}
