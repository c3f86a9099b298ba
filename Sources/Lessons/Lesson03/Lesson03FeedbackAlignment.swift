import Foundation
import LessonKit
import NeuroModel

/// Lesson 3 — BP and the feedback-alignment family on rate networks.
public let lesson03 = LessonDescriptor(
    number: 3, slug: "feedback-alignment", title: "Backpropagation and the feedback-alignment family",
    claim: "All rules share the output update; sign-concordant feedback descends for one output; every rule's "
        + "hidden update stays within 90° of BP while it learns Yin-Yang (FA and DFA once aligned, after epoch 1); "
        + "BP's accuracy over the last epochs is ≥ 95 % (mean over seeds, 95 % confidence)",
    parameters: [
        .integer("seed", in: 0...Int.max, "random seed"),
        .integer("hidden", in: 1...4096, "units per hidden layer"),
        .integer("hidden_layers", in: 1...8, "number of hidden layers"),
        .choice("activation", of: ["relu", "tanh", "sigmoid", "linear"], "hidden activation"),
        .list("rules", of: Rule.allCases.map(\.rawValue), "rules to train"),
        .integer("epochs", in: 1...10_000, "training epochs"),
        .integer("last_epochs", in: 1...10_000, "final accuracy = mean test accuracy of this many last epochs"),
        .real("learning_rate", in: 1e-6...10, "SGD learning rate"),
        .integer("batch", in: 1...5000, "mini-batch size"),
        .integer("train_size", in: 30...5000, "Yin-Yang training samples"),
        .integer("angle_every", in: 1...100_000, "measure angles to BP every this many steps"),
        .integer("random_nets", in: 10...100_000, "random networks for the descent-property check")
    ],
    run: runLesson03, summary: lesson03Summary, estimate: lesson03Estimate)

/// BP's test accuracy on Yin-Yang at 4-120-3 must reach this (the reference ANN reaches 97–99 %).
let bpTarget = 0.95

/// The Yin-Yang splits: training, validation (the probe for angles) and test.
typealias YinYangData = (train: Dataset, validation: Dataset, test: Dataset)

// MARK: Parameters

/// Lesson 3's parameters, read once.
struct Lesson03Parameters {
    let activation: Activation
    let rules: [Rule]
    let sizes: [Int]
    let config: SGDConfig
    let epochs: Int, lastEpochs: Int, trainSize: Int, angleEvery: Int, randomNets: Int
    /// Yin-Yang test samples (the standard split's).
    let testSize = 1000

    init(_ p: ParameterValues) throws {
        activation = try p.choice("activation", as: Activation.init(rawValue:))
        rules = try p.list("rules", as: Rule.init(rawValue:))
        sizes = [4] + Array(repeating: p.integer("hidden"), count: p.integer("hidden_layers")) + [3]
        config = SGDConfig(learningRate: p.real("learning_rate"), batchSize: p.integer("batch"), loss: .crossEntropy)
        epochs = p.integer("epochs")
        lastEpochs = min(p.integer("last_epochs"), epochs)
        trainSize = p.integer("train_size")
        angleEvery = p.integer("angle_every")
        randomNets = p.integer("random_nets")
        guard config.batchSize <= trainSize else {
            throw LessonError.usage(
                "batch (\(config.batchSize)) is larger than the training set (train_size "
                    + "\(trainSize)); choose batch ≤ train_size")
        }
    }
}

func runLesson03(_ ctx: RunContext) throws {
    let p = try Lesson03Parameters(ctx.parameters)
    let data = YinYang.standard(train: p.trainSize, test: p.testSize)
    let geometry = lesson03Geometry(p, data, ctx)
    let runs = try p.rules.map { try trainOnYinYang($0, p, data, ctx) }
    lesson03Checks(geometry, runs, p, ctx)
    lesson03Records(geometry, runs, p, ctx)
    lesson03Figures(runs, p, ctx)
}

// MARK: Prediction

// (a) Output layer: δ^L depends only on the loss, so every rule's output update equals BP's.
// (b) One hidden layer, one output: ⟨ΔW_sc, ΔW_bp⟩ = Σ_j M_j |W_j| ‖Σ_s f'(u_sj) e_s x_s‖² ≥ 0.
// (c) Xavier-uniform W: cos∠(B, Wᵀ) = E|w|/√E w² = √3/2 (uSF, 30°), E|r|E|w|/(E r² E w²)^½ = 3/4
// (frSF/brSF, 41.41°), 0 (FA, 90°).

/// (c): the angle between each rule's feedback B and Wᵀ for a fresh Xavier-uniform W, in degrees.
let lesson03FeedbackAngle: [Rule: Double] = [
    .usf: 30, .frsf: acos(0.75) * 180 / .pi, .brsf: acos(0.75) * 180 / .pi, .fa: 90
]

/// (b) as computed against its closed form (relative): two sums of B × n_in × n_hid products in a different
/// order differ by about their length × ε ≈ 1e-11 at the defaults (B = 32, 4-120-1); 1e-10 covers layers 10
/// times larger.
let innerProductBound = 1e-10

/// (b): the closed form of ⟨ΔW_sc, ΔW_bp⟩ for one hidden layer and one output,
/// Σ_j M_j |W_j| ‖(1/B) Σ_s f'(u_sj) e_s x_s‖² with e_s = δ^L_s (tanh hidden units).
func descentInnerProduct(_ net: Network, _ pass: ForwardPass, _ bp: Gradients, x: Matrix, feedback: Matrix)
    -> Double
{
    let batch = x.rows
    let nIn = x.cols
    let nHid = net.layers[1].w.cols
    var formula = 0.0
    for j in 0..<nHid {
        var v = Array(repeating: 0.0, count: nIn)
        for s in 0..<batch {
            let factor = Activation.tanh.slope(pass.potentials[0][s, j]) * bp.deltas[1][s, 0] / Double(batch)
            for i in 0..<nIn { v[i] += factor * x[s, i] }
        }
        formula += feedback[0, j] * abs(net.layers[1].w[0, j]) * dot(v, v)
    }
    return formula
}

// MARK: Simulation

/// The prediction's three parts measured on random networks.
struct Lesson03Geometry {
    /// (a) max relative difference of any rule's output update from BP's
    var worstOutput = 0.0
    /// (b) single-output nets where a sign-concordant update opposes BP's; worst error of the closed form
    var violations = 0, worstFormula = 0.0
    /// (b) several outputs, measured only: frSF's hidden-layer angle to BP per trial
    var multiAngles: [Double] = []
    /// (c) per rule: the measured angle and its sampling σ
    var feedbackAngles: [(rule: Rule, degrees: Double, sigma: Double)] = []
}

func lesson03Geometry(_ p: Lesson03Parameters, _ data: YinYangData, _ ctx: RunContext) -> Lesson03Geometry {
    var g = Lesson03Geometry()
    g.worstOutput = outputLayerDifference(p, data, ctx)
    descentTrials(p, ctx, into: &g)
    // (c) B–W angles for a fresh 256×256 Xavier W.
    var arng = ctx.rng(3)
    let big = Network(sizes: [256, 256, 256], hidden: p.activation, output: .linear, rng: &arng)
    for rule in [Rule.usf, .frsf, .brsf, .fa] {
        let fb = Feedback(rule: rule, network: big, rng: &arng)
        let (deg, sigma) = feedbackAngle(fb.effective(0, network: big), big.layers[1].w)
        g.feedbackAngles.append((rule, deg, sigma))
    }
    return g
}

/// (a) on a probe batch of the training set: the worst relative difference of a rule's output update from BP's.
func outputLayerDifference(_ p: Lesson03Parameters, _ data: YinYangData, _ ctx: RunContext) -> Double {
    var rng = ctx.rng(1)
    let probeNet = Network(sizes: p.sizes, hidden: p.activation, output: .linear, rng: &rng)
    let probeIdx = Array(0..<min(64, data.train.count))
    let probeX = data.train.x.rows(probeIdx)
    let probeY = oneHot(probeIdx.map { data.train.labels[$0] }, classes: 3)
    let probePass = probeNet.forward(probeX)
    let bpProbe = probeNet.gradients(probePass, targets: probeY, loss: .crossEntropy, feedback: .bp)
    var worstOutput = 0.0
    let last = probeNet.depth - 1
    for rule in Rule.allCases where rule != .bp {
        var frng = ctx.rng(100 + UInt64(Rule.allCases.firstIndex(of: rule) ?? 0))
        let g = probeNet.gradients(
            probePass, targets: probeY, loss: .crossEntropy,
            feedback: Feedback(rule: rule, network: probeNet, rng: &frng))
        worstOutput = max(worstOutput, maxRelativeError(g.dW[last].data, bpProbe.dW[last].data))
    }
    return worstOutput
}

/// (b) over random single-output nets and batches: descent of the sign-concordant rules and the closed form;
/// with several outputs the same rule need not descend (measured, not claimed).
func descentTrials(_ p: Lesson03Parameters, _ ctx: RunContext, into g: inout Lesson03Geometry) {
    var nrng = ctx.rng(2)
    for trial in 0..<p.randomNets {
        let nIn = 2 + trial % 5
        let nHid = 3 + trial % 7
        let batch = 1 + trial % 9
        var net = Network(sizes: [nIn, nHid, 1], hidden: .tanh, output: .linear, rng: &nrng)
        for k in 0..<nHid { net.layers[1].w[0, k] = nrng.normal() }
        let x = Matrix(rows: batch, cols: nIn) { _, _ in nrng.normal() }
        let y = Matrix(rows: batch, cols: 1) { _, _ in nrng.normal() }
        let pass = net.forward(x)
        let bp = net.gradients(pass, targets: y, loss: .mse, feedback: .bp)
        for rule in [Rule.usf, .frsf, .brsf] {
            var frng = nrng.fork(UInt64(trial))
            let fb = Feedback(rule: rule, network: net, rng: &frng)
            let update = net.gradients(pass, targets: y, loss: .mse, feedback: fb)
            let inner = dot(update.dW[0].data, bp.dW[0].data)
            let formula = descentInnerProduct(net, pass, bp, x: x, feedback: fb.matrices[0])
            if inner < 0 { g.violations += 1 }
            g.worstFormula = max(g.worstFormula, abs(inner - formula) / max(abs(formula), 1e-300))
        }
        var many = Network(sizes: [nIn, nHid, 3], hidden: .tanh, output: .linear, rng: &nrng)
        many.layers[1].w = Matrix(rows: 3, cols: nHid) { _, _ in nrng.normal() }
        let y3 = Matrix(rows: batch, cols: 3) { _, _ in nrng.normal() }
        let pass3 = many.forward(x)
        let bp3 = many.gradients(pass3, targets: y3, loss: .mse, feedback: .bp)
        var frng = nrng.fork(UInt64(trial) + 1_000_000)
        let g3 = many.gradients(
            pass3, targets: y3, loss: .mse,
            feedback: Feedback(rule: .frsf, network: many, rng: &frng))
        g.multiAngles.append(angleDegrees(g3.dW[0], bp3.dW[0]))
    }
}

/// One rule's training on Yin-Yang: test accuracy after each epoch and the angles to BP along the way.
struct RuleRun {
    let rule: Rule
    /// Test accuracy (fraction) after epochs 0, 1, …; fewer than epochs + 1 entries when the rule diverged.
    var accuracies: [Double] = []
    /// [step − 1, loss, angle per layer…, norm ratio per layer…] at every measurement
    var rows: [[Double]] = []
    /// Max hidden-layer angle over the checked window (nil: nothing measured), mean over the second half.
    var worst: Double?, late: Double?
    var initialAngle = Double.nan, normRatio = Double.nan
    /// Mean test accuracy of the last epochs; NaN when the rule stopped before them.
    var finalAccuracy = Double.nan
}

/// Trains `rule` from the shared initial weights on the shared batch order.
func trainOnYinYang(_ rule: Rule, _ p: Lesson03Parameters, _ data: YinYangData, _ ctx: RunContext) throws -> RuleRun {
    var initRng = ctx.rng(4)  // the same initial weights for every rule
    let initial = Network(sizes: p.sizes, hidden: p.activation, output: .linear, rng: &initRng)
    var frng = ctx.rng(10)
    let fb = Feedback(rule: rule, network: initial, rng: &frng)
    var learner = Learner(network: initial, feedback: fb, rng: ctx.rng(20))
    var run = RuleRun(rule: rule, accuracies: [learner.network.accuracy(data.test.x, labels: data.test.labels)])
    let probe = (x: data.validation.x, y: oneHot(data.validation.labels, classes: 3))
    let stepsPerEpoch = (data.train.count + p.config.batchSize - 1) / p.config.batchSize
    let totalSteps = p.epochs * stepsPerEpoch
    var worst = -Double.infinity
    var measured = 0
    var lateSum = 0.0
    var lateCount = 0
    let start = Date()
    do {
        for epoch in 1...p.epochs {
            try learner.epoch(data.train, config: p.config, epoch: epoch, angleEvery: p.angleEvery, probe: probe) {
                step, loss, angles in
                guard !angles.isEmpty else { return }
                run.rows.append([Double(step - 1), loss] + angles)
                run.normRatio = angles[p.sizes.count - 1]  // first hidden layer's norm ratio
                let angles = Array(angles.prefix(p.sizes.count - 1))
                if step == 1 { run.initialAngle = angles[0] }
                // FA and DFA start from random feedback (≈ 90° by construction) and must first align: their
                // bound applies after the first epoch; sign-concordant rules are held to it from step 0.
                if rule.isSignConcordant || rule == .bp || step > stepsPerEpoch {
                    for a in angles.dropLast() where !a.isNaN {
                        worst = max(worst, a)
                        measured += 1
                    }
                }
                if step > totalSteps / 2 {
                    for a in angles.dropLast() where !a.isNaN {
                        lateSum += a
                        lateCount += 1
                    }
                }
            }
            run.accuracies.append(learner.network.accuracy(data.test.x, labels: data.test.labels))
            ctx.plotLive(rule.rawValue, epoch: run.accuracies.count - 1, value: 100 * (run.accuracies.last ?? .nan))
        }
    } catch let d as TrainingDiverged {
        ctx.log(d.description)
    }
    ctx.log(
        String(
            format: "%@: test accuracy %.2f %% after %d epochs (%.1f s)", rule.rawValue,
            100 * (run.accuracies.last ?? 0), run.accuracies.count - 1, Date().timeIntervalSince(start)))
    run.finalAccuracy =
        run.accuracies.count > p.epochs
        ? run.accuracies.suffix(p.lastEpochs).reduce(0, +) / Double(p.lastEpochs) : .nan
    run.worst = measured > 0 ? worst : nil
    run.late = lateCount > 0 ? lateSum / Double(lateCount) : nil
    return run
}
