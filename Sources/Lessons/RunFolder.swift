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

    /// Creates the staging folder (a fresh one unless resuming).
    func prepare(resume: Bool) throws {
        if !resume, FileManager.default.fileExists(atPath: staging) {
            try? FileManager.default.removeItem(atPath: staging)
        }
        try prepareDirectory(staging)
    }

    /// The checkpoint `name` a resumed run reads: the staging folder's (left by a killed run, the newest) if
    /// there is one, else the final folder's.
    func checkpointToResume(_ name: String) -> String {
        let staged = (staging as NSString).appendingPathComponent(name)
        return FileManager.default.fileExists(atPath: staged)
            ? staged
            : (final as NSString).appendingPathComponent(name)
    }

    /// Copies the final folder's checkpoints that the staging folder lacks into it (a resumed run that did not
    /// rewrite one, e.g. of a rule finished before the interruption, still keeps it).
    func carryCheckpoints() throws {
        let fm = FileManager.default
        for top in (try? fm.contentsOfDirectory(atPath: final)) ?? [] where RunFolder.isCheckpoint(top) {
            let source = (final as NSString).appendingPathComponent(top)
            var isDir: ObjCBool = false
            fm.fileExists(atPath: source, isDirectory: &isDir)
            let names = isDir.boolValue ? (fm.subpaths(atPath: source) ?? []).map { top + "/" + $0 } : [top]
            for name in names {
                let from = (final as NSString).appendingPathComponent(name)
                let target = (staging as NSString).appendingPathComponent(name)
                var sub: ObjCBool = false
                guard fm.fileExists(atPath: from, isDirectory: &sub), !sub.boolValue,
                    !fm.fileExists(atPath: target)
                else { continue }
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
    /// the previous folder's checkpoints this run did not rewrite are kept.
    func commit(resume: Bool) throws {
        let fm = FileManager.default
        if resume { try carryCheckpoints() }
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
