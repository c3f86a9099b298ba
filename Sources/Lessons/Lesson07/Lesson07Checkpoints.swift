import Foundation
import LessonKit
import NeuroModel

// Lesson 7's checkpoints: one per depth after each epoch (`checkpoint-depthN.ckpt`), in the one checkpoint format
// (NeuroModel's `Checkpoint`) with the depth's state, `Lesson07Depth`; and their arrays for `lesson export`.

extension Lesson07Depth {
    /// The arrays `lesson export` writes: for every trained model (prefix `spiking_fixed_`, `spiking_moving_`,
    /// `twin_`, `bp_`, `standard_`) its W and b per layer; for the spiking circuits also |R| per hidden layer
    /// (`R1`…, the feedback magnitudes onto hidden layer l, shaped like W(l+1)) and the route signs of W
    /// (`route_signs1`…, +1 excitatory, −1 inhibitory); each model's history (epoch, test accuracy %, angles to BP
    /// per layer, NaN where undefined).
    func exportedArrays(path: String) throws -> [(name: String, array: NumpyArray)] {
        let bad = LessonError(CheckpointIntegrity.corrupt(path, "its layers do not fit together"))
        var out: [(String, NumpyArray)] = []
        for trained in models {
            let prefix = trained.model.key.replacingOccurrences(of: "-", with: "_") + "_"
            if let s = trained.circuit {
                let sizes = [s.biases.first.map { s.weights[0].count / max($0.count, 1) } ?? 0] + s.biases.map(\.count)
                guard s.fits(sizes) else { throw bad }
                for l in s.weights.indices {
                    out.append((prefix + "W\(l + 1)", NumpyArray(shape: [sizes[l + 1], sizes[l]], s.weights[l])))
                    out.append((prefix + "b\(l + 1)", NumpyArray(shape: [sizes[l + 1]], s.biases[l])))
                    out.append(
                        (
                            prefix + "route_signs\(l + 1)",
                            NumpyArray(shape: [sizes[l + 1], sizes[l]], s.routeSigns[l].map(Int64.init))
                        ))
                }
                for l in s.feedbackMagnitudes.indices {
                    out.append(
                        (prefix + "R\(l + 1)", NumpyArray(shape: [sizes[l + 2], sizes[l + 1]], s.feedbackMagnitudes[l]))
                    )
                }
            } else if let learner = trained.learner {
                for (l, layer) in learner.network.layers.enumerated() {
                    out.append((prefix + "W\(l + 1)", NumpyArray(layer.w)))
                    out.append((prefix + "b\(l + 1)", NumpyArray(shape: [layer.b.count], layer.b)))
                }
            }
            out.append(
                (
                    prefix + "history",
                    historyArray(
                        trained.history.map { [Double($0.epoch), $0.accuracy] + $0.anglesToBP.map { $0 ?? .nan } })
                ))
        }
        return out
    }
}

/// The refusal of a checkpoint's field (a shorter name for the validation below).
private typealias Problem = CheckpointProblem

/// What a run of lesson 7 expects of one depth's checkpoint.
struct Lesson07Expectation: Sendable {
    var depth: Int
    /// The layer sizes of every model of the depth, inputs first.
    var sizes: [Int]
    /// The models the run trains, in its order (`Lesson07Model.all(routes:)`).
    var models: [Lesson07Model]
    /// Batches of one epoch: ⌈training samples / batch⌉.
    var stepsPerEpoch: Int
}

extension Lesson07Depth: CheckpointState {
    var weightsAreFinite: Bool {
        func finite(_ xs: [[Double]]) -> Bool { xs.allSatisfy { $0.allSatisfy(\.isFinite) } }
        return models.allSatisfy { m in
            let circuit = m.circuit.map { finite($0.weights) && finite($0.biases) && finite($0.feedbackMagnitudes) }
            let learner = m.learner.map { l in
                (l.network.layers + l.traces).allSatisfy {
                    $0.w.data.allSatisfy(\.isFinite) && $0.b.allSatisfy(\.isFinite)
                }
            }
            return (circuit ?? true) && (learner ?? true)
        }
    }
}

extension Lesson07Depth {
    /// The whole state against the run (`expected`), or, for `lesson export`, against itself: the epoch and depth,
    /// exactly the models of the run (of `Lesson07Model.all(routes:)` for the route modes it holds), the shape of
    /// every array of each against the layer sizes, finite numbers, counters within range, and one history entry
    /// per epoch 0…epoch with an angle per layer where the model measures them.
    func validate(epoch fileEpoch: Int, expecting expected: Lesson07Expectation?) throws {
        guard epoch == fileEpoch else {
            throw CheckpointProblem("epoch", "is \(epoch), the file's epoch is \(fileEpoch)")
        }
        if let expected, depth != expected.depth {
            throw CheckpointProblem("depth", "is \(depth), the file is depth \(expected.depth)'s checkpoint")
        }
        guard !models.isEmpty else { throw CheckpointProblem("models", "is empty") }
        let modes = RouteMode.allCases.filter { m in models.contains { $0.model == .spiking(m) } }
        try validateModelSet(expected?.models ?? Lesson07Model.all(routes: modes))
        let sizes = try expected?.sizes ?? ownSizes()
        let needs = expected == nil ? "its layer sizes \(sizes) need" : "the run needs"
        guard depth >= 1, sizes.allSatisfy({ $0 > 0 }) else {
            throw CheckpointProblem("depth", "is \(depth) with layer sizes \(sizes); every layer needs a cell")
        }
        guard sizes.count == depth + 2 else {
            throw CheckpointProblem(
                "depth", "is \(depth), the layer sizes \(sizes) have \(sizes.count - 2) hidden layers")
        }
        // Each batch moves (or clips) a synapse at most once: crossings ≤ steps × synapses.
        let maxCrossings = expected.map { Double(epoch) * Double($0.stepsPerEpoch) * Double(synapseCount(sizes)) }
        for (i, trained) in models.enumerated() {
            let field = "models[\(i)]"
            if trained.model.isSpiking {
                guard let c = trained.circuit else { throw CheckpointProblem(field + ".circuit", "is missing") }
                guard trained.learner == nil else { throw CheckpointProblem(field + ".learner", "is not empty") }
                try validateCircuit(c, sizes: sizes, field + ".circuit", needs: needs, maxCrossings: maxCrossings)
            } else {
                guard let l = trained.learner else { throw CheckpointProblem(field + ".learner", "is missing") }
                guard trained.circuit == nil else { throw CheckpointProblem(field + ".circuit", "is not empty") }
                try validateLearner(l, trained.model, sizes: sizes, field + ".learner", needs: needs)
            }
            try validateHistory(trained.history, trained.model, layers: sizes.count - 1, field + ".history")
        }
        try CheckpointProblem.count(seconds, epoch, "seconds", "entries", needs: "\(epoch) epochs need")
        try CheckpointProblem.finite(seconds, "seconds", nonNegative: true)
    }

    /// The models must be `wanted` exactly: none twice, none missing, none the run does not train, in its order.
    func validateModelSet(_ wanted: [Lesson07Model]) throws {
        for (i, m) in models.map(\.model).enumerated() {
            if models[..<i].contains(where: { $0.model == m }) {
                throw CheckpointProblem("models[\(i)]", "is a second \(m)")
            }
            guard wanted.contains(m) else {
                throw CheckpointProblem("models[\(i)]", "is the \(m), which the run does not train")
            }
        }
        for m in wanted where !models.contains(where: { $0.model == m }) {
            throw CheckpointProblem("models", "lack the \(m), which the run trains")
        }
        guard models.map(\.model) == wanted else {
            throw CheckpointProblem(
                "models", "are not in the run's order (\(wanted.map(\.key).joined(separator: ", ")))")
        }
    }

    /// The layer sizes the state's own arrays imply (for `lesson export`, which has no run to say them): a rate
    /// model's network (whose layers chain, or it would not have decoded), else the first circuit's.
    func ownSizes() throws -> [Int] {
        if let network = models.lazy.compactMap(\.learner?.network).first { return network.sizes }
        guard let c = models[0].circuit, let w = c.weights.first, let b = c.biases.first, !b.isEmpty,
            w.count % b.count == 0
        else { throw Problem("models[0].circuit", "has no first layer whose weights fit its biases") }
        return [w.count / b.count] + c.biases.map(\.count)
    }

    func validateCircuit(
        _ c: SpikingCircuitState, sizes: [Int], _ field: String, needs: String, maxCrossings: Double?
    ) throws {
        let L = sizes.count - 1
        for (name, array) in [
            ("weights", c.weights.count), ("biases", c.biases.count), ("routeSigns", c.routeSigns.count),
            ("weightTraces", c.weightTraces.count), ("biasTraces", c.biasTraces.count)
        ] {
            guard array == L else { throw Problem(field + "." + name, "has \(array) layers, \(needs) \(L)") }
        }
        try Problem.count(c.feedbackMagnitudes, L - 1, field + ".feedbackMagnitudes", "matrices", needs: needs)
        try Problem.count(c.gainState, L - 1, field + ".gainState", "entries", needs: needs)
        for l in 0..<L {
            let (rows, cols) = (sizes[l + 1], sizes[l])
            try Problem.matrix(c.weights[l], rows: rows, cols: cols, field + ".weights[\(l)]", needs: needs)
            try Problem.matrix(c.routeSigns[l], rows: rows, cols: cols, field + ".routeSigns[\(l)]", needs: needs)
            try Problem.matrix(c.weightTraces[l], rows: rows, cols: cols, field + ".weightTraces[\(l)]", needs: needs)
            try Problem.count(c.biases[l], rows, field + ".biases[\(l)]", "numbers", needs: needs)
            try Problem.count(c.biasTraces[l], rows, field + ".biasTraces[\(l)]", "numbers", needs: needs)
            try Problem.finite(c.weights[l], field + ".weights[\(l)]")
            try Problem.finite(c.weightTraces[l], field + ".weightTraces[\(l)]")
            try Problem.finite(c.biases[l], field + ".biases[\(l)]")
            try Problem.finite(c.biasTraces[l], field + ".biasTraces[\(l)]")
            if let k = c.routeSigns[l].firstIndex(where: { $0 != 1 && $0 != -1 }) {
                throw Problem(field + ".routeSigns[\(l)][\(k)]", "is \(c.routeSigns[l][k]), not +1 or −1")
            }
            // Dale's principle: a weight never has the sign opposite to its route's.
            if let k = c.weights[l].indices.first(where: { Double(c.routeSigns[l][$0]) * c.weights[l][$0] < 0 }) {
                throw Problem(
                    field + ".weights[\(l)][\(k)]", "is \(c.weights[l][k]) on a route of sign \(c.routeSigns[l][k])")
            }
        }
        for l in 0..<(L - 1) {
            let field = field + ".feedbackMagnitudes[\(l)]"
            try Problem.matrix(c.feedbackMagnitudes[l], rows: sizes[l + 2], cols: sizes[l + 1], field, needs: needs)
            try Problem.finite(c.feedbackMagnitudes[l], field, nonNegative: true)
        }
        if let k = c.gainState.firstIndex(where: { $0.map { !$0.isFinite || $0 <= 0 } ?? false }) {
            throw Problem(field + ".gainState[\(k)]", "is \(c.gainState[k] ?? .nan), not a positive gain")
        }
        guard c.crossings >= 0, Double(c.crossings) <= maxCrossings ?? .infinity else {
            let bound = maxCrossings.map { String(format: ", steps × synapses is at most %.0f", $0) } ?? ""
            throw Problem(field + ".crossings", "is \(c.crossings)\(bound)")
        }
    }

    func validateLearner(
        _ s: RateLearnerState, _ model: Lesson07Model, sizes: [Int], _ field: String, needs: String
    ) throws {
        let L = sizes.count - 1
        try Problem.count(s.network.layers, L, field + ".network.layers", "layers", needs: needs)
        try Problem.count(s.traces, L, field + ".traces", "layers", needs: needs)
        let (hidden, output): (Activation, Activation) = model == .standard ? (.relu, .linear) : (.lifNoisy, .lifNoisy)
        guard s.network.hidden == hidden, s.network.output == output else {
            throw Problem(
                field + ".network",
                "has \(s.network.hidden.rawValue)/\(s.network.output.rawValue) units, the \(model) "
                    + "has \(hidden.rawValue)/\(output.rawValue)")
        }
        for (name, layers) in [("network.layers", s.network.layers), ("traces", s.traces)] {
            for (l, layer) in layers.enumerated() {
                let (rows, cols) = (sizes[l + 1], sizes[l])
                guard layer.w.rows == rows, layer.w.cols == cols else {
                    throw Problem(
                        "\(field).\(name)[\(l)].w", "is \(layer.w.rows)×\(layer.w.cols), \(needs) \(rows)×\(cols)")
                }
                try Problem.count(layer.b, rows, "\(field).\(name)[\(l)].b", "numbers", needs: needs)
                try Problem.finite(layer.w.data, "\(field).\(name)[\(l)].w.data")
                try Problem.finite(layer.b, "\(field).\(name)[\(l)].b")
            }
        }
    }

    /// One entry per epoch 0…epoch; angles per layer for the spiking circuits (to BP and frSF) and the twin (to
    /// BP), none for BP and the standard network; ties and clipped channels (shares) for the spiking circuits only.
    func validateHistory(_ history: [Lesson07Epoch], _ model: Lesson07Model, layers L: Int, _ field: String) throws {
        try Problem.count(history, epoch + 1, field, "entries", needs: "epochs 0…\(epoch) need")
        for (e, h) in history.enumerated() {
            let field = "\(field)[\(e)]"
            guard h.epoch == e else { throw Problem(field + ".epoch", "is \(h.epoch), not \(e)") }
            guard (0...100).contains(h.accuracy) else {
                throw Problem(field + ".accuracy", "is \(h.accuracy), not a % ")
            }
            let toBP = model.isSpiking || model == .twin ? L : 0
            try Problem.count(h.anglesToBP, toBP, field + ".anglesToBP", "angles", needs: "a \(model.key) entry has")
            try Problem.count(
                h.anglesToFrSF, model.isSpiking ? L : 0, field + ".anglesToFrSF", "angles",
                needs: "a \(model.key) entry has")
            for (name, angles) in [("anglesToBP", h.anglesToBP), ("anglesToFrSF", h.anglesToFrSF)] {
                try Problem.finite(angles.compactMap { $0 }, "\(field).\(name) (defined)")
            }
            for (name, share) in [("tied", h.tied), ("clipped", h.clipped)] {
                if model.isSpiking {
                    guard let share, (0...1).contains(share) else {
                        throw Problem(
                            "\(field).\(name)", "is \(share.map { "\($0)" } ?? "missing"), not a share in 0…1")
                    }
                } else if share != nil {
                    throw Problem("\(field).\(name)", "is given, the \(model) measures none")
                }
            }
        }
    }
}

/// The checkpoint of `depth` to resume from, or nil when there is none. A checkpoint an earlier version wrote under
/// its former name (`checkpoint-depthN.json`, before the one format) is refused in one line, not passed over.
/// The checkpoint is validated as a whole against the run (`Lesson07Depth.validate`): `sizes`, the layer sizes of
/// the depth, and `trainSamples`, the training set's size.
func lesson07Resume(
    depth: Int, sizes: [Int], trainSamples: Int, fingerprint: String, _ p: Lesson07Parameters, _ ctx: RunContext
) throws -> Lesson07Depth? {
    let path = ctx.checkpointToResume("checkpoint-depth\(depth).ckpt")
    let former = ctx.checkpointToResume("checkpoint-depth\(depth).json")
    let expected = Lesson07Expectation(
        depth: depth, sizes: sizes, models: Lesson07Model.all(routes: p.routes),
        stepsPerEpoch: (trainSamples + p.batch - 1) / p.batch)
    do {
        if let c = try Checkpoint<Lesson07Depth>.load(
            from: path, lesson: lesson07.id, fingerprint: fingerprint, epochs: p.epochs, expecting: expected)
        {
            return c.state
        }
        guard try CheckpointIntegrity.read(former) == nil else {
            throw DataError(CheckpointIntegrity.olderVersion(former, "a JSON epoch checkpoint of lesson 7"))
        }
        return nil
    } catch let e as DataError { throw LessonError(e.description) }
}

/// Lesson 7's checkpoints for `lesson export` (`checkpoint-depthN.ckpt`: every model of one depth).
@Sendable func lesson07Export(_ file: CheckpointFile) throws -> [(name: String, array: NumpyArray)] {
    try file.decode(Lesson07Depth.self).state.exportedArrays(path: file.path)
}
