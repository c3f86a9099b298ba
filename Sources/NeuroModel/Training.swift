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
    public init(learningRate: Double, batchSize: Int, loss: Loss) {
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.loss = loss
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

    @inlinable public init(network: NetworkOf<T>, feedback: FeedbackOf<T>, rng: SplitMix64, label: String? = nil) {
        self.network = network
        self.feedback = feedback
        self.rng = rng
        self.label = label ?? feedback.rule.rawValue
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
        network.descend(
            pass, deltas: network.deltas(pass, targets: y, loss: config.loss, feedback: feedback),
            learningRate: T(config.learningRate))
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
