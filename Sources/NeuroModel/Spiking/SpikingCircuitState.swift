import Foundation

/// Everything a spiking circuit needs to continue training bit for bit (checkpoints).
public struct SpikingCircuitState: Codable, Equatable, Sendable {
    public var weights: [[Double]]
    public var biases: [[Double]]
    public var feedbackMagnitudes: [[Double]]
    public var routeSigns: [[Int8]]
    public var gainState: [Double?]
    /// Each synapse's and each bias's eligibility trace (momentum).
    public var weightTraces: [[Double]]
    public var biasTraces: [[Double]]
    public var crossings: Int
    public var seed: UInt64
    /// Fixed routes with two synapses per output pair: each output pair's second strength and its trace.
    public var secondStrengths: [Double]? = nil
    public var secondTraces: [Double]? = nil
    /// Fixed routes with learned feedback: per feedback matrix, the strengths of each pair's feedback synapse
    /// and of its second route's, and their traces.
    public var feedbackLearned: [[[Double]]]? = nil
}

extension SpikingCircuit {
    public var state: SpikingCircuitState {
        SpikingCircuitState(
            weights: weights.map(\.data), biases: biases,
            feedbackMagnitudes: feedbackMagnitudes.map(\.data),
            routeSigns: routeSigns, gainState: gainState.map { $0.isNaN ? nil : $0 },
            weightTraces: weightTraces.map(\.data), biasTraces: biasTraces,
            crossings: crossings, seed: seed, secondStrengths: secondStrengths.isEmpty ? nil : secondStrengths,
            secondTraces: secondTraces.isEmpty ? nil : secondTraces,
            feedbackLearned: feedbackLearned.isEmpty ? nil : feedbackLearned)
    }

    /// Restores a saved state into a circuit of the same sizes; throws a one-line message on a mismatch.
    public init(restoring s: SpikingCircuitState, sizes: [Int], settings: SpikingSettings) throws {
        let L = sizes.count - 1
        guard L >= 1, s.fits(sizes) else {
            throw DataError("the saved spiking circuit does not have the sizes \(sizes)")
        }
        let finite =
            s.weights.joined().allSatisfy(\.isFinite) && s.biases.joined().allSatisfy(\.isFinite)
            && s.feedbackMagnitudes.joined().allSatisfy { $0.isFinite && $0 >= 0 }
            && s.weightTraces.joined().allSatisfy(\.isFinite) && s.biasTraces.joined().allSatisfy(\.isFinite)
            && s.gainState.compactMap { $0 }.allSatisfy { $0.isFinite && $0 > 0 }
        guard finite else {
            throw DataError("the saved spiking circuit holds non-finite values or negative |R| or gains")
        }
        guard s.routeSigns.joined().allSatisfy({ $0 == 1 || $0 == -1 }) else {
            throw DataError("the saved spiking circuit has route signs other than +1 and −1")
        }
        guard settings.stepDividesRefractory else {
            throw DataError("dt = \(settings.dt) ms does not divide t_ref = \(settings.cell.tRef) ms")
        }
        self.init(
            weights: (0..<L).map { Matrix(rows: sizes[$0 + 1], cols: sizes[$0], data: s.weights[$0]) },
            biases: s.biases,
            feedbackMagnitudes: (0..<(L - 1)).map {
                Matrix(rows: sizes[$0 + 2], cols: sizes[$0 + 1], data: s.feedbackMagnitudes[$0])
            },
            settings: settings, seed: s.seed)
        routeSigns = s.routeSigns
        gainState = s.gainState.map { $0 ?? .nan }
        weightTraces = (0..<L).map { Matrix(rows: sizes[$0 + 1], cols: sizes[$0], data: s.weightTraces[$0]) }
        biasTraces = s.biasTraces
        crossings = s.crossings
        if let q = s.secondStrengths, let m = s.secondTraces {
            guard q.count == sizes[L] * sizes[L - 1], m.count == q.count, q.allSatisfy({ $0.isFinite && $0 >= 0 }),
                m.allSatisfy(\.isFinite)
            else { throw DataError("the saved spiking circuit's second output synapses do not fit") }
            secondStrengths = q
            secondTraces = m
        }
        if let f = s.feedbackLearned {
            guard f.count == L - 1 else { throw DataError("the saved spiking circuit's learned feedback does not fit") }
            for l in 0..<(L - 1) {
                let n = sizes[l + 2] * sizes[l + 1]
                let shaped = f[l].count == 4 && f[l].allSatisfy { $0.count == n }
                let finite = shaped && f[l].allSatisfy { $0.allSatisfy(\.isFinite) }
                let signed = finite && f[l][0].allSatisfy { $0 >= 0 } && f[l][1].allSatisfy { $0 >= 0 }
                guard signed else { throw DataError("the saved spiking circuit's learned feedback does not fit") }
            }
            feedbackLearned = f
        }
        guard daleViolations == 0 else { throw DataError("the saved spiking circuit breaks Dale's principle") }
    }
}

extension SpikingCircuitState {
    /// True when every array has the shape a circuit of these layer sizes needs.
    public func fits(_ sizes: [Int]) -> Bool {
        let L = sizes.count - 1
        guard
            weights.count == L && biases.count == L && routeSigns.count == L && weightTraces.count == L
                && biasTraces.count == L && feedbackMagnitudes.count == L - 1 && gainState.count == L - 1
        else { return false }
        for l in 0..<L {
            let n = sizes[l + 1] * sizes[l]
            guard
                weights[l].count == n && routeSigns[l].count == n && weightTraces[l].count == n
                    && biases[l].count == sizes[l + 1] && biasTraces[l].count == sizes[l + 1]
            else { return false }
        }
        return (0..<(L - 1)).allSatisfy { feedbackMagnitudes[$0].count == sizes[$0 + 2] * sizes[$0 + 1] }
    }
}
