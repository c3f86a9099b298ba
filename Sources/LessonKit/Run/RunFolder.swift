import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where one run writes: a staging folder beside the final one (`.NN-name.partial`), swapped in once the run
/// has written everything, so that the final folder never holds a mix of two runs' files, and a run that
/// fails leaves the previous run's folder as it was.
///
/// Checkpoints are written to the staging folder while the run trains. A staging folder left by a killed or failed
/// run is kept for `--resume` (its checkpoints are the newest); a run without `--resume` starts from a fresh one.
struct RunFolder {
    let final: String
    let staging: String

    init(outDirectory: String, id: String) {
        final = (outDirectory as NSString).appendingPathComponent(id)
        staging = (outDirectory as NSString).appendingPathComponent(".\(id).partial")
    }

    /// Checkpoints live under `checkpoints/seed-S/`; a seed's finished record under `seeds/` (both resumable).
    static func isCheckpoint(_ name: String) -> Bool {
        name.hasPrefix("checkpoint-") || name == "checkpoints" || name == "seeds"
    }

    /// Where `path`, written in a staging folder (`DIR/.NN-name.partial/…`), will be once the run has finished
    /// (`DIR/NN-name/…`), for messages; any other path as it is.
    static func finalPath(of path: String) -> String {
        var parts = (path as NSString).pathComponents
        guard let i = parts.lastIndex(where: { $0.hasPrefix(".") && $0.hasSuffix(".partial") && $0.count > 9 })
        else { return path }
        parts[i] = String(parts[i].dropFirst().dropLast(".partial".count))
        return NSString.path(withComponents: parts)
    }

    /// The seed a resumable file belongs to: `seeds/seed-S.json` and everything under `checkpoints/seed-S/`;
    /// nil for any other name (a checkpoint of an older layout, kept whatever the seeds).
    static func seed(of name: String) -> UInt64? {
        let parts = name.split(separator: "/", omittingEmptySubsequences: true)
        if parts.count == 2, parts[0] == "seeds", parts[1].hasPrefix("seed-"), parts[1].hasSuffix(".json") {
            return UInt64(parts[1].dropFirst("seed-".count).dropLast(".json".count))
        }
        if parts.count >= 2, parts[0] == "checkpoints", parts[1].hasPrefix("seed-") {
            return UInt64(parts[1].dropFirst("seed-".count))
        }
        return nil
    }

    /// Creates the staging folder: a fresh one unless resuming; when resuming, the records and checkpoints a
    /// killed run left there for seeds other than `seeds` are removed, so that the run carries only its own.
    ///
    /// The run writes only real folders and files of its own there: a symbolic link at the final folder's or the
    /// staging folder's name, or anywhere inside a staging folder kept for `--resume`, is refused in one line (it
    /// would send files outside the output folder, or delete files where it points).
    func prepare(resume: Bool, seeds: [UInt64]) throws {
        let fm = FileManager.default
        if let link = [final, staging].first(where: isSymbolicLink) {
            throw LessonError(
                "\(link) is a symbolic link where this program keeps a folder of its own; remove it (rm '\(link)') "
                    + "and run again")
        }
        if !resume, fm.fileExists(atPath: staging) {
            try? fm.removeItem(atPath: staging)
        }
        try prepareDirectory(staging, noLinkBelow: (staging as NSString).deletingLastPathComponent)
        guard resume else { return }
        if let link = firstSymbolicLink(under: staging) {
            throw LessonError(
                "\(link) is a symbolic link inside a staging folder, where this program makes none; remove it, or "
                    + "run without --resume")
        }
        let wanted = Set(seeds)
        for top in ["seeds", "checkpoints"] {
            let dir = (staging as NSString).appendingPathComponent(top)
            for name in (try? fm.contentsOfDirectory(atPath: dir)) ?? [] {
                guard let seed = RunFolder.seed(of: top + "/" + name), !wanted.contains(seed) else { continue }
                try? fm.removeItem(atPath: (dir as NSString).appendingPathComponent(name))
            }
        }
    }

    /// The checkpoint `name` a resumed run reads: the staging folder's (left by a killed run, the newest) if
    /// there is one, else the final folder's.
    func checkpointToResume(_ name: String) -> String {
        let staged = (staging as NSString).appendingPathComponent(name)
        return FileManager.default.fileExists(atPath: staged)
            ? staged
            : (final as NSString).appendingPathComponent(name)
    }

    /// Copies the final folder's checkpoints of `seeds` that the staging folder lacks into it (a resumed run that
    /// did not rewrite one, e.g. of a rule finished before the interruption, still keeps it). Those of other
    /// seeds stay behind: the run's folder holds the seeds it was asked for, and no others.
    func carryCheckpoints(seeds: [UInt64]) throws {
        let fm = FileManager.default
        for top in (try? fm.contentsOfDirectory(atPath: final)) ?? [] where RunFolder.isCheckpoint(top) {
            let source = (final as NSString).appendingPathComponent(top)
            var isDir: ObjCBool = false
            _ = fm.fileExists(atPath: source, isDirectory: &isDir)
            let names = isDir.boolValue ? (fm.subpaths(atPath: source) ?? []).map { top + "/" + $0 } : [top]
            for name in names where RunFolder.seed(of: name).map(seeds.contains) ?? true {
                let from = (final as NSString).appendingPathComponent(name)
                let target = (staging as NSString).appendingPathComponent(name)
                // Regular files only: a folder or FIFO under a checkpoint's name is no checkpoint (and copying a
                // FIFO would wait for a writer forever).
                guard isRegularFile(from), !fm.fileExists(atPath: target) else { continue }
                do {
                    try fm.createDirectory(
                        atPath: (target as NSString).deletingLastPathComponent,
                        withIntermediateDirectories: true)
                    try fm.copyItem(atPath: from, toPath: target)
                } catch {
                    throw LessonError(
                        "cannot copy checkpoint \(name) into \(staging); check that the output folder "
                            + "is writable or choose another with --out DIR")
                }
            }
        }
    }

    /// Swaps the staging folder in as the final folder; the previous final folder is removed. With `resume`,
    /// the previous folder's checkpoints of `seeds` that this run did not rewrite are kept.
    func commit(resume: Bool, seeds: [UInt64]) throws {
        let fm = FileManager.default
        if resume { try carryCheckpoints(seeds: seeds) }
        let old = ((final as NSString).deletingLastPathComponent as NSString)
            .appendingPathComponent(temporaryName(for: (final as NSString).lastPathComponent + ".old"))
        let hadFinal = fm.fileExists(atPath: final)
        guard !hadFinal || rename(final, old) == 0, rename(staging, final) == 0 else {
            throw LessonError(
                "cannot move this run's outputs from \(staging) into \(final) "
                    + "(\(String(cString: strerror(errno)))); check that the output folder is writable")
        }
        if hadFinal { try? fm.removeItem(atPath: old) }
    }

    /// After a run that failed before its outputs were complete: the final folder is left as it was; the
    /// staging folder is kept only when it holds checkpoints (for `--resume`), otherwise removed.
    func discard() {
        let fm = FileManager.default
        let names = (try? fm.contentsOfDirectory(atPath: staging)) ?? []
        if !names.contains(where: RunFolder.isCheckpoint) { try? fm.removeItem(atPath: staging) }
    }
}

/// Whether `path` itself is a symbolic link (it is not followed).
func isSymbolicLink(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
}

/// The first symbolic link found in the tree under `folder` (links are not followed), down to `depth` levels.
func firstSymbolicLink(under folder: String, depth: Int = 4) -> String? {
    for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
        let path = (folder as NSString).appendingPathComponent(name)
        var info = stat()
        guard lstat(path, &info) == 0 else { continue }
        if (info.st_mode & S_IFMT) == S_IFLNK { return path }
        if (info.st_mode & S_IFMT) == S_IFDIR, depth > 0, let inner = firstSymbolicLink(under: path, depth: depth - 1) {
            return inner
        }
    }
    return nil
}
