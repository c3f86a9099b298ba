import Foundation
import NeuroModel

/// What a lesson gets while it runs one seed: its parameters and seed, and the places to put its results.
public final class RunContext {
    public let parameters: ParameterValues
    public let seed: UInt64
    public let log: (String) -> Void
    /// Folder for this seed's checkpoints (lessons that train in epochs), inside the run's staging folder (see
    /// RunFolder).
    public var folder = ""
    /// Where this run's files are once it has finished (for messages that name the folder).
    public var finalFolder = ""
    /// The checkpoint file `name` to resume from (see RunFolder.checkpointToResume).
    package var checkpointToResume: (String) -> String = { $0 }
    /// Continue from checkpoints in `folder` (lessons that train in epochs).
    public var resume = false
    /// Threads the spiking engine may use (`--threads`); results do not depend on it. OpenBLAS runs on
    /// `blasThreadsPerRun` thread(s) whatever this says.
    public var threads = 1
    /// Test hook: stop as if interrupted after this many epochs of training.
    public var stopAfterEpochs: Int?
    /// Test hook: behave as if Ctrl-C arrived during the epoch that brings `epochsThisProcess` to this value.
    public var interruptAfterEpochs: Int?
    /// Training epochs of this seed completed by this process (for `stopAfterEpochs`, `interruptAfterEpochs`).
    public var epochsThisProcess = 0
    public private(set) var checks: [Check] = []
    public private(set) var values: [String: String] = [:]
    /// Named numeric results: over several seeds the notebook shows their mean ± SE.
    public private(set) var numbers: [String: Double] = [:]
    public private(set) var figures: [Figure] = []

    public init(parameters: ParameterValues, seed: UInt64, log: @escaping (String) -> Void = { _ in }) {
        self.parameters = parameters
        self.seed = seed
        self.log = log
    }

    /// Values that depend on the clock (timings): written to run-info.json, kept out of results.json and the
    /// notebook so that both stay byte-identical between runs with the same seeds.
    public private(set) var timings: [String: String] = [:]

    public func check(_ c: Check) { checks.append(c) }
    public func record(_ name: String, _ value: String) { values[name] = value }
    public func recordTiming(_ name: String, _ value: String) { timings[name] = value }
    public func record(_ name: String, _ value: Double) {
        values[name] = format(value)
        numbers[name] = value
    }
    /// Adds a figure, stamped with the run's parameters for the headers of its files.
    public func figure(_ f: Figure) {
        var f = f
        if f.parameters.isEmpty { f.parameters = parameters.figureParameters }
        figures.append(f)
    }

    /// Where `--live` sends training curves while the lesson runs; nil when it is off.
    public var live: (any LiveCurves)?

    /// One point of a training curve (e.g. test accuracy of rule `curve` after `epoch`), shown live with `--live`;
    /// nothing when it is off. The run's outputs never depend on it.
    public func plotLive(_ curve: String, epoch: Int, value: Double) {
        live?.add(curve: curve, x: Double(epoch), y: value)
    }

    /// Counts a completed training epoch (for the test hooks).
    func epochCompleted() {
        epochsThisProcess += 1
        if interruptAfterEpochs == epochsThisProcess { requestInterrupt() }
    }

    /// Whether training must stop before its next epoch: Ctrl-C was pressed, or the test hook `stopAfterEpochs`.
    var mustStopBeforeEpoch: Bool {
        isInterruptRequested || stopAfterEpochs.map { epochsThisProcess >= $0 } == true
    }

    /// A fresh generator for one named part of the lesson, derived from the run's seed.
    public func rng(_ stream: UInt64) -> SplitMix64 { SplitMix64(seed: seed).fork(stream) }
}
