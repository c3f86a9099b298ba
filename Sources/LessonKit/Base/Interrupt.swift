import CInterrupt
import Foundation

/// How many `withGracefulInterrupt` calls are running (nested calls leave the outer handler and flag alone).
nonisolated(unsafe) private var gracefulInterruptDepth = 0

/// Runs `body` with SIGINT and SIGTERM caught: the first Ctrl-C, or the SIGTERM a job scheduler (Slurm) sends
/// before it kills a job, sets a flag that the runner checks between seeds and the training loops between
/// epochs and after training (so the last complete checkpoint is kept, no file is left half-written, and the
/// run ends "stopped" with exit status 1 and one line saying how to resume); a second signal exits at once with
/// status 128 + its number (130, 143), with one line on standard error (see Sources/CInterrupt). The previous
/// handling is restored after. The outermost call clears the flag; nested calls share it, so an interrupt seen
/// inside a lesson is seen by the runner too.
package func withGracefulInterrupt<T>(_ body: () throws -> T) rethrows -> T {
    if gracefulInterruptDepth == 0 { lesson_interrupt_install() }
    gracefulInterruptDepth += 1
    defer {
        gracefulInterruptDepth -= 1
        if gracefulInterruptDepth == 0 { lesson_interrupt_restore() }
    }
    return try body()
}

/// Whether Ctrl-C (or SIGTERM) came once since the outermost `withGracefulInterrupt` began.
package var isInterruptRequested: Bool { lesson_interrupt_requested() != 0 }

/// Behaves as if Ctrl-C had been pressed once (test hooks `interruptAfterEpochs`, `interruptDuringSeed`).
func requestInterrupt() { lesson_interrupt_request() }

/// Names `pid` as the helper process (gnuplot) that a second Ctrl-C or SIGTERM kills before it exits, so that
/// none is left running without the run; 0 for none.
func setInterruptChild(_ pid: Int32) { lesson_interrupt_set_child(pid) }
