import Foundation
import NeuroModel

public let projectVersion = "0.1.0"

/// What a lesson gets while it runs one seed: its parameters and seed, and the places to put its results.
public final class RunContext {
    public let parameters: ParameterValues
    public let seed: UInt64
    public let log: (String) -> Void
    /// Folder for this seed's checkpoints (lessons 6 and 7), inside the run's staging folder (see RunFolder).
    public var folder = ""
    /// Where this run's files are once it has finished (for messages that name the folder).
    public var finalFolder = ""
    /// The checkpoint file `name` to resume from (see RunFolder.checkpointToResume).
    var checkpointToResume: (String) -> String = { $0 }
    /// Continue from checkpoints in `folder` (lessons 6 and 7).
    public var resume = false
    /// Threads the lesson may use (BLAS and the spiking engine); results do not depend on it.
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
    public func figure(_ f: Figure) { figures.append(f) }

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

/// A lesson: identity, claim, parameters, and the code that computes and checks one seed.
public struct LessonDescriptor: Sendable {
    public let number: Int
    public let slug: String
    public let title: String
    public let claim: String
    /// The lesson's own parameters followed by `seeds`, the number of seeds a run uses by default.
    public let parameters: [ParameterSpec]
    public let run: @Sendable (RunContext) throws -> Void
    /// Values for the notebook made from every seed's numbers (e.g. a table of means ± sd over seeds); they
    /// replace the first seed's values of the same names.
    let summary: (@Sendable (SeedNumbers) -> [String: String])?
    /// The cost of one seed, from the parameters alone (see `vetWork`); nil for lessons that are always quick.
    let estimate: (@Sendable (ParameterValues) -> WorkEstimate)?

    init(
        number: Int, slug: String, title: String, claim: String, parameters: [ParameterSpec], seeds: Int = 1,
        run: @escaping @Sendable (RunContext) throws -> Void,
        summary: (@Sendable (SeedNumbers) -> [String: String])? = nil,
        estimate: (@Sendable (ParameterValues) -> WorkEstimate)? = nil
    ) {
        self.summary = summary
        self.estimate = estimate
        self.number = number
        self.slug = slug
        self.title = title
        self.claim = claim
        self.parameters =
            parameters + [
                .integer(
                    "seeds", seeds, in: 1...1000,
                    "number of seeds a run uses: seed, seed + 1, …")
            ]
        self.run = run
    }

    public var id: String { String(format: "%02d-%@", number, slug) }
    public var notebookFile: String { id + ".md" }
}

/// Every lesson, in teaching order.
public let allLessons: [LessonDescriptor] = [lesson01, lesson02, lesson03, lesson04, lesson05, lesson06, lesson07]

/// Finds a lesson by number (`4`, `04`) or by slug / id (`lif`, `01-lif`).
public func findLesson(_ key: String) throws -> LessonDescriptor {
    if let n = Int(key), let l = allLessons.first(where: { $0.number == n }) { return l }
    if let l = allLessons.first(where: { $0.slug == key || $0.id == key }) { return l }
    throw LessonError.usage("unknown lesson '\(key)'; run 'lesson list' to see lessons 1–\(allLessons.count)")
}

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
    /// Threads for BLAS and the spiking engine (`--threads`, else OPENBLAS_NUM_THREADS, else every core).
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
    /// The command line, for run-info.json.
    public var commandLine: [String] = []
    /// `--explore`: claims tuned to the default parameters are reported but do not fail the run.
    public var explore = false
    /// Where training curves are shown while the lesson runs (`--live`); nil: nowhere.
    public var live: (any LiveCurves)?
    public init() {}
}

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

public func swiftCompilerVersion() -> String {
    #if compiler(>=6.3)
        return "6.3 or later"
    #elseif compiler(>=6.1)
        return "6.1–6.2"
    #else
        return "older than 6.1"
    #endif
}

/// The seeds of a run: `--seeds`, else `seeds` consecutive seeds from the `seed` parameter.
func runSeeds(_ params: ParameterValues, options: RunOptions) -> [UInt64] {
    if let s = options.seeds { return s }
    let base = UInt64(params.integer("seed"))
    let count = UInt64(params.integer("seeds"))
    return (0..<count).map { base &+ $0 }
}

/// Runs one lesson end to end over its seeds: parameters, computation per seed (each seed's record is kept in
/// `seeds/seed-S.json`), checks over the seeds, output files, optional rendering.
///
/// Ctrl-C is caught for the whole run (see `withGracefulInterrupt`): lessons that train stop at the next epoch
/// boundary or once training ends, and the runner after the seed running when it came. The run then writes what
/// it has, marked stopped, and throws; `--resume` continues it. A second Ctrl-C exits at once.
public func runLesson(
    _ lesson: LessonDescriptor, options: RunOptions,
    log: @escaping (String) -> Void = { _ in }
) throws -> RunOutcome {
    try withGracefulInterrupt { try runLessonCaught(lesson, options: options, log: log) }
}

private func runLessonCaught(
    _ lesson: LessonDescriptor, options: RunOptions,
    log: @escaping (String) -> Void
) throws -> RunOutcome {
    let notebook = try Notebook.load(locateNotebook(lesson, lessonsDirectory: options.lessonsDirectory).path)
    var overrides = options.overrides
    if let s = options.seed { overrides.append(("seed", String(s))) }
    let params = try resolveParameters(
        specs: lesson.parameters, notebook: notebook.parameters,
        notebookName: lesson.notebookFile, overrides: overrides)
    guard !options.outDirectory.isEmpty else {
        throw LessonError.usage("--out needs a folder name (an empty one would write into the current folder)")
    }
    let seeds = runSeeds(params, options: options)
    try vetWork(lesson.estimate?(params), seeds: seeds.count, lesson: lesson, log: log)
    let runFolder = RunFolder(outDirectory: options.outDirectory, id: lesson.id)
    try prepareDirectory(options.outDirectory)
    cleanStaleTemporaries([runFolder.final, runFolder.staging, options.outDirectory], log: log)
    try runFolder.prepare(resume: options.resume)
    var committed = false
    defer { if !committed { runFolder.discard() } }  // a failed run leaves the previous run's folder as it was
    let folder = runFolder.staging  // every output is written here, then swapped in
    configureAllocator()
    SpikingCircuit.threads = options.threads
    var records: [SeedRecord] = []
    var info = RunInfo(options: options, seeds: seeds)
    var runError: Error?
    var interruptedStatus: String?
    for (k, seed) in seeds.enumerated() {
        if k > 0, isInterruptRequested {  // a Ctrl-C before the first seed is the first seed's to see
            runError = LessonError(
                "interrupted before seed \(seed) (\(k + 1) of \(seeds.count)); the records of the "
                    + "seeds before it are in \(runFolder.final)/seeds: run the same command with --resume to continue")
            break
        }
        if seeds.count > 1 {
            let done = info.seeds.map(\.seconds)
            let perSeed = done.reduce(0, +) / Double(max(done.count, 1))
            let left = done.isEmpty ? "" : "; about " + durationText(perSeed * Double(seeds.count - k)) + " left"
            log("seed \(seed) (\(k + 1) of \(seeds.count)\(left))")
        }
        // On --resume, a seed that finished with the same parameters is taken from its record.
        let kept = runFolder.checkpointToResume("seeds/seed-\(seed).json")
        if options.resume, FileManager.default.fileExists(atPath: kept), let r = try? readSeedRecord(kept),
            r.status == "complete", r.lesson == lesson.id,
            r.parameters == params.values.filter({ !seedKeys.contains($0.key) })
        {
            log("seed \(seed): complete in an earlier run; taken from its record")
            records.append(r)
            try writeSeedRecord(r, folder: folder)
            continue
        }
        if options.interruptDuringSeed == seed { requestInterrupt() }
        let start = Date()
        let (record, error) = try runSeed(
            lesson, params: params, seed: seed, runFolder: runFolder,
            options: options, log: log)
        info.add(seed: seed, seconds: Date().timeIntervalSince(start), timings: record.timings)
        records.append(record.record)
        try writeSeedRecord(record.record, folder: folder)
        if let error {
            runError = error
            break
        }
    }
    if runError == nil, isInterruptRequested, let last = seeds.last {
        // Ctrl-C during the last seed of a lesson that finished it anyway: the run stops all the same.
        interruptedStatus = "stopped: interrupted during seed \(last), which finished"
        runError = LessonError(
            "interrupted during seed \(last), the last, which finished; its record is in "
                + "\(runFolder.final)/seeds: run the same command with --resume to complete the run")
    }
    var conclusion = try conclude(records, seeds: seeds, summary: lesson.summary, status: interruptedStatus)
    if options.explore { conclusion.checks = markTunedClaims(conclusion.checks, lesson: lesson) }
    var outcome = try writeOutputs(
        lesson, notebook: notebook, conclusion: conclusion, folder: folder,
        options: options, info: info)
    try runFolder.commit(resume: options.resume)
    committed = true
    outcome.folder = runFolder.final
    if let e = runError { throw e }
    return outcome
}

/// Runs one seed. Returns its record, and the error that stopped it if it computed something first; an error
/// before anything was computed (bad data, bad parameter) is thrown and leaves no output behind.
func runSeed(
    _ lesson: LessonDescriptor, params: ParameterValues, seed: UInt64, runFolder: RunFolder,
    options: RunOptions, log: @escaping (String) -> Void
) throws -> (
    record: (
        record: SeedRecord,
        timings: [String: String]
    ), error: Error?
) {
    setBLASThreads(1)  // lessons that train large networks raise this themselves, up to ctx.threads
    let context = RunContext(parameters: params.with("seed", String(seed)), seed: seed, log: log)
    let checkpoints = "checkpoints/seed-\(seed)"
    context.folder = (runFolder.staging as NSString).appendingPathComponent(checkpoints)
    context.finalFolder = (runFolder.final as NSString).appendingPathComponent(checkpoints)
    context.checkpointToResume = { runFolder.checkpointToResume(checkpoints + "/" + $0) }
    context.resume = options.resume
    context.threads = options.threads
    context.stopAfterEpochs = options.stopAfterEpochs
    context.interruptAfterEpochs = options.interruptAfterEpochs
    context.live = options.live
    options.live?.begin("lesson \(lesson.number) (\(lesson.slug)), seed \(seed)")
    try prepareDirectory(context.folder)
    defer {
        // Lessons without checkpoints leave no empty folders behind.
        for dir in [context.folder, (context.folder as NSString).deletingLastPathComponent] {
            if (try? FileManager.default.contentsOfDirectory(atPath: dir))?.isEmpty == true {
                try? FileManager.default.removeItem(atPath: dir)
            }
        }
    }
    var runError: Error?
    do { try lesson.run(context) } catch { runError = error }
    if let e = runError, context.checks.isEmpty, context.figures.isEmpty { throw e }
    // A run that checked nothing has shown nothing: say so as a failing check rather than pass vacuously.
    if runError == nil && context.checks.isEmpty {
        context.check(
            .atLeast(
                "checks made by this run (none: the chosen parameters skip every claim)",
                observed: 0, bound: 1))
    }
    let record = SeedRecord(
        lesson: lesson.id, seed: seed,
        parameters: params.values.filter { !seedKeys.contains($0.key) },
        checks: context.checks, values: context.values, numbers: context.numbers,
        figures: context.figures, status: runError.map { "stopped: \($0)" } ?? "complete")
    return ((record, context.timings), runError)
}

/// Removes the temporary files that a killed run left in `folders`, with one line saying so.
func cleanStaleTemporaries(_ folders: [String], log: (String) -> Void) {
    let removed = folders.map { removeStaleTemporaries(in: $0) }
    let count = removed.map(\.count).reduce(0, +)
    let bytes = removed.map(\.bytes).reduce(0, +)
    if count > 0 {
        log("removed \(count) temporary file\(count == 1 ? "" : "s") (\(bytes) bytes) left by an interrupted run")
    }
}

func prepareDirectory(_ path: String) throws {
    do {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
        throw LessonError("cannot create output folder \(path); choose a writable folder with --out DIR")
    }
    guard FileManager.default.isWritableFile(atPath: path) else {
        throw LessonError("output folder \(path) is not writable; choose another with --out DIR")
    }
}

/// Writes through a temporary file and a rename, so a reader never sees a half-written file.
public func writeAtomically(_ text: String, to path: String) throws {
    do {
        try writeFileAtomically(Data(text.utf8), to: path)
    } catch {
        throw LessonError(
            "cannot write \(path); check that the output folder is writable or choose another with "
                + "--out DIR")
    }
}

/// Locates gnuplot on PATH.
public func findGnuplot() -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for dir in path.split(separator: ":") {
        let candidate = "\(dir)/gnuplot"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

func renderScript() -> String {
    var lines = [
        "#!/bin/sh",
        "# Renders every figure under this folder to PNG, SVG and PDF (7 in wide, and 3.5 in as "
            + "NAME-1col.pdf). Needs gnuplot (apt-get install gnuplot-nox).",
        "set -e", "cd \"$(dirname \"$0\")\"",
        "command -v gnuplot >/dev/null || { echo 'render.sh: gnuplot not found; install it with: "
            + "apt-get install gnuplot-nox' >&2; exit 1; }",
        "for gp in */*.gp; do", "  d=$(dirname \"$gp\"); n=$(basename \"$gp\" .gp)"
    ]
    for r in figureRenderings {
        lines.append(
            "  (cd \"$d\" && gnuplot -e \"set terminal \(r.terminal)\" -e \"set output '$n\(r.fileSuffix)'\" "
                + "\"$n.gp\")")
    }
    lines += ["  echo \"rendered $d/$n\"", "done"]
    return lines.joined(separator: "\n") + "\n"
}

/// Renders each figure to PNG, SVG and PDF with gnuplot (into a temporary name, then renamed).
func renderFigures(_ figures: [Figure], in folder: String, gnuplot: String?) -> ([String], String) {
    guard let gnuplot else {
        return (
            [],
            "gnuplot not found: figures written as scripts and data only; install gnuplot-nox and run sh "
                + "\((folder as NSString).deletingLastPathComponent)/render.sh"
        )
    }
    var failures: [String] = []
    for f in figures {
        for r in figureRenderings {
            let tmp = temporaryName(for: f.name + r.fileSuffix)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: gnuplot)
            p.currentDirectoryURL = URL(fileURLWithPath: folder)
            p.arguments = ["-e", "set terminal \(r.terminal)", "-e", "set output '\(tmp)'", f.scriptFile]
            let err = Pipe()
            p.standardError = err
            p.standardOutput = FileHandle.nullDevice
            let tmpPath = (folder as NSString).appendingPathComponent(tmp)
            let finalPath = (folder as NSString).appendingPathComponent(f.name + r.fileSuffix)
            do {
                try p.run()
                let msg = err.fileHandleForReading.readDataToEndOfFile()
                p.waitUntilExit()
                if p.terminationStatus == 0 {
                    try installRenderedFigure(tmpPath, as: finalPath, format: r.format)
                } else {
                    let text = String(decoding: msg, as: UTF8.self)
                    let first = text.split(separator: "\n").last.map(String.init) ?? "error"
                    failures.append("\(f.name)\(r.fileSuffix): \(first)")
                }
            } catch let e as LessonError {
                failures.append("\(f.name)\(r.fileSuffix): \(e.description)")
            } catch {
                failures.append("\(f.name)\(r.fileSuffix): cannot run \(gnuplot)")
            }
            unlink(tmpPath)
        }
    }
    if failures.isEmpty { return (figureFormats, "") }
    return ([], "gnuplot failed on " + failures.joined(separator: "; "))
}

/// Checks what gnuplot wrote to `tmp` (it exits 0 even when a write failed, e.g. on a full disk) and renames
/// it to `path`: the file must exist, be non-empty and look complete for its format (PNG: signature and IEND
/// chunk; PDF: header and %%EOF; SVG: an <svg> element closed at the end). Otherwise throws one line, and
/// nothing is left under the final name.
func installRenderedFigure(_ tmp: String, as path: String, format: String) throws {
    let name = (path as NSString).lastPathComponent
    guard let data = FileManager.default.contents(atPath: tmp) else {
        throw LessonError("gnuplot wrote no file (is the disk full or the folder not writable?)")
    }
    guard !data.isEmpty else { throw LessonError("gnuplot wrote an empty file (is the disk full?)") }
    guard figureLooksComplete(data, format: format) else {
        throw LessonError("gnuplot wrote an incomplete or damaged \(format.uppercased()) file (is the disk full?)")
    }
    guard rename(tmp, path) == 0 else {
        throw LessonError("cannot rename the rendered figure to \(name) (\(String(cString: strerror(errno))))")
    }
}

/// Whether `data` starts and ends as a complete file of `format` (png, pdf or svg) does.
func figureLooksComplete(_ data: Data, format: String) -> Bool {
    let head = [UInt8](data.prefix(8))
    let tail = String(decoding: data.suffix(1024), as: UTF8.self)
    switch format {
    case "png":
        return head == [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
            && [UInt8](data.suffix(12)).dropFirst(4).prefix(4).elementsEqual(Array("IEND".utf8))
    case "pdf":
        return head.starts(with: Array("%PDF-".utf8)) && tail.contains("%%EOF")
    case "svg":
        let start = String(decoding: data.prefix(1024), as: UTF8.self)
        return start.contains("<svg") && tail.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("</svg>")
    default:
        return true
    }
}
