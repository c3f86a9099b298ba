import Foundation

/// Feedback pathway of a rule. All matrices are stored in the shape of the forward weights they stand in
/// for: `matrices[l]` replaces W^{l+2} (shape n_{l+2} × n_{l+1}) when propagating δ from layer l+2 to l+1,
/// so B^l of docs/MODEL.md is its transpose. For DFA `matrices[l]` is D (shape n_L × n_{l+1}).
public struct FeedbackOf<T: BLASScalar>: Sendable, Equatable {
    public let rule: Rule
    /// fa: fixed random B; dfa: fixed random D; frsf/brsf: magnitudes |R|; usf: the constant in every entry.
    public var matrices: [DenseMatrix<T>]

    /// Draws the fixed feedback for `rule`: FA/DFA entries and frSF/brSF magnitudes ~ U(−a, a) (|·| for
    /// magnitudes) with the Xavier bound a of the matrix's shape; uSF uses the constant √(2/(n_in + n_out)).
    @inlinable public init(rule: Rule, network: NetworkOf<T>, rng: inout SplitMix64) {
        self.rule = rule
        var ms: [DenseMatrix<T>] = []
        let L = network.depth
        for l in 0..<(L - 1) {
            let w = network.layers[l + 1].w
            let rows = rule == .dfa ? network.sizes[L] : w.rows
            let cols = w.cols
            let a = (6.0 / Double(rows + cols)).squareRoot()
            switch rule {
            case .bp: ms.append(DenseMatrix<T>(rows: 0, cols: 0))
            case .fa, .dfa: ms.append(DenseMatrix<T>(rows: rows, cols: cols) { _, _ in T(rng.uniform(-a, a)) })
            case .frsf, .brsf: ms.append(DenseMatrix<T>(rows: rows, cols: cols) { _, _ in T(abs(rng.uniform(-a, a))) })
            case .usf:
                ms.append(
                    DenseMatrix<T>(
                        rows: rows, cols: cols,
                        repeating: T((2.0 / Double(rows + cols)).squareRoot())))
            }
        }
        self.matrices = ms
    }

    /// Backpropagation: no feedback matrices (δ travels back through the forward weights themselves).
    @inlinable public static var bp: FeedbackOf { FeedbackOf(rule: .bp, matrices: []) }

    /// Feedback given explicitly (exchange format, tests).
    @inlinable public init(rule: Rule, matrices: [DenseMatrix<T>]) {
        self.rule = rule
        self.matrices = matrices
    }

    /// brSF redraws its magnitudes every batch; the other rules keep theirs.
    @inlinable public mutating func newBatch(rng: inout SplitMix64) {
        guard rule == .brsf else { return }
        for l in matrices.indices {
            let a = (6.0 / Double(matrices[l].rows + matrices[l].cols)).squareRoot()
            matrices[l].data.withUnsafeMutableBufferPointer { d in
                for i in 0..<d.count { d[i] = T(abs(rng.uniform(-a, a))) }
            }
        }
    }

    /// The matrix that carries δ^{l+2} down to layer l+1, in W^{l+2}'s shape:
    /// bp W; fa B; usf/frsf/brsf M ∘ sign(W) with the sign of the current W.
    @inlinable public func effective(_ l: Int, network: NetworkOf<T>) -> DenseMatrix<T> {
        let w = network.layers[l + 1].w
        switch rule {
        case .bp: return w
        case .fa, .dfa: return matrices[l]
        case .usf, .frsf, .brsf:
            let m = matrices[l]
            precondition(
                m.rows == w.rows && m.cols == w.cols,
                "Feedback: magnitudes \(m.rows)x\(m.cols) for W \(w.rows)x\(w.cols)")
            var out = [T](repeating: 0, count: m.count)
            out.withUnsafeMutableBufferPointer { o in
                m.data.withUnsafeBufferPointer { mp in
                    w.data.withUnsafeBufferPointer { wp in
                        // M ∘ sign(W) with sign(0) = 0, written as selects so the loop vectorises.
                        for i in 0..<o.count { o[i] = wp[i] == 0 ? 0 : T(signOf: wp[i], magnitudeOf: mp[i]) }
                    }
                }
            }
            return DenseMatrix<T>(rows: m.rows, cols: m.cols, data: out)
        }
    }
}

public typealias Feedback = FeedbackOf<Double>

/// Per-layer gradients dE/dW^l (batch mean) under a rule, with the deltas that produced them.
public struct GradientsOf<T: BLASScalar>: Sendable {
    public var dW: [DenseMatrix<T>]
    public var db: [[T]]
    /// deltas[l] = δ^{l+1} (batch × n_{l+1}).
    public var deltas: [DenseMatrix<T>]
    public var loss: Double
    @inlinable public init(dW: [DenseMatrix<T>], db: [[T]], deltas: [DenseMatrix<T>], loss: Double) {
        self.dW = dW
        self.db = db
        self.deltas = deltas
        self.loss = loss
    }
}

public typealias Gradients = GradientsOf<Double>

extension NetworkOf {
    /// Backward pass of a rule: δ^L from the loss; δ^l = (δ^{l+1} F^{l+1}) ⊙ f'(u^l) where F is W (bp),
    /// the fixed B (fa), M∘sign(W) (sign-concordant); DFA uses δ^l = (δ^L D^l) ⊙ f'(u^l).
    /// Returns deltas[l] = δ^{l+1} (batch × n_{l+1}).
    @inlinable public func deltas(
        _ pass: ForwardPassOf<T>, targets y: DenseMatrix<T>, loss: Loss,
        feedback: FeedbackOf<T>
    ) -> [DenseMatrix<T>] {
        let L = depth
        var deltas = Array(repeating: DenseMatrix<T>(rows: 0, cols: 0), count: L)
        deltas[L - 1] = outputDelta(pass, targets: y, loss)
        if L >= 2 {
            for l in stride(from: L - 2, through: 0, by: -1) {
                var d: DenseMatrix<T>
                if feedback.rule == .dfa {
                    d = matmul(deltas[L - 1], feedback.matrices[l])
                } else {
                    d = matmul(deltas[l + 1], feedback.effective(l, network: self))
                }
                let u = pass.potentials[l]
                let f = activation(l)
                d.data.withUnsafeMutableBufferPointer { dp in
                    u.data.withUnsafeBufferPointer { up in
                        for i in 0..<dp.count { dp[i] *= f.slope(up[i]) }
                    }
                }
                deltas[l] = d
            }
        }
        return deltas
    }

    /// Per-layer gradients under a rule: dW^l = (1/B) δ^lᵀ r^{l−1}, db^l = (1/B) Σ_s δ^l_s.
    @inlinable public func gradients(
        _ pass: ForwardPassOf<T>, targets y: DenseMatrix<T>, loss: Loss,
        feedback: FeedbackOf<T>
    ) -> GradientsOf<T> {
        let ds = deltas(pass, targets: y, loss: loss, feedback: feedback)
        let batch = T(y.rows)
        var dW: [DenseMatrix<T>] = []
        for l in 0..<depth {
            var g = DenseMatrix<T>(rows: layers[l].w.rows, cols: layers[l].w.cols)
            gemm(ds[l], transA: true, pass.rates[l], alpha: 1 / batch, into: &g)
            dW.append(g)
        }
        return GradientsOf<T>(
            dW: dW, db: (0..<depth).map { biasGradient(ds[$0], batch: batch) }, deltas: ds,
            loss: self.loss(pass, targets: y, loss))
    }

    /// db = (1/B) Σ_s δ_s.
    @inlinable public func biasGradient(_ d: DenseMatrix<T>, batch: T) -> [T] {
        var bias = Array(repeating: T(0), count: d.cols)
        for s in 0..<d.rows { for k in 0..<d.cols { bias[k] += d[s, k] } }
        return bias.map { $0 / batch }
    }

    /// W^l ← W^l − η dW^l, b^l ← b^l − η db^l.
    @inlinable public mutating func apply(_ g: GradientsOf<T>, learningRate eta: T) {
        for l in layers.indices {
            axpy(-eta, g.dW[l].data, &layers[l].w.data)
            axpy(-eta, g.db[l], &layers[l].b)
        }
    }

    /// The same step fused into the product: W^l ← W^l − (η/B) δ^lᵀ r^{l−1} as one dgemm with β = 1,
    /// so no gradient matrix is formed (the training loop's path).
    @inlinable public mutating func descend(
        _ pass: ForwardPassOf<T>, deltas ds: [DenseMatrix<T>],
        learningRate eta: T
    ) {
        let batch = T(pass.rates[0].rows)
        for l in layers.indices {
            gemm(ds[l], transA: true, pass.rates[l], alpha: -eta / batch, beta: 1, into: &layers[l].w)
            axpy(-eta, biasGradient(ds[l], batch: batch), &layers[l].b)
        }
    }
}

extension NetworkOf {
    /// The step with momentum and per-parameter learning rates: for every layer, with η_l = η (times
    /// `outputScale` for the output layer), m_W ← μ m_W − (η_l/B) δᵀ r and
    /// m_b ← μ m_b − η_l·biasRate·(1/B) Σ δ, then W += m_W, b += m_b.
    @inlinable public mutating func descend(
        _ pass: ForwardPassOf<T>, deltas ds: [DenseMatrix<T>], config: SGDConfig, traces: inout [LayerOf<T>]
    ) {
        precondition(traces.count == layers.count, "descend: \(traces.count) traces for \(layers.count) layers")
        let batch = T(pass.rates[0].rows)
        let mu = T(config.momentum)
        for l in layers.indices {
            let eta = T(config.learningRate * (l == layers.count - 1 ? config.outputScale : 1))
            gemm(ds[l], transA: true, pass.rates[l], alpha: -eta / batch, beta: mu, into: &traces[l].w)
            let g = biasGradient(ds[l], batch: batch)
            let tonic = eta * T(config.biasRate)
            for k in g.indices { traces[l].b[k] = mu * traces[l].b[k] - tonic * g[k] }
            axpy(1, traces[l].w.data, &layers[l].w.data)
            axpy(1, traces[l].b, &layers[l].b)
        }
    }
}

/// Angle statistics of one B against Wᵀ (all in W's shape): angle in degrees and a bound σ on its
/// sampling standard deviation for n i.i.d. entries, from the delta method applied to
/// cos = mean(xy) / √(mean(x²) mean(y²)):
/// σ_cos ≤ [sd(xy) + |cos| (sd(x²)/2mean(x²) + sd(y²)/2mean(y²)) √(mean x² mean y²)]
/// / (√(mean x² mean y²) √n), σ_angle = σ_cos / sin(angle).
public func feedbackAngle(_ b: Matrix, _ w: Matrix) -> (degrees: Double, sigma: Double) {
    precondition(b.rows == w.rows && b.cols == w.cols, "feedbackAngle: shapes differ")
    let n = Double(w.count)
    var sxy = 0.0
    var sxy2 = 0.0
    var sx2 = 0.0
    var sx4 = 0.0
    var sy2 = 0.0
    var sy4 = 0.0
    for i in w.data.indices {
        let x = b.data[i]
        let y = w.data[i]
        sxy += x * y
        sxy2 += x * x * y * y
        sx2 += x * x
        sx4 += x * x * x * x
        sy2 += y * y
        sy4 += y * y * y * y
    }
    let mxy = sxy / n
    let mx2 = sx2 / n
    let my2 = sy2 / n
    let sdxy = max(0, sxy2 / n - mxy * mxy).squareRoot()
    let sdx2 = max(0, sx4 / n - mx2 * mx2).squareRoot()
    let sdy2 = max(0, sy4 / n - my2 * my2).squareRoot()
    let norm = (mx2 * my2).squareRoot()
    let cosine = mxy / norm
    let sigmaCos = (sdxy + abs(cosine) * (sdx2 / (2 * mx2) + sdy2 / (2 * my2)) * norm) / (norm * n.squareRoot())
    let degrees = angleDegrees(b, w)
    let sine = max(1e-12, sin(degrees * Double.pi / 180))
    return (degrees, sigmaCos / sine * 180 / Double.pi)
}
