import Foundation
import NeuroModel

/// The seeds of a run: `--seeds`, else `seeds` consecutive seeds from the `seed` parameter. Throws a usage error
/// when they would go beyond the largest admissible seed (Int.max: a run's own "Reproduce with" command must be
/// accepted), before anything runs.
func runSeeds(_ params: ParameterValues, options: RunOptions) throws -> [UInt64] {
    if let s = options.seeds { return s }
    let base = UInt64(params.integer("seed"))
    let count = UInt64(max(params.integer("seeds"), 0))
    let largest = UInt64(Int.max)
    guard count == 0 || base <= largest - (count - 1) else {
        throw LessonError.usage(
            "seeds \(base) to \(base) + \(count - 1) go beyond the largest seed, \(largest); choose --seed "
                + "S ≤ \(largest - (count - 1)) or fewer seeds")
    }
    return (0..<count).map { base + $0 }
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
    let seeds = try runSeeds(params, options: options)
    try vetWork(try lesson.estimate?(params), seeds: seeds.count, lesson: lesson, log: log)
    let runFolder = RunFolder(outDirectory: options.outDirectory, id: lesson.id)
    try prepareDirectory(options.outDirectory)
    let lock = try OutputLock(outDirectory: options.outDirectory, id: lesson.id)  // one process per folder
    defer { lock.release() }
    cleanStaleTemporaries([runFolder.final, runFolder.staging], outDirectory: options.outDirectory, log: log)
    try runFolder.prepare(resume: options.resume, seeds: seeds)
    var committed = false
    defer { if !committed { runFolder.discard() } }  // a failed run leaves the previous run's folder as it was
    let folder = runFolder.staging  // every output is written here, then swapped in
    configureAllocator()
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
        if options.resume, let r = try finishedRecord(seed, lesson: lesson, params: params, runFolder: runFolder) {
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
    if options.explore { conclusion.checks = markTunedClaims(conclusion.checks) }
    conclusion = conclusion.withCaptions(options)
    // A re-run keeps the scripts a user edited, as they promise.
    try carryEditedScripts(from: runFolder.final, into: runFolder.staging)
    var outcome = try writeOutputs(
        lesson, notebook: notebook, conclusion: conclusion, folder: folder,
        options: options, info: info)
    try runFolder.commit(resume: options.resume, seeds: seeds)
    committed = true
    outcome.folder = runFolder.final
    if let e = runError { throw e }
    return outcome
}

/// On --resume: the record of `seed` kept by an earlier run when that seed finished with the same parameters.
/// Throws one line when something other than a file (a folder, a FIFO) stands under the record's name.
func finishedRecord(_ seed: UInt64, lesson: LessonDescriptor, params: ParameterValues, runFolder: RunFolder)
    throws -> SeedRecord?
{
    let kept = runFolder.checkpointToResume("seeds/seed-\(seed).json")
    do { guard try CheckpointIntegrity.read(kept) != nil else { return nil } } catch let e as DataError {
        throw LessonError(e.description)
    }
    // A record of another version is recomputed; one the runner would never have written is refused.
    guard let r = try readSeedRecordIfCurrent(kept) else { return nil }
    let same =
        r.status == "complete" && r.lesson == lesson.id
        && r.parameters == params.values.filter { !seedKeys.contains($0.key) }
    return same ? r : nil
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
    setBLASThreads(blasThreadsPerRun)
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
    try prepareDirectory(context.folder, noLinkBelow: options.outDirectory)
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
