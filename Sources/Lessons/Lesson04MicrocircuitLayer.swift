import Foundation
import NeuroModel

/// Lesson 4 — the microcircuit at rate level: its Hebbian update is the frSF update, exactly.
public let lesson04 = LessonDescriptor(
    number: 4, slug: "microcircuit", title: "The microcircuit at rate level",
    claim: "Computed cell by cell and route by route, the microcircuit's Hebbian update equals the frSF update of "
        + "the matrix algorithm to rounding error, and its feedback stays sign-concordant through zero crossings",
    parameters: [
        .integer("seed", 4, in: 0...Int.max, "random seed"),
        .integer("hidden", 30, in: 1...512, "Pyr cells per hidden layer"),
        .integer("hidden_layers", 2, in: 1...6, "hidden layers"),
        .choice("activation", "sigmoid", of: ["sigmoid", "tanh", "relu"], "somatic rate function f (all layers)"),
        .integer("batch", 16, in: 1...1000, "samples per Hebbian step"),
        .integer("steps", 300, in: 1...100_000, "training steps run side by side"),
        .real("learning_rate", 0.5, in: 1e-6...100, "η"),
    ],
    seeds: 3,
    run: runLesson04, estimate: lesson04Estimate)

func runLesson04(_ ctx: RunContext) throws {
    // Parameters
    let p = ctx.parameters
    let f = Activation(rawValue: p.string("activation")) ?? .sigmoid
    // "Equal to rounding" in Double precision: a max-norm relative error of at most 1e-12.
    let tol = 1e-12
    let eta = p.real("learning_rate"), batch = p.integer("batch")
    ctx.record("tolerance", tol)
    let sizes = [4] + Array(repeating: p.integer("hidden"), count: p.integer("hidden_layers")) + [3]
    let data = YinYang.standard(train: 5000).train
    /// Targets as rates: 0.9 for the labelled class, 0.1 otherwise (inside the sigmoid's range).
    func targets(_ idx: some Collection<Int>) -> Matrix {
        oneHot(idx.map { data.labels[$0] }, classes: 3).map { 0.1 + 0.8 * $0 }
    }
    func rows(_ m: Matrix) -> [[Double]] { (0..<m.rows).map { Array(m.row($0)) } }
    var rng = ctx.rng(1)

    // Prediction: with a^L = y − r^L and a^l = B^l ε^{l+1}, ε^l = f'(u^l) a^l is −δ^l of frSF with
    // B^l = |R^l| ∘ sign(W^{l+1})ᵀ, so ΔW^l = η/B Σ_s ε^l_s r^{l−1}_sᵀ = −η dW^l_frSF; for the output layer
    // this is also BP's update.

    // One layer: a single Pyr layer under an apical teacher is the delta rule (BP).
    let single = Network(sizes: [4, 3], hidden: f, output: f, rng: &rng)
    let idx0 = Array(0..<batch)
    let x0 = data.x.rows(idx0), y0 = targets(idx0)
    var singleCircuit = Microcircuit(network: single, feedbackMagnitudes: [])
    let singleDelta = singleCircuit.hebbianStep(inputs: rows(x0), targets: rows(y0), learningRate: eta).deltas[0]
    let singleBP = single.gradients(single.forward(x0), targets: y0, loss: .mse,
                                    feedback: .bp)
    ctx.check(.atMost("one layer: Hebbian ΔW vs BP (delta rule), relative error",
                      observed: maxRelativeError(singleDelta.data, singleBP.dW[0].data.map { -eta * $0 }), bound: tol))

    // Several layers: the same weights and feedback magnitudes in both the circuit and the matrix algorithm.
    let network = Network(sizes: sizes, hidden: f, output: f, rng: &rng)
    var frng = ctx.rng(2)
    let feedback = Feedback(rule: .frsf, network: network, rng: &frng)
    var circuit = Microcircuit(network: network, feedbackMagnitudes: feedback.matrices)
    ctx.check(.none("Dale's principle: synapses of the wrong sign at construction", violations: circuit.daleViolations,
                    of: synapseCount(sizes)))

    // Apical potentials and error signals, sample by sample, against frSF's backward signals.
    let pass = network.forward(x0)
    let frsf = network.gradients(pass, targets: y0, loss: .mse, feedback: feedback)
    var worstSignal = 0.0, worstApical = 0.0
    for s in 0..<batch {
        circuit.forward(Array(x0.row(s)))
        circuit.backward(target: Array(y0.row(s)))
        for l in 0..<network.depth {
            let eps = circuit.layers[l].cells.map(\.error)
            let delta = Array(frsf.deltas[l].row(s)).map { -$0 }
            worstSignal = max(worstSignal, maxRelativeError(eps, delta))
            if l + 1 < network.depth {
                // a^l = B^l ε^{l+1}: the frSF backward signal before the somatic gain f'.
                let b = feedback.effective(l, network: network)
                let above = Array(frsf.deltas[l + 1].row(s)).map { -$0 }
                let expected = (0..<sizes[l + 1]).map { j in
                    (0..<sizes[l + 2]).map { k in b[k, j] * above[k] }.reduce(0, +)
                }
                worstApical = max(worstApical, maxRelativeError(circuit.layers[l].cells.map(\.apical), expected))
            }
        }
    }
    ctx.check(.atMost("apical potentials a^l vs frSF's B^l δ^{l+1}, max relative error",
                      observed: worstApical, bound: tol))
    ctx.check(.atMost("error signals ε^l vs −δ^l of frSF, all layers, max relative error",
                      observed: worstSignal, bound: tol))

    // The Hebbian update, layer by layer, against the frSF update; the output layer against BP too.
    let bp = network.gradients(pass, targets: y0, loss: .mse, feedback: .bp)
    var probe = circuit
    let hebbian = probe.hebbianStep(inputs: rows(x0), targets: rows(y0), learningRate: eta).deltas
    for l in 0..<network.depth {
        let expected = frsf.dW[l].data.map { -eta * $0 }
        ctx.check(.atMost("layer \(l + 1): Hebbian ΔW vs frSF ΔW, relative error",
                          observed: maxRelativeError(hebbian[l].data, expected), bound: tol))
    }
    ctx.check(.atMost("output layer: Hebbian ΔW vs BP ΔW, relative error",
                      observed: maxRelativeError(hebbian[network.depth - 1].data,
                                                 bp.dW[network.depth - 1].data.map { -eta * $0 }),
                      bound: tol))

    // The single-precision path (used for speed in lesson 6 and the benchmark) against the Double circuit:
    // "equal to rounding" in Float is a relative error of at most 1e-5 (ε_Float ≈ 6e-8 times the depth of the sums).
    let floatNet = NetworkOf<Float>(converting: network)
    let floatFeedback = FeedbackOf<Float>(rule: .frsf,
                                          matrices: feedback.matrices.map { DenseMatrix<Float>(converting: $0) })
    let floatPass = floatNet.forward(DenseMatrix<Float>(converting: x0))
    let floatUpdate = floatNet.gradients(floatPass, targets: DenseMatrix<Float>(converting: y0), loss: .mse,
                                         feedback: floatFeedback)
    var worstFloat = 0.0
    for l in 0..<network.depth {
        worstFloat = max(worstFloat,
                         maxRelativeError(floatUpdate.dW[l].data.map { -eta * Double($0) }, hebbian[l].data))
    }
    ctx.check(.atMost("Float frSF ΔW vs the Double circuit, all layers, relative error",
                      observed: worstFloat, bound: 1e-5))
    ctx.record("float_error", worstFloat)

    // Simulation: train the circuit and the matrix algorithm side by side on the same batches.
    var learner = Learner(network: network, feedback: feedback, rng: ctx.rng(3))
    let config = SGDConfig(learningRate: eta, batchSize: batch, loss: .mse)
    var order = ctx.rng(4)
    var worstStep = 0.0, crossings = 0
    var angleRows: [[Double]] = []
    // For the figure: the worst relative error per layer over each run of `block` steps (every step when there
    // are at most 1000), so that each point bounds the steps it stands for.
    let block = max(1, p.integer("steps") / 1000)
    var errorRows: [[Double]] = []
    var blockWorst = Array(repeating: 0.0, count: network.depth)
    for step in 1...p.integer("steps") {
        let idx = (0..<batch).map { _ in Int(order.next() % UInt64(data.count)) }
        let x = data.x.rows(idx), y = targets(idx)
        // frSF's update on the circuit's current weights (read back from its routes) at this step.
        let current = Network(layers: zip(circuit.weights, circuit.layers.map(\.bias)).map { Layer(w: $0, b: $1) },
                              hidden: f, output: f)
        let currentPass = current.forward(x)
        let currentFeedback = Feedback(rule: .frsf, matrices: feedback.matrices)
        let expected = current.gradients(currentPass, targets: y, loss: .mse, feedback: currentFeedback)
        let bpNow = current.gradients(currentPass, targets: y, loss: .mse, feedback: .bp)
        let (deltas, crossed) = circuit.hebbianStep(inputs: rows(x), targets: rows(y), learningRate: eta)
        crossings += crossed
        for l in deltas.indices {
            let error = maxRelativeError(deltas[l].data, expected.dW[l].data.map { -eta * $0 })
            worstStep = max(worstStep, error)
            blockWorst[l] = max(blockWorst[l], error)
        }
        if step % block == 0 || step == p.integer("steps") {
            errorRows.append([Double(step)] + blockWorst)
            blockWorst = Array(repeating: 0.0, count: network.depth)
        }
        try learner.step(x: x, y: y, config: config, epoch: 1)
        if step % max(1, p.integer("steps") / 100) == 0 || step == 1 {
            angleRows.append([Double(step), expected.loss]
                + zip(deltas, bpNow.dW).map { angleDegrees($0.data, $1.data.map { -$0 }) })
        }
    }
    ctx.check(.atMost("every step: Hebbian ΔW vs frSF ΔW on the circuit's weights, max relative error",
                      observed: worstStep, bound: tol))
    ctx.check(.atLeast("weights that crossed zero during training (routes switched)",
                       observed: Double(crossings), bound: 1))
    ctx.check(.none("after training: pairs with sign(B) ≠ sign(Wᵀ)", violations: circuit.feedbackSignMismatches,
                    of: synapseCount(sizes, fromLayer: 2)))
    ctx.check(.none("after training: synapses of the wrong sign (Dale)", violations: circuit.daleViolations,
                    of: synapseCount(sizes)))
    var worstWeights = 0.0
    for l in 0..<network.depth {
        worstWeights = max(worstWeights, maxRelativeError(circuit.weights[l].data, learner.network.layers[l].w.data))
    }
    // Each step's ΔW agrees to the tolerance above; errors add at most once per step.
    ctx.check(.atMost("after \(p.integer("steps")) steps: circuit W vs matrix frSF W, relative error",
                      observed: worstWeights, bound: tol * Double(p.integer("steps"))))
    ctx.record("crossings", String(crossings))
    ctx.record("architecture", sizes.map(String.init).joined(separator: "-"))
    let lastAngles = angleRows.last.map { Array($0.dropFirst(2)) } ?? []
    ctx.record("final_angles", lastAngles.enumerated().map {
        "layer \($0.offset + 1): \(String(format: "%.1f", $0.element))°"
    }.joined(separator: ", "))

    // Figures
    let depth = network.depth
    ctx.figure(Figure(
        name: "circuit-vs-matrix", title: "Microcircuit Hebbian update against the frSF update",
        claim: "at every training step and layer, max-norm relative error of the circuit's ΔW against frSF's "
            + "<= \(format(tol))",
        blocks: [DataBlock("relative error per step", columns: ["step"] + (1...depth).map {
            "layer \($0): max relative error over the steps since the previous row"
        }, rows: errorRows)],
        script: """
        set xlabel 'training step'
        set ylabel 'relative error of ΔW (max norm)'
        set logscale y
        set format y '10^{%L}'
        set yrange [1e-18:1e-10]
        set autoscale xfix
        set key outside top center horizontal samplen 1.5
        # The checked bound, and the unit roundoff of Double for scale. An exact 0 is drawn at 1e-18.
        set arrow from graph 0, first \(tol) to graph 1, first \(tol) nohead dt 2 lw 2 lc rgb '#D55E00'
        set label 'checked bound \(format(tol))' at graph 0.02, first \(tol) offset 0,0.7 tc rgb '#D55E00'
        set arrow from graph 0, first 2.22e-16 to graph 1, first 2.22e-16 nohead dt 3 lc rgb '#777777'
        set label 'Double ε = 2.2e-16' at graph 0.02, first 2.22e-16 offset 0,-0.8 tc rgb '#555555'
        plot for [i=1:\(depth)] DATA index 0 using 1:(column(i+1) > 0 ? column(i+1) : 1e-18) \\
             with lines lt i title (i == \(depth) ? 'output' : sprintf('hidden %d', i))
        """))
    ctx.figure(Figure(
        name: "angles", title: "Angle between the microcircuit's update and the BP gradient",
        claim: "hidden layers stay within 90 degrees of BP; output layer at 0",
        blocks: [DataBlock("circuit", columns: ["step", "loss"] + (1...network.depth).map { "layer \($0) angle (°)" },
                           rows: angleRows)],
        script: """
        set xlabel 'training step'
        set ylabel 'angle to BP gradient (degrees)'
        set yrange [-2:100]
        set key outside top center horizontal samplen 1.5
        set arrow from graph 0, first 90 to graph 1, first 90 nohead dt 2 lc rgb '#777777'
        set label '90°' at graph 0.01, first 90 offset 0,0.7 tc rgb '#555555'
        plot for [i=1:\(network.depth)] DATA index 0 using 1:(column(i+2)) with lines lt i \\
             title (i == \(network.depth) ? 'output layer' : sprintf('hidden layer %d', i))
        """))
}
