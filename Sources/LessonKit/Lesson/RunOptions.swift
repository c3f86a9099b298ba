import Foundation

/// Options of one run.
public struct RunOptions: Sendable {
    /// The first seed (`--seed`); the lesson's `seeds` parameter says how many follow it.
    public var seed: UInt64?
    /// An explicit seed list (`--seeds 1-5`), overriding `seed` and the `seeds` parameter.
    public var seeds: [UInt64]?
    public var outDirectory = "plots"
    /// `--lessons DIR`; nil: the package root's lessons/ when run there, else the bundled notebooks.
    public var lessonsDirectory: String?
    public var overrides: [(String, String)] = []
    public var render = true
    public var resume = false
    /// Threads for the spiking engine (`--threads`, else OPENBLAS_NUM_THREADS, else every core). OpenBLAS itself
    /// runs on one thread (`blasThreadsPerRun`), since how it splits a product changes the last digits.
    public var threads = defaultThreadCount()
    /// Test hook: behave as if Ctrl-C arrived after this many training epochs.
    public var stopAfterEpochs: Int?
    /// Test hook: set the Ctrl-C flag, as a first Ctrl-C does, once this many epochs of a seed are done (e.g.
    /// the last: an interrupt during the last epoch).
    public var interruptAfterEpochs: Int?
    /// Test hook: set the Ctrl-C flag, as a first Ctrl-C does, when this seed starts.
    public var interruptDuringSeed: UInt64?
    /// The gnuplot to render with; nil when none is installed (found on PATH by default).
    public var gnuplot: String? = findGnuplot()
    /// Seconds one gnuplot call may take before it is stopped and counted as failed.
    public var renderTimeout = defaultRenderTimeout
    /// The command line, for run-info.json.
    public var commandLine: [String] = []
    /// `--explore`: claims tuned to the default parameters are reported but do not fail the run.
    public var explore = false
    /// Where training curves are shown while the lesson runs (`--live`); nil: nowhere.
    public var live: (any LiveCurves)?
    public init() {}
}

/// The threads OpenBLAS runs on in every lesson, whatever `--threads` says: OpenBLAS splits some products and
/// reductions differently for different thread counts, which changed the last digits of lesson 6's results
/// between 1 and 2 threads. The parallel part of the lessons is the spiking engine's, over samples.
public let blasThreadsPerRun = 1

/// OPENBLAS_NUM_THREADS when set to a positive integer, else the number of active cores.
public func defaultThreadCount() -> Int {
    if let t = ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"].flatMap(Int.init), t > 0 {
        return min(t, 256)
    }
    return ProcessInfo.processInfo.activeProcessorCount
}

/// The outcome of a run: everything written and the checks.
public struct RunOutcome {
    public let lesson: LessonDescriptor
    public let checks: [Check]
    public internal(set) var folder: String
    public let seeds: [UInt64]
    public let renderedFormats: [String]
    public let renderNote: String
    /// Failed checks that count (with `--explore`, informational ones do not).
    public var failed: Int { checks.filter { !$0.passed && $0.counts }.count }
}
