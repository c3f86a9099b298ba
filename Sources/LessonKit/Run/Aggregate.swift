import Foundation

// `lesson aggregate DIR... --out DIR`: merges the seed records of separate runs (one seed per process or
// machine) into the files one run over all those seeds writes.

/// The seed records found in one folder given to `aggregate`, by lesson, with the folders they came from and
/// what those runs' results.json said of them.
struct AggregateInput {
    struct Run {
        /// The lesson folder holding `seeds/` (DIR or DIR/NN-name).
        let folder: String
        /// The status in that folder's results.json; nil when it has none.
        let status: String?
    }
    var records: [String: [SeedRecord]] = [:]
    var runs: [String: [Run]] = [:]

    /// Reads `dir`: an output folder (holding `NN-name/seeds/`) or one lesson's folder (holding `seeds/`).
    mutating func read(_ dir: String, lessons known: [LessonDescriptor]) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw LessonError("aggregate: \(dir) is not a folder; give the --out folders of the runs to merge")
        }
        var found = 0
        for folder in [dir] + known.map({ (dir as NSString).appendingPathComponent($0.id) }) {
            let seeds = (folder as NSString).appendingPathComponent("seeds")
            guard let files = try? fm.contentsOfDirectory(atPath: seeds) else { continue }
            var lessons = Set<String>()
            for f in files.sorted() where f.hasPrefix("seed-") && f.hasSuffix(".json") {
                let path = (seeds as NSString).appendingPathComponent(f)
                let r = try readSeedRecord(path)
                guard known.contains(where: { $0.id == r.lesson }) else {
                    throw LessonError(
                        "aggregate: \(path) is a record of lesson \"\(gnuplotComment(String(r.lesson.prefix(80))))\", "
                            + "which this version does not have (see lesson list); give records of its lessons")
                }
                records[r.lesson, default: []].append(r)
                lessons.insert(r.lesson)
                found += 1
            }
            for id in lessons { runs[id, default: []].append(Run(folder: folder, status: resultsStatus(folder))) }
        }
        guard found > 0 else {
            throw LessonError(
                "aggregate: \(dir) holds no seed records (NN-name/seeds/seed-S.json); "
                    + "give the --out folders of lesson runs")
        }
    }

    /// The `status` of `folder`/results.json, or nil.
    private func resultsStatus(_ folder: String) -> String? {
        let path = (folder as NSString).appendingPathComponent("results.json")
        guard let data = FileManager.default.contents(atPath: path),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object["status"] as? String
    }

    /// Why lesson `id`'s merge is incomplete: the seeds whose records say they stopped, and the runs whose
    /// results.json says they stopped (e.g. before a seed they never started); empty when nothing stopped.
    func stopped(_ id: String) -> [String] {
        let seeds = (records[id] ?? []).filter { $0.status != "complete" }.sorted { $0.seed < $1.seed }
        let runs = (runs[id] ?? []).filter { $0.status.map { $0 != "complete" } ?? false }
        return seeds.map { "seed \($0.seed) \($0.status)" }
            + runs.filter { run in !seeds.contains { run.status?.contains("seed \($0.seed) ") == true } }
            .map { "the run in \($0.folder) \($0.status ?? "")" }
    }
}

/// The real path of `path` (symbolic links and `..` resolved), or the path itself when it does not exist.
func canonicalPath(_ path: String) -> String {
    guard let resolved = realpath(path, nil) else { return (path as NSString).standardizingPath }
    defer { free(resolved) }
    return String(cString: resolved)
}

/// `lesson aggregate DIR...`: merges seed records written by separate runs (one seed per process or machine)
/// into the files one run over all those seeds writes, in `options.outDirectory`. Each DIR is an output folder
/// (holding `NN-name/seeds/`) or one lesson's folder (holding `seeds/`).
///
/// Each lesson's folder is written like a run's: staged and swapped in, under the output folder's lock. An
/// output folder that would replace one of the runs merged is refused before anything is written. When a run
/// merged had stopped (a seed interrupted, or seeds never started), the merge is written marked stopped and
/// then fails naming those seeds, as the run did.
public func aggregateRuns(_ dirs: [String], lessons known: [LessonDescriptor], options: RunOptions) throws
    -> [RunOutcome]
{
    guard !dirs.isEmpty else { throw LessonError.usage("aggregate needs at least one folder; see lesson --help") }
    guard !options.outDirectory.isEmpty else {
        throw LessonError.usage("--out needs a folder name (an empty one would write into the current folder)")
    }
    var input = AggregateInput()
    for dir in dirs { try input.read(dir, lessons: known) }
    let lessons = known.filter { input.records[$0.id] != nil }
    for lesson in lessons {
        let target = canonicalPath((options.outDirectory as NSString).appendingPathComponent(lesson.id))
        if let run = input.runs[lesson.id]?.first(where: { canonicalPath($0.folder) == target }) {
            throw LessonError(
                "aggregate: --out \(options.outDirectory) would overwrite \(run.folder), one of the runs being "
                    + "merged; choose another output folder with --out DIR")
        }
    }
    var outcomes: [RunOutcome] = []
    var incomplete: [String] = []
    for lesson in lessons {
        let records = input.records[lesson.id] ?? []
        let stopped = input.stopped(lesson.id)
        outcomes.append(
            try writeAggregate(
                lesson, records: records, status: stopped.isEmpty ? nil : "stopped: " + stopped[0],
                dirs: dirs, options: options))
        if !stopped.isEmpty { incomplete.append("lesson \(lesson.number): " + stopped.joined(separator: "; ")) }
    }
    guard incomplete.isEmpty else {
        throw LessonError(
            "aggregate: merged runs that had stopped (" + incomplete.joined(separator: "; ")
                + "); finish each with the same command and --resume, then aggregate again")
    }
    return outcomes
}

/// Writes one lesson's merge into its folder under `options.outDirectory` (staged, then swapped in).
private func writeAggregate(
    _ lesson: LessonDescriptor, records: [SeedRecord], status: String?, dirs: [String], options: RunOptions
) throws -> RunOutcome {
    let notebook = try Notebook.load(locateNotebook(lesson, lessonsDirectory: options.lessonsDirectory).path)
    var conclusion = try conclude(records, summary: lesson.summary, status: status)
    conclusion = conclusion.withCaptions(options)
    try prepareDirectory(options.outDirectory)
    let lock = try OutputLock(outDirectory: options.outDirectory, id: lesson.id)
    defer { lock.release() }
    let runFolder = RunFolder(outDirectory: options.outDirectory, id: lesson.id)
    cleanStaleTemporaries([runFolder.final, runFolder.staging], outDirectory: options.outDirectory, log: { _ in })
    try runFolder.prepare(resume: false, seeds: conclusion.seeds)
    var committed = false
    defer { if !committed { runFolder.discard() } }
    for r in records { try writeSeedRecord(r, folder: runFolder.staging) }
    try carryEditedScripts(from: runFolder.final, into: runFolder.staging)
    var info = RunInfo(options: options, seeds: conclusion.seeds)
    info.aggregatedFrom = dirs
    var outcome = try writeOutputs(
        lesson, notebook: notebook, conclusion: conclusion, folder: runFolder.staging, options: options, info: info)
    try runFolder.commit(resume: false, seeds: conclusion.seeds)
    committed = true
    outcome.folder = runFolder.final
    return outcome
}
