import Foundation

// MARK: - Files the user may edit

/// The last line of every script the runner writes: a checksum of the lines above it, so that a re-run can tell
/// a file it wrote from one a user edited.
let checksumPrefix = "# lesson-runner checksum: fnv1a64 "

/// 64-bit FNV-1a of the text's UTF-8 bytes: stable across runs and platforms (Swift's Hasher is not).
func fnv1a64(_ text: String) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
        h ^= UInt64(byte)
        h = h &* 0x0000_0100_0000_01b3
    }
    let hex = String(h, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
}

/// `text` as the runner writes it: a note that editing is safe, then the checksum line.
func stamped(_ text: String, newName: String) -> String {
    let body = text + "# Edit freely: a re-run keeps an edited copy and writes its own version as \(newName).\n"
    return body + checksumPrefix + fnv1a64(body) + "\n"
}

/// True when `text` is exactly what the runner wrote (its checksum line matches the lines above it).
func isUnedited(_ text: String) -> Bool {
    guard text.hasSuffix("\n") else { return false }
    let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false)
    guard let last = lines.last, last.hasPrefix(checksumPrefix) else { return false }
    let body = text.dropLast(last.count + 1)
    return String(last.dropFirst(checksumPrefix.count)) == fnv1a64(String(body))
}

/// `name.new.ext` beside `name.ext`.
func newVersionPath(_ path: String) -> String {
    let ext = (path as NSString).pathExtension
    let stem = (path as NSString).deletingPathExtension
    return ext.isEmpty ? stem + ".new" : stem + ".new." + ext
}

/// Writes `text` to `path`, unless the file there is one a user edited (it differs from what the runner last
/// wrote, or carries no checksum and differs from `text`): then the edit is kept and the runner's version goes
/// beside it as `name.new.ext`. Returns that path when it did so.
/// FNV-1a checksums of files that version 0.1.0 wrote without a checksum line (its `style.gp` and `render.sh`):
/// such a file is the old runner's, not a user's edit, and is replaced on upgrade.
let writtenByEarlierVersions: Set<String> = ["7bd5507543d61e3f", "a523fd0c2f297518"]

func writeKeepingEdits(_ text: String, to path: String) throws -> String? {
    let side = newVersionPath(path)
    let content = stamped(text, newName: (side as NSString).lastPathComponent)
    if let data = FileManager.default.contents(atPath: path) {
        let existing = String(decoding: data, as: UTF8.self)
        if existing != content && !isUnedited(existing) && !writtenByEarlierVersions.contains(fnv1a64(existing)) {
            try writeAtomically(content, to: side)
            return side
        }
    }
    try writeAtomically(content, to: path)
    return nil
}

/// Writes each figure's data file and script, and the output folder's style.gp and render.sh. Scripts,
/// style.gp and render.sh a user edited are kept (see `writeKeepingEdits`); the returned one-line note names
/// them, or is empty; `finalPath` gives where a file will be once the run is over (a run writes into a staging
/// folder).
func writeFigureFiles(
    _ figures: [Figure], folder: String, outDirectory: String, lesson: String,
    finalPath: (String) -> String = { $0 }
) throws -> String {
    var files: [(String, String)] = []
    for f in figures {
        guard isSafeFigureName(f.name) else {
            throw LessonError("a figure is named \(gnuplotComment(f.name)); not written")
        }
        if let why = figureScriptProblem(f.script) {
            throw LessonError("figure \(f.name)'s script is outside the gnuplot figures may use (\(why)); not written")
        }
        try writeAtomically(f.dataText(lesson: lesson), to: (folder as NSString).appendingPathComponent(f.dataFile))
        files.append(
            (
                f.scriptText(lesson: lesson),
                (folder as NSString).appendingPathComponent(f.scriptFile)
            ))
    }
    files.append((sharedGnuplotStyle + "\n", (outDirectory as NSString).appendingPathComponent("style.gp")))
    files.append((renderScript(), (outDirectory as NSString).appendingPathComponent("render.sh")))
    var kept: [String] = []
    var sides: [String] = []
    for (text, path) in files {
        if let side = try writeKeepingEdits(text, to: path) {
            kept.append(finalPath(path))
            sides.append((side as NSString).lastPathComponent)
        }
    }
    guard !kept.isEmpty else { return "" }
    let beside = kept.count == 1 ? "this run's version is beside it as " : "this run's versions are beside them as "
    return "kept your edited " + kept.joined(separator: ", ") + "; " + beside + sides.joined(separator: ", ")
}

/// Copies the figure scripts (`*.gp`) a user edited in a run's final folder into its staging folder (RunFolder),
/// so that the run, which writes its scripts there, keeps each edited copy and writes its own version beside it as
/// `NAME.new.gp` (see `writeKeepingEdits`), as every script promises. Unedited scripts are left behind: the run
/// writes them afresh.
func carryEditedScripts(from final: String, into staging: String) throws {
    let fm = FileManager.default
    for name in (try? fm.contentsOfDirectory(atPath: final)) ?? []
    where name.hasSuffix(".gp") && !name.hasSuffix(".new.gp") {
        let from = (final as NSString).appendingPathComponent(name)
        let target = (staging as NSString).appendingPathComponent(name)
        guard isRegularFile(from), let data = fm.contents(atPath: from), !fm.fileExists(atPath: target)
        else { continue }
        let text = String(decoding: data, as: UTF8.self)
        guard !isUnedited(text), !writtenByEarlierVersions.contains(fnv1a64(text)) else { continue }
        do { try writeFileAtomically(data, to: target) } catch {
            throw LessonError(
                "cannot keep your edited \(from) in \(staging); check that the output folder is writable "
                    + "or choose another with --out DIR")
        }
    }
}

/// Why the script at `path` is not to be rendered by the run, or nil: a script the runner wrote (its checksum
/// holds) is rendered; so is one a user edited that stays in the subset of gnuplot figures use (after the runner's
/// own style loader is set aside). An edit outside it (a `system` call, a pipe…) is kept but not run: the output
/// folder may be someone else's.
func editedScriptProblem(_ path: String, figure: Figure) -> String? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    let text = String(decoding: data, as: UTF8.self)
    if isUnedited(text) { return nil }
    return figureScriptProblem(text.replacingOccurrences(of: figure.styleLoader, with: ""))
}
