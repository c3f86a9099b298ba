import Foundation

/// Training has diverged once a batch loss exceeds this many times the loss of an uninformative prediction
/// (see `uninformativeLoss`), even while it is still finite: a loss that grows a millionfold past where an
/// untrained network starts has left the regime in which any rule learns (at learning rate 10 lesson 6's
/// losses reach 1e14 before they overflow, while the network sits at chance).
public let divergenceLossFactor = 1e6

/// The loss of a prediction that carries no information about the targets: ln C for softmax cross-entropy
/// over C classes (the uniform prediction, where a freshly initialised network starts), ½ mean ‖y‖² for the
/// squared error (the zero output). At least 1, so that the divergence bound is never below 1e6.
@inlinable public func uninformativeLoss<T: BLASScalar>(_ y: DenseMatrix<T>, _ loss: Loss) -> Double {
    switch loss {
    case .crossEntropy: return max(1, Foundation.log(Double(y.cols)))
    case .mse:
        let squares = y.data.reduce(0.0) { $0 + Double($1) * Double($1) }
        return max(1, 0.5 * squares / Double(max(y.rows, 1)))
    }
}

/// Mini-batch SGD settings.
public struct SGDConfig: Sendable {
    public var learningRate: Double
    public var batchSize: Int
    public var loss: Loss
    /// Momentum μ: each weight keeps a trace m ← μ m − η g and changes by m (0: plain SGD).
    public var momentum = 0.0
    /// The biases' learning rate relative to η (a bias is a weight from a unit whose activity is this value).
    public var biasRate = 1.0
    /// The output layer's learning rate relative to η.
    public var outputScale = 1.0
    public init(learningRate: Double, batchSize: Int, loss: Loss) {
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.loss = loss
    }

    /// True when the step is plain SGD with one learning rate for every weight and bias.
    public var isPlain: Bool { momentum == 0 && biasRate == 1 && outputScale == 1 }
}

/// A population-wide plasticity tone g(t) ∈ [0, 1] that scales every synapse's learning rate at batch t, a named
/// global signal (like a neuromodulator): a linear warm-up over the first `warmup` batches, then, with `cosine`,
/// a cosine decay to zero at batch `total`: g(t) = min(1, (t + 1)/warmup) · ½(1 + cos(π t/total)).
///
/// ```swift
/// let tone = PlasticityTone(warmup: 937, total: 5625, cosine: true)
/// tone.factor(0)     // ≈ 0.001: training starts gently
/// tone.factor(936)   // ≈ 0.93: warmed up, the cosine has begun to fall
/// ```
public struct PlasticityTone: Sendable, Equatable, Codable {
    public var warmup: Int
    public var total: Int
    public var cosine: Bool

    public init(warmup: Int, total: Int, cosine: Bool) {
        precondition(warmup >= 0 && total >= 1, "PlasticityTone: warm-up \(warmup), total \(total)")
        self.warmup = warmup
        self.total = total
        self.cosine = cosine
    }

    /// A constant tone of 1 (no schedule).
    public static let constant = PlasticityTone(warmup: 0, total: 1, cosine: false)

    /// g at batch `step` (0-based).
    public func factor(_ step: Int) -> Double {
        let warm = warmup > 0 ? min(1, Double(step + 1) / Double(warmup)) : 1
        guard cosine else { return warm }
        return warm * 0.5 * (1 + Foundation.cos(Double.pi * Double(min(max(step, 0), total)) / Double(total)))
    }
}

/// A network, its rule's feedback, and the generator that orders its batches: one training run.
/// `Learner` trains in Double; `LearnerOf<Float>` in single precision (the data stay Double and each
/// batch is rounded on the way in).
public struct LearnerOf<T: BLASScalar>: Sendable {
    public var network: NetworkOf<T>
    public var feedback: FeedbackOf<T>
    public var rng: SplitMix64
    public var steps = 0
    public var label: String
    /// Momentum traces, shaped like the layers (zero until the first step with momentum).
    public var traces: [LayerOf<T>]

    @inlinable public init(network: NetworkOf<T>, feedback: FeedbackOf<T>, rng: SplitMix64, label: String? = nil) {
        self.network = network
        self.feedback = feedback
        self.rng = rng
        self.label = label ?? feedback.rule.rawValue
        self.traces = network.layers.map {
            LayerOf<T>(w: DenseMatrix<T>(rows: $0.w.rows, cols: $0.w.cols), b: Array(repeating: 0, count: $0.b.count))
        }
    }

    /// One SGD step on a batch; returns the batch loss.
    @discardableResult
    @inlinable public mutating func step(
        x: DenseMatrix<T>, y: DenseMatrix<T>, config: SGDConfig,
        epoch: Int
    ) throws -> Double {
        feedback.newBatch(rng: &rng)
        let pass = network.forward(x)
        let loss = network.loss(pass, targets: y, config.loss)
        steps += 1
        guard loss.isFinite else {
            throw TrainingDiverged(rule: label, epoch: epoch, step: steps, what: "loss = \(loss)")
        }
        let bound = divergenceLossFactor * uninformativeLoss(y, config.loss)
        guard loss <= bound else {
            throw TrainingDiverged(
                rule: label, epoch: epoch, step: steps,
                what: String(
                    format: "loss = %.3g, above 1e6 × the loss of an uninformative prediction (%.3g)", loss, bound))
        }
        let ds = network.deltas(pass, targets: y, loss: config.loss, feedback: feedback)
        if config.isPlain {
            network.descend(pass, deltas: ds, learningRate: T(config.learningRate))
        } else {
            network.descend(pass, deltas: ds, config: config, traces: &traces)
        }
        return loss
    }

    /// Per-layer angle (degrees) between this rule's update and BP's gradient on a fixed probe batch with
    /// the current weights (NaN where either is zero). brSF uses its current magnitudes.
    @inlinable public func anglesToBP(x: DenseMatrix<T>, y: DenseMatrix<T>, loss: Loss) -> [Double] {
        alignmentToBP(x: x, y: y, loss: loss).angles
    }

    /// Per layer: the angle (degrees) between this rule's update and BP's gradient, and the ratio of their
    /// norms ‖ΔW_rule‖ / ‖ΔW_bp‖, on a fixed probe batch with the current weights.
    @inlinable public func alignmentToBP(
        x: DenseMatrix<T>, y: DenseMatrix<T>,
        loss: Loss
    ) -> (angles: [Double], normRatios: [Double]) {
        let pass = network.forward(x)
        let g = network.gradients(pass, targets: y, loss: loss, feedback: feedback)
        let bp = network.gradients(pass, targets: y, loss: loss, feedback: .bp)
        return (
            zip(g.dW, bp.dW).map { angleDegrees($0, $1) },
            zip(g.dW, bp.dW).map { $1.frobeniusNorm > 0 ? $0.frobeniusNorm / $1.frobeniusNorm : .nan }
        )
    }

    /// One epoch over `data` in a fresh random order. Every `angleEvery` steps (and before the first) the
    /// angles to BP on `probe` and then the norm ratios (one of each per layer) are measured and passed to
    /// `observe(step, loss, alignment)`; otherwise alignment is empty.
    @inlinable public mutating func epoch(
        _ data: Dataset, config: SGDConfig, epoch: Int, angleEvery: Int = 0,
        probe: (x: DenseMatrix<T>, y: DenseMatrix<T>)? = nil,
        observe: (Int, Double, [Double]) -> Void = { _, _, _ in }
    ) throws {
        let order = rng.permutation(data.count)
        var start = 0
        while start < order.count {
            let idx = order[start..<min(start + config.batchSize, order.count)]
            var angles: [Double] = []
            if let probe, angleEvery > 0, steps % angleEvery == 0 {
                let a = alignmentToBP(x: probe.x, y: probe.y, loss: config.loss)
                angles = a.angles + a.normRatios
            }
            let batch = data.x.rows(idx)
            let x = T.fromDouble(batch)
            let y = oneHot(idx.map { data.labels[$0] }, classes: data.classes, as: T.self)
            let loss = try step(x: x, y: y, config: config, epoch: epoch)
            observe(steps, loss, angles)
            start += config.batchSize
        }
        guard network.allFinite else {
            throw TrainingDiverged(rule: label, epoch: epoch, step: steps, what: "non-finite weights")
        }
    }
}

public typealias Learner = LearnerOf<Double>
