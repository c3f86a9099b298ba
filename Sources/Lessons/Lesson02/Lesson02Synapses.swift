import Foundation
import LessonKit
import NeuroModel

/// Lesson 2 — synapses, Dale's principle and Hebbian plasticity; the delta rule under an apical teacher.
public let lesson02 = LessonDescriptor(
    number: 2, slug: "synapses", title: "Synapses, Dale's principle and Hebbian plasticity",
    claim: "Sign-pure routes realise W·r exactly; spike-count Hebbian updates match rate products within counting "
        + "bounds; an apical teacher turns the Hebbian update into the delta rule",
    parameters: [
        .integer("seed", in: 0...Int.max, "random seed"),
        .integer("n_pre", in: 1...1000, "presynaptic Pyr cells in the Dale circuit"),
        .integer("n_post", in: 1...1000, "postsynaptic Pyr cells in the Dale circuit"),
        .real("dt", in: 0.001...1, "time step (ms); must divide t_ref = 2 ms"),
        .real("i_pre", in: 1.6...20, "current driving the presynaptic LIF cell (nA)"),
        .real("i_post", in: 1.6...20, "current driving the postsynaptic LIF cell (nA)"),
        .real("window", in: 100...1_000_000, "counting window T for the Hebbian update (ms)"),
        .integer("trials", in: 2...10_000, "trials with random initial phases / Poisson trains"),
        .real("poisson_rate", in: 1...200, "rate of the Poisson presynaptic source (Hz)"),
        .real("eta", in: 1e-9...1e3, "learning rate η")
    ],
    run: runLesson02, estimate: lesson02Estimate)

// MARK: Parameters

/// Lesson 2's parameters, read once.
struct Lesson02Parameters {
    let nPre: Int, nPost: Int, trials: Int
    let dt: Double, iPre: Double, iPost: Double, window: Double, poissonRate: Double, eta: Double
    let cell = LIFParameters()

    init(_ p: ParameterValues) throws {
        nPre = p.integer("n_pre")
        nPost = p.integer("n_post")
        trials = p.integer("trials")
        dt = p.real("dt")
        iPre = p.real("i_pre")
        iPost = p.real("i_post")
        window = p.real("window")
        poissonRate = p.real("poisson_rate")
        eta = p.real("eta")
        try requireStepDividesRefractory(dt, cell.tRef)
    }
}

func runLesson02(_ ctx: RunContext) throws {
    let p = try Lesson02Parameters(ctx.parameters)
    let prediction = HebbianPrediction(p)
    var rng = ctx.rng(1)  // one stream through parts A, B and C, in this order
    let dale = daleCircuit(p, rng: &rng)
    let hebbian = hebbianTrials(p, prediction, rng: &rng)
    let teacher = apicalTeacher(p, rng: &rng)
    let convergence = hebbianConvergence(p, prediction, ctx)
    lesson02Checks(dale, hebbian, teacher, p, prediction, ctx)
    lesson02Figures(dale, convergence, p, ctx)
    lesson02ExerciseRecords(p, ctx)
}

/// Exercise values (lessons/02-synapses.md, ## Exercises): the rate prediction with both cells at `i_pre`, and
/// the mean and standard deviation of the number of inhibitory routes when each sign is negative with probability ½.
func lesson02ExerciseRecords(_ p: Lesson02Parameters, _ ctx: RunContext) {
    let rate = p.cell.rate(current: p.iPre)
    ctx.record("ex_hebbian_equal_currents", p.eta * rate * rate)
    let pairs = Double(p.nPre * p.nPost)
    ctx.record("ex_routes_expected", pairs / 2)
    ctx.record("ex_routes_sd", (pairs / 4).squareRoot())
}

// MARK: Prediction

/// Part B's closed form: Hebbian plasticity from spike counts, Δw = η n_pre n_post / T², approaches
/// η r_pre r_post with the closed-form rates.
struct HebbianPrediction {
    let rPre: Double, rPost: Double, eta: Double, dt: Double
    /// η r_pre r_post
    let update: Double
    /// Poisson source of rate ν onto the LIF cell: η ν r_post
    let poissonUpdate: Double

    init(_ p: Lesson02Parameters) {
        rPre = p.cell.rate(current: p.iPre)
        rPost = p.cell.rate(current: p.iPost)
        eta = p.eta
        dt = p.dt
        update = eta * rPre * rPost
        let nu = p.poissonRate / 1000
        poissonUpdate = eta * nu * rPost
    }

    /// A regular train of interval Δ has n ∈ {⌊T/Δ⌋, ⌊T/Δ⌋+1} in any window, so |n/T − 1/Δ| < 1/T; the
    /// simulated interval exceeds the true one by less than dt, so 0 ≤ r − 1/Δ < r² dt/(1 + r dt).
    func bias(_ r: Double) -> Double { r * r * dt / (1 + r * dt) }

    /// The bound on |Δw_spikes − η r_pre r_post| for a window T.
    func countBound(_ t: Double) -> Double {
        eta * ((rPre + rPost) / t + 1 / (t * t) + rPre * bias(rPost) + rPost * bias(rPre) + bias(rPre) * bias(rPost))
    }

    /// Poisson pre: n_pre ~ Poisson(ν T), so the mean of K trials has standard error η √(ν T) n_post / (T² √K).
    func poissonSE(_ p: Lesson02Parameters) -> Double {
        let nu = p.poissonRate / 1000
        let window = p.window
        return eta * (nu * window).squareRoot() * (rPost * window + 1)
            / (window * window * Double(p.trials).squareRoot())
    }

    /// The post cell's counting bound under a Poisson source.
    func poissonPostBound(_ p: Lesson02Parameters) -> Double {
        let nu = p.poissonRate / 1000
        return eta * nu * (1 / p.window + bias(rPost))
    }
}

// MARK: Simulation

/// Part A — Dale's principle. A signed W realised by direct excitatory synapses (W > 0) and routes through each
/// source's PV-like relay interneuron (W < 0).
struct DaleCircuit {
    let w: Matrix
    let rates: [Double], relayRates: [Double]
    let projection: DaleProjection
    let circuitDrive: [Double], matrixDrive: [Double]
}

func daleCircuit(_ p: Lesson02Parameters, rng: inout SplitMix64) -> DaleCircuit {
    let w = Matrix(rows: p.nPost, cols: p.nPre) { _, _ in rng.normal() }
    let rates = (0..<p.nPre).map { _ in rng.uniform(5, 50) }
    let projection = DaleProjection(weights: w)
    let relayRates = rates  // each PV relay fires 1:1 with its Pyr cell
    return DaleCircuit(
        w: w, rates: rates, relayRates: relayRates, projection: projection,
        circuitDrive: projection.drive(sourceRates: rates, interneuronRates: relayRates),
        matrixDrive: matmul(w, Matrix(rows: p.nPre, cols: 1, data: rates)).data)
}

/// Δw = η n_pre n_post / T² from a LIF pair driven by constant currents, from random initial potentials.
func hebbianFromSpikes(_ p: Lesson02Parameters, window t: Double, rng: inout SplitMix64) -> Double {
    let cell = p.cell
    let decay = exp(-p.dt / cell.tau)
    var pre = LIFNeuron(parameters: cell, v: rng.uniform(cell.vReset, cell.theta))
    var post = LIFNeuron(parameters: cell, v: rng.uniform(cell.vReset, cell.theta))
    var nPreSpikes = 0.0
    var nPostSpikes = 0.0
    for _ in 0..<Int((t / p.dt).rounded()) {
        if pre.step(current: p.iPre, dt: p.dt, decay: decay) { nPreSpikes += 1 }
        if post.step(current: p.iPost, dt: p.dt, decay: decay) { nPostSpikes += 1 }
    }
    return p.eta * nPreSpikes * nPostSpikes / (t * t)
}

/// Part B: the LIF pair's updates over trials, and a Poisson source onto the LIF cell.
struct HebbianTrials {
    var pair: [Double] = []
    var worstExcess = 0.0
    var poisson: [Double] = []
}

func hebbianTrials(_ p: Lesson02Parameters, _ prediction: HebbianPrediction, rng: inout SplitMix64)
    -> HebbianTrials
{
    var h = HebbianTrials()
    for _ in 0..<p.trials {
        let dw = hebbianFromSpikes(p, window: p.window, rng: &rng)
        h.pair.append(dw)
        h.worstExcess = max(h.worstExcess, abs(dw - prediction.update))
    }
    let cell = p.cell
    let decay = exp(-p.dt / cell.tau)
    let nu = p.poissonRate / 1000
    for _ in 0..<p.trials {
        var post = LIFNeuron(parameters: cell, v: rng.uniform(cell.vReset, cell.theta))
        var nPreSpikes = 0.0
        var nPostSpikes = 0.0
        for _ in 0..<Int((p.window / p.dt).rounded()) {
            if rng.bernoulli(nu * p.dt) { nPreSpikes += 1 }
            if post.step(current: p.iPost, dt: p.dt, decay: decay) { nPostSpikes += 1 }
        }
        h.poisson.append(p.eta * nPreSpikes * nPostSpikes / (p.window * p.window))
    }
    return h
}

/// The LIF pair's update at windows from 0.2 s up to twice T, against the prediction and its counting bound:
/// rows [T (s), Δw, η r_pre r_post, lower bound, upper bound], in units of 1e-6/ms².
func hebbianConvergence(_ p: Lesson02Parameters, _ prediction: HebbianPrediction, _ ctx: RunContext)
    -> [[Double]]
{
    var rows: [[Double]] = []
    var rngT = ctx.rng(2)
    let predicted = prediction.update
    for t in [200.0, 500, 1000, 2000, 5000, 10000, 20000] where t <= max(p.window, 200) * 2 {
        let dw = hebbianFromSpikes(p, window: t, rng: &rngT)
        let bound = prediction.countBound(t)
        rows.append([t / 1000, dw * 1e6, predicted * 1e6, (predicted - bound) * 1e6, (predicted + bound) * 1e6])
    }
    return rows
}

/// The delta rule by central difference at h = 1e-6 against the Hebbian update (relative): truncation h² E‴/6
/// and cancellation ε E / h give a few 1e-10 relative here (3.4e-10 measured at the defaults), so 1e-6 leaves
/// three decades.
let centralDifferenceBound = 1e-6

/// Part C — an apical teacher. One Pyr cell, r = f(u), u = w·x + b. Its apical compartment receives the teacher
/// y (excitation) minus an SST-relayed copy of r: a = y − r. The error signal is ε = f'(u) a and the Hebbian
/// update in the local compartment is Δw_j = η ε x_j. Claim: this is the delta rule −η ∂E/∂w_j,
/// E = ½ (r − y)², checked against a central difference of E (see `centralDifferenceBound`).
struct ApicalTeacher {
    let u: Double, rate: Double
    let hebbian: [Double], delta: [Double]
    /// E before minus E after a step of 0.1 along the Hebbian update
    let decrease: Double
}

func apicalTeacher(_ p: Lesson02Parameters, rng: inout SplitMix64) -> ApicalTeacher {
    let cell = p.cell
    let eta = p.eta
    let nIn = 6
    let x = (0..<nIn).map { _ in rng.uniform(0, 1) }
    let wIn = (0..<nIn).map { _ in rng.uniform(0.2, 1.0) }
    let b = 1.0
    let y = 0.08  // target rate, spikes per ms (80 Hz)
    func potential(_ wv: [Double]) -> Double { zip(wv, x).map(*).reduce(b, +) }
    func loss(_ wv: [Double]) -> Double {
        let r = cell.rate(current: potential(wv))
        return 0.5 * (r - y) * (r - y)
    }
    let u = potential(wIn)
    let apical = y - cell.rate(current: u)
    let epsilon = cell.slope(current: u) * apical
    let hebbian = x.map { eta * epsilon * $0 }
    let delta = (0..<nIn).map { j -> Double in
        let h = 1e-6
        var plus = wIn
        var minus = wIn
        plus[j] += h
        minus[j] -= h
        return -eta * (loss(plus) - loss(minus)) / (2 * h)
    }
    return ApicalTeacher(
        u: u, rate: cell.rate(current: u), hebbian: hebbian, delta: delta,
        decrease: loss(wIn) - loss(zip(wIn, hebbian).map { $0 + 0.1 / eta * $1 }))
}
