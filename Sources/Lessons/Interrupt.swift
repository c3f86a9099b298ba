import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Set by SIGINT while a long run has asked to be interrupted gracefully; read at epoch boundaries.
nonisolated(unsafe) var interruptRequested: sig_atomic_t = 0

/// Runs `body` with SIGINT caught: the first Ctrl-C sets a flag that training loops check between epochs
/// (so the last complete checkpoint is kept and no file is left half-written); default handling is restored after.
func withGracefulInterrupt<T>(_ body: () throws -> T) rethrows -> T {
    interruptRequested = 0
    let previous = signal(SIGINT) { _ in interruptRequested = 1 }
    defer { signal(SIGINT, previous) }
    return try body()
}

var isInterruptRequested: Bool { interruptRequested != 0 }
