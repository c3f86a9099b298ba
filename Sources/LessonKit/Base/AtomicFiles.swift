import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The prefix and suffix of this program's temporary files: `.<final name>.tmp-<process id>`, in the folder of
/// the final file, so that one left behind by a killed run (SIGKILL during a write) is recognised by the next.
let temporaryMarker = ".tmp-"

/// The temporary name this process uses for `name` in its folder.
func temporaryName(for name: String) -> String {
    ".\(name)\(temporaryMarker)\(getpid())"
}

/// Writes `data` to `path` through a temporary file in the same folder and a rename, so that a reader never
/// sees a half-written file under the final name. Throws on any failure (full disk included) and then leaves
/// neither the temporary nor a partial final file.
package func writeFileAtomically(_ data: Data, to path: String) throws {
    let folder = (path as NSString).deletingLastPathComponent
    let tmp = (folder as NSString).appendingPathComponent(temporaryName(for: (path as NSString).lastPathComponent))
    do {
        try writeNewFile(data, at: tmp)
        guard rename(tmp, path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    } catch {
        unlink(tmp)
        throw error
    }
}

/// Writes `data` into a file created at `path`, which must not exist (`O_EXCL`; a leftover of this process's own
/// temporary name is removed first): a symbolic link planted at the temporary's name is never followed.
private func writeNewFile(_ data: Data, at path: String) throws {
    unlink(path)
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
    defer { close(fd) }
    try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
        var offset = 0
        while offset < buffer.count {
            let n = write(fd, buffer.baseAddress?.advanced(by: offset), buffer.count - offset)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw CocoaError(.fileWriteOutOfSpace, userInfo: [NSFilePathErrorKey: path]) }
            offset += n
        }
    }
}

/// Whether a temporary file named `name` was left behind by a process that is no longer running: this program's
/// `.<name>.tmp-<pid>` of a dead process, or Foundation's `.dat.nosync…` of an atomic write (used by earlier
/// versions for checkpoints, tens of MB each).
func isStaleTemporary(_ name: String) -> Bool {
    guard name.hasPrefix(".") else { return false }
    if name.hasPrefix(".dat.nosync") { return true }
    guard let marker = name.range(of: temporaryMarker, options: .backwards),
        let pid = Int32(name[marker.upperBound...]), pid > 0
    else { return false }
    if pid == getpid() { return false }
    return kill(pid, 0) != 0 && errno == ESRCH
}

/// Removes the temporary files that killed runs left in `folder` and in its subfolders down to `depth` levels
/// (a checkpoint's temporary sits in `checkpoints/seed-S/`); returns how many and their total bytes.
@discardableResult
func removeStaleTemporaries(in folder: String, depth: Int = 3) -> (count: Int, bytes: Int) {
    let fm = FileManager.default
    guard let names = try? fm.contentsOfDirectory(atPath: folder) else { return (0, 0) }
    var count = 0
    var bytes = 0
    for name in names {
        let path = (folder as NSString).appendingPathComponent(name)
        let attributes = try? fm.attributesOfItem(atPath: path)
        let type = attributes?[.type] as? FileAttributeType
        if type == .typeDirectory && !isStaleTemporary(name) {
            guard depth > 0 else { continue }
            let inner = removeStaleTemporaries(in: path, depth: depth - 1)
            count += inner.count
            bytes += inner.bytes
        } else if isStaleTemporary(name), (try? fm.removeItem(atPath: path)) != nil {
            count += 1
            bytes += (attributes?[.size] as? Int) ?? 0
        }
    }
    return (count, bytes)
}

/// Removes the temporary files that a killed run left in `folders` (and their checkpoint and record folders),
/// with one line saying so. The output folder itself is searched only at its top, not in other lessons' folders.
func cleanStaleTemporaries(_ folders: [String], outDirectory: String? = nil, log: (String) -> Void) {
    let removed =
        folders.map { removeStaleTemporaries(in: $0) }
        + [outDirectory.map { removeStaleTemporaries(in: $0, depth: 0) }]
        .compactMap { $0 }
    let count = removed.map(\.count).reduce(0, +)
    let bytes = removed.map(\.bytes).reduce(0, +)
    if count > 0 {
        log("removed \(count) temporary file\(count == 1 ? "" : "s") (\(bytes) bytes) left by an interrupted run")
    }
}

/// Creates the folder `path` (and its parents). With `noLinkBelow`, a folder at or under which this program makes
/// everything, no part of `path` below `noLinkBelow` may be a symbolic link (one planted there would send the
/// run's files outside the output folder): such a link is refused in one line.
func prepareDirectory(_ path: String, noLinkBelow base: String? = nil) throws {
    if let base {
        let parts = (path as NSString).pathComponents
        let baseCount = (base as NSString).pathComponents.count
        for k in stride(from: baseCount + 1, through: parts.count, by: 1) {
            let prefix = NSString.path(withComponents: Array(parts.prefix(k)))
            var info = stat()
            if lstat(prefix, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK {
                throw LessonError(
                    "\(prefix) is a symbolic link where this program keeps a folder of its own; remove it "
                        + "(rm '\(prefix)') and run again")
            }
        }
    }
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

/// Whether `path` is a regular file (or a link to one).
func isRegularFile(_ path: String) -> Bool {
    let resolved = (path as NSString).resolvingSymlinksInPath
    return (try? FileManager.default.attributesOfItem(atPath: resolved))?[.type] as? FileAttributeType
        == .typeRegular
}
