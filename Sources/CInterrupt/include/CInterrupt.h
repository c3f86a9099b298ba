#ifndef CINTERRUPT_H
#define CINTERRUPT_H

#include <sys/types.h>

/// Ctrl-C and SIGTERM handling for long runs. The first SIGINT or SIGTERM (what Slurm and most job schedulers send
/// before they kill a job) sets a flag that the runner and the training loops read at epoch and seed boundaries
/// (and says so in one line); a second one of either writes one line, kills the helper process registered with
/// `lesson_interrupt_set_child` (gnuplot) and exits at once with status 128 + the signal's number (130 for SIGINT,
/// 143 for SIGTERM). The handler uses only async-signal-safe calls (write, kill, _exit) and static strings.

/// Installs the SIGINT and SIGTERM handler, clears the flag and unblocks both signals on the calling thread; the
/// previous dispositions and mask are kept for `restore`.
void lesson_interrupt_install(void);
/// Restores the dispositions (and the calling thread's mask) SIGINT and SIGTERM had before `install`.
void lesson_interrupt_restore(void);
/// Whether a SIGINT or SIGTERM arrived since `install` (or `lesson_interrupt_request` was called).
int lesson_interrupt_requested(void);
/// Sets the flag as a first SIGINT would, without the message (a test hook).
void lesson_interrupt_request(void);
/// The helper process to kill before an immediate exit (a second signal), or 0 for none.
void lesson_interrupt_set_child(pid_t pid);

#endif
