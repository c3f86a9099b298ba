import Foundation
import LessonKit
import Lessons

// Standard output and standard error of `lesson`: results go to standard output through `say`, progress, notes
// and errors to standard error through `printError`; `finish` exits, reporting output that was lost.

/// Writes to standard error; a failure there cannot be reported anywhere, and must not trap.
func printError(_ text: String) {
    try? FileHandle.standardError.write(contentsOf: Data(text.utf8))
}

/// Why standard output failed, once it has (then nothing more is written to it).
@MainActor var outputLost: String?

/// Prints a line to standard output, unbuffered, so that a failed write (a full disk, /dev/full, a closed file)
/// is seen rather than lost silently at exit, and so that it comes before any progress printed after it.
@MainActor func say(_ text: String = "") {
    guard outputLost == nil else { return }
    do { try FileHandle.standardOutput.write(contentsOf: Data((text + "\n").utf8)) } catch {
        let ns = error as NSError
        let posix = ns.domain == NSPOSIXErrorDomain ? ns : ns.userInfo[NSUnderlyingErrorKey] as? NSError
        outputLost = posix.map { String(cString: strerror(Int32($0.code))) } ?? "write failed"
    }
}

/// Exits with `status`; when standard output failed, exits 1 with one line on standard error instead, since the
/// output was lost.
@MainActor func finish(_ status: Int32) -> Never {
    if let outputLost {
        printError("lesson: error: cannot write to standard output (\(outputLost)); the output was lost\n")
        exit(1)
    }
    exit(status)
}
