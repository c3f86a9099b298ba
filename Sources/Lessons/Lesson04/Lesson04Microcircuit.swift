import Foundation
import LessonKit
import NeuroModel

/// Lesson 4 — the microcircuit at rate level: its Hebbian update is the frSF update, exactly.
public let lesson04 = LessonDescriptor(
    number: 4, slug: "microcircuit", title: "The microcircuit at rate level",
    claim: "Computed cell by cell and route by route, the microcircuit's Hebbian update equals the frSF update of "
        + "the matrix algorithm to rounding error, and its feedback stays sign-concordant through zero crossings",
    parameters: [
        .integer("seed", in: 0...Int.max, "random seed"),
        .integer("hidden", in: 1...512, "Pyr cells per hidden layer"),
        .integer("hidden_layers", in: 1...6, "hidden layers"),
        .choice("activation", of: ["sigmoid", "tanh", "relu"], "somatic rate function f (all layers)"),
        .integer("batch", in: 1...1000, "samples per Hebbian step"),
        .integer("steps", in: 1...100_000, "training steps run side by side"),
        .real("learning_rate", in: 1e-6...100, "η")
    ],
    run: runLesson04, estimate: lesson04Estimate)

// MARK: Parameters

/// Lesson 4's parameters, read once.
struct Lesson04Parameters {
    let activation: Activation
    let sizes: [Int]
    let batch: Int, steps: Int
    let learningRate: Double

    init(_ p: ParameterValues) throws {
        activation = try p.choice("activation", as: Activation.init(rawValue:))
        sizes = [4] + Array(repeating: p.integer("hidden"), count: p.integer("hidden_layers")) + [3]
        batch = p.integer("batch")
        steps = p.integer("steps")
        learningRate = p.real("learning_rate")
    }
}

func runLesson04(_ ctx: RunContext) throws {
    let p = try Lesson04Parameters(ctx.parameters)
    let data = YinYang.standard(train: 5000).train
    var start = lesson04Start(p, data, ctx)
    let oneStep = compareOneStep(&start, p)
    let training = try trainSideBySide(start, p, data, ctx)
    lesson04Checks(oneStep, training, p, ctx)
    let baseline = meanTargetLoss(data)
    lesson04Records(oneStep, training, p, baseline: baseline, ctx)
    lesson04Figures(training, p, baseline: baseline, ctx)
}

// MARK: Prediction

// With a^L = y − r^L and a^l = B^l ε^{l+1}, ε^l = f'(u^l) a^l is −δ^l of frSF with
// B^l = |R^l| ∘ sign(W^{l+1})ᵀ, so ΔW^l = η/B Σ_s ε^l_s r^{l−1}_sᵀ = −η dW^l_frSF; for the output layer
// this is also BP's update. A single Pyr layer under an apical teacher is the delta rule (BP). Every comparison is
// "equal to rounding" (`roundingBound`); the single-precision matrix algorithm against the Double circuit to 1e-5
// (ε_Float ≈ 6e-8 times the depth of the sums).

/// The rounding error two evaluation orders of the same sums can differ by, derived (Higham, *Accuracy and
/// Stability of Numerical Algorithms*, §3.1): a sum of n terms computed in any order has an error of at most
/// γ_n Σ|terms|, γ_n = nu/(1 − nu), u = 2⁻⁵³ the unit roundoff of Double. An entry of the first layer's ΔW
/// is the longest chain: its error ε¹ goes through one matrix-vector sum per layer above (n_l terms each, plus one
/// product per layer) and the update sums B samples, so n = B + Σ_{l ≥ 2} (n_l + 1). The circuit and the matrix
/// algorithm each carry such an error, so they differ by at most 2γ_n κ relative to the entry, where κ = Σ|terms|
/// / |Σ terms| is the sum's condition number (1 when no terms cancel). This returns 2γ_n, the bound for κ = 1.
func summationBound(_ p: Lesson04Parameters) -> Double {
    let u = pow(2, -53.0)
    let n = Double(p.batch + p.sizes.dropFirst(2).reduce(0) { $0 + $1 + 1 })
    return 2 * n * u / (1 - n * u)
}

/// The bound of the single-precision frSF update against the Double circuit.
let floatRoundingBound = 1e-5

// MARK: Simulation

/// Targets as rates: 0.9 for the labelled class, 0.1 otherwise (inside the sigmoid's range).
func rateTargets(_ data: Dataset, _ idx: some Collection<Int>) -> Matrix {
    oneHot(idx.map { data.labels[$0] }, classes: 3).map { 0.1 + 0.8 * $0 }
}

/// The loss of a network that ignores its input and outputs each class's mean target rate over `data`:
/// E₀ = ½ Σ_k mean_s (y_sk − ȳ_k)², the variance of the targets (½ · 3 · 0.8² · (1/3)(2/3) ≈ 0.213 for
/// three balanced classes). A loss that stops near E₀ means the network has learned the class frequencies only.
func meanTargetLoss(_ data: Dataset) -> Double {
    let y = rateTargets(data, 0..<data.count)
    var e = 0.0
    for k in 0..<y.cols {
        let column = (0..<y.rows).map { y[$0, k] }
        let mean = column.reduce(0, +) / Double(y.rows)
        e += 0.5 * column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(y.rows)
    }
    return e
}

/// A batch as one array per sample, as the circuit takes it.
func sampleRows(_ m: Matrix) -> [[Double]] { (0..<m.rows).map { Array(m.row($0)) } }

/// The shared start: one single-layer network, the deep network with its frSF feedback and circuit, and the
/// first batch.
struct Lesson04Start {
    let single: Network, network: Network
    let feedback: Feedback
    var circuit: Microcircuit
    let x0: Matrix, y0: Matrix
    /// Dale's principle at construction: synapses of the wrong sign.
    let daleAtStart: Int
}

func lesson04Start(_ p: Lesson04Parameters, _ data: Dataset, _ ctx: RunContext) -> Lesson04Start {
    var rng = ctx.rng(1)
    let single = Network(sizes: [4, 3], hidden: p.activation, output: p.activation, rng: &rng)
    let idx0 = Array(0..<p.batch)
    let network = Network(sizes: p.sizes, hidden: p.activation, output: p.activation, rng: &rng)
    var frng = ctx.rng(2)
    let feedback = Feedback(rule: .frsf, network: network, rng: &frng)
    let circuit = Microcircuit(network: network, feedbackMagnitudes: feedback.matrices)
    return Lesson04Start(
        single: single, network: network, feedback: feedback, circuit: circuit,
        x0: data.x.rows(idx0), y0: rateTargets(data, idx0), daleAtStart: circuit.daleViolations)
}

/// One batch through circuit and matrix algorithm, signal by signal and update by update.
struct Lesson04OneStep {
    var daleAtStart: Int
    var deltaRule: TensorComparison
    var worstApical = 0.0, worstSignal = 0.0
    var layers: [TensorComparison] = []
    var output: TensorComparison
    var worstFloat = 0.0
}

func compareOneStep(_ start: inout Lesson04Start, _ p: Lesson04Parameters) -> Lesson04OneStep {
    let eta = p.learningRate
    let x0 = start.x0
    let y0 = start.y0
    let network = start.network
    // One layer: the Hebbian update under an apical teacher against BP's (the delta rule).
    var singleCircuit = Microcircuit(network: start.single, feedbackMagnitudes: [])
    let singleDelta = singleCircuit.hebbianStep(
        inputs: sampleRows(x0), targets: sampleRows(y0),
        learningRate: eta
    ).deltas[0]
    let singleBP = start.single.gradients(start.single.forward(x0), targets: y0, loss: .mse, feedback: .bp)
    let deltaRule = TensorComparison(
        "one layer: Hebbian ΔW vs BP", observed: singleDelta.data,
        expected: descentStep(singleBP.dW[0].data, learningRate: eta),
        bound: roundingBound)
    // Several layers: signals sample by sample, then the update layer by layer; the output layer against BP too.
    let pass = network.forward(x0)
    let frsf = network.gradients(pass, targets: y0, loss: .mse, feedback: start.feedback)
    let (apical, signal) = compareSignals(&start.circuit, start, frsf)
    let bp = network.gradients(pass, targets: y0, loss: .mse, feedback: .bp)
    var probe = start.circuit
    let hebbian = probe.hebbianStep(inputs: sampleRows(x0), targets: sampleRows(y0), learningRate: eta).deltas
    let layers = (0..<network.depth).map { l in
        TensorComparison(
            "layer \(l + 1): Hebbian ΔW vs frSF", observed: hebbian[l].data,
            expected: descentStep(frsf.dW[l].data, learningRate: eta), bound: roundingBound)
    }
    let last = network.depth - 1
    let output = TensorComparison(
        "output layer: Hebbian ΔW vs BP", observed: hebbian[last].data,
        expected: descentStep(bp.dW[last].data, learningRate: eta), bound: roundingBound)
    // The single-precision path (used for speed in lesson 6 and the benchmark) against the Double circuit.
    let floatNet = NetworkOf<Float>(converting: network)
    let floatFeedback = FeedbackOf<Float>(
        rule: .frsf,
        matrices: start.feedback.matrices.map { DenseMatrix<Float>(converting: $0) })
    let floatPass = floatNet.forward(DenseMatrix<Float>(converting: x0))
    let floatUpdate = floatNet.gradients(
        floatPass, targets: DenseMatrix<Float>(converting: y0), loss: .mse,
        feedback: floatFeedback)
    var worstFloat = 0.0
    for l in 0..<network.depth {
        let update = descentStep(floatUpdate.dW[l].data.map { Double($0) }, learningRate: eta)
        worstFloat = max(worstFloat, maxRelativeError(update, hebbian[l].data))
    }
    return Lesson04OneStep(
        daleAtStart: start.daleAtStart, deltaRule: deltaRule, worstApical: apical,
        worstSignal: signal, layers: layers, output: output, worstFloat: worstFloat)
}

/// Apical potentials and error signals of the circuit, sample by sample, against frSF's backward signals:
/// the worst relative errors of a^l against B^l δ^{l+1} and of ε^l against −δ^l.
func compareSignals(_ circuit: inout Microcircuit, _ start: Lesson04Start, _ frsf: Gradients)
    -> (apical: Double, signal: Double)
{
    let network = start.network
    let sizes = network.sizes
    var worstSignal = 0.0
    var worstApical = 0.0
    for s in 0..<start.x0.rows {
        circuit.forward(Array(start.x0.row(s)))
        circuit.backward(target: Array(start.y0.row(s)))
        for l in 0..<network.depth {
            let eps = circuit.layers[l].cells.map(\.error)
            let delta = Array(frsf.deltas[l].row(s)).map { -$0 }
            worstSignal = max(worstSignal, maxRelativeError(eps, delta))
            if l + 1 < network.depth {
                // a^l = B^l ε^{l+1}: the frSF backward signal before the somatic gain f'.
                let b = start.feedback.effective(l, network: network)
                let above = Array(frsf.deltas[l + 1].row(s)).map { -$0 }
                let expected = (0..<sizes[l + 1]).map { j in
                    (0..<sizes[l + 2]).map { k in b[k, j] * above[k] }.reduce(0, +)
                }
                worstApical = max(worstApical, maxRelativeError(circuit.layers[l].cells.map(\.apical), expected))
            }
        }
    }
    return (worstApical, worstSignal)
}

/// Circuit and matrix algorithm trained side by side on the same batches.
struct Lesson04Training {
    var worstStep = 0.0, crossings = 0
    /// [step, loss, angle to BP per layer…] about 100 times along training
    var angleRows: [[Double]] = []
    /// [step, worst relative error per layer over the steps since the previous row…]
    var errorRows: [[Double]] = []
    var mismatches = 0, dale = 0, worstWeights = 0.0
}

func trainSideBySide(_ start: Lesson04Start, _ p: Lesson04Parameters, _ data: Dataset, _ ctx: RunContext) throws
    -> Lesson04Training
{
    let eta = p.learningRate
    let f = p.activation
    let depth = start.network.depth
    var circuit = start.circuit
    var learner = Learner(network: start.network, feedback: start.feedback, rng: ctx.rng(3))
    let config = SGDConfig(learningRate: eta, batchSize: p.batch, loss: .mse)
    var order = ctx.rng(4)
    var t = Lesson04Training()
    // For the figure: the worst relative error per layer over each run of `block` steps (every step when there
    // are at most 1000), so that each point bounds the steps it stands for.
    let block = max(1, p.steps / 1000)
    var blockWorst = Array(repeating: 0.0, count: depth)
    for step in 1...p.steps {
        let idx = (0..<p.batch).map { _ in Int(order.next() % UInt64(data.count)) }
        let x = data.x.rows(idx)
        let y = rateTargets(data, idx)
        // frSF's update on the circuit's current weights (read back from its routes) at this step.
        let current = Network(
            layers: zip(circuit.weights, circuit.layers.map(\.bias)).map { Layer(w: $0, b: $1) },
            hidden: f, output: f)
        let currentPass = current.forward(x)
        let currentFeedback = Feedback(rule: .frsf, matrices: start.feedback.matrices)
        let expected = current.gradients(currentPass, targets: y, loss: .mse, feedback: currentFeedback)
        let bpNow = current.gradients(currentPass, targets: y, loss: .mse, feedback: .bp)
        let (deltas, crossed) = circuit.hebbianStep(inputs: sampleRows(x), targets: sampleRows(y), learningRate: eta)
        t.crossings += crossed
        for l in deltas.indices {
            let error = maxRelativeError(deltas[l].data, descentStep(expected.dW[l].data, learningRate: eta))
            t.worstStep = max(t.worstStep, error)
            blockWorst[l] = max(blockWorst[l], error)
        }
        if step % block == 0 || step == p.steps {
            t.errorRows.append([Double(step)] + blockWorst)
            blockWorst = Array(repeating: 0.0, count: depth)
        }
        try learner.step(x: x, y: y, config: config, epoch: 1)
        if step % max(1, p.steps / 100) == 0 || step == 1 {
            t.angleRows.append(
                [Double(step), expected.loss]
                    + zip(deltas, bpNow.dW).map { angleDegrees($0.data, $1.data.map { -$0 }) })
        }
    }
    t.mismatches = circuit.feedbackSignMismatches
    t.dale = circuit.daleViolations
    for l in 0..<depth {
        t.worstWeights = max(
            t.worstWeights,
            maxRelativeError(circuit.weights[l].data, learner.network.layers[l].w.data))
    }
    return t
}
