import Foundation
import NeuroModel

public let projectVersion = "0.1.0"

/// What a lesson gets while it runs: its parameters and seed, and the places to put its results.
public final class RunContext {
    public let parameters: ParameterValues
    public let seed: UInt64
    public let log: (String) -> Void
    /// Folder this run writes to (for checkpoints): the staging folder, swapped in at the end (see RunFolder).
    public var folder = ""
    /// Where this run's files are once it has finished (for messages that name the folder).
    public var finalFolder = ""
    /// The checkpoint file `name` to resume from (see RunFolder.checkpointToResume).
    var checkpointToResume: (String) -> String = { $0 }
    /// Continue from checkpoints in `folder` (lesson 6).
    public var resume = false
    /// Test hook: stop as if interrupted after this many epochs of training.
    public var stopAfterEpochs: Int?
    /// Training epochs completed by this process (for `stopAfterEpochs`).
    public var epochsThisProcess = 0
    public private(set) var checks: [Check] = []
    public private(set) var values: [String: String] = [:]
    public private(set) var figures: [Figure] = []

    public init(parameters: ParameterValues, seed: UInt64, log: @escaping (String) -> Void = { _ in }) {
        self.parameters = parameters
        self.seed = seed
        self.log = log
    }

    /// Values that depend on the clock (timings): shown in the executed notebook, kept out of results.json so
    /// that results.json stays byte-identical between runs with the same seed.
    public private(set) var timings: [String: String] = [:]

    public func check(_ c: Check) { checks.append(c) }
    public func record(_ name: String, _ value: String) { values[name] = value }
    public func recordTiming(_ name: String, _ value: String) { timings[name] = value }
    public func record(_ name: String, _ value: Double) { values[name] = format(value) }
    public func figure(_ f: Figure) { figures.append(f) }

    /// A fresh generator for one named part of the lesson, derived from the run's seed.
    public func rng(_ stream: UInt64) -> SplitMix64 { SplitMix64(seed: seed).fork(stream) }
}

/// A lesson: identity, claim, parameters, and the code that computes and checks.
public struct LessonDescriptor: Sendable {
    public let number: Int
    public let slug: String
    public let title: String
    public let claim: String
    public let parameters: [ParameterSpec]
    public let run: @Sendable (RunContext) throws -> Void

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
    public var seed: UInt64?
    public var outDirectory = "plots"
    public var lessonsDirectory = "lessons"
    public var overrides: [(String, String)] = []
    public var render = true
    public var resume = false
    /// Test hook: behave as if Ctrl-C arrived after this many training epochs.
    public var stopAfterEpochs: Int?
    /// The gnuplot to render with; nil when none is installed (found on PATH by default).
    public var gnuplot: String? = findGnuplot()
    public init() {}
}

/// The outcome of a run: everything written and the checks.
public struct RunOutcome {
    public let lesson: LessonDescriptor
    public let checks: [Check]
    public let folder: String
    public let renderedFormats: [String]
    public let renderNote: String
    public var failed: Int { checks.filter { !$0.passed }.count }
}

/// results.json contents. Deterministic: no clock readings, sorted keys.
struct ResultsFile: Codable {
    struct Figure: Codable { let name: String; let title: String; let script: String; let data: String }
    let lesson: Int
    let id: String
    let title: String
    let claim: String
    let seed: UInt64
    let parameters: [String: String]
    let values: [String: String]
    let checks: [Check]
    let passed: Int
    let failed: Int
    let figures: [Figure]
    let versions: [String: String]
    /// "complete", or why the run stopped early.
    let status: String
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

/// Runs one lesson end to end: parameters, computation, checks, output files, optional rendering.
public func runLesson(_ lesson: LessonDescriptor, options: RunOptions,
                      log: @escaping (String) -> Void = { _ in }) throws -> RunOutcome {
    let notebookPath = (options.lessonsDirectory as NSString).appendingPathComponent(lesson.notebookFile)
    let notebook = try Notebook.load(notebookPath)
    var overrides = options.overrides
    if let s = options.seed { overrides.append(("seed", String(s))) }
    let params = try resolveParameters(specs: lesson.parameters, notebook: notebook.parameters,
                                       notebookName: lesson.notebookFile, overrides: overrides)
    let seed = UInt64(params.integer("seed"))

    let runFolder = RunFolder(outDirectory: options.outDirectory, id: lesson.id)
    try prepareDirectory(options.outDirectory)
    cleanStaleTemporaries([runFolder.final, runFolder.staging, options.outDirectory], log: log)
    try runFolder.prepare(resume: options.resume)
    var committed = false
    defer { if !committed { runFolder.discard() } }  // a failed run leaves the previous run's folder as it was
    let folder = runFolder.staging  // every output is written here, then swapped in

    configureAllocator()
    setBLASThreads(1)  // lessons that train large networks raise this themselves
    let context = RunContext(parameters: params, seed: seed, log: log)
    context.folder = folder
    context.finalFolder = runFolder.final
    context.checkpointToResume = runFolder.checkpointToResume
    context.resume = options.resume
    context.stopAfterEpochs = options.stopAfterEpochs
    var runError: Error?
    do { try lesson.run(context) } catch { runError = error }

    // A run that checked nothing has shown nothing: say so as a failing check rather than pass vacuously.
    if runError == nil && context.checks.isEmpty {
        context.check(.atLeast("checks made by this run (none: the chosen parameters skip every claim)", observed: 0,
                               bound: 1))
    }
    // A lesson that stopped before computing anything (bad data, bad parameter) leaves no output behind.
    if let e = runError, context.checks.isEmpty, context.figures.isEmpty { throw e }
    // Write what was computed, even when the lesson stopped early (e.g. interruption), then report.
    let label = "\(lesson.number) \(lesson.slug)"
    for f in context.figures {
        try writeAtomically(f.dataText(lesson: label, seed: seed),
                            to: (folder as NSString).appendingPathComponent(f.dataFile))
        try writeAtomically(f.scriptText(lesson: label, seed: seed),
                            to: (folder as NSString).appendingPathComponent(f.scriptFile))
    }
    try writeAtomically(sharedGnuplotStyle + "\n",
                        to: (options.outDirectory as NSString).appendingPathComponent("style.gp"))
    try writeAtomically(renderScript(), to: (options.outDirectory as NSString).appendingPathComponent("render.sh"))

    var rendered: [String] = []
    var note = ""
    if options.render && !context.figures.isEmpty {
        (rendered, note) = renderFigures(context.figures, in: folder, gnuplot: options.gnuplot)
    } else if !options.render {
        note = "figures not rendered (--no-render); render later with: sh \(options.outDirectory)/render.sh"
    }

    let results = ResultsFile(
        lesson: lesson.number, id: lesson.id, title: lesson.title, claim: lesson.claim, seed: seed,
        parameters: params.values, values: context.values, checks: context.checks,
        passed: context.checks.filter(\.passed).count, failed: context.checks.filter { !$0.passed }.count,
        figures: context.figures.map { .init(name: $0.name, title: $0.title, script: $0.scriptFile,
                                             data: $0.dataFile) },
        versions: ["project": projectVersion, "swift": swiftCompilerVersion(), "blas": blasKernel],
        status: runError.map { "stopped: \($0)" } ?? "complete")
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf",
                                                                  nan: "NaN")
    try writeAtomically(String(decoding: try encoder.encode(results), as: UTF8.self) + "\n",
                        to: (folder as NSString).appendingPathComponent("results.json"))

    if let e = runError {
        try runFolder.commit(resume: options.resume)
        committed = true
        throw e
    }

    let overridden = Set(overrides.map(\.0))
    let header = "> Executed copy of `lessons/\(lesson.notebookFile)` — seed \(seed), project \(projectVersion). " +
        "Reproduce with `swift run -c release lesson \(lesson.number) --seed \(seed)" +
        overrides.filter { $0.0 != "seed" }.map { " --set \($0.0)=\($0.1)" }.joined() + "`. " +
        "Results: [results.json](results.json). **\(summaryLine(context.checks))**"
    let executed = try notebook.executed(parameters: params, overridden: overridden,
                                         values: context.values.merging(context.timings) { a, _ in a },
                                         checks: context.checks, figures: context.figures,
                                         renderedFormats: rendered, header: header)
    try writeAtomically(executed, to: (folder as NSString).appendingPathComponent(lesson.id + ".executed.md"))
    try runFolder.commit(resume: options.resume)
    committed = true
    return RunOutcome(lesson: lesson, checks: context.checks, folder: runFolder.final, renderedFormats: rendered,
                      renderNote: note)
}

/// Removes the temporary files that a killed run left in `folders`, with one line saying so.
func cleanStaleTemporaries(_ folders: [String], log: (String) -> Void) {
    let removed = folders.map { removeStaleTemporaries(in: $0) }
    let count = removed.map(\.count).reduce(0, +), bytes = removed.map(\.bytes).reduce(0, +)
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
        throw LessonError("cannot write \(path); check that the output folder is writable or choose another with "
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

/// Terminal settings per format: publication sizes, one font.
let terminals: [(String, String)] = [
    ("png", "pngcairo size 1200,800 enhanced font 'DejaVu Sans,16'"),
    ("svg", "svg size 900,600 enhanced font 'DejaVu Sans,14' background rgb 'white'"),
    ("pdf", "pdfcairo size 6in,4in enhanced font 'DejaVu Sans,11'"),
]

func renderScript() -> String {
    var lines = ["#!/bin/sh",
                 "# Renders every figure under this folder to PNG, SVG and PDF. Needs gnuplot "
                     + "(apt-get install gnuplot-nox).",
                 "set -e", "cd \"$(dirname \"$0\")\"",
                 "command -v gnuplot >/dev/null || { echo 'render.sh: gnuplot not found; install it with: "
                     + "apt-get install gnuplot-nox' >&2; exit 1; }",
                 "for gp in */*.gp; do", "  d=$(dirname \"$gp\"); n=$(basename \"$gp\" .gp)"]
    for (ext, term) in terminals {
        lines.append("  (cd \"$d\" && gnuplot -e \"set terminal \(term)\" -e \"set output '$n.\(ext)'\" \"$n.gp\")")
    }
    lines += ["  echo \"rendered $d/$n\"", "done"]
    return lines.joined(separator: "\n") + "\n"
}

/// Renders each figure to PNG, SVG and PDF with gnuplot (into a temporary name, then renamed).
func renderFigures(_ figures: [Figure], in folder: String, gnuplot: String?) -> ([String], String) {
    guard let gnuplot else {
        return ([],
            "gnuplot not found: figures written as scripts and data only; install gnuplot-nox and run sh "
                + "\((folder as NSString).deletingLastPathComponent)/render.sh")
    }
    var failures: [String] = []
    for f in figures {
        for (ext, term) in terminals {
            let tmp = temporaryName(for: "\(f.name).\(ext)")
            let p = Process()
            p.executableURL = URL(fileURLWithPath: gnuplot)
            p.currentDirectoryURL = URL(fileURLWithPath: folder)
            p.arguments = ["-e", "set terminal \(term)", "-e", "set output '\(tmp)'", f.scriptFile]
            let err = Pipe()
            p.standardError = err
            p.standardOutput = FileHandle.nullDevice
            let tmpPath = (folder as NSString).appendingPathComponent(tmp)
            let finalPath = (folder as NSString).appendingPathComponent("\(f.name).\(ext)")
            do {
                try p.run()
                let msg = err.fileHandleForReading.readDataToEndOfFile()
                p.waitUntilExit()
                if p.terminationStatus == 0 {
                    try installRenderedFigure(tmpPath, as: finalPath, format: ext)
                } else {
                    let text = String(decoding: msg, as: UTF8.self)
                    let first = text.split(separator: "\n").last.map(String.init) ?? "error"
                    failures.append("\(f.name).\(ext): \(first)")
                }
            } catch let e as LessonError {
                failures.append("\(f.name).\(ext): \(e.description)")
            } catch {
                failures.append("\(f.name).\(ext): cannot run \(gnuplot)")
            }
            unlink(tmpPath)
        }
    }
    if failures.isEmpty { return (terminals.map(\.0), "") }
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
    let head = [UInt8](data.prefix(8)), tail = String(decoding: data.suffix(1024), as: UTF8.self)
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
