import Foundation

/// Pointwise activation r = f(u) and its slope f'(u).
public enum Activation: String, CaseIterable, Sendable, Codable {
    case relu, tanh, sigmoid, linear
    /// The LIF soma of lesson 1 (default parameters): u is the input current (nA), r the rate (spikes/ms).
    case lif
    /// The LIF soma with background noise of amplitude `lifNoiseSigma` (Siegert rate, `NoisyLIF`): smooth, with
    /// a positive slope below rheobase. The activation of the spiking circuit's rate-level twin (lesson 7).
    case lifNoisy = "lif-noisy"

    /// The LIF soma's parameters used by `.lif`.
    public static let lifCell = LIFParameters()
    /// `.lif`'s slope is the closed-form f'(u) capped at its value at 1.1 × rheobase, where the true slope
    /// diverges (ours: a stand-in for the smoothing that membrane noise gives a real cell).
    public static let lifSlopeCap = LIFParameters().slope(current: 1.1 * LIFParameters().rheobase)
    /// Background noise σ (mV) of every soma in the spiking circuit and of `.lifNoisy`; the free membrane
    /// potential then fluctuates with a standard deviation of σ/√2 ≈ 2.8 mV.
    public static let lifNoiseSigma = 4.0
    /// `.lifNoisy` tabulated once (cubic Hermite on a 0.002 nA grid).
    public static let lifNoisyTable = SiegertTable(NoisyLIF(cell: lifCell, sigma: lifNoiseSigma))

    /// relu: max(0, u); tanh; sigmoid: 1/(1 + e^{−u}); linear: u; lif: the closed-form rate (lesson 1).
    @inlinable public func apply<T: BLASScalar>(_ u: T) -> T {
        switch self {
        case .relu: return u > 0 ? u : 0
        case .tanh: return T.tanh(u)
        case .sigmoid: return 1 / (1 + T.exp(-u))
        case .linear: return u
        case .lif: return T(Activation.lifCell.rate(current: Double(u)))
        case .lifNoisy: return T(Activation.lifNoisyTable.rate(Double(u)))
        }
    }

    /// relu: 1[u > 0]; tanh: 1 − tanh²u; sigmoid: σ(u)(1 − σ(u)); linear: 1; lif: capped f';
    /// lifNoisy: Siegert dr/dI.
    @inlinable public func slope<T: BLASScalar>(_ u: T) -> T {
        switch self {
        case .relu: return u > 0 ? 1 : 0
        case .tanh:
            let t = T.tanh(u)
            return 1 - t * t
        case .sigmoid:
            let s = 1 / (1 + T.exp(-u))
            return s * (1 - s)
        case .linear: return 1
        case .lif: return T(min(Activation.lifCell.slope(current: Double(u)), Activation.lifSlopeCap))
        case .lifNoisy: return T(Activation.lifNoisyTable.slope(Double(u)))
        }
    }
}

/// Loss on the output layer, averaged over the batch: E = (1/B) Σ_s E_s.
public enum Loss: String, CaseIterable, Sendable, Codable {
    /// E_s = ½ ‖r^L − y‖², r^L = f_out(u^L).
    case mse
    /// E_s = −Σ_k y_k log softmax(u^L)_k (the output activation is ignored: logits are u^L).
    case crossEntropy = "softmax-ce"
}

/// The weight-update rules of docs/MODEL.md, section 1.
public enum Rule: String, CaseIterable, Sendable, Codable {
    case bp, fa, dfa, usf, frsf, brsf

    /// True for the rules whose feedback is B = M ∘ sign(W)ᵀ.
    public var isSignConcordant: Bool { self == .usf || self == .frsf || self == .brsf }
}

/// One layer: u = W r_in + b with W of shape (n_out × n_in).
public struct LayerOf<T: BLASScalar>: Sendable, Equatable, Codable {
    public var w: DenseMatrix<T>
    public var b: [T]
    @inlinable public init(w: DenseMatrix<T>, b: [T]) {
        precondition(b.count == w.rows, "Layer: \(b.count) biases for \(w.rows) units")
        self.w = w
        self.b = b
    }
}

public typealias Layer = LayerOf<Double>

/// A multi-layer rate network r^l = f(W^l r^{l−1} + b^l); hidden layers use `hidden`, the last `output`.
/// `Network` is the Double version; `NetworkOf<Float>` is the single-precision training path.
public struct NetworkOf<T: BLASScalar>: Sendable, Equatable, Codable {
    public var layers: [LayerOf<T>]
    public let hidden: Activation
    public let output: Activation

    @inlinable public init(layers: [LayerOf<T>], hidden: Activation, output: Activation) {
        for l in 1..<max(layers.count, 1) {
            precondition(
                layers[l].w.cols == layers[l - 1].w.rows,
                "Network: layer \(l + 1) takes \(layers[l].w.cols) inputs but layer \(l) has "
                    + "\(layers[l - 1].w.rows) units")
        }
        self.layers = layers
        self.hidden = hidden
        self.output = output
    }

    /// Xavier-uniform weights W ~ U(−a, a), a = √(6 / (n_in + n_out)); zero biases.
    @inlinable public init(sizes: [Int], hidden: Activation, output: Activation, rng: inout SplitMix64) {
        precondition(
            sizes.count >= 2 && sizes.allSatisfy { $0 > 0 },
            "Network: sizes \(sizes) need ≥ 2 positive entries")
        var layers: [LayerOf<T>] = []
        for l in 1..<sizes.count {
            let a = (6.0 / Double(sizes[l] + sizes[l - 1])).squareRoot()
            let w = DenseMatrix<T>(rows: sizes[l], cols: sizes[l - 1]) { _, _ in T(rng.uniform(-a, a)) }
            layers.append(LayerOf<T>(w: w, b: Array(repeating: 0, count: sizes[l])))
        }
        self.init(layers: layers, hidden: hidden, output: output)
    }

    /// The same network in another precision.
    @inlinable public init<Other: BLASScalar>(converting n: NetworkOf<Other>) {
        self.init(
            layers: n.layers.map { LayerOf<T>(w: DenseMatrix<T>(converting: $0.w), b: $0.b.map { T($0) }) },
            hidden: n.hidden, output: n.output)
    }

    @inlinable public var sizes: [Int] { [layers[0].w.cols] + layers.map(\.w.rows) }
    @inlinable public var depth: Int { layers.count }
    @inlinable public func activation(_ l: Int) -> Activation { l == layers.count - 1 ? output : hidden }
    @inlinable public var allFinite: Bool { layers.allSatisfy { $0.w.allFinite && $0.b.allSatisfy(\.isFinite) } }
}

public typealias Network = NetworkOf<Double>

/// Everything a forward pass computes, for a batch (rows are samples).
public struct ForwardPassOf<T: BLASScalar>: Sendable {
    /// rates[0] = x, rates[l] = r^l (batch × n_l).
    public var rates: [DenseMatrix<T>]
    /// potentials[l−1] = u^l (batch × n_l).
    public var potentials: [DenseMatrix<T>]
    @inlinable public var output: DenseMatrix<T> { rates[rates.count - 1] }
    @inlinable public init(rates: [DenseMatrix<T>], potentials: [DenseMatrix<T>]) {
        self.rates = rates
        self.potentials = potentials
    }
}

public typealias ForwardPass = ForwardPassOf<Double>

extension NetworkOf {
    /// u^l = r^{l−1} W^lᵀ + b^l, r^l = f(u^l), batched through dgemm.
    @inlinable public func forward(_ x: DenseMatrix<T>) -> ForwardPassOf<T> {
        precondition(x.cols == sizes[0], "forward: input has \(x.cols) features, network expects \(sizes[0])")
        var rates = [x]
        var potentials: [DenseMatrix<T>] = []
        for (l, layer) in layers.enumerated() {
            var u = DenseMatrix<T>(rows: x.rows, cols: layer.w.rows)
            for s in 0..<x.rows { for k in 0..<layer.b.count { u.data[s * u.cols + k] = layer.b[k] } }
            gemm(rates[l], layer.w, transB: true, beta: 1, into: &u)
            let f = activation(l)
            potentials.append(u)
            rates.append(u.map { f.apply($0) })
        }
        return ForwardPassOf<T>(rates: rates, potentials: potentials)
    }

    /// Batch-mean loss E, accumulated in Double.
    @inlinable public func loss(_ pass: ForwardPassOf<T>, targets y: DenseMatrix<T>, _ loss: Loss) -> Double {
        let n = Double(y.rows)
        switch loss {
        case .mse:
            var e = 0.0
            for i in y.data.indices {
                let d = Double(pass.output.data[i] - y.data[i])
                e += 0.5 * d * d
            }
            return e / n
        case .crossEntropy:
            let u = pass.potentials[pass.potentials.count - 1]
            var e = 0.0
            for s in 0..<u.rows {
                let row = u.row(s).map(Double.init)
                let m = row.max() ?? 0
                let logZ = m + Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - m) })
                for k in 0..<u.cols { e -= Double(y[s, k]) * (row[k] - logZ) }
            }
            return e / n
        }
    }

    /// δ^L = ∂E_s/∂u^L per sample: mse (r − y) ⊙ f'_out(u); cross-entropy softmax(u) − y.
    @inlinable public func outputDelta(
        _ pass: ForwardPassOf<T>, targets y: DenseMatrix<T>,
        _ loss: Loss
    ) -> DenseMatrix<T> {
        let u = pass.potentials[pass.potentials.count - 1]
        precondition(
            y.rows == u.rows && y.cols == u.cols,
            "targets are \(y.rows)x\(y.cols), output is \(u.rows)x\(u.cols)")
        var d = DenseMatrix<T>(rows: u.rows, cols: u.cols)
        switch loss {
        case .mse:
            for i in d.data.indices { d.data[i] = (pass.output.data[i] - y.data[i]) * output.slope(u.data[i]) }
        case .crossEntropy:
            for s in 0..<u.rows {
                let row = u.row(s)
                let m = row.max() ?? 0
                let z = row.reduce(0) { $0 + T.exp($1 - m) }
                for k in 0..<u.cols { d[s, k] = T.exp(u[s, k] - m) / z - y[s, k] }
            }
        }
        return d
    }

    /// Predicted class per sample (arg max of the output); x is given in Double and converted if needed.
    @inlinable public func predict(_ x: Matrix) -> [Int] {
        let input = T.fromDouble(x)
        let out = forward(input).output
        return (0..<out.rows).map { s in
            var best = 0
            for k in 1..<out.cols where out[s, k] > out[s, best] { best = k }
            return best
        }
    }

    /// Fraction of samples whose predicted class equals the label.
    @inlinable public func accuracy(_ x: Matrix, labels: [Int]) -> Double {
        let p = predict(x)
        return Double(zip(p, labels).filter { $0 == $1 }.count) / Double(max(labels.count, 1))
    }
}

/// One-hot targets (rows = samples).
@inlinable public func oneHot<T: BLASScalar>(
    _ labels: [Int], classes: Int,
    as _: T.Type = Double.self
) -> DenseMatrix<T> {
    var m = DenseMatrix<T>(rows: labels.count, cols: classes)
    for (s, c) in labels.enumerated() {
        precondition(c >= 0 && c < classes, "oneHot: label \(c) outside 0..<\(classes)")
        m[s, c] = 1
    }
    return m
}

/// Number of forward synapses of a network with these layer sizes, counting weight layers from `firstLayer`
/// (1-based: layer l connects sizes[l − 1] to sizes[l]).
///
///     synapseCount([784, 100, 10])               // 79_400
///     synapseCount([784, 100, 10], fromLayer: 2) // 1_000
public func synapseCount(_ sizes: [Int], fromLayer firstLayer: Int = 1) -> Int {
    (max(firstLayer, 1)..<sizes.count).map { sizes[$0] * sizes[$0 - 1] }.reduce(0, +)
}

extension LayerOf {
    enum CodingKeys: String, CodingKey { case w, b }

    /// Decodes a layer and refuses one whose biases do not match its weights.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let w = try c.decode(DenseMatrix<T>.self, forKey: .w)
        let b = try c.decode([T].self, forKey: .b)
        guard b.count == w.rows else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "\(b.count) biases for \(w.rows) units"))
        }
        self.init(w: w, b: b)
    }
}

extension NetworkOf {
    enum CodingKeys: String, CodingKey { case layers, hidden, output }

    /// Decodes a network and refuses one whose layers do not chain (each takes the previous one's units).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let layers = try c.decode([LayerOf<T>].self, forKey: .layers)
        guard !layers.isEmpty, (1..<layers.count).allSatisfy({ layers[$0].w.cols == layers[$0 - 1].w.rows }) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "layers that do not chain"))
        }
        self.init(
            layers: layers, hidden: try c.decode(Activation.self, forKey: .hidden),
            output: try c.decode(Activation.self, forKey: .output))
    }
}
