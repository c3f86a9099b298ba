import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An exclusive hold on one lesson's output in an output folder, so that two processes never write the same
/// `NN-name/` (or its staging folder) at once: a second run, or an aggregate, into the same `--out` is refused
/// with one line while the first is running.
///
/// The hold is an advisory `flock` on `.NN-name.lock` beside the lesson's folder. The kernel drops it when the
/// process ends in any way (SIGKILL included), so a killed run never blocks the next one; the file itself is
/// removed when the hold is released normally. Two holds taken in one process conflict as well (each opens the
/// file anew), so tests can take one to stand for another process.
final class OutputLock {
    let path: String
    private var descriptor: Int32

    /// The lock file of lesson `id` in `outDirectory`.
    static func path(outDirectory: String, id: String) -> String {
        (outDirectory as NSString).appendingPathComponent(".\(id).lock")
    }

    /// Takes the hold on lesson `id`'s output in `outDirectory` (a folder that exists), or throws one line naming
    /// the process that holds it.
    init(outDirectory: String, id: String) throws {
        path = OutputLock.path(outDirectory: outDirectory, id: id)
        let folder = (outDirectory as NSString).appendingPathComponent(id)
        for _ in 0..<10 {
            // Never through a symbolic link: a link planted at the lock's name would make the run truncate, or
            // create, a file outside the output folder.
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o644)
            if fd < 0 && errno == ELOOP {
                throw LessonError(
                    "\(path) is a symbolic link, not the lock file this program makes; remove it (rm '\(path)') "
                        + "and run again")
            }
            var info = stat()
            if fd >= 0, fstat(fd, &info) != 0 || (info.st_mode & S_IFMT) != S_IFREG {
                close(fd)
                throw LessonError(
                    "\(path) is not a regular file, so not the lock file this program makes; remove it and run again")
            }
            guard fd >= 0 else {
                throw LessonError(
                    "cannot create the lock file \(path) (\(String(cString: strerror(errno)))); check that the "
                        + "output folder is writable or choose another with --out DIR")
            }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                let busy = errno == EWOULDBLOCK
                let holder = OutputLock.holder(fd)
                close(fd)
                guard busy else {
                    throw LessonError("cannot lock \(path); choose another output folder with --out DIR")
                }
                throw LessonError(
                    "another lesson process\(holder.map { " (\($0))" } ?? "") is writing \(folder) now; wait for it "
                        + "to finish or choose another output folder with --out DIR")
            }
            // The holder before us may have removed the file between our open and our lock: then the lock is on a
            // file nobody else will open, and we try again with the one at `path`.
            if OutputLock.isCurrent(fd, path: path) {
                descriptor = fd
                OutputLock.record(fd)
                return
            }
            close(fd)
        }
        throw LessonError("cannot lock \(path): it keeps being replaced; choose another output folder with --out DIR")
    }

    deinit { release() }

    /// Gives up the hold (and removes the lock file); calling it again does nothing.
    func release() {
        guard descriptor >= 0 else { return }
        unlink(path)
        close(descriptor)
        descriptor = -1
    }

    /// Whether `fd` is still the file at `path` (same device and inode).
    private static func isCurrent(_ fd: Int32, path: String) -> Bool {
        var open = stat()
        var named = stat()
        guard fstat(fd, &open) == 0, stat(path, &named) == 0 else { return false }
        return open.st_dev == named.st_dev && open.st_ino == named.st_ino
    }

    /// Writes "process PID" into the held file, for the message of a process refused.
    private static func record(_ fd: Int32) {
        let text = Array("process \(getpid())\n".utf8)
        guard ftruncate(fd, 0) == 0 else { return }
        _ = text.withUnsafeBufferPointer { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    /// The holder's "process PID", when it wrote one.
    private static func holder(_ fd: Int32) -> String? {
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = buffer.withUnsafeMutableBufferPointer { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        let text = String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.hasPrefix("process ") && !text.contains("\n") ? text : nil
    }
}
