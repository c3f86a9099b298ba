import Foundation

/// What a lesson's run will cost, estimated from its parameters before anything runs: the runner refuses runs
/// whose memory cannot fit or whose time is beyond reason, and says up front how long a long run will take.
package struct WorkEstimate {
    /// Elementary operations (time steps, synapse-samples) per seed.
    var operations: Double
    /// Operations per second on one core of the reference machine (release build), measured.
    var operationsPerSecond: Double
    /// Peak memory in bytes.
    var bytes: Double
    /// The parameters to lower when the run is too big (for the message).
    var hint: String

    package init(operations: Double, operationsPerSecond: Double, bytes: Double, hint: String) {
        self.operations = operations
        self.operationsPerSecond = operationsPerSecond
        self.bytes = bytes
        self.hint = hint
    }

    func seconds(seeds: Int) -> Double {
        var s = operations / operationsPerSecond * Double(seeds)
        #if DEBUG
            s *= 10  // a debug build runs the numeric loops about ten times slower
        #endif
        return s
    }
}

// Each lesson's estimate is in its own file (`lessonNNEstimate`): it reads the lesson's typed parameters, so a
// combination the lesson refuses is refused before any work.

/// Forward synapses of a fully connected network.
package func synapses(_ sizes: [Int]) -> Double {
    Double(zip(sizes, sizes.dropFirst()).map { $0 * $1 }.reduce(0, +))
}
