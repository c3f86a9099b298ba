#ifndef CINTERRUPT_H
#define CINTERRUPT_H

/// Ctrl-C handling for long runs. The first SIGINT sets a flag that the runner and the training loops read at
/// epoch and seed boundaries (and says so in one line); a second one writes one line and exits with status 130
/// at once. The handler uses only async-signal-safe calls (write, _exit) and static strings.

/// Installs the SIGINT handler, clears the flag and unblocks SIGINT on the calling thread; the previous
/// disposition and mask are kept for `restore`.
void lesson_interrupt_install(void);
/// Restores the disposition (and the calling thread's mask) SIGINT had before `install`.
void lesson_interrupt_restore(void);
/// Whether a SIGINT arrived since `install` (or `lesson_interrupt_request` was called).
int lesson_interrupt_requested(void);
/// Sets the flag as a first SIGINT would, without the message (a test hook).
void lesson_interrupt_request(void);

#endif
