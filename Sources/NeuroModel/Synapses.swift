/// Sign of a cell's outgoing synapses (Dale's principle: one sign per cell).
public enum CellSign: String, Sendable, Codable {
    case excitatory
    case inhibitory
}

/// How a signed weight W_kj from cell j to cell k is realised with sign-pure cells.
public enum Route: Equatable, Sendable {
    /// A direct excitatory synapse j → k of strength W_kj > 0.
    case direct(strength: Double)
    /// j → interneuron_j (1:1 relay) → k, an inhibitory synapse of strength |W_kj|, for W_kj < 0.
    case viaInterneuron(strength: Double)
    /// W_kj = 0: no synapse.
    case none

    /// The route that realises weight w.
    public init(weight w: Double) {
        if w > 0 {
            self = .direct(strength: w)
        } else if w < 0 {
            self = .viaInterneuron(strength: -w)
        } else {
            self = .none
        }
    }

    /// The signed weight this route realises: +s direct, −s through the interneuron.
    public var weight: Double {
        switch self {
        case .direct(let s): return s
        case .viaInterneuron(let s): return -s
        case .none: return 0
        }
    }

    /// Sign of the synapse that reaches the target cell.
    public var synapseSign: CellSign? {
        switch self {
        case .direct: return .excitatory
        case .viaInterneuron: return .inhibitory
        case .none: return nil
        }
    }

    /// Hebbian change of the route's own strength for a change Δw of the signed weight it realises:
    /// the direct synapse's strength grows with Δw, the interneuron synapse's with −Δw. A strength that would
    /// become negative is pruned and the opposite route formed with the remainder (a zero crossing).
    public func applying(_ deltaW: Double) -> Route {
        Route(weight: weight + deltaW)
    }
}

/// A projection from a population of excitatory cells (each with its own 1:1 inhibitory relay interneuron)
/// onto a target population, one route per pair. It realises the signed matrix W (targets × sources).
public struct DaleProjection: Sendable {
    public private(set) var routes: [[Route]]  // routes[k][j]
    public var targets: Int { routes.count }
    public let sources: Int

    public init(weights: Matrix) {
        sources = weights.cols
        routes = (0..<weights.rows).map { k in (0..<weights.cols).map { j in Route(weight: weights[k, j]) } }
    }

    /// Drive onto target k, summed synapse by synapse: Σ_direct s·r_j − Σ_interneuron s·r^{PV}_j,
    /// where the relay interneuron's rate equals its source's (r^{PV}_j = r_j).
    public func drive(sourceRates r: [Double], interneuronRates rPV: [Double]) -> [Double] {
        precondition(
            r.count == sources && rPV.count == sources,
            "DaleProjection.drive: \(r.count) rates for \(sources) sources")
        return routes.map { row in
            var excitation = 0.0
            var inhibition = 0.0
            for (j, route) in row.enumerated() {
                switch route {
                case .direct(let s): excitation += s * r[j]
                case .viaInterneuron(let s): inhibition += s * rPV[j]
                case .none: break
                }
            }
            return excitation - inhibition
        }
    }

    /// The signed matrix the routes realise.
    public var weights: Matrix {
        Matrix(rows: targets, cols: sources) { k, j in routes[k][j].weight }
    }

    /// Number of outgoing synapses whose sign differs from their presynaptic cell's type
    /// (Pyr cells are excitatory, relay interneurons inhibitory). Zero when Dale's principle holds.
    public var daleViolations: Int {
        var n = 0
        for row in routes {
            for route in row {
                // A direct route leaves the (excitatory) source cell; an interneuron route leaves the
                // (inhibitory) relay.
                switch route {
                case .direct(let s): if !(s > 0) { n += 1 }
                case .viaInterneuron(let s): if !(s > 0) { n += 1 }
                case .none: break
                }
            }
        }
        return n
    }

    public mutating func update(_ k: Int, _ j: Int, by deltaW: Double) {
        routes[k][j] = routes[k][j].applying(deltaW)
    }
}
