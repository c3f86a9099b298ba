import Foundation
import NeuroModel

/// Everything one seed of a lesson computed: the unit from which every output file is made. A run over several
/// seeds keeps each in `seeds/seed-S.json`; `lesson aggregate` merges records made by separate processes.
struct SeedRecord: Codable, Equatable {
    static let format = "microcircuit-lessons seed record 1"
    var format = SeedRecord.format
    let lesson: String
    let seed: UInt64
    /// Every parameter but `seed` and `seeds`.
    let parameters: [String: String]
    let checks: [Check]
    let values: [String: String]
    let numbers: [String: Double]
    let figures: [Figure]
    /// "complete", or why the seed stopped early.
    let status: String

    init(
        lesson: String, seed: UInt64, parameters: [String: String], checks: [Check], values: [String: String],
        numbers: [String: Double], figures: [Figure], status: String
    ) {
        self.lesson = lesson
        self.seed = seed
        self.parameters = parameters
        self.checks = checks
        self.values = values
        self.numbers = numbers
        self.figures = figures
        self.status = status
    }

    /// The checks with ids made unique within the seed (a repeated id gets `-2`, `-3`, … in order).
    var uniqueChecks: [Check] {
        var seen: [String: Int] = [:]
        return checks.map { c in
            var c = c
            let k = (seen[c.id] ?? 0) + 1
            seen[c.id] = k
            if k > 1 { c.id += "-\(k)" }
            return c
        }
    }
}

/// JSON as every output file writes it: sorted keys, non-finite numbers as strings.
func jsonEncoder() -> JSONEncoder {
    let e = JSONEncoder()
    e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    e.nonConformingFloatEncodingStrategy = .convertToString(
        positiveInfinity: "inf", negativeInfinity: "-inf",
        nan: "NaN")
    return e
}

func jsonDecoder() -> JSONDecoder {
    let d = JSONDecoder()
    d.nonConformingFloatDecodingStrategy = .convertFromString(
        positiveInfinity: "inf", negativeInfinity: "-inf",
        nan: "NaN")
    return d
}

func writeSeedRecord(_ r: SeedRecord, folder: String) throws {
    let dir = (folder as NSString).appendingPathComponent("seeds")
    try prepareDirectory(dir)
    let data = try jsonEncoder().encode(r)
    try writeAtomically(
        String(decoding: data, as: UTF8.self) + "\n",
        to: (dir as NSString).appendingPathComponent("seed-\(r.seed).json"))
}

/// Reads one seed record; one line when it is not one.
func readSeedRecord(_ path: String) throws -> SeedRecord {
    let read: Data?
    do { read = try CheckpointIntegrity.read(path) } catch let e as DataError { throw LessonError(e.description) }
    guard let data = read else { throw LessonError("cannot read \(path)") }
    guard let r = try? jsonDecoder().decode(SeedRecord.self, from: data), r.format == SeedRecord.format else {
        throw LessonError(
            "\(path) is not a seed record of this version (\(SeedRecord.format)); "
                + "run that seed again")
    }
    return r
}

/// A named number over seeds.
struct NumberSummary: Codable, Equatable, Sendable {
    let mean: Double
    let sd: Double?
    let standardError: Double?
    let values: [Double]
}

/// Every seed's named numbers, for a lesson's summary of them.
public struct SeedNumbers: Sendable {
    let summaries: [String: NumberSummary]
    /// Number of seeds.
    public let seeds: Int

    /// "mean ± sd" of a number over seeds (the value alone for one seed), with `digits` decimals; "—" when absent
    /// or not finite on every seed.
    public func text(_ name: String, scale: Double = 1, digits: Int = 1, unit: String = "") -> String {
        guard let n = summaries[name], n.values.allSatisfy(\.isFinite) else { return "—" }
        let f = "%.\(digits)f"
        let mean = String(format: f, n.mean * scale) + unit
        guard seeds > 1, let sd = n.sd else { return mean }
        return mean + " ± " + String(format: f, sd * scale)
    }
}

/// What the output files are made from: the records of every seed, combined.
struct Conclusion {
    let lesson: String
    let seeds: [UInt64]
    let parameters: [String: String]
    var checks: [Check]
    let values: [String: String]
    let numbers: [String: NumberSummary]
    let figures: [Figure]
    let status: String
}

/// Combines seed records (any order) into the run's conclusion. The records must share lesson and parameters.
/// `status`, when given, is the run's status unless a seed stopped (e.g. Ctrl-C after every seed finished).
func conclude(
    _ unsorted: [SeedRecord], seeds: [UInt64]? = nil,
    summary: (@Sendable (SeedNumbers) -> [String: String])? = nil,
    status runStatus: String? = nil
) throws -> Conclusion {
    let records = unsorted.sorted { $0.seed < $1.seed }
    guard let first = records.first else { throw LessonError("no seed records to combine") }
    for r in records where r.lesson != first.lesson || r.parameters != first.parameters {
        let diff = Set(r.parameters.keys).union(first.parameters.keys)
            .filter { r.parameters[$0] != first.parameters[$0] }.sorted()
        throw LessonError(
            r.lesson != first.lesson
                ? "seed records of different lessons (\(first.lesson), \(r.lesson)); aggregate one lesson at a time"
                : "seed \(r.seed) was run with other parameters than seed \(first.seed) "
                    + "(\(diff.joined(separator: ", "))); aggregate only runs of the same parameters")
    }
    let recordSeeds = records.map(\.seed)
    guard Set(recordSeeds).count == recordSeeds.count else {
        throw LessonError("seed \(duplicate(recordSeeds)) appears twice among the runs; give each seed once")
    }
    var numbers: [String: NumberSummary] = [:]
    for name in Set(records.flatMap(\.numbers.keys)) {
        let v = records.map { $0.numbers[name] ?? .nan }
        let s = Spread(v)
        numbers[name] = NumberSummary(mean: s.mean, sd: s.sd, standardError: s.standardError, values: v)
    }
    var values = first.values
    if records.count > 1 {
        for (name, n) in numbers where first.values[name] != nil {
            values[name] =
                "\(format(n.mean)) ± \(format(n.standardError ?? .nan)) " + "(mean ± SE, \(records.count) seeds)"
        }
    }
    if let summary {
        for (k, v) in summary(SeedNumbers(summaries: numbers, seeds: records.count)) { values[k] = v }
    }
    let stopped = records.first { $0.status != "complete" }
    let missing = (seeds ?? recordSeeds).filter { !recordSeeds.contains($0) }
    let status =
        stopped.map { "seed \($0.seed) \($0.status)" }
        ?? (missing.isEmpty ? runStatus ?? "complete" : "stopped before seed \(missing[0])")
    return Conclusion(
        lesson: first.lesson, seeds: recordSeeds, parameters: first.parameters,
        checks: combineChecks(records), values: values, numbers: numbers,
        figures: combineFigures(records), status: status)
}

private func duplicate(_ xs: [UInt64]) -> UInt64 {
    var seen = Set<UInt64>()
    for x in xs where !seen.insert(x).inserted { return x }
    return 0
}

/// A seed list as text: ranges of consecutive seeds joined, e.g. `1-5,8`.
func seedListText(_ seeds: [UInt64]) -> String {
    var parts: [String] = []
    var i = 0
    while i < seeds.count {
        var j = i
        while j + 1 < seeds.count && seeds[j + 1] == seeds[j] + 1 { j += 1 }
        parts.append(j > i ? "\(seeds[i])-\(seeds[j])" : "\(seeds[i])")
        i = j + 1
    }
    return parts.joined(separator: ",")
}

/// results.json: data, not text. Deterministic for given seed records (no clock readings, sorted keys), so a
/// run over several seeds and `lesson aggregate` of the same seeds write the same bytes. Schema:
/// `docs/results.schema.json`.
struct ResultsFile: Encodable {
    struct Parameter: Encodable {
        enum Value: Encodable {
            case number(Double)
            case integer(Int)
            case text(String)
            func encode(to encoder: Encoder) throws {
                var c = encoder.singleValueContainer()
                switch self {
                case .number(let x): try c.encode(x)
                case .integer(let n): try c.encode(n)
                case .text(let t): try c.encode(t)
                }
            }
        }
        let value: Value
        let unit: String
    }
    struct FigureEntry: Encodable {
        let name: String
        let title: String
        let script: String
        let data: String
    }
    static let schemaName = "microcircuit-lessons results 2"
    let schema = ResultsFile.schemaName
    let lesson: Int
    let id: String
    let title: String
    let claim: String
    let seeds: [UInt64]
    let parameters: [String: Parameter]
    let values: [String: String]
    let numbers: [String: NumberSummary]
    let checks: [Check]
    let passed: Int
    let failed: Int
    let figures: [FigureEntry]
    let versions: [String: String]
    /// "complete", or why the run stopped early.
    let status: String
}

func typedParameters(_ values: [String: String], specs: [ParameterSpec]) -> [String: ResultsFile.Parameter] {
    var out: [String: ResultsFile.Parameter] = [:]
    for s in specs {
        guard let v = values[s.name] else { continue }
        let value: ResultsFile.Parameter.Value
        switch s.kind {
        case .real: value = Double(v).map { .number($0) } ?? .text(v)
        case .integer: value = Int(v).map { .integer($0) } ?? .text(v)
        default: value = .text(v)
        }
        out[s.name] = .init(value: value, unit: s.unit)
    }
    return out
}

/// Writes a run's outputs from its conclusion: figures (data, script, rendering), results.json, the executed
/// notebook, run-info.json and report.html.
func writeOutputs(
    _ lesson: LessonDescriptor, notebook: Notebook, conclusion c: Conclusion, folder: String,
    options: RunOptions, info: RunInfo
) throws -> RunOutcome {
    let keptEdits = try writeFigureFiles(
        c.figures, folder: folder, outDirectory: options.outDirectory,
        lesson: "\(lesson.number) \(lesson.slug)")
    var rendered: [String] = []
    var note = ""
    if options.render && !c.figures.isEmpty {
        (rendered, note) = renderFigures(
            c.figures, in: folder, gnuplot: options.gnuplot, timeout: options.renderTimeout)
    } else if !options.render {
        note = "figures not rendered (--no-render); render later with: sh \(options.outDirectory)/render.sh"
    }
    if !keptEdits.isEmpty { note = note.isEmpty ? keptEdits : keptEdits + "; " + note }
    var all = c.parameters
    all["seed"] = String(c.seeds.first ?? 0)
    all["seeds"] = String(c.seeds.count)
    let results = ResultsFile(
        lesson: lesson.number, id: lesson.id, title: lesson.title, claim: lesson.claim, seeds: c.seeds,
        parameters: typedParameters(c.parameters, specs: lesson.parameters), values: c.values, numbers: c.numbers,
        checks: c.checks, passed: c.checks.filter { $0.passed && $0.counts }.count,
        failed: c.checks.filter { !$0.passed && $0.counts }.count,
        figures: c.figures.map { .init(name: $0.name, title: $0.title, script: $0.scriptFile, data: $0.dataFile) },
        versions: [
            "project": projectVersion, "swift": swiftCompilerVersion(), "blas": blasKernel,
            "commit": sourceCommit
        ],
        status: c.status)
    try writeAtomically(
        String(decoding: try jsonEncoder().encode(results), as: UTF8.self) + "\n",
        to: (folder as NSString).appendingPathComponent("results.json"))
    try writeAtomically(
        String(decoding: try jsonEncoder().encode(info), as: UTF8.self) + "\n",
        to: (folder as NSString).appendingPathComponent("run-info.json"))
    var executedText: String?
    if c.status == "complete" {
        let used = ParameterValues(order: lesson.parameters.map(\.name), values: all)
        let baseline = try resolveParameters(
            specs: lesson.parameters, notebook: notebook.parameters,
            notebookName: lesson.notebookFile, overrides: [])
        let overridden = Set(all.keys.filter { !seedKeys.contains($0) && all[$0] != baseline.values[$0] })
        let seedText =
            c.seeds.count == 1
            ? "seed \(c.seeds[0])"
            : "seeds \(seedListText(c.seeds)) (checks over seeds; text values and tables from seed \(c.seeds[0]))"
        let header =
            "> Executed copy of `lessons/\(lesson.notebookFile)` — \(seedText), project \(projectVersion). "
            + "Reproduce with `swift run -c release lesson \(lesson.number) --seeds \(seedListText(c.seeds))"
            + overridden.sorted().map { " --set \($0)=\(all[$0] ?? "")" }.joined() + "`. "
            + "Results: [results.json](results.json). **\(summaryLine(c.checks))**"
        var values = c.values
        for name in info.timingNames where values[name] == nil { values[name] = "(a timing: see run-info.json)" }
        let executed = try notebook.executed(
            parameters: used, overridden: overridden, values: values,
            checks: c.checks, figures: c.figures, renderedFormats: rendered,
            header: header)
        try writeAtomically(executed, to: (folder as NSString).appendingPathComponent(lesson.id + ".executed.md"))
        try writeJupyterNotebook(
            lesson, conclusion: c, executed: executed, folder: folder, rendered: rendered, options: options)
        executedText = executed
    }
    let reportNote = try writeReport(
        lesson, conclusion: c, executed: executedText, folder: folder,
        rendered: rendered, options: options)
    if !reportNote.isEmpty { note = note.isEmpty ? reportNote : note + "; " + reportNote }
    return RunOutcome(
        lesson: lesson, checks: c.checks, folder: folder, seeds: c.seeds, renderedFormats: rendered,
        renderNote: note)
}

/// The commit of the source tree this build came from (`git rev-parse HEAD`, `+modified` when tracked files
/// differ), or "unknown" without git or outside a checkout.
let sourceCommit: String = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    func git(_ args: [String]) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "-C", root] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
    guard let head = git(["rev-parse", "HEAD"]), !head.isEmpty else { return "unknown" }
    let dirty = git(["status", "--porcelain", "--untracked-files=no"]).map { !$0.isEmpty } ?? false
    return head + (dirty ? "+modified" : "")
}()

/// run-info.json: what varies between runs of the same seeds (clock, host, threads), kept apart from
/// results.json so that results stay byte-identical.
struct RunInfo: Encodable {
    struct Seed: Encodable {
        let seed: UInt64
        let seconds: Double
        let timings: [String: String]
    }
    let command: [String]
    let started: String
    let host: [String: String]
    /// `--threads`: the spiking engine's threads.
    let threads: Int
    /// The threads OpenBLAS ran on (`blasThreadsPerRun`, whatever `--threads` says).
    let blasThreads: Int
    let blas: String
    var seeds: [Seed] = []
    /// For `lesson aggregate`: the folders merged.
    var aggregatedFrom: [String]?
    var timingNames: Set<String> { Set(seeds.flatMap(\.timings.keys)) }

    init(options: RunOptions, seeds: [UInt64]) {
        command = options.commandLine
        started = ISO8601DateFormatter().string(from: Date())
        let p = ProcessInfo.processInfo
        host = [
            "name": p.hostName, "os": p.operatingSystemVersionString, "cores": String(p.activeProcessorCount),
            "memory_gib": String(format: "%.1f", Double(p.physicalMemory) / 1_073_741_824)
        ]
        threads = options.threads
        blasThreads = blasThreadsPerRun
        blas = blasKernel
    }

    mutating func add(seed: UInt64, seconds: Double, timings: [String: String]) {
        seeds.append(Seed(seed: seed, seconds: (seconds * 1000).rounded() / 1000, timings: timings))
    }
    private enum CodingKeys: String, CodingKey {
        case command, started, host, threads, blasThreads, blas, seeds, aggregatedFrom
    }
}
